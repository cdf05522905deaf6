"""Dashboard writes on the one write path, under AppTest against the emulator: each is
journaled with its before → after and, where PostHog allows, undone from a bare journal row;
a stale edit is refused before anything is sent; removing a tile asks first; and in audit mode
every write control is disabled, saying why, and PostHog receives nothing."""

from __future__ import annotations

import os

from emulator.analytics import stored_dashboard, stored_dashboard_named, stored_insight
from emulator.analytics.seed import user_uuid
from services.journal import Journal
from tests.app.test_dashboards import (
    CREATE,
    DETAIL,
    LIST,
    _button,
    _detail,
    _text,
    _widget,
    _writes,
)

AUDIT_MODE = "Audit mode is on"

# What the Journal page's Undo does: the reverse action on a Target built from the row alone.
UNDO = """
import streamlit as st
from components.dashboards import actions  # noqa: F401  (declares the dashboard actions)
from components.shared.actions import ACTIONS, Target, request
from components.shared.connection import get_client
if st.button("Undo", key="undo"):
    row = st.session_state["row"]
    request(
        get_client(),
        ACTIONS[row["action_key"]].undo,
        Target("dashboard", int(row["object_id"]), row["object_name"]),
        undoes=row["id"],
        **row["undo_params"],
    )
"""
COLLABORATORS = """
import streamlit as st
from components.dashboards import collaborators
from components.shared import data
from components.shared.connection import get_client
client = get_client()
collaborators.render(client, data.dashboard(client, st.session_state["dashboard_id"]))
"""


def _journal() -> list:
    """Journal entries, oldest first."""
    return sorted(Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries(), key=lambda e: e.id)


def _undo(run_script, entry):
    row = {
        "action_key": entry.action_key,
        "object_id": entry.object_id,
        "object_name": entry.object_name,
        "id": entry.id,
        "undo_params": entry.undo_params or {},
    }
    at = run_script(UNDO, row=row)
    return at.button(key="undo").click().run()


def test_pinning_from_the_list_journals_one_row_undone_by_unpinning(connect_env, run_script):
    dash = stored_dashboard_named(connect_env, "Engineering health")
    at = run_script(LIST)
    at.text_input(key="dash_list_search").input("engineering health").run()
    at.toggle[0].set_value(True).run()
    assert not at.exception
    [entry] = _journal()
    assert (entry.outcome, entry.user, entry.action_key) == ("done", "local", "dashboard.pin")
    assert (entry.resource, entry.object_id, entry.object_name) == (
        "dashboard",
        str(dash["id"]),
        "Engineering health",
    )
    assert entry.changes == {"pinned": {"before": False, "after": True}}
    assert entry.method == "PATCH" and entry.path.endswith(f"/dashboards/{dash['id']}/")

    at = _undo(run_script, entry)
    assert not at.exception
    assert [r.json for r in _writes(connect_env)] == [{"pinned": True}, {"pinned": False}]
    assert stored_dashboard(connect_env, dash["id"])["pinned"] is False
    undo = _journal()[-1]
    assert (undo.action_key, undo.outcome, undo.undoes) == ("dashboard.unpin", "done", entry.id)
    assert undo.changes == {"pinned": {"before": True, "after": False}}
    assert "Unpinned Engineering health." in _text(at)


def test_adding_a_collaborator_journals_their_uuid_and_undo_removes_them(connect_env, run_script):
    at, dash = _detail(connect_env, run_script, "Engineering health")
    _widget(at.selectbox, "_user").set_value(user_uuid(2)).run()
    _button(at, "_add").click().run()
    assert stored_dashboard(connect_env, dash["id"])["collaborators"] == [3, 2]
    [entry] = _journal()
    assert (entry.action_key, entry.outcome, entry.object_id) == (
        "dashboard.add_collaborator",
        "done",
        str(dash["id"]),
    )
    assert entry.undo_params == {"user_uuid": user_uuid(2), "user_name": "Bruno Silva", "level": 37}
    assert entry.changes == {"collaborators": {"before": None, "after": "Bruno Silva"}}
    assert entry.method == "POST" and entry.path.endswith(
        f"/dashboards/{dash['id']}/collaborators/"
    )

    # the undo is the removal, which asks first even from the journal
    at = _undo(run_script, entry)
    assert "**Bruno Silva** will no longer be able to edit" in _text(at)
    assert not _writes(connect_env, "DELETE")
    at.button(key="dash_confirm_remove_collaborator").click().run()
    assert not at.exception
    assert stored_dashboard(connect_env, dash["id"])["collaborators"] == [3]
    undo = _journal()[-1]
    assert (undo.action_key, undo.outcome, undo.undoes) == (
        "dashboard.remove_collaborator",
        "done",
        entry.id,
    )
    assert undo.undo_params["user_uuid"] == user_uuid(2)  # and it can be undone in turn
    assert undo.path.endswith(f"/collaborators/{user_uuid(2)}/")


def test_a_refused_collaborator_is_journaled_with_posthogs_reason_in_plain_words(
    connect_env, run_script
):
    at, dash = _detail(connect_env, run_script, "Engineering health")
    _widget(at.selectbox, "_user").set_value(user_uuid(4)).run()  # Dana administers
    _button(at, "_add").click().run()
    [entry] = _journal()
    assert entry.outcome == "refused" and "inherent access" in entry.reason
    assert not entry.undo_params
    assert any(
        e.value.startswith("Dana Kowalski was not added")
        and "That user can already edit" in e.value
        for e in at.error
    )


def test_delete_needs_the_typed_name_is_journaled_and_undone_by_restore(connect_env, run_script):
    at, dash = _detail(connect_env, run_script, "Support & retention")
    _button(at, "dash_detail_delete").click().run()
    assert "Type the dashboard's name to delete" in _text(at)
    confirm = at.button(key="dash_confirm_delete")
    assert confirm.disabled
    at.text_input(key="typed_dashboard.delete").input("support & retention").run()
    assert at.button(key="dash_confirm_delete").disabled  # exactly its name
    assert not _writes(connect_env) and not _journal()  # nothing before confirming
    at.text_input(key="typed_dashboard.delete").input("Support & retention").run()
    at.button(key="dash_confirm_delete").click().run()
    assert not at.exception
    assert [r.json for r in _writes(connect_env)] == [{"deleted": True}]  # its insights stay
    [entry] = _journal()
    assert (entry.action_key, entry.outcome) == ("dashboard.delete", "done")
    assert entry.changes == {"deleted": {"before": False, "after": True}}

    at = _undo(run_script, entry)
    assert not at.exception
    assert _writes(connect_env)[-1].json == {"deleted": False}
    assert stored_dashboard(connect_env, dash["id"])["deleted"] is False
    undo = _journal()[-1]
    assert (undo.action_key, undo.outcome, undo.undoes) == ("dashboard.restore", "done", entry.id)
    assert "Restored Support & retention." in _text(at)


def test_an_edit_after_someone_elses_change_is_refused_with_nothing_patched(
    connect_env, client, run_script
):
    at, dash = _detail(connect_env, run_script, "Revenue")
    client.dashboards.update(dash["id"], description="Changed by a colleague")
    theirs = len(_writes(connect_env))
    _widget(at.text_input, "_name").input("Revenue (monthly)").run()
    _button(at, "_save").click().run()
    assert not at.exception
    assert len(_writes(connect_env)) == theirs  # nothing PATCHed
    assert any(
        e.value.startswith("Not saved")
        and "This dashboard was changed in PostHog after you opened it" in e.value
        for e in at.error
    )
    stored = stored_dashboard(connect_env, dash["id"])
    assert (stored["name"], stored["description"]) == ("Revenue", "Changed by a colleague")
    [entry] = _journal()
    assert (entry.action_key, entry.outcome, entry.method) == ("dashboard.edit", "refused", None)
    assert "changed in PostHog" in entry.reason
    assert entry.changes == {"name": {"before": "Revenue", "after": "Revenue (monthly)"}}
    assert _widget(at.text_input, "_name").value == "Revenue (monthly)"  # the draft is kept
    assert at.header[0].value == "Revenue"

    assert "Changed in PostHog since you opened this form" in _text(at)
    _button(at, "_save").click().run()  # saving again is refused again, still nothing sent
    assert len(_writes(connect_env)) == theirs and _journal()[-1].outcome == "refused"

    # the latest version replaces the draft; then only the name goes, the colleague's stays
    at.button(key="dash_detail_edit_reload").click().run()
    assert _widget(at.text_area, "_description").value == "Changed by a colleague"
    assert "Changed in PostHog since" not in _text(at)
    _widget(at.text_input, "_name").input("Revenue (monthly)").run()
    _button(at, "_save").click().run()
    assert _writes(connect_env)[-1].json == {"name": "Revenue (monthly)"}
    stored = stored_dashboard(connect_env, dash["id"])
    assert (stored["name"], stored["description"]) == (
        "Revenue (monthly)",
        "Changed by a colleague",
    )
    assert _journal()[-1].outcome == "done"


def test_removing_a_tile_asks_first_and_keeps_the_insight(connect_env, run_script):
    at, dash = _detail(connect_env, run_script, "Growth KPIs")
    tile = next(t for t in dash["tiles"] if not t["deleted"] and t["insight_id"])
    name = stored_insight(connect_env, tile["insight_id"])["name"]
    _button(at, f"_{tile['id']}_remove_tile").click().run()
    assert "will be taken off **Growth KPIs**" in _text(at)
    assert not _writes(connect_env)
    at.button(key="dash_confirm_remove_tile").click().run()
    assert not at.exception
    assert [r.json for r in _writes(connect_env)] == [
        {"tiles": [{"id": tile["id"], "deleted": True}]}
    ]
    stored = stored_dashboard(connect_env, dash["id"])
    assert next(t for t in stored["tiles"] if t["id"] == tile["id"])["deleted"] is True
    assert stored_insight(connect_env, tile["insight_id"])["deleted"] is False
    assert not [b for b in at.button if (b.key or "").endswith(f"_{tile['id']}_remove_tile")]
    [entry] = _journal()
    assert entry.changes == {"tiles": {"before": name, "after": None}}


def test_creating_is_journaled_with_the_new_dashboards_id(connect_env, run_script):
    at = run_script(CREATE)
    at.text_input(key="new_name").input("Team metrics").run()
    _button(at, "new_submit").click().run()
    created = stored_dashboard_named(connect_env, "Team metrics")
    [entry] = _journal()
    assert (entry.action_key, entry.outcome, entry.object_id) == (
        "dashboard.create",
        "done",
        str(created["id"]),
    )
    assert entry.changes == {"name": {"before": None, "after": "Team metrics"}}
    assert "Created Team metrics." in _text(at)


def _blocked(widget) -> bool:
    return widget.disabled and AUDIT_MODE in (widget.help or "")


def test_audit_mode_disables_every_write_control_and_sends_nothing(connect_env, run_script):
    dash = stored_dashboard_named(connect_env, "Engineering health")
    at = run_script(LIST, audit_mode=True, dash_deleted_here={999: "Gone"})
    at.text_input(key="dash_list_search").input("engineering health").run()
    assert _blocked(at.toggle[0])
    assert _blocked(at.button(key="dash_list_deleted_999"))

    at = run_script(DETAIL, audit_mode=True, dashboard_id=str(dash["id"]))
    assert not at.exception
    for suffix in ("_save", "dash_detail_delete", "_add", "_remove"):
        assert _blocked(_button(at, suffix)), suffix
    assert _blocked(_widget(at.radio, f"_{dash['id']}_37"))
    tiles = [b for b in at.button if (b.key or "").endswith("_remove_tile")]
    assert tiles and all(_blocked(b) for b in tiles)

    at = run_script(CREATE, audit_mode=True)
    assert _blocked(at.button(key="new_submit"))
    assert not _writes(connect_env)
    assert not _journal()


def test_collaborators_panel_and_a_dashboard_with_a_text_tile(connect_env, run_script):
    dash = stored_dashboard_named(connect_env, "Engineering health")
    at = run_script(COLLABORATORS, dashboard_id=dash["id"])
    assert not at.exception
    assert list(at.dataframe[0].value["Name"]) == ["Chen Wei"]
    assert "The owner (Ada Okafor) and project admins can always edit." in _text(at)
    assert sorted(_widget(at.selectbox, "_remove_user").options) == [
        "Chen Wei (chen@hedgebox.example)"
    ]

    at, dash = _detail(connect_env, run_script, "Product overview")
    assert "Everyone in the project can edit this dashboard." in _text(at)
    assert "there is nobody to invite" in _text(at)
    assert any(t.value.strip() for t in at.text)  # the text tile's body
    live = [t for t in dash["tiles"] if not t["deleted"]]
    assert len([b for b in at.button if (b.key or "").endswith("_remove_tile")]) == len(live)
    assert not _writes(connect_env)
