"""Reading one backfill alone, against the emulator over loopback."""

from __future__ import annotations

import uuid

import pytest

from services import errors as e


def _export(client, name_prefix: str):
    return next(x for x in client.batch_exports.list() if x.name.startswith(name_prefix))


def test_one_backfill_is_read_alone_with_its_progress(client, emulator):
    export = _export(client, "BigQuery marketing")  # its seeded backfill is running
    listed = next(b for b in client.batch_exports.backfills(export.id) if b.is_running)
    emulator.clear_requests()
    backfill = client.batch_exports.backfill(export_id=export.id, backfill_id=listed.id)
    assert (backfill.id, backfill.start_at, backfill.end_at) == (
        listed.id,
        listed.start_at,
        listed.end_at,
    )
    assert backfill.is_running and backfill.progress.total_runs == listed.progress.total_runs
    [sent] = emulator.requests
    assert (sent.method, sent.path) == (
        "GET",
        f"/api/projects/{emulator.project_id}/batch_exports/{export.id}/backfills/{listed.id}/",
    )


def test_a_backfill_id_that_cannot_be_one_is_never_sent(client, emulator):
    export = _export(client, "BigQuery marketing")
    emulator.clear_requests()
    with pytest.raises(e.InvalidId, match="backfill"):
        client.batch_exports.backfill(export_id=export.id, backfill_id="../../../users/@me")
    with pytest.raises(e.InvalidId, match="batch export"):
        client.batch_exports.backfill(export_id="../x", backfill_id=str(uuid.uuid4()))
    assert emulator.requests == []
    with pytest.raises(e.NotFound):
        client.batch_exports.backfill(export_id=export.id, backfill_id=str(uuid.uuid4()))
