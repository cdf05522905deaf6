"""A save refused because someone changed the object in PostHog meanwhile, in the three edit
forms (hog function, batch export, insight): the message says who (the insight's
`last_modified_by`, PostHog's activity log for the others) and when; "Reload the latest
version" keeps what the operator typed, says what differs, and a save then sends only the
operator's changes on top of the latest version."""

from __future__ import annotations

from datetime import UTC

from streamlit.testing.v1 import AppTest

from emulator.analytics import live_insights, stored_insight
from services import PostHogClient
from tests.markdown import unescape

HOG_FORM = """
import streamlit as st
from components.shared import data
from components.hog_functions import config_form
from components.shared.connection import get_client
client = get_client()
config_form.render(client, data.hog_function(client, st.session_state["function_id"]), key="f")
"""
EXPORT = """
import streamlit as st
from components.batch_exports import export_detail
from components.shared.connection import get_client
export_detail.render(get_client(), st.session_state["export_id"])
"""
INSIGHT = """
import streamlit as st
from components.insights import insight_detail
from components.shared.connection import get_client
insight_detail.render(get_client(), st.session_state["ident"])
"""


def _text(at: AppTest) -> str:
    kinds = ("markdown", "error", "warning", "info", "caption")
    return unescape("\n".join(str(e.value) for kind in kinds for e in getattr(at, kind)))


def _button(at: AppTest, suffix: str):
    return next(b for b in at.button if (b.key or "").endswith(suffix))


def _field(widgets, suffix: str):
    return next(w for w in widgets if (w.key or "").endswith(suffix))


def _patches(emulator) -> list:
    return [r for r in emulator.requests if r.method == "PATCH"]


def _differences(at: AppTest) -> dict[str, tuple[str, str]]:
    table = next(d.value for d in at.dataframe if "You typed" in d.value.columns)
    return {r["Field"]: (r["You typed"], r["Latest in PostHog"]) for _, r in table.iterrows()}


def test_an_insight_conflict_names_who_changed_it_and_reload_keeps_the_draft(
    connect_env, run_script, client: PostHogClient
):
    target = next(i for i in live_insights(connect_env) if i["saved"] and i["name"])
    at = run_script(INSIGHT, ident=str(target["id"]))
    _field(at.text_input, "_name").input("Ours").run()
    client.insights.update(target["id"], description="Theirs")  # another operator, meanwhile
    theirs = client.insights.get(target["id"])
    who = theirs.last_modified_by.display_name

    _button(at, "_save").click().run()
    assert len(_patches(connect_env)) == 1  # only theirs
    text = _text(at)
    stamp = f"{theirs.last_modified_at.astimezone(UTC):%Y-%m-%d %H:%M}"
    assert f"{who} changed this insight in PostHog at {stamp} UTC" in text
    assert "(description)" in text and "Reload the latest version" in text
    assert _field(at.text_input, "_name").value == "Ours"  # kept as typed
    assert _button(at, "_save").disabled  # it would be refused again

    _button(at, "_reload").click().run()
    assert _field(at.text_input, "_name").value == "Ours"
    assert _field(at.text_area, "_description").value == "Theirs"
    assert _differences(at) == {"name": ("Ours", target["name"])}
    assert "Changed in PostHog, not by you (kept as it is): description" in _text(at)

    _button(at, "_save").click().run()
    assert _patches(connect_env)[-1].json == {"name": "Ours"}
    stored = stored_insight(connect_env, target["id"])
    assert (stored["name"], stored["description"]) == ("Ours", "Theirs")
    assert "Reload the latest version" not in _text(at) and "You typed" not in _text(at)


def test_a_hog_function_conflict_names_who_changed_it_and_saves_on_the_latest(
    connect_env, function_with_secret, run_script, client: PostHogClient
):
    fn = function_with_secret(connect_env)
    at = run_script(HOG_FORM, function_id=fn["id"])
    _field(at.text_input, "_name").input("Mine").run()
    _button(at, "_save").click().run()
    theirs = client.hog_functions.update(fn["id"], {"description": "theirs"})  # someone else
    at.button(key="hf_confirm_save").click().run()
    assert len(_patches(connect_env)) == 1  # only theirs

    warning = unescape(at.warning[0].value)
    # the function names nobody who changed it: PostHog's activity log does (the demo key's user)
    stamp = f"{theirs.updated_at.astimezone(UTC):%Y-%m-%d %H:%M}"
    assert f"Ada Okafor changed this function in PostHog at {stamp} UTC" in warning
    assert "(description)" in warning and "created" not in warning
    at.button(key="f_reload").click().run()
    assert _field(at.text_input, "_name").value == "Mine"
    assert _field(at.text_area, "_desc").value == "theirs"
    assert _differences(at) == {"name": ("Mine", fn["name"])}
    assert "not by you (kept as it is): description" in _text(at)

    _button(at, "_save").click().run()
    at.button(key="hf_confirm_save").click().run()
    sent = _patches(connect_env)[-1].json
    assert sent["name"] == "Mine" and "description" not in sent
    stored = connect_env.stored_hog_function(fn["id"])
    assert (stored["name"], stored["description"]) == ("Mine", "theirs")
    assert stored["secret_inputs"] == fn["secret_inputs"]  # secrets kept


def test_a_batch_export_conflict_names_who_changed_it_and_saves_the_draft_on_the_latest(
    connect_env, run_script, client: PostHogClient
):
    export = client.batch_exports.get(
        next(
            x["id"]
            for x in connect_env.batch_exports.values()
            if x["name"].startswith("Postgres analytics") and x["team_id"] == 1
        )
    )
    at = run_script(EXPORT, export_id=export.id)
    _field(at.text_input, "_name").input("My new name").run()
    _button(at, "_save").click().run()
    theirs = client.batch_exports.update(export.id, {"hogql_query": "SELECT event FROM events"})
    _button(at, "be_save_confirm").click().run()
    assert len(_patches(connect_env)) == 1  # only theirs
    stamp = f"{theirs.last_updated_at.astimezone(UTC):%Y-%m-%d %H:%M}"
    warning = unescape(at.warning[0].value)
    assert f"Ada Okafor changed this batch export in PostHog at {stamp} UTC" in warning

    _button(at, "_reload").click().run()
    assert _field(at.text_input, "_name").value == "My new name"
    assert _field(at.text_area, "_hogql").value == "SELECT event FROM events"
    assert _differences(at) == {"name": ("My new name", export.name)}
    assert "not by you (kept as it is): hogql_query" in _text(at)

    _button(at, "_save").click().run()
    _button(at, "be_save_confirm").click().run()
    assert _patches(connect_env)[-1].json == {"name": "My new name"}
    stored = connect_env.batch_exports[export.id]
    assert (stored["name"], stored["hogql_query"]) == ("My new name", "SELECT event FROM events")
