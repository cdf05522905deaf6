"""Dashboards under AppTest against the emulator: list filters and the pin switch, editing
only what changed (never the filters), who can edit and its refusals, collaborators,
create blank or as a copy, and delete after typing the name, then restore."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from emulator.analytics import stored_dashboard, stored_dashboard_named, stored_dashboards
from emulator.analytics.seed import user_uuid

LIST = """
from components.dashboards import dashboard_list
from components.shared.connection import get_client
dashboard_list.render(get_client())
"""
DETAIL = """
import streamlit as st
from components.dashboards import dashboard_detail
from components.shared.connection import get_client
dashboard_detail.render(get_client(), st.session_state["dashboard_id"])
"""
CREATE = """
from components.dashboards import dashboard_form
from components.shared.connection import get_client
dashboard_form.render_create(get_client(), key="new")
"""


def _writes(emulator, method: str | None = None) -> list:
    return [
        r
        for r in emulator.requests
        if r.method in ((method,) if method else ("POST", "PATCH", "PUT", "DELETE"))
    ]


def _button(at: AppTest, suffix: str):
    return next(b for b in at.button if (b.key or "").endswith(suffix))


def _widget(items, suffix: str):
    return next(w for w in items if (w.key or "").endswith(suffix))


def _text(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "error", "warning", "info", "success", "caption", "toast")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def _detail(emulator, run_script, name: str) -> tuple[AppTest, dict]:
    dash = stored_dashboard_named(emulator, name)
    at = run_script(DETAIL, dashboard_id=str(dash["id"]))
    assert not at.exception
    return at, dash


def test_list_filters_pins_at_once_and_opens(connect_env, run_script):
    at = run_script(LIST)
    assert not at.exception
    live = [
        d
        for d in stored_dashboards(connect_env)
        if not d["deleted"] and d["creation_mode"] != "unlisted"
    ]
    frame = at.dataframe[0].value
    assert len(frame) == len(live) and len(frame) >= 10
    assert set(frame["Restriction"]) == {"Everyone can edit", "Only collaborators"}
    at.selectbox(key="dash_list_pinned").select("Yes").run()
    pinned = at.dataframe[0].value
    assert sorted(pinned["Name"]) == sorted(d["name"] for d in live if d["pinned"])
    at.selectbox(key="dash_list_pinned").select("Any").run()
    at.selectbox(key="dash_list_restriction").select(37).run()
    only = at.dataframe[0].value
    assert sorted(only["Name"]) == sorted(d["name"] for d in live if d["restriction_level"] == 37)
    assert set(only["Restriction"]) == {"Only collaborators"}
    at.selectbox(key="dash_list_restriction").select(None).run()
    at.selectbox(key="dash_list_shared").select("Yes").run()
    shared = at.dataframe[0].value
    assert sorted(shared["Name"]) == sorted(
        d["name"] for d in live if (d["sharing"] or {}).get("enabled")
    )
    assert len(shared) == 3
    at.selectbox(key="dash_list_shared").select("Any").run()
    at.multiselect(key="dash_list_tags").select("growth").run()
    assert sorted(at.dataframe[0].value["Name"]) == ["Growth KPIs", "Onboarding funnel"]
    at.multiselect(key="dash_list_tags").unselect("growth").run()
    csv = at.get("download_button")
    assert len(csv) == 1

    # one row found: its pin switch writes at once, and the server agrees
    at.text_input(key="dash_list_search").input("engineering health").run()
    assert list(at.dataframe[0].value["Name"]) == ["Engineering health"]
    dash = stored_dashboard_named(connect_env, "Engineering health")
    assert dash["pinned"] is False
    at.toggle[0].set_value(True).run()
    assert not at.exception
    assert [r.json for r in _writes(connect_env)] == [{"pinned": True}]
    assert stored_dashboard(connect_env, dash["id"])["pinned"] is True
    assert at.toggle[0].value is True
    assert at.dataframe[0].value["Pinned"].iloc[0] == "Yes"
    assert "Pinned Engineering health." in _text(at)
    _button(at, "dash_list_open").click().run()
    assert at.query_params["id"] in ([str(dash["id"])], str(dash["id"]))

    # a dashboard this key's user cannot edit: the switch is off limits
    at.text_input(key="dash_list_search").input("marketing attribution").run()
    assert list(at.dataframe[0].value["You can edit"]) == ["No"]
    assert at.toggle[0].disabled


def test_editing_sends_only_changed_fields_and_never_filters(connect_env, run_script):
    at, dash = _detail(connect_env, run_script, "Revenue")
    assert dash["filters"] == {"date_from": "-30d"}
    assert at.header[0].value == "Revenue"
    assert [t.label for t in at.tabs] == [
        "Settings",
        "Tiles",
        "Who can edit",
        "Sharing",
        "Danger zone",
    ]
    tiles = [m.value for m in at.markdown if "insights?id=" in m.value]
    live_tiles = [t for t in dash["tiles"] if not t["deleted"] and t["insight_id"]]
    assert len(tiles) == len(live_tiles) > 0
    assert f"insights?id={live_tiles[0]['insight_id']})" in "".join(tiles)
    assert not _writes(connect_env)

    # a blank name is refused next to the field, and nothing is sent
    _widget(at.text_input, "_name").input("  ").run()
    _button(at, "_save").click().run()
    assert "Give the dashboard a name." in [e.value for e in at.error]
    assert not _writes(connect_env)

    _widget(at.text_input, "_name").input("Revenue (monthly)").run()
    _widget(at.multiselect, "_tags").select("growth").run()
    _button(at, "_save").click().run()
    assert not at.exception
    patches = [r.json for r in _writes(connect_env, "PATCH")]
    assert patches == [{"name": "Revenue (monthly)", "tags": ["finance", "kpi", "growth"]}]
    stored = stored_dashboard(connect_env, dash["id"])
    assert stored["name"] == "Revenue (monthly)"
    assert stored["filters"] == {"date_from": "-30d"}
    assert [t["id"] for t in stored["tiles"] if not t["deleted"]] == [
        t["id"] for t in dash["tiles"] if not t["deleted"]
    ]
    assert at.header[0].value == "Revenue (monthly)"

    # saving again without changes sends nothing
    _button(at, "_save").click().run()
    assert "Nothing changed." in [i.value for i in at.info]
    assert len(_writes(connect_env)) == 1
    # unpinning sends only `pinned`
    _widget(at.checkbox, "_pinned").uncheck().run()
    _button(at, "_save").click().run()
    assert [r.json for r in _writes(connect_env, "PATCH")][-1] == {"pinned": False}

    # a failed save says so and keeps what was typed
    connect_env.inject_fault("status", method="PATCH", path_contains="/dashboards/", status=500)
    _widget(at.text_area, "_description").input("Monthly revenue, by plan").run()
    _button(at, "_save").click().run()
    assert not at.exception
    assert any("PostHog may or may not have applied this" in e.value for e in at.error)
    assert _widget(at.text_area, "_description").value == "Monthly revenue, by plan"
    assert stored_dashboard(connect_env, dash["id"])["description"] != "Monthly revenue, by plan"
    _button(at, "_save").click().run()
    assert [r.json for r in _writes(connect_env, "PATCH")][-1] == {
        "description": "Monthly revenue, by plan"
    }
    assert stored_dashboard(connect_env, dash["id"])["description"] == "Monthly revenue, by plan"


def test_restriction_changes_only_when_it_changes_and_refusal_is_explained(connect_env, run_script):
    # Growth KPIs belongs to Bruno: Ada collaborates, so she may edit but not restrict
    at, dash = _detail(connect_env, run_script, "Growth KPIs")
    assert "Only the owner, project admins and the collaborators" in _text(at)
    assert not [b for b in at.button if (b.key or "").endswith("_37_save")]  # unchanged
    _widget(at.radio, f"_{dash['id']}_37").set_value(21).run()
    assert "Everyone in the project can edit this dashboard." in _text(at)
    _button(at, f"_{dash['id']}_37_save").click().run()
    assert not at.exception
    assert [r.json for r in _writes(connect_env)] == [{"restriction_level": 21}]
    assert any(
        "Only the dashboard's owner and project admins can change who may edit it" in e.value
        for e in at.error
    )
    assert stored_dashboard(connect_env, dash["id"])["restriction_level"] == 37
    assert _widget(at.radio, f"_{dash['id']}_37").value == 37  # the choice went back

    # Ada owns Engineering health: her change goes through
    at, dash = _detail(connect_env, run_script, "Engineering health")
    _widget(at.radio, f"_{dash['id']}_37").set_value(21).run()
    _button(at, f"_{dash['id']}_37_save").click().run()
    assert [r.json for r in _writes(connect_env)][-1] == {"restriction_level": 21}
    assert stored_dashboard(connect_env, dash["id"])["restriction_level"] == 21


def test_collaborators_are_added_and_removed_and_refusals_explained(connect_env, run_script):
    at, dash = _detail(connect_env, run_script, "Engineering health")
    assert dash["collaborators"] == [3]
    table = next(d.value for d in at.dataframe if "Level" in d.value.columns)
    assert list(table["Name"]) == ["Chen Wei"] and list(table["Level"]) == ["Can edit"]
    invite = _widget(at.selectbox, "_user")
    # not the owner (Ada) nor Chen, who already collaborates
    assert sorted(invite.options) == sorted(
        ["Bruno Silva (bruno@hedgebox.example)", "Dana Kowalski (dana@hedgebox.example)"]
    )
    invite.set_value(user_uuid(2)).run()
    _button(at, "_add").click().run()
    assert not at.exception
    posts = _writes(connect_env, "POST")
    assert [p.json for p in posts] == [{"user_uuid": user_uuid(2), "level": 37}]
    assert stored_dashboard(connect_env, dash["id"])["collaborators"] == [3, 2]
    assert "Bruno Silva can now edit." in _text(at)
    table = next(d.value for d in at.dataframe if "Level" in d.value.columns)
    assert sorted(table["Name"]) == ["Bruno Silva", "Chen Wei"]

    # Dana administers the project: PostHog's refusal in plain words
    _widget(at.selectbox, "_user").set_value(user_uuid(4)).run()
    _button(at, "_add").click().run()
    assert any("they own the dashboard or administer the project" in e.value for e in at.error)
    assert stored_dashboard(connect_env, dash["id"])["collaborators"] == [3, 2]

    # removing asks first
    _widget(at.selectbox, "_remove_user").set_value(user_uuid(3)).run()
    _button(at, "_remove").click().run()
    assert stored_dashboard(connect_env, dash["id"])["collaborators"] == [3, 2]
    assert not _writes(connect_env, "DELETE")
    assert "will no longer be able to edit" in _text(at)
    at.button(key="dash_confirm_remove_collaborator").click().run()
    assert not at.exception
    deletes = _writes(connect_env, "DELETE")
    assert [d.path.rstrip("/").rsplit("/", 1)[-1] for d in deletes] == [user_uuid(3)]
    assert stored_dashboard(connect_env, dash["id"])["collaborators"] == [2]
    assert "Chen Wei can no longer edit." in _text(at)


def test_adding_to_an_everyone_can_edit_dashboard_is_explained(connect_env, run_script):
    at, dash = _detail(connect_env, run_script, "Product overview")
    assert "there is nobody to invite" in _text(at)  # said before trying
    _button(at, "_add").click().run()
    assert not at.exception
    assert any("Switch it to “Only collaborators can edit” first" in e.value for e in at.error)
    assert stored_dashboard(connect_env, dash["id"])["collaborators"] == []

    # removing on such a dashboard is explained too
    at, dash = _detail(connect_env, run_script, "Onboarding funnel")
    _widget(at.selectbox, "_remove_user").set_value(user_uuid(3)).run()
    _button(at, "_remove").click().run()
    at.button(key="dash_confirm_remove_collaborator").click().run()
    assert any("does not remove collaborators" in e.value for e in at.error)
    assert stored_dashboard(connect_env, dash["id"])["collaborators"] == [3]


def test_create_blank_and_as_a_copy(connect_env, run_script):
    at = run_script(CREATE)
    assert not at.exception
    _button(at, "new_submit").click().run()
    assert "Give the dashboard a name." in [e.value for e in at.error]
    assert not _writes(connect_env)
    at.text_input(key="new_name").input("Team metrics").run()
    at.multiselect(key="new_tags").select("kpi").run()
    _button(at, "new_submit").click().run()
    assert not at.exception
    assert [r.json for r in _writes(connect_env)] == [{"name": "Team metrics", "tags": ["kpi"]}]
    created = stored_dashboard_named(connect_env, "Team metrics")
    assert created["tags"] == ["kpi"] and created["tiles"] == []
    assert at.query_params["id"] in ([str(created["id"])], str(created["id"]))

    source = stored_dashboard_named(connect_env, "Product overview")
    at = run_script(CREATE)
    at.radio(key="new_start").set_value("Copy of an existing dashboard").run()
    at.text_input(key="new_name").input("Product overview (copy)").run()
    _button(at, "new_submit").click().run()
    assert "Pick the dashboard to copy." in [e.value for e in at.error]
    assert len(_writes(connect_env)) == 1
    at.selectbox(key="new_source").set_value(source["id"]).run()
    _button(at, "new_submit").click().run()
    assert not at.exception
    assert _writes(connect_env)[-1].json == {
        "name": "Product overview (copy)",
        "use_dashboard": source["id"],
    }
    copy = stored_dashboard_named(connect_env, "Product overview (copy)")
    live = [t for t in source["tiles"] if not t["deleted"]]
    assert sorted(t["insight_id"] or 0 for t in copy["tiles"]) == sorted(
        t["insight_id"] or 0 for t in live
    )


def test_delete_needs_the_typed_name_and_restore_brings_it_back(connect_env, run_script):
    at, dash = _detail(connect_env, run_script, "Onboarding funnel")
    _button(at, "dash_detail_delete").click().run()
    assert at.button(key="dash_confirm_delete").disabled
    at.text_input(key="typed_dashboard.delete").input("Onboarding").run()
    assert at.button(key="dash_confirm_delete").disabled
    assert not _writes(connect_env)
    at.text_input(key="typed_dashboard.delete").input("Onboarding funnel").run()
    also = at.checkbox(key="dash_delete_insights")
    assert not also.disabled  # it has insights on no other dashboard
    also.check().run()
    at.button(key="dash_confirm_delete").click().run()
    assert not at.exception
    assert [r.json for r in _writes(connect_env)] == [{"deleted": True, "delete_insights": True}]
    assert stored_dashboard(connect_env, dash["id"])["deleted"] is True
    assert at.session_state["dash_deleted_here"] == {dash["id"]: "Onboarding funnel"}

    # the list leaves it out and offers it under "Deleted in this session"
    listed = run_script(LIST, dash_deleted_here={dash["id"]: "Onboarding funnel"})
    assert "Onboarding funnel" not in set(listed.dataframe[0].value["Name"])
    assert listed.button(key=f"dash_list_deleted_{dash['id']}").label == "Restore"

    # PostHog answers 404 for a deleted dashboard: the page still offers Restore
    at.run()
    assert "Onboarding funnel was deleted in this session." in [i.value for i in at.info]
    _button(at, "dash_detail_restore").click().run()
    assert not at.exception
    assert _writes(connect_env)[-1].json == {"deleted": False}
    assert stored_dashboard(connect_env, dash["id"])["deleted"] is False
    assert at.header[0].value == "Onboarding funnel"


def test_page_lists_creates_and_deep_links(connect_env, app):
    app.run()
    app.switch_page("pages/dashboards.py").run()
    assert not app.exception
    assert app.title[0].value == "Dashboards"
    assert [t.label for t in app.tabs] == ["Dashboards", "New dashboard"]
    assert len(app.dataframe[0].value) >= 10
    dash = stored_dashboard_named(connect_env, "Marketing attribution")
    app.query_params["id"] = str(dash["id"])
    app.run()
    assert not app.exception
    assert app.header[0].value == "Marketing attribution"
    # Ada neither owns it nor collaborates: she may view, not edit
    assert "You can view this dashboard but not edit it" in _text(app)
    app.query_params["id"] = "999999"
    app.run()
    assert "No dashboard with this id" in app.error[0].value
