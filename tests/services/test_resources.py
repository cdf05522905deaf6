"""Resource namespaces against the emulator: users and projects, hog functions, templates,
models and concurrent reads."""

from __future__ import annotations

import threading

import pytest

from services import errors as e
from services import fetch_concurrently, health_of
from services.hog_functions import changed_between, changes_for, describe_changes, journal_changes
from services.models import HogFunction, HogFunctionStatus


def test_me_and_projects(client, emulator):
    me = client.users.me()
    assert me.email and me.team and me.team.id == emulator.project_id
    projects = client.projects.list()
    assert {p.id for p in projects} >= {1, 2}
    assert client.projects.get(emulator.project_id).name == next(
        p.name for p in projects if p.id == emulator.project_id
    )
    assert not any("@current" in r.path for r in emulator.requests)


def test_models_keep_unknown_fields():
    function = HogFunction.model_validate(
        {"id": "x", "name": "n", "brand_new_field": {"a": 1}, "status": {"state": 1, "x": 2}}
    )
    assert function.brand_new_field == {"a": 1}
    assert function.model_dump()["status"]["x"] == 2


@pytest.mark.parametrize(
    "enabled,state,health",
    [
        (True, 1, "Active"),
        (True, 2, "Degraded"),
        (True, 11, "Degraded"),
        (True, 3, "Disabled by PostHog"),
        (True, 4, "Disabled by PostHog"),  # older code: disabled permanently
        (True, 12, "Disabled by PostHog"),
        (True, 0, "Unknown"),
        (True, None, "Unknown"),
        (True, "degraded", "Degraded"),
        (True, "3", "Disabled by PostHog"),
        (True, 99, "Unknown"),
        (False, 1, "Paused"),
        (False, 0, "Paused"),
    ],
)
def test_health_reads_old_and_new_state_codes(enabled, state, health):
    function = HogFunction(id="x", enabled=enabled, status=HogFunctionStatus(state=state))
    assert health_of(function) == health


def test_health_in_the_demo_covers_every_state(client):
    healths = {health_of(f) for f in client.hog_functions.list()}
    assert healths == {"Active", "Degraded", "Disabled by PostHog", "Unknown", "Paused"}


def test_get_create_update_enable_disable(client, emulator):
    created = client.hog_functions.create(
        type="destination", name="Console test", hog="print('hi')"
    )
    assert created.enabled is False  # created disabled unless asked otherwise
    assert client.hog_functions.get(created.id).name == "Console test"
    assert client.hog_functions.enable(created.id).enabled is True
    assert emulator.stored_hog_function(created.id)["enabled"] is True
    assert client.hog_functions.disable(created.id).enabled is False
    renamed = client.hog_functions.update(created.id, {"name": "Renamed"})
    assert renamed.name == "Renamed"
    with pytest.raises(ValueError):
        client.hog_functions.update(created.id, {})


def test_disable_sends_exactly_enabled_false(client, emulator):
    function = client.hog_functions.list(type=["destination"], enabled=True)[0]
    emulator.clear_requests()
    client.hog_functions.disable(function.id)
    (patch,) = [r for r in emulator.requests if r.method == "PATCH"]
    assert patch.json == {"enabled": False}


def test_update_if_unchanged_refuses_a_function_changed_since_it_was_loaded(client, emulator):
    loaded = client.hog_functions.get(client.hog_functions.list(type=["destination"])[0].id)
    saved = client.hog_functions.update_if_unchanged(
        loaded.id, changes={"name": "Mine"}, loaded_updated_at=loaded.updated_at
    )
    assert saved.name == "Mine"
    emulator.clear_requests()
    with pytest.raises(e.Conflict) as info:  # `loaded` is now older than PostHog's version
        client.hog_functions.update_if_unchanged(
            loaded.id, changes={"name": "Stale"}, loaded_updated_at=loaded.updated_at
        )
    assert "changed in PostHog" in str(info.value)
    assert info.value.current.name == "Mine"
    assert [r.method for r in emulator.requests] == ["GET", "GET"]  # re-read, who: nothing sent
    assert changed_between(loaded, info.value.current) == ["name"]


def test_soft_delete_and_restore(client, emulator):
    function = client.hog_functions.list(type=["destination"])[0]
    client.hog_functions.delete(function.id)
    assert emulator.stored_hog_function(function.id)["deleted"] is True
    with pytest.raises(e.NotFound):
        client.hog_functions.get(function.id)
    assert function.id not in {f.id for f in client.hog_functions.list()}
    client.hog_functions.restore(function.id)
    assert client.hog_functions.get(function.id).id == function.id


def test_echoed_secret_is_kept(client, emulator):
    with_secret = next(
        f
        for f in emulator.stored_hog_functions(emulator.project_id)
        if f["secret_inputs"] and not f["deleted"]
    )
    secret_key, secret = next(iter(with_secret["secret_inputs"].items()))
    full = client.hog_functions.get(with_secret["id"])
    assert full.inputs[secret_key] == {"secret": True}
    inputs = {
        key: ({"secret": True} if value.get("secret") else {"value": value.get("value")})
        for key, value in full.inputs.items()
    }
    client.hog_functions.update(full.id, {"inputs": inputs})
    assert emulator.stored_hog_function(full.id)["secret_inputs"][secret_key] == secret


def test_metrics_and_totals(client):
    function = client.hog_functions.list(type=["destination"], enabled=True)[0]
    series = client.hog_functions.metrics(function.id, after="-7d", interval="day")
    assert len(series.labels) in (7, 8)
    assert all(len(s["values"]) == len(series.labels) for s in series.series)
    totals = client.hog_functions.metrics_totals(function.id)
    by_kind = {s["name"]: sum(s["values"]) for s in series.series}
    assert totals == {k: v for k, v in by_kind.items() if k in totals}
    by_name = client.hog_functions.metrics_totals(function.id, breakdown_by="name")
    assert "succeeded" in by_name or "failed" in by_name
    with pytest.raises(e.ValidationFailed) as info:
        client.hog_functions.metrics(function.id, interval="month")
    assert info.value.attr == "interval"


def test_invoke_tests_unsaved_configuration(client):
    function = client.hog_functions.get(client.hog_functions.list(type=["transformation"])[0].id)
    configuration = {
        "type": "transformation",
        "name": function.name,
        "hog": function.hog,
        "inputs_schema": function.inputs_schema or [],
        "inputs": function.inputs or {},
    }
    event = {"event": "$pageview", "uuid": "e1", "properties": {"$current_url": "https://x"}}
    result = client.hog_functions.invoke(
        function.id, configuration=configuration, globals={"event": event}
    )
    assert result.status == "success"
    assert result.result and result.result["event"] == "$pageview"
    new = client.hog_functions.invoke(
        None, configuration={**configuration, "hog": "throw('boom')"}, globals={"event": event}
    )
    assert new.status == "error" and new.errors


def test_icons_and_icon(client):
    icons = client.hog_functions.icons(query="slack")
    assert icons and icons[0]["id"]
    content, content_type = client.hog_functions.icon(icon_id=icons[0]["id"])
    assert content and content_type.startswith("image/")
    assert client.hog_functions.icons(query="  ") == []


def test_rearrange_sends_only_changed_orders(client, emulator):
    enabled = [
        f
        for f in client.hog_functions.list(type=["transformation"], enabled=True)
        if f.execution_order is not None
    ]
    first, second = enabled[0], enabled[1]
    orders = {first.id: second.execution_order, second.id: first.execution_order}
    result = client.hog_functions.rearrange(orders)
    by_id = {f.id: f.execution_order for f in result}
    assert by_id[first.id] == second.execution_order
    assert by_id[second.id] == first.execution_order
    (sent,) = [r for r in emulator.requests if r.path.endswith("rearrange/")]
    assert sent.json == {"orders": orders}


def test_enable_backfills(client):
    function = next(
        f
        for f in client.hog_functions.list(type=["destination"])
        if not f.batch_export_id and (f.filters or {}).get("source", "events") == "events"
    )
    batch_export_id = client.hog_functions.enable_backfills(function.id)
    assert batch_export_id
    assert client.hog_functions.get(function.id).batch_export_id == batch_export_id
    with pytest.raises(e.ValidationFailed) as info:
        client.hog_functions.enable_backfills(function.id)
    assert "already enabled" in str(info.value)


def test_templates(client):
    templates = client.hog_function_templates.list(types=["destination"])
    assert len(templates) > 10 and {t.type for t in templates} == {"destination"}
    slack = next(t for t in templates if t.id == "template-slack")
    assert slack.inputs_schema
    transformations = client.hog_function_templates.list(types=["transformation"])
    assert transformations and {t.type for t in transformations} == {"transformation"}


def test_fetch_concurrently_uses_a_session_per_thread(client):
    functions = client.hog_functions.list(type=["destination"])[:20]
    sessions = set()
    lock = threading.Lock()
    progress = []

    def totals(function_id):
        with lock:
            sessions.add(id(client.transport.session))
        return client.hog_functions.metrics_totals(function_id)

    missing = "0190f2a3-7c1e-7a4e-9c2a-1b2c3d4e5f60"  # a well-formed id PostHog does not have
    results = fetch_concurrently(
        [f.id for f in functions] + [missing],
        totals,
        max_workers=4,
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert list(results) == [f.id for f in functions] + [missing]
    assert isinstance(results[missing], e.NotFound)
    assert all(isinstance(results[f.id], dict) for f in functions)
    assert 1 < len(sessions) <= 4
    counts = [done for done, _ in progress]
    assert progress[-1] == (21, 21) and counts == sorted(counts)  # never goes backwards


# --- safe editing --------------------------------------------------------------------------


@pytest.fixture
def edited(client, emulator, function_with_secret):
    """(stored record, function as the client reads it) of a function with a secret."""
    stored = function_with_secret(emulator)
    return stored, client.hog_functions.get(stored["id"])


def _plain_values(function):
    return {k: v.get("value") for k, v in function.inputs.items() if "value" in v}


def test_untouched_form_changes_nothing(client, emulator, edited):
    _, function = edited
    values = {k: ("" if v is None else v) for k, v in _plain_values(function).items()}
    edited = {"name": function.name, "description": function.description, "hog": function.hog}
    assert changes_for(function, edited, input_values=values) == {}


def test_rename_changes_only_the_name(client, emulator, edited):
    stored, function = edited
    changes = changes_for(function, {"name": "New name"}, input_values=_plain_values(function))
    assert changes == {"name": "New name"}
    client.hog_functions.update(function.id, changes)
    assert emulator.stored_hog_function(function.id)["secret_inputs"] == stored["secret_inputs"]


def test_input_change_sends_inputs_whole_and_keeps_secrets(client, emulator, edited):
    stored, function = edited
    values = _plain_values(function)
    key = next(k for k, v in values.items() if isinstance(v, str))
    values[key] = "https://hooks.example.com/new"
    changes = changes_for(function, {}, input_values=values)
    assert set(changes) == {"inputs"}
    assert all(changes["inputs"][s] == {"secret": True} for s in stored["secret_inputs"])
    rows = describe_changes(function, changes)
    assert rows == [(f"inputs.{key}", function.inputs[key]["value"], values[key])]
    client.hog_functions.update(function.id, changes)
    after = emulator.stored_hog_function(function.id)
    assert after["secret_inputs"] == stored["secret_inputs"]
    assert after["inputs"][key]["value"] == "https://hooks.example.com/new"


def test_replacing_a_secret_rotates_only_that_secret(client, emulator, edited):
    stored, function = edited
    secret = next(iter(stored["secret_inputs"]))
    changes = changes_for(
        function, {}, input_values=_plain_values(function), new_secrets={secret: "rotated"}
    )
    rows = describe_changes(function, changes)
    assert rows == [(f"inputs.{secret}", "(secret)", "(new secret value)")]
    assert "rotated" not in str(rows)
    client.hog_functions.update(function.id, changes)
    after = emulator.stored_hog_function(function.id)["secret_inputs"]
    assert after[secret] == {"value": "rotated"}
    assert {k: v for k, v in after.items() if k != secret} == {
        k: v for k, v in stored["secret_inputs"].items() if k != secret
    }


def test_journal_changes_name_secrets_without_their_values(client, emulator, edited):
    stored, function = edited
    secret, *others = stored["secret_inputs"]
    values = _plain_values(function)
    key = next(k for k, v in values.items() if isinstance(v, str))
    values[key] = "https://hooks.example.com/journaled"
    changes = changes_for(
        function, {"name": "Journaled"}, input_values=values, new_secrets={secret: "s3cr3t-new"}
    )
    journaled = journal_changes(function, changes)
    assert journaled == {
        "name": {"before": function.name, "after": "Journaled"},
        f"inputs.{key}": {"before": function.inputs[key]["value"], "after": values[key]},
        f"inputs.{secret}": "changed",
        **{f"inputs.{other}": "kept" for other in others},
    }
    assert "s3cr3t-new" not in str(journaled)
