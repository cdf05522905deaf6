"""The journal as an operator uses it, in headless Chromium against `streamlit run app.py`
connected to an emulator: a disable from the list shows on /journal, and Undo there enables
the function again."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from services.journal import Journal
from tests.e2e.downloads import csv_rows

ROOT = Path(__file__).resolve().parents[2]


def _journal(server) -> Journal:
    """The server's own journal (tests/e2e/conftest.py gives each server one)."""
    return Journal(server.journal_url)


def test_disable_then_undo_from_the_journal(
    server, emu, page, wait_for_app, searchable_function, pick_function
):
    target = searchable_function(emu, enabled=True, type="destination")
    actions = pick_function(page, server, target["name"])
    actions.get_by_role("switch", name="Enabled").click(force=True)
    wait_for_app(page)
    page.get_by_role("dialog").get_by_role("button", name="Disable").click()
    wait_for_app(page)
    assert emu.stored_hog_function(target["id"])["enabled"] is False

    page.goto(f"{server.url}/journal")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Journal")).to_be_visible()
    rows = csv_rows(page, main)  # the table is drawn on a canvas: read its rows from its CSV
    assert [(r["User"], r["Action"], r["Name"], r["Outcome"]) for r in rows] == [
        ("local", "Disable function", target["name"], "done")
    ]
    assert rows[0]["Object"] == f"/hog-functions?id={target['id']}"
    entry = page.locator(".st-key-journal_entry")  # the only row is picked by itself
    expect(entry).to_contain_text(target["name"])

    entry.get_by_role("button", name="Undo: Enable function").click()
    wait_for_app(page)
    assert emu.stored_hog_function(target["id"])["enabled"] is True
    undo, disable = _journal(server).entries()
    assert (disable.outcome, disable.user) == ("done", "local")
    assert (undo.action_key, undo.outcome, undo.undoes) == (
        "hog_function.enable",
        "done",
        disable.id,
    )
    # the rerun after the undo has drawn once the entry's Undo is disabled
    expect(entry.get_by_role("button", name="Undo: Enable function")).to_be_disabled()
    expect(entry).to_contain_text(f"#{disable.id}")  # still the undone entry, not the new row
    assert [r["Outcome"] for r in csv_rows(page, main)] == ["done", "done (undone)"]

    entry.get_by_role("button", name="Open hog function").click()
    # the address changes after the switched-to page starts: wait for it, not the first rerun
    expect(page).to_have_url(re.compile(re.escape(f"/hog-functions?id={target['id']}") + "$"))
    wait_for_app(page)
    expect(
        page.get_by_test_id("stMain").get_by_role("heading", name=target["name"])
    ).to_be_visible()
