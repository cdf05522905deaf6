"""A running backfill's progress in headless Chromium: the tab refreshes itself by reading
that one backfill, not the whole list."""

from __future__ import annotations

from playwright.sync_api import expect


def test_the_running_backfill_is_refreshed_alone(server, emu, page, wait_for_app, open_detail):
    export = next(x for x in emu.batch_exports.values() if x["name"] == "BigQuery marketing")
    running = next(
        b for b in emu.backfills.values() if b["batch_export"] == export["id"] and not b["status"]
    )
    main = open_detail(page, server, "batch-exports", export["id"], tab="Backfills")
    expect(main).to_contain_text("1 running · refreshing every 3 seconds")
    before = len(emu.requests)
    page.wait_for_timeout(7_000)  # two refreshes at least
    base = f"/batch_exports/{export['id']}/backfills/"
    reads = [r.path for r in emu.requests[before:] if r.method == "GET" and base in r.path]
    assert reads and all(p.endswith(f"{base}{running['id']}/") for p in reads), reads
