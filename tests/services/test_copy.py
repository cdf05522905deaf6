"""Copying hog functions and batch exports to project 3, against the emulator over loopback."""

from __future__ import annotations

import pytest

from emulator.batch_exports import stored_export
from services import errors as e
from services.copies import (
    CopyNotReady,
    export_copy,
    export_secrets,
    function_copy,
    function_integrations,
    function_secrets,
    journal_changes,
    secret_problems,
)
from services.models import HogFunction
from tests.secret_markers import secret_markers

SANDBOX = 3


def _writes(emulator) -> list:
    return [r for r in emulator.requests if r.method not in ("GET", "HEAD")]


def test_in_project_shares_the_connection(client, client_for, emulator):
    sandbox = client.in_project(SANDBOX)
    assert sandbox.transport is client.transport  # one rate limiter, one set of listeners
    assert (sandbox.project_id, client.project_id) == (SANDBOX, 1)
    assert sandbox.fingerprint != client.fingerprint
    assert sandbox.hog_functions.list() == []  # the sandbox has its own (empty) data

    audit = client_for(emulator.demo_key, read_only=True).in_project(SANDBOX)
    emulator.clear_requests()
    with pytest.raises(e.ReadOnlyMode):
        audit.hog_functions.create(name="x", hog="return event")
    assert emulator.requests == []


def test_the_scoped_key_still_reaches_only_project_1(client_for, emulator):
    assert {p.id for p in client_for(emulator.demo_key).projects.list()} == {1, 2, 3}
    with pytest.raises(e.NoProjectAccess):
        client_for(emulator.scoped_key).in_project(SANDBOX).hog_functions.list()


def test_a_function_copy_lands_disabled_with_the_typed_secrets(
    client, emulator, function_with_secret
):
    stored = function_with_secret(emulator)
    source = client.hog_functions.get(stored["id"])
    needed = function_secrets(source)
    assert set(stored["secret_inputs"]) <= {s.key for s in needed}
    typed = {s.key: f"typed-{s.key}" for s in needed}
    emulator.clear_requests()
    copy = client.in_project(SANDBOX).hog_functions.create(**function_copy(source, secrets=typed))

    kept = emulator.stored_hog_function(copy.id)
    assert kept["team_id"] == SANDBOX and kept["enabled"] is False
    assert kept["name"] == f"{source.name} (copy)"
    assert kept["secret_inputs"] == {k: {"value": v} for k, v in typed.items()}
    plain = {k: v["value"] for k, v in stored["inputs"].items() if "value" in v}
    assert {k: v["value"] for k, v in kept["inputs"].items() if "value" in v} == plain
    assert (kept["template"] or {}).get("id") == (stored["template"] or {}).get("id")
    assert (kept["hog"], kept["inputs_schema"]) == (stored["hog"], stored["inputs_schema"])
    assert kept["filters"] == stored["filters"]
    (sent,) = _writes(emulator)
    assert sent.path == "/api/projects/3/hog_functions/"
    assert secret_markers(sent.json) == []
    assert emulator.stored_hog_function(stored["id"])["team_id"] == 1  # the source stays


def test_a_missing_required_secret_sends_nothing(client, emulator, function_with_secret):
    source = client.hog_functions.get(function_with_secret(emulator)["id"])
    required = [s for s in function_secrets(source) if s.required]
    assert required
    emulator.clear_requests()
    with pytest.raises(CopyNotReady) as missing:
        function_copy(source, secrets={required[0].key: "   "})
    assert missing.value.problems[required[0].key] == "a secret cannot be only spaces"
    with pytest.raises(CopyNotReady) as missing:
        function_copy(source, secrets={})
    assert set(missing.value.problems) == {s.key for s in required}
    with pytest.raises(CopyNotReady) as missing:
        function_copy(source, name="x" * 401, secrets={s.key: "v" for s in required})
    assert missing.value.problems == {"name": "at most 400 characters"}
    assert _writes(emulator) == []


def test_an_optional_secret_left_empty_is_not_sent(client, emulator):
    stored = next(
        f
        for f in emulator.stored_hog_functions(1)
        if any(i.get("secret") and not i["required"] for i in f["inputs_schema"])
        and not any(i.get("secret") and i["required"] for i in f["inputs_schema"])
    )
    source = client.hog_functions.get(stored["id"])
    (optional,) = function_secrets(source)
    body = function_copy(source, name="  Sandbox hook  ", secrets={optional.key: ""})
    assert optional.key not in body["inputs"] and body["name"] == "Sandbox hook"
    copy = client.in_project(SANDBOX).hog_functions.create(**body)
    assert emulator.stored_hog_function(copy.id)["secret_inputs"] == {}


def test_mapping_secrets_are_asked_for_and_never_sent_as_markers():
    source = HogFunction(
        id="f",
        name="Mapped",
        type="destination",
        hog="return event",
        inputs_schema=[],
        inputs={},
        mappings=[
            {
                "name": "Signups",
                "inputs_schema": [
                    {"key": "token", "label": "Token", "secret": True, "required": True},
                    {"key": "event", "label": "Event"},
                ],
                "inputs": {"token": {"secret": True}, "event": {"value": "x", "order": 0}},
                "filters": {"events": [{"id": "signup"}], "bytecode": ["_H"]},
            }
        ],
    )
    (needed,) = function_secrets(source)
    assert (needed.key, needed.label, needed.required) == (
        "mappings.0.token",
        "Signups: Token",
        True,
    )
    body = function_copy(source, secrets={"mappings.0.token": "t0ken"})
    assert body["mappings"][0]["inputs"] == {"event": {"value": "x"}, "token": {"value": "t0ken"}}
    assert body["mappings"][0]["filters"] == {"events": [{"id": "signup"}]}
    assert body["enabled"] is False and secret_markers(body) == []


def _slack_function() -> HogFunction:
    return HogFunction(
        id="f",
        name="Alerts",
        type="destination",
        hog="return event",
        inputs_schema=[
            {
                "key": "slack_workspace",
                "type": "integration",
                "integration": "slack",
                "label": "Slack workspace",
                "required": True,
            },
            {
                "key": "channel",
                "type": "integration_field",
                "integration_key": "slack_workspace",
                "integration_field": "slack_channel",
                "label": "Channel",
                "required": True,
            },
            {"key": "text", "type": "string", "label": "Text"},
        ],
        inputs={
            "slack_workspace": {"value": 23, "order": 0},
            "channel": {"value": "C0123", "order": 1},
            "text": {"value": "{event.event}", "templating": "hog", "order": 2},
        },
    )


def test_a_copy_never_carries_the_source_projects_integration():
    source = _slack_function()
    (need,) = function_integrations(source)
    assert (need.key, need.kind, need.required) == ("slack_workspace", "slack", True)
    with pytest.raises(CopyNotReady) as info:
        function_copy(source, secrets={})  # the source's #23 means nothing in the target
    assert set(info.value.problems) == {"slack_workspace"}

    body = function_copy(source, secrets={}, integrations={"slack_workspace": 7})
    assert body["inputs"] == {
        "slack_workspace": {"value": 7},  # the target's, as an integer
        "channel": {"value": "C0123"},
        "text": {"value": "{event.event}", "templating": "hog"},
    }


def test_an_optional_integration_left_unpicked_drops_the_fields_read_from_it():
    source = _slack_function()
    source.inputs_schema[0]["required"] = False
    body = function_copy(source, secrets={})
    assert set(body["inputs"]) == {"text"}  # no workspace, so no channel of the old one


def test_an_export_copy_lands_paused_with_the_typed_secrets(client, emulator):
    source = next(x for x in client.batch_exports.list() if x.destination.type == "Snowflake")
    needed = {s.key: s.required for s in export_secrets(source)}
    assert needed == {
        "user": True,
        "password": False,
        "private_key": False,
        "private_key_passphrase": False,
    }
    assert secret_problems(export_secrets(source), {}) == {"user": "required in the new project"}
    emulator.clear_requests()
    with pytest.raises(CopyNotReady):
        export_copy(source, secrets={"password": "pw"})
    assert _writes(emulator) == []

    fields = export_copy(source, secrets={"user": " loader ", "password": "pw", "private_key": ""})
    copy = client.in_project(SANDBOX).batch_exports.create(**fields)
    kept = stored_export(emulator, copy.id)
    original = stored_export(emulator, source.id)
    assert kept["team_id"] == SANDBOX and kept["paused"] is True
    assert kept["name"] == f"{source.name} (copy)"
    assert (kept["interval"], kept["model"]) == (original["interval"], original["model"])
    config = dict(original["destination"]["config"])
    config.update(user="loader", password="pw")
    config.pop("private_key", None)
    config.pop("private_key_passphrase", None)
    assert kept["destination"]["config"] == config
    (sent,) = _writes(emulator)
    assert sent.path == "/api/projects/3/batch_exports/" and "private_key" not in str(sent.json)


def test_the_journal_gets_both_projects_and_never_a_secret():
    changes = journal_changes(
        source_project="project 1",
        source="Slack (f1)",
        target_project="project 3 · Hedgebox (sandbox)",
        copy="Slack (copy)",
        switched_off=("enabled", False),
        secrets={"slack_webhook_url": "https://hooks.example/s3cr3t", "other": ""},
    )
    assert changes == {
        "copied from": {"before": None, "after": "project 1 · Slack (f1)"},
        "copied to": {"before": None, "after": "project 3 · Hedgebox (sandbox) · Slack (copy)"},
        "enabled": {"before": None, "after": False},
        "secret slack_webhook_url": {"before": None, "after": "set"},
    }
    assert "s3cr3t" not in str(changes)


def test_integrations_are_listed_per_project_and_kind(client, emulator):
    assert [i.id for i in client.integrations.list(kind="slack")] == [23, 24]
    assert {i.kind for i in client.integrations.list()} >= {"slack", "hubspot", "salesforce"}
    (sandbox,) = client.in_project(SANDBOX).integrations.list()
    assert (sandbox.id, sandbox.kind, sandbox.label) == (
        52,
        "slack",
        "Hedgebox sandbox workspace (#52)",
    )
    assert any(r.path == "/api/environments/3/integrations/" for r in emulator.requests)
