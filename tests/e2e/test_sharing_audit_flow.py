"""The sharing audit acting, as an operator does it, in headless Chromium against
`streamlit run app.py` connected to an emulator: Audit > Shared publicly, every item ticked at
once, public sharing turned off after the preview, and nothing left shared."""

from __future__ import annotations

from playwright.sync_api import expect

from emulator.analytics import live_insights, stored_dashboards
from services.journal import Journal
from tests.e2e.downloads import csv_rows


def _shared(emu) -> set[tuple[str, str]]:
    dashboards = {
        ("dashboard", str(d["id"]))
        for d in stored_dashboards(emu)
        if not d["deleted"] and (d["sharing"] or {}).get("enabled")
    }
    insights = {
        ("insight", str(i["id"])) for i in live_insights(emu) if (i["sharing"] or {}).get("enabled")
    }
    return dashboards | insights


def test_turn_off_public_sharing_for_everything_the_audit_lists(
    server, emu, page, wait_for_app, bulk_preview
):
    shared = _shared(emu)
    assert {kind for kind, _ in shared} == {"dashboard", "insight"}
    page.goto(f"{server.url}/analytics-audit")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    main.get_by_role("tab", name="Shared publicly").click()
    wait_for_app(page)
    open_preview, _confirm = bulk_preview
    preview = open_preview(
        page,
        emu,
        "audit_shared_bulk",
        f"Select all {len(shared)} shared publicly",
        "Turn off public sharing",
    )
    expect(preview).to_contain_text(f"{len(shared)} will change")
    preview.get_by_role("button", name=f"Turn off public sharing: {len(shared)} items").click()
    # the audit is read again after the batch: one sharing read per insight, within
    # PostHog's 240 a minute, so the page may wait for the limiter
    run = page.locator(".st-key-bulk_run")
    expect(run).to_contain_text(f"Finished. done: {len(shared)}", timeout=90_000)
    expect(main).to_contain_text("0 dashboards and 0 insights shared publicly", timeout=90_000)
    wait_for_app(page)

    assert not _shared(emu)
    writes = [r for r in emu.requests if r.method != "GET"]
    assert all(r.method == "PATCH" and r.json == {"enabled": False} for r in writes)
    written = sorted(
        ("dashboard" if "/dashboards/" in r.path else "insight", r.path.split("/")[-3])
        for r in writes
    )
    assert written == sorted(shared)  # one sharing write per item

    rows = csv_rows(page, run)
    assert sorted((r["id"], r["Outcome"]) for r in rows) == sorted(
        (object_id, "done") for _, object_id in shared
    )
    batch = Journal(server.journal_url).entries()
    assert {(e.resource, e.object_id) for e in batch} == shared
    assert len({e.batch_id for e in batch}) == 1
