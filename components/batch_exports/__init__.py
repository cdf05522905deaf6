"""Batch exports: the list, one export's detail, its forms, pause switch, runs, backfills
and test steps."""
