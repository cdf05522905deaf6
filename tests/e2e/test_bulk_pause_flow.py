"""A bulk pause as an operator does it during a warehouse migration, in headless Chromium
against `streamlit run app.py` connected to an emulator: every export of the batch exports list
ticked at once, the preview, then one pause request per running export, none for those already
paused, and a result table with one row per export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import expect

from services.journal import Journal


def _exports(emu) -> list[dict]:
    return [x for x in emu.batch_exports.values() if x["team_id"] == 1 and not x["deleted"]]


def _results(page, run) -> list[dict]:
    """The result table is drawn on a canvas: its rows come from its CSV download."""
    with page.expect_download() as download:
        run.get_by_role("button", name="Download CSV").click()
    return list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))


def test_bulk_pause_of_every_export(server, emu, page, wait_for_app):
    exports = _exports(emu)
    running = {x["id"] for x in exports if not x["paused"]}
    paused = {x["id"] for x in exports if x["paused"]}
    assert running and paused
    page.goto(f"{server.url}/batch-exports")
    wait_for_app(page)
    bar = page.locator(".st-key-be_list_bulk")
    bar.get_by_text(f"Select all {len(exports)} matching the filters").click()
    wait_for_app(page)
    expect(bar).to_contain_text(f"{len(exports)} exports selected")
    emu.clear_requests()
    bar.get_by_role("button", name="Pause").click()
    wait_for_app(page)

    preview = page.get_by_role("dialog")
    expect(preview).to_contain_text(f"{len(running)} will change")
    expect(preview).to_contain_text(f"{len(paused)} skipped: Already paused ({len(paused)})")
    assert not [r for r in emu.requests if r.method != "GET"]  # nothing sent yet
    preview.get_by_role("button", name=f"Pause export: {len(running)} items").click()
    wait_for_app(page)

    run = page.locator(".st-key-bulk_run")
    expect(run).to_contain_text("Finished.", timeout=60_000)
    writes = [r for r in emu.requests if r.method != "GET"]
    assert all(r.method == "POST" and r.path.endswith("/pause/") for r in writes)
    assert sorted(r.path.split("/")[-3] for r in writes) == sorted(running)  # one each
    assert all(x["paused"] for x in _exports(emu))

    rows = _results(page, run)
    assert sorted(r["id"] for r in rows) == sorted(running | paused)  # one row per export
    outcomes = {r["id"]: (r["Outcome"], r["Reason"]) for r in rows}
    assert {outcomes[i] for i in running} == {("done", "")}
    assert {outcomes[i] for i in paused} == {("skipped", "Already paused")}
    batch = Journal(server.journal_url).entries()
    assert len(batch) == len(rows) and len({e.batch_id for e in batch}) == 1
    assert {e.object_id for e in batch if e.outcome == "done"} == running
