"""Insights under AppTest against the emulator: the server-paged list and its filters, the
detail (edit only what changed, dashboard membership with the full set, query and result,
cancel, mark as viewed, sharing without its scope, activity, delete and restore), create
with checked JSON, and the project-wide activity."""

from __future__ import annotations

import json
import os

from streamlit.testing.v1 import AppTest

from emulator.analytics import (
    activity_log,
    live_insights,
    stored_dashboard,
    stored_dashboard_named,
    stored_insight,
    stored_insights,
)
from emulator.server import Key
from services.journal import Journal
from tests.markdown import unescape

LIST = """
from components.insights import insight_list
from components.shared.connection import get_client
insight_list.render(get_client())
"""
DETAIL = """
import streamlit as st
from components.insights import insight_detail
from components.shared.connection import get_client
insight_detail.render(get_client(), st.session_state["ident"])
"""
CREATE = """
from components.insights import insight_form
from components.shared.connection import get_client
insight_form.render_create(get_client(), key="new")
"""
FAVORITE_NOW = """
import streamlit as st
from components.insights import actions
from components.shared import data
from components.shared.actions import request
from components.shared.connection import get_client
client = get_client()
insight = data.insight(client, st.session_state["ident"])
if "asked" not in st.session_state:
    st.session_state["asked"] = True
    request(client, actions.FAVORITE, actions.target(insight))
"""
ACTIVITY = """
from components.insights import activity as insight_activity
from components.shared.connection import get_client
insight_activity.render(get_client())
"""
AUDIT_MODE = "Audit mode is on"


def _sent(emulator, method: str, needle: str = "/insights/") -> list:
    return [r for r in emulator.requests if r.method == method and needle in r.path]


def _writes(emulator) -> list:
    return [r for r in emulator.requests if r.method in ("POST", "PATCH", "PUT", "DELETE")]


def _last_list_query(emulator) -> dict[str, str]:
    listed = [r for r in _sent(emulator, "GET") if r.path.endswith("/insights/")]
    return {k: v[0] for k, v in listed[-1].query.items()}


def _button(at: AppTest, suffix: str):
    return next(b for b in at.button if (b.key or "").endswith(suffix))


def _text(at: AppTest) -> str:
    kinds = ("markdown", "error", "warning", "info", "success", "caption", "toast", "header")
    return unescape("\n".join(str(e.value) for kind in kinds for e in getattr(at, kind)))


def _on_two_editable_dashboards(emulator) -> dict:
    locked = stored_dashboard_named(emulator, "Marketing attribution")["id"]
    return next(
        i
        for i in live_insights(emulator)
        if len(i["dashboards"]) == 2 and locked not in i["dashboards"] and i["name"]
    )


def _uniquely_searchable(live: list[dict]) -> dict:
    def text(i):
        return " ".join([i["name"] or "", i["derived_name"] or "", i["description"] or ""])

    return next(
        i
        for i in live
        if i["name"]
        and "<" not in i["name"]
        and sum(i["name"].lower() in text(j).lower() for j in live) == 1
    )


def test_list_pages_on_the_server_and_every_filter_reaches_it(connect_env, run_script):
    live = live_insights(connect_env)
    at = run_script(LIST)
    assert not at.exception
    first = at.dataframe[0].value
    assert len(first) == 25
    assert f"of {len(live)} insights · page 1 of {-(-len(live) // 25)}" in _text(at)
    sent = _last_list_query(connect_env)
    assert (sent["limit"], sent["offset"], sent["basic"]) == ("25", "0", "true")
    assert sent["order"] == "-last_modified_at"
    assert "favorited" not in sent  # a presence flag: only sent when wanted
    wanted = {"Name", "Short id", "Type", "Tags", "Favorite", "Dashboards", "Created by"}
    assert wanted | {"Last modified", "Last viewed"} <= set(first.columns)

    _button(at, "ins_list_next").click().run()
    second = at.dataframe[0].value
    assert _last_list_query(connect_env)["offset"] == "25"
    assert not set(second["id"]) & set(first["id"])
    assert "page 2 of" in _text(at)

    at.toggle(key="ins_list_favorites").set_value(True).run()
    favorites = [i for i in live if i["favorited"]]
    sent = _last_list_query(connect_env)
    assert sent["favorited"] == "true" and sent["offset"] == "0"  # back to page 1
    shown = at.dataframe[0].value
    assert len(shown) == len(favorites) and set(shown["Favorite"]) == {"★"}
    at.toggle(key="ins_list_favorites").set_value(False).run()

    at.selectbox(key="ins_list_type").select("FUNNELS").run()
    assert _last_list_query(connect_env)["insight"] == "FUNNELS"
    assert set(at.dataframe[0].value["Type"]) == {"Funnel"}
    at.selectbox(key="ins_list_type").select(None).run()

    at.multiselect(key="ins_list_tags").select("finance").run()
    assert json.loads(_last_list_query(connect_env)["tags"]) == ["finance"]
    assert all("finance" in t for t in at.dataframe[0].value["Tags"])
    at.multiselect(key="ins_list_tags").unselect("finance").run()

    at.multiselect(key="ins_list_creators").select(2).run()
    assert json.loads(_last_list_query(connect_env)["created_by"]) == [2]
    assert set(at.dataframe[0].value["Created by"]) == {"Bruno Silva"}
    at.multiselect(key="ins_list_creators").unselect(2).run()

    at.selectbox(key="ins_list_saved").select("Unsaved only").run()
    assert _last_list_query(connect_env)["saved"] == "false"
    unsaved = [i for i in live if not i["saved"]]
    assert len(at.dataframe[0].value) == len(unsaved) > 0
    at.selectbox(key="ins_list_saved").select("Any").run()

    at.selectbox(key="ins_list_order").select("Created").run()
    assert _last_list_query(connect_env)["order"] == "-created_at"
    newest = max(live, key=lambda i: i["created_at"])
    assert at.dataframe[0].value["id"].iloc[0] == str(newest["id"])

    # a search finding one insight selects it: open its details
    wanted = _uniquely_searchable(live)
    at.text_input(key="ins_list_search").input(wanted["name"]).run()
    assert _last_list_query(connect_env)["search"] == wanted["name"]
    assert list(at.dataframe[0].value["Name"]) == [wanted["name"]]
    _button(at, "ins_list_open").click().run()
    assert at.query_params["id"] in ([str(wanted["id"])], str(wanted["id"]))
    assert not _writes(connect_env)


def test_csv_holds_every_matching_row_fetched_on_request(connect_env, run_script):
    at = run_script(LIST)
    assert not at.get("download_button")  # more than one page: nothing fetched yet
    requests_before = len(_sent(connect_env, "GET"))
    _button(at, "ins_list_csv_prepare").click().run()
    assert len(at.get("download_button")) == 1
    fetched = [
        r.query.get("offset", ["0"])[0]
        for r in _sent(connect_env, "GET")[requests_before:]
        if r.path.endswith("/insights/") and r.query.get("limit") == ["100"]
    ]
    total = len(live_insights(connect_env))
    assert fetched == [str(o) for o in range(0, total, 100)]  # every page of the filter
    at.toggle(key="ins_list_favorites").set_value(True).run()  # one page: the rows shown
    assert len(at.get("download_button")) == 1


def test_deep_link_by_short_id_and_edit_sends_only_what_changed(connect_env, app, run_script):
    target = next(i for i in live_insights(connect_env) if i["saved"] and i["name"])
    app.query_params["id"] = target["short_id"]
    at = app.run()
    at.switch_page("pages/insights.py").run()
    assert not at.exception
    assert at.header[0].value == target["name"]
    labels = [t.label for t in at.tabs]
    assert labels == [
        "Details",
        "Dashboards",
        "Query and result",
        "Sharing",
        "Activity",
        "Danger zone",
    ]
    assert json.loads(at.json[0].value) == target["query"]  # read-only JSON

    # AppTest runs a switched-to page without app.py, whose runner shows each outcome
    at = run_script(DETAIL, ident=target["short_id"])
    name = next(t for t in at.text_input if t.label == "Name")
    name.input(target["name"] + " (renamed)")
    next(c for c in at.checkbox if c.label == "Saved").set_value(False)
    _button(at, "_save").click().run()
    assert not at.exception
    (patch,) = _sent(connect_env, "PATCH")
    assert patch.json == {"name": target["name"] + " (renamed)", "saved": False}
    stored = stored_insight(connect_env, target["id"])
    assert stored["name"] == target["name"] + " (renamed)" and stored["saved"] is False
    assert stored["dashboards"] == target["dashboards"]  # membership untouched
    assert at.header[0].value == target["name"] + " (renamed)"
    assert "Saved the new name. It is no longer a saved insight." in _text(at)
    _button(at, "_save").click().run()  # nothing changed now
    assert len(_sent(connect_env, "PATCH")) == 1
    assert "Nothing changed." in _text(at)

    # favoriting is its own write, at once: an operator may do it without editing
    _button(at, f"ins_detail_favorite_{target['id']}").click().run()
    assert _sent(connect_env, "PATCH")[-1].json == {"favorited": not target["favorited"]}
    assert stored_insight(connect_env, target["id"])["favorited"] is (not target["favorited"])


def test_an_unsaved_draft_stays_unsaved_and_a_refusal_keeps_what_was_typed(connect_env, run_script):
    draft = next(i for i in live_insights(connect_env) if not i["saved"])
    at = run_script(DETAIL, ident=str(draft["id"]))
    next(c for c in at.text_area if c.label == "Description").input("Checked by ops")
    _button(at, "_save").click().run()
    (patch,) = _sent(connect_env, "PATCH")
    assert patch.json == {"description": "Checked by ops", "saved": False}
    assert stored_insight(connect_env, draft["id"])["saved"] is False

    connect_env.inject_fault("status", method="PATCH", path_contains="/insights/", status=500)
    name = next(t for t in at.text_input if t.label == "Name")
    name.input("Typed before the failure")
    _button(at, "_save").click().run()
    assert not at.exception
    # a 500 on a write: PostHog may have applied it, and the console says exactly that
    assert "PostHog may or may not have applied this" in _text(at)
    assert next(t for t in at.text_input if t.label == "Name").value == "Typed before the failure"
    assert stored_insight(connect_env, draft["id"])["name"] == draft["name"]

    # PostHog refuses names over 400 characters: the field itself holds that limit
    assert next(t for t in at.text_input if t.label == "Name").max_chars == 400


def test_removing_from_one_dashboard_asks_and_keeps_the_other(connect_env, run_script):
    target = _on_two_editable_dashboards(connect_env)
    gone, kept = target["dashboards"]
    gone_name = stored_dashboard(connect_env, gone)["name"]
    kept_name = stored_dashboard(connect_env, kept)["name"]
    at = run_script(DETAIL, ident=str(target["id"]))
    _button(at, f"_remove_{gone}").click().run()
    assert not _writes(connect_env)  # nothing before the confirmation
    text = _text(at)
    assert gone_name in text and f"It stays on: {kept_name}." in text
    _button(at, "ins_confirm_remove").click().run()
    assert not at.exception
    (patch,) = _sent(connect_env, "PATCH")
    assert patch.json == {"dashboards": [kept]}  # the full new set
    assert stored_insight(connect_env, target["id"])["dashboards"] == [kept]
    assert f"Removed from {gone_name}. It is on: {kept_name}." in _text(at)

    # and back again: the full set with both
    at.selectbox(key="ins_detail_add_choice").select(gone).run()
    _button(at, "ins_detail_add").click().run()
    assert _sent(connect_env, "PATCH")[-1].json == {"dashboards": sorted([gone, kept])}
    assert sorted(stored_insight(connect_env, target["id"])["dashboards"]) == sorted([gone, kept])


def test_result_compute_cancel_and_mark_viewed(connect_env, run_script):
    uncached = next(
        i
        for i in stored_insights(connect_env)
        if not i["deleted"] and i["cache"] is None and i["query"]["source"].get("series")
    )
    at = run_script(DETAIL, ident=str(uncached["id"]))
    assert "No result to show" in _text(at)
    assert at.selectbox(key="ins_detail_mode").value == "force_cache"  # cached only by default
    at.selectbox(key="ins_detail_mode").select("blocking").run()
    _button(at, "ins_detail_compute").click().run()
    assert not at.exception
    computed = [r for r in _sent(connect_env, "GET") if r.query.get("refresh") == ["blocking"]]
    assert len(computed) == 1
    assert "No result to show" not in _text(at)
    assert len(at.get("vega_lite_chart")) == 1  # the trend as a line chart

    at.selectbox(key="ins_detail_mode").select("force_async").run()
    _button(at, "ins_detail_compute").click().run()
    assert "A calculation is running" in _text(at)
    running = stored_insight(connect_env, uncached["id"])["pending"]
    _button(at, "ins_detail_cancel").click().run()
    (cancel,) = _sent(connect_env, "POST", "/insights/cancel/")
    assert cancel.json == {"client_query_id": running}
    assert "cancel the calculation" in _text(at)

    _button(at, "ins_detail_viewed").click().run()
    (viewed,) = _sent(connect_env, "POST", "/insights/viewed/")
    assert viewed.json == {"insight_ids": [uncached["id"]]}


def test_activity_shows_before_and_after_and_sharing_without_its_scope_is_explained(
    connect_env, run_script, monkeypatch
):
    renamed = next(
        e
        for e in activity_log(connect_env)
        if e["detail"]["changes"] and e["activity"] == "updated"
    )
    change = renamed["detail"]["changes"][0]
    at = run_script(DETAIL, ident=renamed["item_id"])
    log = next(d.value for d in at.dataframe if "Change" in d.value.columns)
    assert f"{change['before']} → {change['after']}" in set(log["Change"])
    assert "changes · page 1 of" in _text(at)
    assert "Not shared" in _text(at) or "Shared publicly" in _text(at)

    token = "phx_test_insight_only"
    connect_env.keys[token] = Key({"insight:read", "insight:write", "activity_log:read"})
    monkeypatch.setenv("POSTHOG_PERSONAL_API_KEY", token)
    limited = run_script(DETAIL, ident=renamed["item_id"])
    assert not limited.exception
    assert "sharing_configuration:read" in _text(limited)
    assert limited.header[0].value  # the rest of the page still works


def test_delete_asks_then_the_page_offers_restore_which_does_not_restore_dashboards(
    connect_env, run_script
):
    target = _on_two_editable_dashboards(connect_env)
    at = run_script(DETAIL, ident=target["short_id"])
    _button(at, "ins_detail_delete").click().run()
    assert not _writes(connect_env)
    assert "does not put it back on dashboards" in _text(at) or "not onto the dashboards" in _text(
        at
    )
    assert at.button(key="ins_confirm_delete").disabled  # until the name is typed
    at.text_input(key="typed_insight.delete").input(target["name"]).run()
    _button(at, "ins_confirm_delete").click().run()
    assert not at.exception
    assert stored_insight(connect_env, target["id"])["deleted"] is True
    assert _sent(connect_env, "PATCH")[-1].json == {"deleted": True}
    assert "Deleted" in _text(at) and "not onto the dashboards" in _text(at)
    _button(at, "ins_detail_restore").click().run()
    assert not at.exception
    stored = stored_insight(connect_env, target["id"])
    assert stored["deleted"] is False and stored["dashboards"] == []
    assert "It is on no dashboard" in _text(at)
    assert at.header[0].value == target["name"]  # the insight loads again


def test_a_deleted_insight_from_elsewhere_still_loads_with_restore(connect_env, run_script):
    deleted = next(i for i in stored_insights(connect_env) if i["deleted"])
    at = run_script(DETAIL, ident=str(deleted["id"]))
    assert not at.exception
    assert "PostHog hides deleted insights" in _text(at)
    _button(at, "ins_detail_restore").click().run()
    assert stored_insight(connect_env, deleted["id"])["deleted"] is False
    at = run_script(DETAIL, ident="99999999")
    _button(at, "ins_detail_restore").click().run()
    assert "No insight with this id, deleted or not" in _text(at)


def test_create_checks_the_json_before_sending(connect_env, run_script):
    at = run_script(CREATE)
    at.text_input(key="new_name").input("Ops pageviews")
    at.text_area(key="new_query").input('{"kind": "InsightVizNode", "source": ')
    _button(at, "new_submit").click().run()
    assert "Not valid JSON" in _text(at)
    at.text_area(key="new_query").input('{"kind": "TrendsQuery"}')
    _button(at, "new_submit").click().run()
    assert '"kind" must be one of' in _text(at)
    assert not _writes(connect_env)
    assert at.text_input(key="new_name").value == "Ops pageviews"  # nothing typed is lost

    at.selectbox(key="new_preset").select("Unique users by day, last 30 days").run()
    at.multiselect(key="new_tags").select("kpi").run()
    _button(at, "new_submit").click().run()
    assert not at.exception
    (post,) = _writes(connect_env)
    assert post.json["name"] == "Ops pageviews" and post.json["tags"] == ["kpi"]
    assert post.json["query"]["source"]["series"][0]["math"] == "dau"
    assert post.json["saved"] is True
    created = max(i["id"] for i in stored_insights(connect_env))
    assert at.query_params["id"] in ([str(created)], str(created))


def test_project_activity_pages_and_filters_by_user_and_action(connect_env, run_script):
    log = activity_log(connect_env)
    at = run_script(ACTIVITY)
    assert not at.exception
    assert f"{len(log)} entries · page 1 of" in _text(at)
    _button(at, "ins_activity_next").click().run()
    pages = [r for r in _sent(connect_env, "GET", "/insights/activity/")]
    assert pages[-1].query["page"] == ["2"]
    at.multiselect(key="ins_activity_actions").select("deleted").run()
    shown = at.dataframe[0].value
    deletions = [e for e in log if e["activity"] == "deleted"]
    assert set(shown["Action"]) == {"deleted"} and len(shown) == min(10, len(deletions))
    assert f"{len(deletions)} of {len(log)} entries match" in _text(at)
    assert len(at.get("download_button")) == 1
    at.multiselect(key="ins_activity_users").select(3).run()
    by_chen = [e for e in deletions if e["user_id"] == 3]
    assert f"{len(by_chen)} of {len(log)} entries match" in _text(at)
    assert set(at.dataframe[0].value["User"]) <= {"Chen Wei"}


def test_a_change_by_someone_else_is_not_overwritten(connect_env, run_script, client):
    target = next(i for i in live_insights(connect_env) if i["saved"] and i["name"])
    at = run_script(DETAIL, ident=str(target["id"]))
    next(t for t in at.text_input if t.label == "Name").input("Ours")
    client.insights.update(target["id"], description="Theirs")  # another operator
    _button(at, "_save").click().run()
    assert "changed this insight in PostHog at" in _text(at) and "(description)" in _text(at)
    assert len(_sent(connect_env, "PATCH")) == 1  # only theirs
    assert next(t for t in at.text_input if t.label == "Name").value == "Ours"  # kept
    _button(at, "_reload").click().run()
    assert next(t for t in at.text_input if t.label == "Name").value == "Ours"
    assert next(t for t in at.text_area if t.label == "Description").value == "Theirs"
    _button(at, "_save").click().run()
    assert _sent(connect_env, "PATCH")[-1].json == {"name": "Ours"}
    stored = stored_insight(connect_env, target["id"])
    assert (stored["name"], stored["description"]) == ("Ours", "Theirs")


def test_audit_mode_disables_every_write_control_and_sends_nothing(connect_env, run_script):
    live = live_insights(connect_env)
    shared = next(
        i
        for i in live
        if (i["sharing"] or {}).get("enabled") and len(i["dashboards"]) >= 1 and i["name"]
    )
    detail = run_script(DETAIL, ident=str(shared["id"]), audit_mode=True)
    assert not detail.exception
    writes = [
        f"ins_detail_favorite_{shared['id']}",
        "ins_detail_viewed",
        f"ins_detail_remove_{shared['dashboards'][0]}",
        "ins_detail_add",
        "ins_detail_delete",
        f"share_off_insight_{shared['id']}",
        f"share_rotate_insight_{shared['id']}",
    ]
    save = next(b for b in detail.button if (b.key or "").endswith("_save"))
    for button in [detail.button(key=k) for k in writes] + [save]:
        assert button.disabled, button.key
        assert button.help.startswith(AUDIT_MODE), button.key
    assert not detail.button(key="ins_detail_compute").disabled  # reading is allowed

    unshared = next(i for i in live if not (i["sharing"] or {}).get("enabled"))
    share = run_script(DETAIL, ident=str(unshared["id"]), audit_mode=True).button(
        key=f"share_on_insight_{unshared['id']}"
    )
    assert share.disabled and share.help.startswith(AUDIT_MODE)

    listed = run_script(LIST, audit_mode=True)
    listed.text_input(key="ins_list_search").input(_uniquely_searchable(live)["name"]).run()
    star = next(b for b in listed.button if (b.key or "").startswith("ins_list_favorite_"))
    assert star.disabled and star.help.startswith(AUDIT_MODE)

    create = run_script(CREATE, audit_mode=True)
    assert create.button(key="new_submit").help.startswith(AUDIT_MODE)
    assert create.button(key="new_submit").disabled

    deleted = next(i for i in stored_insights(connect_env) if i["deleted"])
    restore = run_script(DETAIL, ident=str(deleted["id"]), audit_mode=True)
    assert restore.button(key="ins_detail_restore").disabled

    # a write that reached the runner anyway is refused before anything is sent
    refused = run_script(FAVORITE_NOW, ident=str(shared["id"]), audit_mode=True)
    assert "Audit mode is on" in _text(refused)
    assert not _writes(connect_env)
    assert not Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()
