"""Inputs keep the JSON type PostHog returned: an integration input is an integer id, a channel
keeps its shape, json and dictionary inputs stay objects. An edit that leaves the inputs alone
sends none of them; PostHog refuses an integration id sent as a string."""

from __future__ import annotations

import pytest

from services import errors as e
from services.hog_functions import (
    changes_for,
    input_value,
    inputs_payload,
    integration_id,
    secret_keys,
)
from services.models import HogFunction


def _functions(client) -> list[HogFunction]:
    return [client.hog_functions.get(f.id) for f in client.hog_functions.list()]


def _untouched(function: HogFunction) -> dict:
    """The values of a form nobody touched: every plain input as PostHog returned it."""
    secrets = secret_keys(function)
    return {
        item["key"]: input_value(function, item["key"])
        for item in function.inputs_schema or []
        if item["key"] not in secrets
    }


def _one_per_template(client) -> dict[str, HogFunction]:
    chosen: dict[str, str] = {}
    for f in client.hog_functions.list():  # the list's rows name the template, not the inputs
        chosen.setdefault(f.template.id if f.template else f.type, f.id)
    return {template: client.hog_functions.get(fid) for template, fid in chosen.items()}


def _with_integration(client, template_id: str) -> HogFunction:
    return _one_per_template(client)[template_id]


def test_the_seeds_hold_integration_inputs_as_posthog_returns_them(client):
    by_template = _one_per_template(client)
    slack = by_template["template-slack"]
    assert input_value(slack, "slack_workspace") == 23  # an integer, not "23"
    assert isinstance(input_value(slack, "channel"), str) and "|#" in input_value(slack, "channel")
    assert isinstance(input_value(slack, "blocks"), list)
    assert "bytecode" not in slack.inputs["slack_workspace"]  # not a template
    assert "bytecode" in slack.inputs["text"]
    assert isinstance(input_value(by_template["template-hubspot"], "oauth"), int)
    assert isinstance(input_value(by_template["template-hubspot"], "properties"), dict)
    assert isinstance(input_value(by_template["template-google-pubsub"], "auth"), int)
    assert isinstance(input_value(by_template["template-salesforce-create"], "oauth"), int)


def test_an_untouched_form_changes_nothing_for_every_function(client):
    functions = _functions(client)
    assert len(functions) > 200
    for function in functions:
        edited = {"name": function.name, "description": function.description}
        assert changes_for(function, edited, input_values=_untouched(function)) == {}, function.name


def test_an_integration_id_typed_as_text_is_sent_as_an_integer(client):
    slack = _with_integration(client, "template-slack")
    values = {**_untouched(slack), "slack_workspace": "23"}
    assert changes_for(slack, {}, input_values=values) == {}  # the same integration
    values["slack_workspace"] = "24"
    sent = changes_for(slack, {}, input_values=values)["inputs"]
    assert sent["slack_workspace"] == {"value": 24}
    assert sent["blocks"]["value"] == input_value(slack, "blocks")  # still a list
    assert integration_id("x") is None and integration_id(True) is None


def test_a_rename_of_one_function_of_each_template_saves_and_keeps_its_inputs(client):
    chosen = _one_per_template(client)
    assert {"template-slack", "template-hubspot", "template-google-pubsub"} <= set(chosen)
    for function in chosen.values():
        name = f"{function.name} (renamed)"
        changes = changes_for(function, {"name": name}, input_values=_untouched(function))
        assert changes == {"name": name}
        saved = client.hog_functions.update_if_unchanged(
            function.id, changes=changes, loaded_updated_at=function.updated_at
        )
        assert saved.name == name
        assert saved.inputs == function.inputs, function.name


def test_changing_a_channel_sends_the_integration_as_an_integer_and_posthog_takes_it(
    client, emulator
):
    slack = _with_integration(client, "template-slack")
    values = {**_untouched(slack), "channel": "C0NEW|#new-channel"}
    changes = changes_for(slack, {}, input_values=values)
    assert changes["inputs"]["slack_workspace"] == {"value": 23}
    emulator.clear_requests()
    saved = client.hog_functions.update(slack.id, changes)
    (patch,) = [r for r in emulator.requests if r.method == "PATCH"]
    assert patch.json["inputs"]["slack_workspace"] == {"value": 23}
    assert input_value(saved, "channel") == "C0NEW|#new-channel"
    assert input_value(saved, "slack_workspace") == 23


def test_posthog_refuses_an_integration_id_sent_as_a_string(client):
    hubspot = _with_integration(client, "template-hubspot")
    payload = inputs_payload(hubspot, _untouched(hubspot), {})
    payload["oauth"] = {"value": "31"}  # what the console used to send
    with pytest.raises(e.ValidationFailed) as refused:
        client.hog_functions.update(hubspot.id, {"inputs": payload})
    assert "Value must be an Integration ID." in str(refused.value)
    assert refused.value.attr == "inputs__oauth"
    assert input_value(client.hog_functions.get(hubspot.id), "oauth") == 31


def test_posthog_refuses_a_dictionary_input_that_is_not_an_object(client):
    hubspot = _with_integration(client, "template-hubspot")
    payload = inputs_payload(hubspot, {**_untouched(hubspot), "properties": "[1]"}, {})
    with pytest.raises(e.ValidationFailed) as refused:
        client.hog_functions.update(hubspot.id, {"inputs": payload})
    assert "Value must be a dictionary." in str(refused.value)
