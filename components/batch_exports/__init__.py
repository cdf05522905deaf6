"""Batch exports: the list, one export's detail, its forms and their words (fields), pause
switch, runs, backfills and test steps; every write they make is declared in actions."""
