"""The Test tab offers a sample event the function's filters take, not always `$pageview`:
under AppTest against the emulator, which skips an event its filters do not take."""

from __future__ import annotations

import json

from tests.app.test_invocation_and_order import TEST, _sent, _stored

ENTERPRISE_SIGNUPS = {
    "events": [
        {
            "id": "signed_up",
            "name": "signed_up",
            "type": "events",
            "properties": [
                {"key": "plan", "value": ["enterprise"], "operator": "exact", "type": "event"}
            ],
        }
    ]
}


def _panel(run_script, fn: dict, filters: dict):
    config = {
        "type": "destination",
        "name": fn["name"],
        "hog": fn["hog"],
        "inputs_schema": fn["inputs_schema"],
        "filters": filters,
    }
    at = run_script(TEST, function_id=fn["id"], configuration=config, function_type="destination")
    assert not at.exception
    return at


def _sample(at) -> dict:
    return json.loads(at.text_area(key="t_globals").value)["event"]


def test_the_sample_is_the_filtered_event_and_the_run_is_not_skipped(connect_env, run_script):
    fn = _stored(connect_env, "destination")[0]
    at = _panel(run_script, fn, ENTERPRISE_SIGNUPS)
    event = _sample(at)
    assert event["event"] == "signed_up"
    assert event["properties"]["plan"] == "enterprise"
    assert event["properties"]["$browser"] == "Chrome"  # the rest of the sample is kept
    at.button(key="t_run").click().run()
    assert not at.exception
    (sent,) = _sent(connect_env, "/invocations/")
    assert sent.json["globals"]["event"]["event"] == "signed_up"
    assert "Success" in at.success[0].value  # the emulator skips events the filters refuse


def test_a_seeded_function_gets_its_own_filtered_event(connect_env, run_script):
    fn = next(f for f in _stored(connect_env, "destination") if f["filters"].get("events"))
    at = _panel(run_script, fn, fn["filters"])
    assert _sample(at)["event"] == fn["filters"]["events"][0]["id"]


def test_a_new_sample_follows_the_filters(connect_env, run_script):
    fn = _stored(connect_env, "destination")[0]
    at = _panel(run_script, fn, {})
    assert _sample(at)["event"] == "$pageview"  # a function on every event
    at.session_state["configuration"] = at.session_state["configuration"] | {
        "filters": ENTERPRISE_SIGNUPS
    }
    at.run()
    assert _sample(at)["event"] == "$pageview"  # the operator's sample is kept on reruns
    at.button(key="t_sample").click().run()
    assert _sample(at)["event"] == "signed_up"
