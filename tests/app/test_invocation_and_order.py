"""The Test panel and the transformation order under AppTest, against the emulator over
loopback: what is sent to PostHog, and what the operator sees."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from services import PostHogClient

ECHO = {"type": "transformation", "name": "Echo", "hog": "return event"}
TEST = """
import streamlit as st
from components.hog_functions import invocation_test
from components.shared.connection import get_client
invocation_test.render(
    get_client(),
    function_id=st.session_state["function_id"],
    configuration=st.session_state["configuration"],
    function_type=st.session_state["function_type"],
    key="t",
)
"""
ORDER = """
from components.hog_functions import transformation_order
from components.shared.connection import get_client
transformation_order.render(get_client(), key="o")
"""


def _sent(emulator, suffix: str) -> list:
    return [r for r in emulator.requests if r.path.endswith(suffix) and r.method != "GET"]


def _stored(emulator, ftype: str, *, enabled: bool | None = None) -> list[dict]:
    return [
        f
        for f in emulator.stored_hog_functions(1)
        if f["type"] == ftype and not f["deleted"] and (enabled is None or f["enabled"] == enabled)
    ]


def _client(emulator) -> PostHogClient:
    return PostHogClient(host=emulator.url, api_key=emulator.demo_key, project_id=1)


def _texts(elements) -> str:
    return "\n".join(e.value for e in elements)


# --- test runs --------------------------------------------------------------------------------


def _destination_config(fn: dict, **changes) -> dict:
    config = {
        "type": "destination",
        "name": fn["name"],
        "hog": "fetch(inputs.url, {'method': 'POST'}) // unsaved edit",
        "inputs_schema": [{"key": "url", "type": "string", "label": "URL"}],
        "inputs": {"url": {"value": "https://hooks.example/unsaved"}},
        "filters": {"events": [{"id": "$pageview", "type": "events"}]},
    }
    return config | changes


def _test_panel(
    run_script,
    emulator,
    config: dict,
    *,
    function_id="first",
    function_type=None,
) -> AppTest:
    if function_id == "first":
        function_id = _stored(emulator, config["type"])[0]["id"]
    return run_script(
        TEST,
        function_id=function_id,
        configuration=config,
        function_type=function_type or config["type"],
    )


def test_destination_run_sends_exactly_the_unsaved_configuration_with_mocks_on(
    connect_env, run_script
):
    fn = _stored(connect_env, "destination")[0]
    config = _destination_config(fn)
    at = _test_panel(run_script, connect_env, config, function_id=fn["id"])
    assert at.toggle(key="t_mock").value is True
    at.button(key="t_run").click().run()
    assert not at.exception
    (sent,) = _sent(connect_env, "/invocations/")
    assert sent.path.endswith(f"/hog_functions/{fn['id']}/invocations/")
    assert sent.json["configuration"] == config
    assert sent.json["mock_async_functions"] is True
    assert sent.json["globals"]["event"]["event"] == "$pageview"
    assert set(sent.json["globals"]) == {"event", "person", "groups", "project", "source"}
    assert "Success" in at.success[0].value
    logs = at.dataframe[0].value
    assert list(logs.columns) == ["timestamp", "level", "message"]
    assert any("was mocked" in m for m in logs["message"])


def test_mocks_off_is_sent_as_false(connect_env, run_script):
    fn = _stored(connect_env, "destination")[0]
    at = _test_panel(run_script, connect_env, _destination_config(fn), function_id=fn["id"])
    at.toggle(key="t_mock").set_value(False).run()
    at.button(key="t_run").click().run()
    (sent,) = _sent(connect_env, "/invocations/")
    assert sent.json["mock_async_functions"] is False


def test_transformation_shows_the_transformed_event(connect_env, run_script):
    fn = _stored(connect_env, "transformation")[0]
    config = {"type": "transformation", "name": "Unsaved name", "hog": "return event"}
    at = _test_panel(run_script, connect_env, config, function_id=fn["id"])
    at.button(key="t_run").click().run()
    (sent,) = _sent(connect_env, "/invocations/")
    assert sent.json["configuration"] == config
    event = at.json[0].value
    event = json.loads(event) if isinstance(event, str) else event
    assert event["properties"]["$transformed_by"] == "Unsaved name"
    assert event["properties"]["$browser"] == "Chrome"
    assert "Success" in at.success[0].value


def test_hog_that_throws_shows_status_error_and_its_errors(connect_env, run_script):
    config = {"type": "transformation", "name": "Broken", "hog": "throw('boom')"}
    at = _test_panel(run_script, connect_env, config)
    at.button(key="t_run").click().run()
    assert not at.exception
    errors = _texts(at.error)
    assert "Error" in at.error[0].value and "failed" in at.error[0].value
    assert "thrown by the function" in errors
    assert not at.json  # a failed transformation has no event to show


def test_filters_that_do_not_match_show_skipped(connect_env, run_script):
    fn = _stored(connect_env, "destination")[0]
    config = _destination_config(fn, filters={"events": [{"id": "$autocapture"}]})
    at = _test_panel(run_script, connect_env, config, function_id=fn["id"])
    sample = json.loads(at.text_area(key="t_globals").value)
    assert sample["event"]["event"] == "$autocapture"  # the sample matches the filters
    sample["event"]["event"] = "$pageview"  # an event they do not take, as an operator types it
    at.text_area(key="t_globals").input(json.dumps(sample)).run()
    at.button(key="t_run").click().run()
    assert "Skipped" in at.warning[0].value
    assert "did not match" in at.warning[0].value


def test_edited_globals_are_sent_as_typed(connect_env, run_script):
    fn = _stored(connect_env, "destination")[0]
    at = _test_panel(
        run_script, connect_env, _destination_config(fn, filters={}), function_id=fn["id"]
    )
    edited = {"event": {"event": "signed_up", "properties": {"plan": "scale"}}, "person": {}}
    at.text_area(key="t_globals").input(json.dumps(edited)).run()
    at.button(key="t_run").click().run()
    (sent,) = _sent(connect_env, "/invocations/")
    assert sent.json["globals"] == edited


def test_invalid_globals_show_an_error_and_send_nothing(connect_env, run_script):
    at = _test_panel(run_script, connect_env, ECHO)
    at.text_area(key="t_globals").input('{"event": {"event": "$pageview",}').run()
    assert "Not valid JSON" in at.error[0].value
    assert at.button(key="t_run").disabled
    at.text_area(key="t_globals").input('{"person": {}}').run()
    assert '"event" object' in at.error[0].value
    assert at.button(key="t_run").disabled
    assert not _sent(connect_env, "/invocations/")


def test_new_sample_event_replaces_broken_json(connect_env, run_script):
    at = _test_panel(run_script, connect_env, ECHO)
    at.text_area(key="t_globals").input("{broken").run()
    at.button(key="t_sample").click().run()
    assert not at.error
    assert json.loads(at.text_area(key="t_globals").value)["event"]["event"] == "$pageview"
    assert not at.button(key="t_run").disabled


def test_result_survives_reruns_until_cleared(connect_env, run_script):
    at = _test_panel(run_script, connect_env, ECHO)
    at.button(key="t_run").click().run()
    at.toggle(key="t_mock").set_value(False).run()  # any other interaction reruns the script
    assert "Success" in at.success[0].value
    assert len(_sent(connect_env, "/invocations/")) == 1
    at.button(key="t_clear").click().run()
    assert not at.success and not at.json
    assert not [b for b in at.button if b.key == "t_clear"]


def test_unsaved_function_is_tested_as_new(connect_env, run_script):
    at = _test_panel(run_script, connect_env, ECHO, function_id=None)
    at.button(key="t_run").click().run()
    (sent,) = _sent(connect_env, "/invocations/")
    assert sent.path.endswith("/hog_functions/new/invocations/")


def test_dropped_connection_says_the_outcome_is_unknown(connect_env, run_script):
    connect_env.inject_fault("drop", method="POST", path_contains="/invocations/")
    at = _test_panel(run_script, connect_env, ECHO)
    at.button(key="t_run").click().run()
    assert not at.exception
    assert "may or may not have applied this" in _texts(at.error).replace("\\", "")
    assert not at.success


def test_site_app_explains_why_and_has_no_run_button(connect_env, run_script):
    fn = _stored(connect_env, "site_app")[0]
    at = run_script(TEST, function_id=fn["id"], configuration={}, function_type="site_app")
    assert "browsers" in at.info[0].value
    assert not [b for b in at.button if b.key == "t_run"]
    assert not _sent(connect_env, "/invocations/")


# --- transformation order ---------------------------------------------------------------------


def _rows(at: AppTest) -> list[str]:
    return list(at.session_state["o_draft"])


def test_nothing_moved_means_save_and_reset_are_disabled(connect_env, run_script):
    at = run_script(ORDER)
    assert at.button(key="o_save").disabled
    assert at.button(key="o_reset").disabled
    stored = _stored(connect_env, "transformation", enabled=True)
    by_order = [f["id"] for f in sorted(stored, key=lambda f: f["execution_order"])]
    assert _rows(at) == by_order
    assert f"{len(stored)} of 20 enabled transformations" in at.caption[0].value


def test_swapping_two_saves_only_those_two(connect_env, run_script):
    at = run_script(ORDER)
    first, second = _rows(at)[:2]
    name = {f["id"]: f["name"] for f in _stored(connect_env, "transformation")}
    at.button(key=f"o_up_{second}").click().run()
    preview = at.info[0].value.replace("\\", "")
    assert f"{name[second]}: 2 → 1" in preview and f"{name[first]}: 1 → 2" in preview
    assert not _sent(connect_env, "rearrange/")  # nothing is sent before Save
    at.button(key="o_save").click().run()
    assert not at.exception
    (sent,) = _sent(connect_env, "rearrange/")
    assert sent.method == "PATCH"
    assert sent.json == {"orders": {second: 1, first: 2}}
    assert connect_env.stored_hog_function(second)["execution_order"] == 1
    assert connect_env.stored_hog_function(first)["execution_order"] == 2
    assert "Order saved" in [t.value for t in at.toast]
    # the re-read list shows the saved order and the draft is clean again
    assert _rows(at)[:2] == [second, first]
    assert at.button(key="o_save").disabled


def test_moving_one_down_twice_sends_the_three_it_passed(connect_env, run_script):
    at = run_script(ORDER)
    a, b, c, d = _rows(at)[:4]
    at.button(key=f"o_down_{a}").click().run()
    at.button(key=f"o_down_{a}").click().run()
    assert _rows(at)[:4] == [b, c, a, d]
    at.button(key="o_save").click().run()
    (sent,) = _sent(connect_env, "rearrange/")
    assert sent.json == {"orders": {b: 1, c: 2, a: 3}}


def test_reset_discards_the_draft(connect_env, run_script):
    at = run_script(ORDER)
    original = _rows(at)
    at.button(key=f"o_down_{original[0]}").click().run()
    assert _rows(at) != original
    at.button(key="o_reset").click().run()
    assert _rows(at) == original
    assert at.button(key="o_save").disabled
    assert not _sent(connect_env, "rearrange/")


def test_gaps_left_by_a_disabled_one_do_not_count_as_a_change(connect_env, run_script):
    first = _stored(connect_env, "transformation", enabled=True)[0]
    _client(connect_env).hog_functions.disable(first["id"])
    at = run_script(ORDER)
    assert at.button(key="o_save").disabled  # stored orders start at 2, nothing was moved
    rows = _rows(at)
    at.button(key=f"o_up_{rows[1]}").click().run()
    at.button(key="o_save").click().run()
    (sent,) = _sent(connect_env, "rearrange/")
    # the saved order is exactly what was shown, numbered from 1 with no ties; the one already
    # stored at its new place (2) is left out
    expected = [rows[1], rows[0], *rows[2:]]
    wanted = {fid: pos for pos, fid in enumerate(expected, start=1)}
    del wanted[rows[0]]
    assert sent.json["orders"] == wanted
    stored = [connect_env.stored_hog_function(fid)["execution_order"] for fid in expected]
    assert stored == list(range(1, len(expected) + 1))


def test_twenty_enabled_shows_the_cap_warning(connect_env, run_script):
    client = _client(connect_env)
    enabled = _stored(connect_env, "transformation", enabled=True)
    for fn in _stored(connect_env, "transformation", enabled=False)[: 20 - len(enabled)]:
        client.hog_functions.enable(fn["id"])
    at = run_script(ORDER)
    assert "20 of 20 enabled transformations" in at.warning[0].value
    assert len(_rows(at)) == 20


def test_failed_save_keeps_the_draft_and_says_the_outcome_is_unknown(connect_env, run_script):
    at = run_script(ORDER)
    first, second = _rows(at)[:2]
    at.button(key=f"o_up_{second}").click().run()
    connect_env.inject_fault("drop", method="PATCH", path_contains="rearrange")
    at.button(key="o_save").click().run()
    assert not at.exception
    assert "may or may not have applied this" in _texts(at.error).replace("\\", "")
    assert "Order saved" not in [t.value for t in at.toast]
    assert _rows(at)[:2] == [second, first]
