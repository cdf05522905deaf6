"""Batch exports as an operator does it, in headless Chromium against `streamlit run app.py`
connected to an emulator through the POSTHOG_* variables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from emulator.batch_exports import stored_export


def _export(emu, prefix: str) -> dict:
    return next(
        x for x in emu.batch_exports.values() if x["name"].startswith(prefix) and x["team_id"] == 1
    )


def _writes(emu, export_id: str) -> list:
    return [r for r in emu.requests if r.method != "GET" and export_id in r.path]


def _date(page, label: str, value) -> None:
    """Streamlit's date input is a set of year/month/day spin buttons: type into them."""
    page.get_by_test_id("stMain").get_by_role("spinbutton", name=f"year, {label}").click()
    page.keyboard.type(value.strftime("%Y%m%d"), delay=20)
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")  # close the calendar if it opened


def _running(main, *, checked: bool):
    return main.get_by_role("switch", name="Running", checked=checked)


def test_pause_and_unpause_and_the_server_agrees(server, emu, page, wait_for_app, open_detail):
    export = _export(emu, "Events to S3")
    main = open_detail(page, server, "batch-exports", export["id"])
    main.get_by_role("switch", name="Running").click(force=True)
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("will stop exporting")
    assert _writes(emu, export["id"]) == []  # nothing before the confirmation
    dialog.get_by_role("button", name="Pause").click()
    wait_for_app(page)
    assert emu.batch_exports[export["id"]]["paused"] is True
    # the rerun after the dialog may still be drawing: the switched-on one goes when it ends
    expect(_running(main, checked=True)).to_have_count(0, timeout=30_000)
    expect(_running(main, checked=False)).to_have_count(1)
    _running(main, checked=False).click(force=True)
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("missed while paused")
    dialog.get_by_role("button", name="Resume").click()
    wait_for_app(page)
    assert emu.batch_exports[export["id"]]["paused"] is False
    writes = _writes(emu, export["id"])
    assert [w.path.rsplit("/", 2)[-2] for w in writes] == ["pause", "unpause"]
    assert writes[1].json == {"backfill": False}
    expect(_running(main, checked=False)).to_have_count(0, timeout=30_000)
    expect(_running(main, checked=True)).to_have_count(1)


def test_backfill_ending_before_it_starts_is_refused_and_nothing_is_sent(
    server, emu, page, wait_for_app, open_detail
):
    export = _export(emu, "Postgres analytics")
    main = open_detail(page, server, "batch-exports", export["id"], tab="Backfills")
    main.get_by_text("Start a backfill").click()
    today = datetime.now(UTC).date()
    _date(page, "Start date", today - timedelta(days=2))
    wait_for_app(page)
    _date(page, "End date", today - timedelta(days=6))
    wait_for_app(page)
    main.get_by_role("button", name="Start backfill…").click()
    wait_for_app(page)
    expect(main).to_contain_text("The end must be after the start.")
    assert _writes(emu, export["id"]) == []


def test_a_backfill_is_created_shows_progress_and_is_cancelled(
    server, emu, page, wait_for_app, open_detail
):
    emu.backfill_run_seconds = 30.0  # slow enough to cancel while it runs
    export = _export(emu, "Postgres analytics")
    main = open_detail(page, server, "batch-exports", export["id"], tab="Backfills")
    main.get_by_text("Start a backfill").click()
    today = datetime.now(UTC).date()
    _date(page, "Start date", today - timedelta(days=30))
    wait_for_app(page)
    main.get_by_role("button", name="Start backfill…").click()
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"{(today - timedelta(days=30)).isoformat()} → ")
    assert not [w for w in _writes(emu, export["id"]) if w.path.endswith("/backfills/")]
    dialog.get_by_role("button", name="Start backfill").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stToast")).to_contain_text("Backfill started")
    created = [w for w in _writes(emu, export["id"]) if w.path.endswith("/backfills/")]
    assert created and created[0].json == {
        "start_at": (today - timedelta(days=30)).isoformat(),
        "end_at": today.isoformat(),
    }
    expect(main).to_contain_text("1 running · refreshing every")
    expect(main.get_by_test_id("stDataFrame").last).to_be_visible()
    main.get_by_role("button", name="Cancel backfill…").click()
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("of 30 runs")
    dialog.get_by_role("button", name="Cancel backfill").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stToast").last).to_contain_text("Cancelled the backfill")
    mine = [b for b in emu.backfills.values() if b["batch_export"] == export["id"]]
    assert [b["status"] for b in mine if b["created_at"].date() == today] == ["Cancelled"]


def test_renaming_an_export_keeps_its_stored_secrets(server, emu, page, wait_for_app, open_detail):
    export = _export(emu, "Snowflake warehouse")
    before = stored_export(emu, export["id"])["destination"]["config"]
    main = open_detail(page, server, "batch-exports", export["id"])
    name = main.locator("input[aria-label='Name']")
    name.fill("Snowflake warehouse (renamed)")
    name.press("Enter")
    wait_for_app(page)
    main.get_by_role("button", name="Review and save").click()
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Snowflake warehouse (renamed)")
    dialog.get_by_role("button", name="Save").click()
    wait_for_app(page)
    after = stored_export(emu, export["id"])
    assert after["name"] == "Snowflake warehouse (renamed)"
    assert after["destination"]["config"] == before
    patches = [w.json for w in _writes(emu, export["id"]) if w.method == "PATCH"]
    assert patches == [{"name": "Snowflake warehouse (renamed)"}]
