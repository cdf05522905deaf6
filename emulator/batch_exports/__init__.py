"""Batch exports, their runs and backfills, and legacy app metrics (posthog-api.md §2 and §5):
`model` (validation, serializers), `seed` (demo data) and one handler module per resource."""

from emulator.batch_exports.model import stored_export

__all__ = ["stored_export"]
