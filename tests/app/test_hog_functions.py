"""Hog functions list, switch, configuration form, danger zone and templates under AppTest,
against the emulator over loopback."""

from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

from services import PostHogClient, health_of
from services.journal import Journal
from tests.markdown import unescape

LIST = """
from components.hog_functions import function_list as hog_function_list
from components.shared.connection import get_client
hog_function_list.render(get_client())
"""
DETAIL = """
import streamlit as st
from components.hog_functions import function_detail as hog_function_detail
from components.shared.connection import get_client
hog_function_detail.render(get_client(), st.session_state["function_id"])
"""
FORM = """
import streamlit as st
from components.shared import data
from components.hog_functions import config_form as hog_function_form
from components.shared.connection import get_client
client = get_client()
st.session_state["config"] = hog_function_form.render(
    client, data.hog_function(client, st.session_state["function_id"]), key="f"
)
"""


def _services(emulator) -> PostHogClient:
    return PostHogClient(host=emulator.url, api_key=emulator.demo_key, project_id=1)


def _patches(emulator) -> list:
    return [r for r in emulator.requests if r.method == "PATCH"]


def _edit_text_input(at: AppTest, input_key: str, value: str) -> None:
    next(t for t in at.text_input if t.key.endswith(f"_in_{input_key}")).input(value).run()


def _click_save(at: AppTest) -> None:
    """Save changes, then confirm the question that shows the changes."""
    at.button(key=next(b.key for b in at.button if b.key.endswith("_save"))).click().run()
    assert at.button(key="hf_confirm_save")  # asked first
    at.button(key="hf_confirm_save").click().run()


# --- list ---------------------------------------------------------------------------------


def test_list_shows_every_function_with_health_and_7_day_totals(connect_env, run_script):
    at = run_script(LIST)
    assert not at.exception
    frame = at.dataframe[0].value
    stored = [f for f in connect_env.stored_hog_functions(1) if not f["deleted"]]
    assert len(frame) == len(stored)
    row = frame.iloc[0]
    totals = _services(connect_env).hog_functions.metrics_totals(row["id"])
    assert row["Succeeded 7d"] == totals.get("success", 0)
    assert row["Failed 7d"] == totals.get("failure", 0)
    rates = list(frame["Failure rate"].dropna())
    assert rates == sorted(rates, reverse=True)  # sorted by failure rate by default
    assert at.get("download_button")


def test_list_filters_by_type_health_and_text(connect_env, run_script):
    at = run_script(LIST)
    at.multiselect(key="hf_list_types").set_value(["transformation"]).run()
    assert set(at.dataframe[0].value["Type"]) == {"Transformations"}
    at.multiselect(key="hf_list_health").set_value(["Paused"]).run()
    frame = at.dataframe[0].value
    assert len(frame) and set(frame["Enabled"]) == {"Off"}
    at.multiselect(key="hf_list_health").set_value([]).run()
    at.text_input(key="hf_list_search").input("GeoIP").run()
    assert all("geoip" in n.lower() for n in at.dataframe[0].value["Name"])


def test_warm_rerun_sends_no_request(connect_env, run_script):
    at = run_script(LIST)
    connect_env.clear_requests()
    at.run()
    assert connect_env.requests == []


def _switch_off_in_list(connect_env, searchable_function, run_script):
    """An enabled destination found by name in the list, its switch turned off: the
    confirmation is open and nothing is sent yet."""
    target = searchable_function(connect_env, enabled=True, type="destination")
    at = run_script(LIST)
    at.text_input(key="hf_list_search").input(target["name"]).run()
    switch = next(t for t in at.toggle if t.key.startswith(f"hf_list_switch_{target['id']}"))
    connect_env.clear_requests()
    switch.set_value(False).run()
    return target, at


def test_disable_from_list_asks_then_sends_exactly_enabled_false(
    connect_env, searchable_function, run_script
):
    target, at = _switch_off_in_list(connect_env, searchable_function, run_script)
    assert not _patches(connect_env)  # nothing sent before confirming
    assert "delivered" in " ".join(m.value for m in at.markdown)
    at.button(key="hf_confirm_disable").click().run()
    assert [p.json for p in _patches(connect_env)] == [{"enabled": False}]
    assert connect_env.stored_hog_function(target["id"])["enabled"] is False
    assert not at.exception


def test_a_429_on_a_write_says_the_wait_at_once_and_counts_it_down(
    connect_env, searchable_function, run_script
):
    target, at = _switch_off_in_list(connect_env, searchable_function, run_script)
    connect_env.inject_fault("throttle", method="PATCH", wait_seconds=30)
    connect_env.clear_requests()
    at.button(key="hf_confirm_disable").click().run()
    assert len(_patches(connect_env)) == 1  # not retried behind PostHog's 30 s
    assert any("PostHog asked us to wait 30 s" in e.value for e in at.error)
    [left] = [i.value for i in at.info if "changes can be sent again in" in i.value]
    assert 25 <= int(left.split(" in ")[1].split(" s")[0]) <= 30
    assert connect_env.stored_hog_function(target["id"])["enabled"] is True
    assert not at.exception


def test_enable_with_unknown_outcome_puts_the_switch_back_and_says_so(
    connect_env, searchable_function, run_script
):
    target = searchable_function(connect_env, enabled=False, type="destination")
    at = run_script(LIST)
    at.text_input(key="hf_list_search").input(target["name"]).run()
    connect_env.inject_fault("status", status=500, method="PATCH")
    switch = next(t for t in at.toggle if t.key.startswith(f"hf_list_switch_{target['id']}"))
    switch.set_value(True).run()
    switch = next(t for t in at.toggle if t.key.startswith(f"hf_list_switch_{target['id']}"))
    assert switch.value is False
    message = unescape(at.error[0].value)
    assert "PostHog may or may not have applied this" in message
    assert "Could not" not in message  # an unknown outcome is never worded as a failure
    # the re-read: not there yet, but a timed-out request could still land, so still unknown
    assert "a re-read does not show the change yet" in message
    (entry,) = Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()
    assert entry.outcome == "unknown"


def test_a_lost_answer_to_a_change_that_landed_is_said_to_have_landed(
    connect_env, searchable_function, run_script
):
    target = searchable_function(connect_env, enabled=False, type="destination")
    at = run_script(LIST)
    at.text_input(key="hf_list_search").input(target["name"]).run()
    # PostHog applies the change, then its answer cannot be read
    connect_env.inject_fault("malformed", method="PATCH")
    switch = next(t for t in at.toggle if t.key.startswith(f"hf_list_switch_{target['id']}"))
    switch.set_value(True).run()
    assert connect_env.stored_hog_function(target["id"])["enabled"] is True
    assert not at.error
    [said] = [unescape(t.value) for t in at.toast]
    assert said.startswith("Enabled ") and "a re-read shows it applied the change" in said
    switch = next(t for t in at.toggle if t.key.startswith(f"hf_list_switch_{target['id']}"))
    assert switch.value is True
    (entry,) = Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()
    assert entry.outcome == "done" and "re-read" in entry.reason


# --- configuration form -----------------------------------------------------------------


def test_rename_sends_only_the_name_and_keeps_secrets(
    connect_env, function_with_secret, run_script
):
    fn = function_with_secret(connect_env)
    at = run_script(FORM, function_id=fn["id"])
    assert not at.exception
    at.text_input(key=next(k.key for k in at.text_input if k.key.endswith("_name"))).input(
        "Renamed safely"
    ).run()
    assert "1 unsaved change" in " ".join(m.value for m in at.markdown)
    connect_env.clear_requests()
    at.button(key=next(b.key for b in at.button if b.key.endswith("_save"))).click().run()
    question = " ".join(m.value for m in at.markdown)
    assert "PostHog applies 1 change to" in question
    assert at.dataframe[-1].value.to_dict("records") == [
        {"Field": "name", "Before": fn["name"], "After": "Renamed safely"}
    ]
    assert not _patches(connect_env)  # nothing sent before confirming
    at.button(key="hf_confirm_save").click().run()
    assert not at.exception
    assert [p.json for p in _patches(connect_env)] == [{"name": "Renamed safely"}]
    stored = connect_env.stored_hog_function(fn["id"])
    assert stored["name"] == "Renamed safely"
    assert stored["secret_inputs"] == fn["secret_inputs"]
    assert connect_env.requests[0].method == "GET"  # re-read before writing


def test_a_secret_of_only_spaces_is_refused_and_a_name_is_held_to_posthogs_limit(
    connect_env, function_with_secret, run_script
):
    fn = function_with_secret(connect_env)
    secret = next(iter(fn["secret_inputs"]))
    at = run_script(FORM, function_id=fn["id"])
    connect_env.clear_requests()
    replace = next(c for c in at.checkbox if c.key.endswith(f"_in_{secret}_replace"))
    replace.check().run()
    next(t for t in at.text_input if t.key.endswith(f"_in_{secret}")).input("   ").run()
    assert "cannot be only spaces" in " ".join(e.value for e in at.error)
    assert not any((b.key or "").endswith("_save") for b in at.button)  # no save offered
    name = next(t for t in at.text_input if t.key.endswith("_name"))
    assert name.max_chars == 400  # PostHog's limit, held by the field itself
    assert not _patches(connect_env)
    assert connect_env.stored_hog_function(fn["id"])["secret_inputs"] == fn["secret_inputs"]


def test_changing_an_input_sends_inputs_whole_with_secrets_echoed(
    connect_env, function_with_secret, run_script
):
    fn = function_with_secret(connect_env)
    plain_key = next(k for k, v in fn["inputs"].items() if isinstance(v.get("value"), str))
    at = run_script(FORM, function_id=fn["id"])
    _edit_text_input(at, plain_key, "https://hooks.example.com/changed")
    connect_env.clear_requests()
    _click_save(at)
    (patch,) = _patches(connect_env)
    assert set(patch.json) == {"inputs"}
    for secret in fn["secret_inputs"]:
        assert patch.json["inputs"][secret] == {"secret": True}
    assert patch.json["inputs"][plain_key]["value"] == "https://hooks.example.com/changed"
    assert connect_env.stored_hog_function(fn["id"])["secret_inputs"] == fn["secret_inputs"]


def test_server_validation_error_shows_next_to_its_field(
    connect_env, function_with_secret, run_script
):
    fn = function_with_secret(connect_env)
    plain_key = next(k for k, v in fn["inputs"].items() if isinstance(v.get("value"), str))
    at = run_script(FORM, function_id=fn["id"])
    _edit_text_input(at, plain_key, "https://hooks.example.com/{oops")
    widget = next(t for t in at.text_input if t.key.endswith(f"_in_{plain_key}"))
    _click_save(at)
    assert not at.exception
    errors = [e for e in at.error if "not closed" in e.value]
    assert len(errors) == 1
    # the error sits right after its field in the page
    children = list(at.main.children.values())
    field_at = next(i for i, c in enumerate(children) if getattr(c, "key", None) == widget.key)
    assert "not closed" in getattr(children[field_at + 1], "value", "")
    assert connect_env.stored_hog_function(fn["id"])["inputs"][plain_key] == fn["inputs"][plain_key]
    # the draft is kept, and the journal has PostHog's reason
    assert at.text_input(key=widget.key).value == "https://hooks.example.com/{oops"
    (entry,) = Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()
    assert entry.outcome == "refused" and "not closed" in entry.reason


def test_bad_json_is_caught_before_sending(connect_env, function_with_secret, run_script):
    fn = function_with_secret(connect_env)
    at = run_script(FORM, function_id=fn["id"])
    filters = next(t for t in at.text_area if t.key.endswith("_filters"))
    connect_env.clear_requests()
    filters.input("{not json").run()
    assert any("Not valid JSON" in e.value for e in at.error)
    assert not [b for b in at.button if b.key.endswith("_save")]
    assert not _patches(connect_env)


def test_empty_name_is_explained_next_to_the_field(connect_env, function_with_secret, run_script):
    fn = function_with_secret(connect_env)
    at = run_script(FORM, function_id=fn["id"])
    name = next(t for t in at.text_input if t.key.endswith("_name"))
    name.input("  ").run()
    children = list(at.main.children.values())
    field_at = next(i for i, c in enumerate(children) if getattr(c, "key", None) == name.key)
    assert children[field_at + 1].value == "Give the function a name."
    assert not [b for b in at.button if b.key.endswith("_save")]


def test_someone_elses_edit_is_not_overwritten(connect_env, function_with_secret, run_script):
    fn = function_with_secret(connect_env)
    at = run_script(FORM, function_id=fn["id"])
    at.text_input(key=next(k.key for k in at.text_input if k.key.endswith("_name"))).input(
        "Mine"
    ).run()
    at.button(key=next(b.key for b in at.button if b.key.endswith("_save"))).click().run()
    # changed in PostHog while the question is open: after loading, before saving
    _services(connect_env).hog_functions.update(fn["id"], {"description": "theirs"})
    connect_env.clear_requests()
    at.button(key="hf_confirm_save").click().run()
    assert not _patches(connect_env)
    message = at.error[0].value.replace("\\", "")
    assert f"Could not save {fn['name']}" in message
    assert "This function was changed in PostHog" in message and "after you opened it" in message
    assert connect_env.stored_hog_function(fn["id"])["description"] == "theirs"
    (entry,) = Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()
    assert entry.outcome == "refused" and "changed in PostHog" in entry.reason
    assert entry.method is None  # nothing was sent
    # the draft is kept on the version it was made on, until the operator reloads
    name = next(t for t in at.text_input if t.key.endswith("_name"))
    assert name.value == "Mine"
    warning = at.warning[0].value.replace("\\", "")
    assert "description" in warning and "Ada Okafor changed this function in PostHog at" in warning
    save = next(b for b in at.button if b.key.endswith("_save"))
    assert save.disabled and "Reload the latest version first" in save.help
    # the reload keeps what the operator typed, and takes theirs for the rest
    at.button(key="f_reload").click().run()
    assert next(t for t in at.text_input if t.key.endswith("_name")).value == "Mine"
    assert next(t for t in at.text_area if t.key.endswith("_desc")).value == "theirs"


def test_configuration_for_tests_holds_unsaved_values(
    connect_env, function_with_secret, run_script
):
    fn = function_with_secret(connect_env)
    at = run_script(FORM, function_id=fn["id"])
    hog = next(t for t in at.text_area if t.key.endswith("_hog"))
    hog.input("print('unsaved')").run()
    config = at.session_state["config"]
    assert config["hog"] == "print('unsaved')"
    assert all(config["inputs"][k] == {"secret": True} for k in fn["secret_inputs"])


# --- danger zone and templates -----------------------------------------------------------


DELETED_HERE = """
from components.hog_functions import function_detail
from components.shared.connection import get_client
function_detail.render_deleted_here(get_client())
"""
TYPED_NAME = "typed_hog_function.delete"


def test_delete_needs_the_name_then_restore(connect_env, run_script):
    fn = next(f for f in connect_env.stored_hog_functions(1) if f["type"] == "transformation")
    at = run_script(DETAIL, function_id=fn["id"])
    assert not at.exception
    at.button(key="hf_detail_delete").click().run()
    confirm = at.button(key="hf_confirm_delete")
    assert confirm.disabled
    at.text_input(key=TYPED_NAME).input(fn["name"]).run()
    at.button(key="hf_confirm_delete").click().run()
    assert connect_env.stored_hog_function(fn["id"])["deleted"] is True
    assert at.session_state["hf_deleted_here"] == {fn["id"]: fn["name"]}
    restore = run_script(DELETED_HERE, hf_deleted_here={fn["id"]: fn["name"]})
    restore.button(key=f"hf_deleted_{fn['id']}").click().run()
    assert connect_env.stored_hog_function(fn["id"])["deleted"] is False
    assert not [b for b in restore.button if b.key == f"hf_deleted_{fn['id']}"]


def test_detail_has_every_tab(connect_env, run_script):
    fn = next(f for f in connect_env.stored_hog_functions(1) if f["type"] == "destination")
    at = run_script(DETAIL, function_id=fn["id"])
    assert not at.exception
    labels = [t.label for t in at.tabs]
    assert labels == ["Configuration", "Metrics", "Logs", "Test", "Backfills", "Danger zone"]
    assert at.header[0].value.replace("\\", "") == fn["name"]


def test_backfills_tab_enables_backfills(connect_env, run_script):
    fn = next(
        f
        for f in connect_env.stored_hog_functions(1)
        if f["type"] == "destination" and not f["batch_export_id"]
    )
    at = run_script(DETAIL, function_id=fn["id"])
    at.button(key="hf_detail_backfills").click().run()
    assert not at.exception
    export_id = connect_env.stored_hog_function(fn["id"])["batch_export_id"]
    assert export_id
    assert any(export_id in s.value for s in at.success)


def test_failed_delete_is_explained_on_the_detail(connect_env, run_script):
    fn = next(f for f in connect_env.stored_hog_functions(1) if f["type"] == "transformation")
    at = run_script(DETAIL, function_id=fn["id"])
    at.button(key="hf_detail_delete").click().run()
    at.text_input(key=TYPED_NAME).input(fn["name"]).run()
    connect_env.inject_fault("status", status=503, method="PATCH")
    at.button(key="hf_confirm_delete").click().run()
    assert not at.exception
    assert "may or may not have applied this" in at.error[0].value
    assert at.header  # still on the function's page


@pytest.mark.parametrize("enable", [False, True])
def test_create_from_template_is_disabled_unless_asked(connect_env, enable, run_script):
    at = run_script(
        "from components.hog_functions import template_gallery\n"
        "from components.shared.connection import get_client\n"
        "template_gallery.render(get_client())\n"
    )
    at.text_input(key="tpl_search").input("Discord").run()
    form_inputs = [t for t in at.text_input if t.key is None or "tpl" not in (t.key or "")]
    secret = next(t for t in form_inputs if "webhook" in t.label.lower())
    secret.input("https://discord.example/hook")
    at.text_input[1].input(f"Discord alerts {enable}")
    if enable:
        at.checkbox[0].check()
    at.form_submit_button[0].click().run()
    assert not at.exception
    created = [
        f for f in connect_env.stored_hog_functions(1) if f["name"] == f"Discord alerts {enable}"
    ]
    assert len(created) == 1 and created[0]["enabled"] is enable
    assert created[0]["secret_inputs"] == {"webhookUrl": {"value": "https://discord.example/hook"}}
    assert at.query_params["id"] == created[0]["id"]


def test_health_of_each_demo_row_matches_services(connect_env, run_script):
    at = run_script(LIST)
    frame = at.dataframe[0].value.set_index("id")
    for f in _services(connect_env).hog_functions.list()[:40]:
        assert frame.loc[f.id, "Health"].endswith(health_of(f))


def test_warm_rerun_of_the_whole_page_sends_no_request(app, connect_env):
    at = app.run()
    assert not at.exception and at.dataframe
    connect_env.clear_requests()
    at.run()
    assert connect_env.requests == []
