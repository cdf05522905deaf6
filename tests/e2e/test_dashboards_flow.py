"""Dashboard collaborators, and delete then restore, as an operator does them, in headless
Chromium against `streamlit run app.py` connected to an emulator through the POSTHOG_*
variables."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from emulator.analytics import stored_dashboard_named
from emulator.analytics.seed import user_uuid
from services.journal import Journal

ROOT = Path(__file__).resolve().parents[2]


def _collaborator_writes(emu, dashboard_id: int) -> list:
    return [
        r
        for r in emu.requests
        if r.method != "GET" and f"/dashboards/{dashboard_id}/collaborators/" in r.path
    ]


def _open_editors(page, server, wait_for_app, dashboard_id: int):
    page.goto(f"{server.url}/dashboards?id={dashboard_id}")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    main.get_by_role("tab", name="Who can edit").click()
    wait_for_app(page)
    return main


def _choose(page, main, label: str, option: str, wait_for_app) -> None:
    main.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option).click()
    wait_for_app(page)


def test_a_collaborator_is_added_and_removed(server, emu, page, wait_for_app):
    dash = stored_dashboard_named(emu, "Engineering health")  # Ada's, only collaborators edit
    assert dash["collaborators"] == [3]
    main = _open_editors(page, server, wait_for_app, dash["id"])
    expect(main).to_contain_text("Chen Wei")
    _choose(
        page, main, "Invite a project member", "Bruno Silva (bruno@hedgebox.example)", wait_for_app
    )
    main.get_by_role("button", name="Add collaborator").click()
    wait_for_app(page)
    table = main.get_by_test_id("stDataFrame").first
    expect(table).to_contain_text("Bruno Silva")
    assert stored_dashboard_named(emu, "Engineering health")["collaborators"] == [3, 2]
    writes = _collaborator_writes(emu, dash["id"])
    assert [(w.method, w.json, w.status) for w in writes] == [
        ("POST", {"user_uuid": user_uuid(2), "level": 37}, 201)
    ]

    _choose(
        page, main, "Remove a collaborator", "Bruno Silva (bruno@hedgebox.example)", wait_for_app
    )
    main.get_by_role("button", name="Remove…").click()
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("will no longer be able to edit")
    assert len(_collaborator_writes(emu, dash["id"])) == 1  # nothing before confirming
    dialog.get_by_role("button", name="Remove", exact=True).click()
    wait_for_app(page)
    expect(table).not_to_contain_text("Bruno Silva")
    assert stored_dashboard_named(emu, "Engineering health")["collaborators"] == [3]
    writes = _collaborator_writes(emu, dash["id"])
    assert [(w.method, w.status) for w in writes] == [("POST", 201), ("DELETE", 204)]
    assert writes[1].path.rstrip("/").endswith(user_uuid(2))


def test_adding_to_an_everyone_can_edit_dashboard_shows_the_explanation(
    server, emu, page, wait_for_app
):
    dash = stored_dashboard_named(emu, "Product overview")  # everyone in the project edits
    main = _open_editors(page, server, wait_for_app, dash["id"])
    main.get_by_role("button", name="Add collaborator").click()
    wait_for_app(page)
    refusal = main.get_by_test_id("stAlert").filter(has_text="was not added")
    expect(refusal).to_contain_text("Switch it to “Only collaborators can edit” first")
    assert stored_dashboard_named(emu, "Product overview")["collaborators"] == []
    assert all(w.status >= 400 for w in _collaborator_writes(emu, dash["id"]))


def test_delete_asks_for_the_name_then_restore_from_the_list(
    server, emu, page, wait_for_app, open_detail
):
    dash = stored_dashboard_named(emu, "Support & retention")
    main = open_detail(page, server, "dashboards", dash["id"], tab="Danger zone")
    main.get_by_role("button", name="Delete dashboard…").click()
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Type the dashboard's name to delete")
    delete = dialog.get_by_role("button", name="Delete", exact=True)
    expect(delete).to_be_disabled()
    dialog.get_by_label("Dashboard name").fill("Support & retention")
    dialog.get_by_label("Dashboard name").press("Enter")
    wait_for_app(page)
    expect(delete).to_be_enabled()
    delete.click()
    wait_for_app(page)
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert stored_dashboard_named(emu, "Support & retention")["deleted"] is True
    [write] = [r for r in emu.requests if r.method != "GET" and r.path.endswith(f"/{dash['id']}/")]
    assert (write.method, write.json) == ("PATCH", {"deleted": True})
    journal = Journal(server.journal_url).entries()
    deleted = next(e for e in journal if e.action_key == "dashboard.delete")
    assert (deleted.outcome, deleted.object_name) == ("done", "Support & retention")

    # back on the list (the detail's id is gone), it waits under "Deleted in this session"
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text("Deleted in this session")
    main.get_by_role("button", name="Restore").click()
    wait_for_app(page)
    assert stored_dashboard_named(emu, "Support & retention")["deleted"] is False
    expect(main).not_to_contain_text("Deleted in this session")
