"""A bulk disable as an operator does it, in headless Chromium against `streamlit run app.py`
connected to an emulator: every matching destination ticked at once, the preview saying what
will change and what is skipped, one PATCH per enabled function, then the whole batch undone
from the Journal."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from services.journal import Journal
from tests.e2e.downloads import csv_rows

VENDOR = "Discord"  # a retired vendor: every one of its destinations is switched off


def _destinations(emu) -> list[dict]:
    return [
        f
        for f in emu.stored_hog_functions(1)
        if not f["deleted"]
        and f["type"] == "destination"
        and VENDOR.lower() in f"{f['name']} {f.get('description') or ''}".lower()
    ]


def test_bulk_disable_with_its_preview_then_undo_the_batch(
    server, emu, page, wait_for_app, bulk_preview
):
    enabled = {f["id"] for f in _destinations(emu) if f["enabled"]}
    already_off = {f["id"] for f in _destinations(emu) if not f["enabled"]}
    assert enabled and already_off
    page.goto(f"{server.url}/hog-functions?type=destination")
    wait_for_app(page)
    search = page.locator("input[aria-label='Search']")
    search.fill(VENDOR)
    search.press("Enter")
    wait_for_app(page)
    open_preview, confirm = bulk_preview
    total = len(enabled) + len(already_off)
    preview = open_preview(
        page, emu, "hf_list_bulk", f"Select all {total} matching the filters", "Disable"
    )
    expect(preview).to_contain_text(f"{len(enabled)} will change")
    expect(preview).to_contain_text(f"{len(already_off)} skipped: Already disabled")
    run = confirm(page, preview, f"Disable function: {len(enabled)} items")
    patches = [r for r in emu.requests if r.method == "PATCH"]
    assert sorted(r.path.split("/")[-2] for r in patches) == sorted(enabled)
    assert all(r.json == {"enabled": False} for r in patches)
    assert not [f for f in _destinations(emu) if f["enabled"]]
    rows = csv_rows(page, run)
    assert sorted(r["Outcome"] for r in rows) == sorted(
        ["done"] * len(enabled) + ["skipped"] * len(already_off)
    )
    batch = Journal(server.journal_url).entries()  # one entry per item, skipped ones too
    assert len(batch) == len(rows) and len({e.batch_id for e in batch}) == 1
    assert {e.object_id for e in batch if e.outcome == "done"} == enabled

    run.get_by_role("button", name="Open in the Journal").click()
    expect(page).to_have_url(re.compile(r"/journal\?batch=" + batch[0].batch_id + "$"))
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    emu.clear_requests()
    main.get_by_role("button", name=f"Undo the whole batch ({len(enabled)} of").click()
    wait_for_app(page)
    preview = page.get_by_role("dialog")
    expect(preview).to_contain_text(f"{len(enabled)} will change")
    preview.get_by_role("button", name=f"Enable function: {len(enabled)} items").click()
    wait_for_app(page)
    expect(page.locator(".st-key-bulk_run")).to_contain_text("Finished.", timeout=60_000)
    patches = [r for r in emu.requests if r.method == "PATCH"]
    assert sorted(r.path.split("/")[-2] for r in patches) == sorted(enabled)
    assert all(r.json == {"enabled": True} for r in patches)
    assert {f["id"] for f in _destinations(emu) if not f["enabled"]} == already_off


def test_stop_midway_leaves_a_journal_and_results_that_say_exactly_what_was_done(
    server, emu, page, wait_for_app
):
    every = [f for f in emu.stored_hog_functions(1) if not f["deleted"]]
    page.goto(f"{server.url}/hog-functions")
    wait_for_app(page)
    bar = page.locator(".st-key-hf_list_bulk")
    bar.get_by_text(f"Select all {len(every)} matching the filters").click()
    wait_for_app(page)
    bar.get_by_role("button", name="Disable").click()
    wait_for_app(page)
    page.get_by_role("dialog").get_by_role("button", name=re.compile("Disable function")).click()
    run = page.locator(".st-key-bulk_run")
    expect(run).to_contain_text(re.compile(r"[1-9]\d* of \d+:"), timeout=30_000)  # under way
    run.get_by_role("button", name="Stop").click()
    expect(run).to_contain_text("Stopped.", timeout=60_000)
    wait_for_app(page)

    book = Journal(server.journal_url)
    batch = book.entries(batch_id=book.entries(limit=1)[0].batch_id)  # this run's
    assert len(batch) == len(every)
    assert {e.outcome for e in batch} == {"done", "skipped"}
    stopped = {e.object_id for e in batch if e.reason == "Stopped before it was sent"}
    done = {e.object_id for e in batch if e.outcome == "done"}
    assert stopped and done  # it stopped midway
    now = {f["id"]: f for f in emu.stored_hog_functions(1)}
    was_on = {f["id"] for f in every if f["enabled"]}
    # exactly the items journaled done were switched off; every other one is as it was
    assert {i for i in was_on if not now[i]["enabled"]} == done
    assert all(now[i]["enabled"] for i in stopped & was_on)
    rows = csv_rows(page, run)
    assert {r["id"] for r in rows if r["Outcome"] == "done"} == done
    assert {r["id"] for r in rows if r["Outcome"] == "not sent (stopped)"} == stopped
