"""Pieces every resource uses: the connection, cached reads, messages, tables, text."""
