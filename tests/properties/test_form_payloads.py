"""Every edit form's payload builder, on random objects and random sets of edited fields: the
payload holds exactly the fields the operator edited; an untouched field (a start or end with
its time, a number, an unset text) is not sent, so its stored value stays as it was; a secret
goes only as PostHog's keep-marker, or not at all, unless the operator typed a new one.

An untouched form is modelled by what each widget starts at (`edit_form_values`,
`shown_config_value`, `form_values`, `current_values`, `settings_of`): the components start
their widgets at exactly these values, and a widget nobody touched gives them back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services import batch_exports as be
from services import dashboards, insights
from services import hog_functions as hf
from services.analytics_models import Dashboard, Insight
from services.models import BatchExport, HogFunction

SETTINGS = settings(max_examples=60, deadline=None)
words = st.text("abcxyz _-", min_size=1, max_size=10).filter(lambda s: s.strip() == s)


# --- batch exports ---------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2030, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))]),
)
EDITABLE_TYPES = [t for t in be.DESTINATION_TYPES if be.DESTINATION_FIELDS[t]]


def _stored_config_value(field: be.ConfigField):
    """A value PostHog may hold for a config field (secrets are never read back)."""
    if field.kind == "number":
        return st.one_of(st.integers(1, 65_535), st.integers(1, 9999).map(str))
    if field.kind == "bool":
        return st.booleans()
    if field.kind == "choice":
        return st.sampled_from(field.choices)
    return st.one_of(words, words.map(lambda w: f" {w} "))


@st.composite
def exports(draw) -> BatchExport:
    dtype = draw(st.sampled_from(EDITABLE_TYPES))
    config = {}
    for field in be.DESTINATION_FIELDS[dtype]:
        if not field.secret and draw(st.booleans()):
            config[field.key] = draw(_stored_config_value(field))
    interval = draw(st.sampled_from(be.INTERVALS))
    return BatchExport(
        id="018f0000-0000-7000-8000-000000000001",
        name=draw(words),
        model=draw(st.sampled_from([*be.MODELS, None])),
        destination={"type": dtype, "config": config},
        interval=interval,
        start_at=draw(st.none() | moments),
        end_at=draw(st.none() | moments),
        hogql_query=draw(st.sampled_from([None, "", "SELECT event FROM events"])),
        filters=draw(st.sampled_from([None, [], [{"key": "$browser", "type": "event"}]])),
        timezone=draw(st.sampled_from([None, "UTC", "Europe/Berlin"])),
        offset_day=draw(st.none() | st.integers(0, 6)) if interval == "week" else None,
        offset_hour=draw(st.none() | st.integers(0, 23)) if interval in ("day", "week") else None,
    )


def _untouched_export_form(export: BatchExport) -> dict[str, Any]:
    """What the edit form gives back when nobody touched it."""
    fields = be.DESTINATION_FIELDS[export.destination.type]
    stored = export.destination.config
    values = be.edit_form_values(export)
    values["config"] = {f.key: be.shown_config_value(f, stored.get(f.key)) for f in fields}
    return values


def _new_top_level(draw, export: BatchExport, key: str) -> Any:
    """A value the operator may type for a field, different from what was shown."""
    shown = be.edit_form_values(export)[key]
    options = {
        "name": words,
        "interval": st.sampled_from(be.INTERVALS),
        "model": st.sampled_from(be.MODELS),
        "timezone": st.sampled_from(["UTC", "Europe/Berlin", "Asia/Tokyo"]),
        "offset_day": st.integers(0, 6),
        "offset_hour": st.integers(0, 23),
        "start_at": moments.map(be.moment_text),
        "end_at": moments.map(be.moment_text),
        "filters": st.sampled_from([[{"key": "$os", "type": "event"}], None]),
        "hogql_query": st.sampled_from(["SELECT 1", "SELECT uuid FROM events", ""]),
    }[key]
    value = draw(options.filter(lambda v: v != shown))
    if key in be.MOMENTS and be.parse_moment(value) == getattr(export, key):
        value = ""  # the same moment written another way is no edit: clear it instead
    if key == "filters" and not export.filters and not value:
        value = [{"key": "$os", "type": "event"}]
    if key == "hogql_query" and not export.hogql_query and not value:
        value = "SELECT 1"
    return value


def _new_config(draw, field: be.ConfigField, shown: Any) -> Any:
    if field.secret:
        return draw(words)  # a newly typed secret
    if field.kind == "number":
        return draw(st.integers(1, 65_535).filter(lambda v: v != shown))
    if field.kind == "bool":
        return not shown
    if field.kind == "choice":
        return draw(st.sampled_from(field.choices).filter(lambda v: v != shown))
    return draw(words.filter(lambda v: v != shown))


@st.composite
def export_edits(draw):
    export = draw(exports())
    form = _untouched_export_form(export)
    top = draw(st.sets(st.sampled_from(be._TOP_LEVEL)))
    edits = {key: _new_top_level(draw, export, key) for key in top}
    fields = be.DESTINATION_FIELDS[export.destination.type]
    picked = draw(st.sets(st.sampled_from([f.key for f in fields])))
    config_edits = {
        f.key: _new_config(draw, f, form["config"][f.key]) for f in fields if f.key in picked
    }
    form.update(edits)
    form["config"] = {**form["config"], **config_edits}
    return export, form, edits, config_edits


@SETTINGS
@given(export_edits())
def test_a_batch_export_edit_sends_exactly_the_edited_fields(case):
    export, form, edits, config_edits = case
    body = be.changes_for(export, form)
    assert set(body) - {"destination"} == set(edits)
    sent_config = (body.get("destination") or {}).get("config", {})
    assert sent_config == config_edits
    for key in be.MOMENTS:
        if key in edits:  # a typed start or end goes as ISO text, its time kept
            assert be.parse_moment(body[key] or "") == be.parse_moment(edits[key])


@SETTINGS
@given(exports())
def test_an_untouched_batch_export_form_sends_nothing(export):
    assert be.changes_for(export, _untouched_export_form(export)) == {}


@SETTINGS
@given(export_edits())
def test_untouched_batch_export_fields_round_trip_unchanged(case):
    """PostHog applies the PATCH (merging config): every field not edited, a start or an end
    with its time included, is exactly as stored."""
    export, form, edits, config_edits = case
    body = be.changes_for(export, form)
    stored = export.model_dump(mode="json")
    after = {**stored, **{k: v for k, v in body.items() if k != "destination"}}
    config = {**stored["destination"]["config"], **body.get("destination", {}).get("config", {})}
    for key in be._TOP_LEVEL:
        if key not in edits:
            assert after[key] == stored[key], key
    for key, value in stored["destination"]["config"].items():
        if key not in config_edits:
            assert config[key] == value, key


@SETTINGS
@given(export_edits())
def test_batch_export_secrets_go_only_when_typed(case):
    export, form, _, config_edits = case
    secrets = be.secret_fields(export.destination.type)
    sent = be.changes_for(export, form).get("destination", {}).get("config", {})
    assert {k for k in sent if k in secrets} == {k for k in config_edits if k in secrets}


# --- hog functions -----------------------------------------------------------------------------

INPUT_KINDS = ("string", "number", "boolean", "json", "integration", "choice")


def _input_value(kind: str):
    return {
        "string": words,
        "number": st.integers(0, 1000),
        "boolean": st.booleans(),
        "json": st.dictionaries(words, words, max_size=2),
        "integration": st.integers(1, 500),
        "choice": st.sampled_from(["a", "b"]),
    }[kind]


@st.composite
def functions(draw) -> HogFunction:
    schema, inputs = [], {}
    for index, kind in enumerate(draw(st.lists(st.sampled_from(INPUT_KINDS), max_size=4))):
        key = f"in{index}"
        item = {"key": key, "type": kind}
        if kind == "choice":
            item["choices"] = [{"value": "a"}, {"value": "b"}]
        schema.append(item)
        if draw(st.booleans()):
            inputs[key] = {"value": draw(_input_value(kind))}
    for index in range(draw(st.integers(0, 2))):
        key = f"secret{index}"
        schema.append({"key": key, "type": "string", "secret": True})
        if draw(st.booleans()):
            inputs[key] = {"secret": True}  # PostHog never sends a stored secret back
    return HogFunction(
        id="018f0000-0000-7000-8000-000000000002",
        type=draw(st.sampled_from(["destination", "transformation"])),
        name=draw(words),
        description=draw(st.sampled_from([None, "", "Sends events"])),
        hog=draw(st.sampled_from([None, "return event"])),
        filters=draw(st.sampled_from([None, {"events": []}, {"events": [], "bytecode": ["_h"]}])),
        masking=draw(st.sampled_from([None, {"ttl": 60, "threshold": None, "hash": "x"}])),
        mappings=None,
        icon_url=draw(st.sampled_from([None, "https://x/icon.png"])),
        execution_order=draw(st.none() | st.integers(0, 5)),
        inputs_schema=schema,
        inputs=inputs,
    )


def _untouched_inputs(function: HogFunction) -> dict[str, Any]:
    secrets = hf.secret_keys(function)
    return {
        item["key"]: hf.input_value(function, item["key"])
        for item in function.inputs_schema or []
        if item["key"] not in secrets
    }


@st.composite
def function_edits(draw):
    function = draw(functions())
    shown = hf.form_values(function)
    fields = draw(st.sets(st.sampled_from(["name", "description", "hog", "execution_order"])))
    new = {
        "name": words,
        "description": words,
        "hog": st.sampled_from(["return null", "print(event)"]),
        "execution_order": st.integers(6, 9),
    }
    edits = {f: draw(new[f].filter(lambda v, f=f: v != shown[f])) for f in fields}
    values = _untouched_inputs(function)
    kinds = hf.input_kinds(function)
    changed = draw(st.sets(st.sampled_from(sorted(values)))) if values else set()
    for key in changed:
        values[key] = draw(_input_value(kinds[key]).filter(lambda v, k=key: v != values[k]))
    secrets = sorted(hf.secret_keys(function))
    typed = draw(st.sets(st.sampled_from(secrets))) if secrets else set()
    new_secrets = {key: draw(words) for key in typed}
    return function, edits, values, changed, new_secrets


@SETTINGS
@given(function_edits())
def test_a_hog_function_edit_sends_exactly_the_edited_fields(case):
    function, edits, values, changed, new_secrets = case
    form = {**hf.form_values(function), **edits}
    body = hf.changes_for(function, form, input_values=values, new_secrets=new_secrets)
    expected = set(edits) | ({"inputs"} if changed or new_secrets else set())
    assert set(body) == expected
    if "inputs" not in body:
        return
    inputs = body["inputs"]
    for key in _untouched_inputs(function):  # untouched ones keep value and JSON type
        if key not in changed:
            stored = hf.input_value(function, key)
            sent = inputs.get(key, {}).get("value")
            assert sent == stored and type(sent) is type(stored), key
        else:
            assert inputs[key]["value"] == values[key], key
    for key in hf.secret_keys(function):
        if key in new_secrets:
            assert inputs[key] == {"value": new_secrets[key]}
        elif hf.secret_is_set(function, key):
            assert inputs[key] == {"secret": True}
        else:
            assert key not in inputs


@SETTINGS
@given(functions())
def test_an_untouched_hog_function_form_sends_nothing(function):
    body = hf.changes_for(
        function, hf.form_values(function), input_values=_untouched_inputs(function)
    )
    assert body == {}


# --- insights and dashboards ---------------------------------------------------------------------

tag_lists = st.lists(words, max_size=3, unique=True)
stored_names = st.none() | words | words.map(lambda w: f" {w} ")  # PostHog keeps edge spaces


@SETTINGS
@given(
    st.builds(
        Insight,
        id=st.integers(1, 10**6),
        name=stored_names,
        description=stored_names,
        tags=tag_lists,
        saved=st.none() | st.booleans(),
    ),
    st.data(),
)
def test_an_insight_edit_sends_exactly_the_edited_fields(insight, data):
    shown = insights.current_values(insight)
    fields = data.draw(st.sets(st.sampled_from(insights.EDITABLE)))
    new = {"name": words, "description": words, "tags": tag_lists, "saved": st.booleans()}
    edits = {
        f: data.draw(new[f].filter(lambda v, f=f: v != shown[f] and set(v) != set(shown[f])))
        if f == "tags"
        else data.draw(new[f].filter(lambda v, f=f: v != shown[f]))
        for f in fields
    }
    assert insights.changes_for(insight, shown) == {}
    assert insights.changes_for(insight, {**shown, **edits}) == edits


@SETTINGS
@given(
    st.builds(
        Dashboard,
        id=st.integers(1, 10**6),
        name=stored_names,
        description=stored_names,
        tags=tag_lists,
        pinned=st.booleans(),
    ),
    st.data(),
)
def test_a_dashboard_edit_sends_exactly_the_edited_fields(dashboard, data):
    shown = dashboards.settings_of(dashboard)
    fields = data.draw(st.sets(st.sampled_from(dashboards.EDITABLE)))
    new = {"name": words, "description": words, "tags": tag_lists, "pinned": st.booleans()}
    edits = {
        f: data.draw(new[f].filter(lambda v, f=f: (sorted(v) if f == "tags" else v) != shown[f]))
        for f in fields
    }
    assert dashboards.changes_for(dashboard, shown) == {}
    assert dashboards.changes_for(dashboard, {**shown, **edits}) == edits
