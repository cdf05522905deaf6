"""A bulk pause as an operator does it during a warehouse migration, in headless Chromium
against `streamlit run app.py` connected to an emulator: every export of the batch exports list
ticked at once, the preview, then one pause request per running export, none for those already
paused, and a result table with one row per export."""

from __future__ import annotations

from playwright.sync_api import expect

from services.journal import Journal
from tests.e2e.downloads import csv_rows


def _exports(emu) -> list[dict]:
    return [x for x in emu.batch_exports.values() if x["team_id"] == 1 and not x["deleted"]]


def test_bulk_pause_of_every_export(server, emu, page, wait_for_app, bulk_preview):
    exports = _exports(emu)
    running = {x["id"] for x in exports if not x["paused"]}
    paused = {x["id"] for x in exports if x["paused"]}
    assert running and paused
    page.goto(f"{server.url}/batch-exports")
    wait_for_app(page)
    open_preview, confirm = bulk_preview
    preview = open_preview(
        page, emu, "be_list_bulk", f"Select all {len(exports)} matching the filters", "Pause"
    )
    expect(preview).to_contain_text(f"{len(running)} will change")
    expect(preview).to_contain_text(f"{len(paused)} skipped: Already paused ({len(paused)})")
    run = confirm(page, preview, f"Pause export: {len(running)} items")
    writes = [r for r in emu.requests if r.method != "GET"]
    assert all(r.method == "POST" and r.path.endswith("/pause/") for r in writes)
    assert sorted(r.path.split("/")[-3] for r in writes) == sorted(running)  # one each
    assert all(x["paused"] for x in _exports(emu))

    rows = csv_rows(page, run)
    assert sorted(r["id"] for r in rows) == sorted(running | paused)  # one row per export
    outcomes = {r["id"]: (r["Outcome"], r["Reason"]) for r in rows}
    assert {outcomes[i] for i in running} == {("done", "")}
    assert {outcomes[i] for i in paused} == {("skipped", "Already paused")}
    batch = Journal(server.journal_url).entries()
    assert len(batch) == len(rows) and len({e.batch_id for e in batch}) == 1
    assert {e.object_id for e in batch if e.outcome == "done"} == running
