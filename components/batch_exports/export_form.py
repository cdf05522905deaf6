"""Batch export forms: a form per destination type for creating, the same fields for editing,
and "Test configuration" that runs PostHog's destination checks before anything is saved.

Secrets use password inputs. When editing, PostHog never sends a stored secret back and merges
what is sent, so a blank secret means "keep the stored one" and only changed fields are sent.
"""

from __future__ import annotations

import json
import re
from typing import Any
from zoneinfo import available_timezones

import streamlit as st

from components.batch_exports import actions, test_steps
from components.batch_exports.fields import (
    INTERVAL_LABELS,
    change_rows,
    destination_label,
    field_words,
)
from components.shared import conflict
from components.shared.actions import request, write_button
from components.shared.feedback import field_error
from services import PostHogClient
from services.batch_exports import (
    DESTINATION_FIELDS,
    DESTINATION_TYPES,
    INTEGRATION_DESTINATIONS,
    INTERVALS,
    MODELS,
    MOMENTS,
    READ_ONLY_TYPES,
    ConfigField,
    changed_between,
    changes_for,
    config_problems,
    edit_form_values,
    moment_text,
    parse_moment,
    shown_config_value,
)
from services.models import BatchExport

WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
COMMON_ZONES = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo")


def _timezones(current: str | None) -> list[str]:
    zones = set(available_timezones()) or set(COMMON_ZONES)
    return sorted(zones | {current or "UTC"})


# --- fields ----------------------------------------------------------------------------------


def _config_field(
    destination_type: str, field: ConfigField, stored: Any, *, key: str, editing: bool
) -> Any:
    widget = f"{key}_cfg_{field.key}"
    label, help_text = field_words(destination_type, field.key)
    label += " *" if field.required and not (editing and field.secret) else ""
    if field.secret:
        value = st.text_input(
            label,
            type="password",
            key=widget,
            placeholder="Stored: leave blank to keep it" if editing else "",
            help="Secret: PostHog never shows it again once saved."
            + (" Blank keeps the stored value." if editing else ""),
        )
        # a pasted secret loses its stray spaces; only spaces is kept as typed, to be refused
        value = value.strip() or value
        field_error(key, f"config.{field.key}")
        return value
    shown = shown_config_value(field, stored)  # an untouched widget gives this back
    if field.kind == "number":
        value = st.number_input(label, value=shown, step=1, key=widget)
        value = int(value) if value is not None else None
    elif field.kind == "bool":
        value = st.checkbox(label, value=shown, key=widget, help=help_text or None)
    elif field.kind == "choice":
        options = list(field.choices)
        if shown not in options:
            options.append(shown)
        value = st.selectbox(
            label,
            options,
            index=options.index(shown),
            key=widget,
            format_func=lambda v: v or "None",
        )
    else:
        value = st.text_input(label, value=shown, key=widget, help=help_text or None).strip()
    field_error(key, f"config.{field.key}")
    return value


def config_fields(
    destination_type: str, stored: dict[str, Any], *, key: str, editing: bool
) -> dict[str, Any]:
    """The destination's fields in two columns; returns the values as typed."""
    fields = DESTINATION_FIELDS.get(destination_type, ())
    if not fields:
        st.caption("This destination has no settings.")
        return {}
    values: dict[str, Any] = {}
    cols = st.columns(2)
    for index, field in enumerate(fields):
        with cols[index % 2]:
            values[field.key] = _config_field(
                destination_type, field, stored.get(field.key), key=key, editing=editing
            )
    return values


def schedule_fields(export: BatchExport | None, *, key: str) -> dict[str, Any]:
    """Interval, model, offsets, timezone, start and end, filters and HogQL query. When editing,
    every widget starts at `edit_form_values(export)`, so an untouched one changes nothing."""
    shown = edit_form_values(export) if export else {"interval": "hour", "timezone": "UTC"}
    values: dict[str, Any] = {}
    cols = st.columns(3)
    intervals = list(INTERVALS)
    if shown["interval"] not in intervals:
        intervals.append(shown["interval"])
    values["interval"] = cols[0].selectbox(
        "Interval",
        intervals,
        index=intervals.index(shown["interval"]),
        format_func=lambda i: INTERVAL_LABELS.get(i, i),
        key=f"{key}_interval",
        help="Every 5 or 15 minutes needs PostHog's high-frequency exports on for the project.",
    )
    with cols[0]:
        field_error(key, "interval")
    model = shown.get("model", "events")
    values["model"] = cols[1].selectbox(
        "Model",
        MODELS,
        index=MODELS.index(model) if model in MODELS else 0,
        key=f"{key}_model",
        help="What is exported. HTTP destinations export events only.",
    )
    with cols[1]:
        field_error(key, "model")
    zones = _timezones(shown["timezone"])
    values["timezone"] = cols[2].selectbox(
        "Timezone",
        zones,
        index=zones.index(shown["timezone"]),
        key=f"{key}_timezone",
        help="Daily and weekly intervals start at midnight in this timezone.",
    )
    interval = values["interval"]
    offsets = st.columns(3)
    # an offset whose widget is not shown is not sent; an unset one stays unset when editing
    if interval == "week":
        day = shown.get("offset_day") if export else 0
        values["offset_day"] = offsets[0].selectbox(
            "Runs on",
            range(7),
            index=day,
            format_func=lambda d: WEEKDAYS[d],
            key=f"{key}_offset_day",
            placeholder="Sunday (default)",
        )
    if interval in ("day", "week"):
        values["offset_hour"] = offsets[1].number_input(
            "Starts at hour",
            0,
            23,
            shown.get("offset_hour") if export else 0,
            key=f"{key}_offset_hour",
            placeholder="0 (midnight, default)",
            help="Shift the start of each day by this many hours.",
        )
    with offsets[2]:
        field_error(key, "offset_day")
        field_error(key, "offset_hour")
    bounds = st.columns(2)
    # text, not a date widget: a stored start or end keeps its exact time unless retyped
    for column, field, label, help_text in (
        (bounds[0], "start_at", "Start (optional)", "No runs before this moment."),
        (bounds[1], "end_at", "End (optional)", "No runs after this moment: it then shows Ended."),
    ):
        with column:
            values[field] = st.text_input(
                label,
                value=shown.get(field, ""),
                key=f"{key}_{field.removesuffix('_at')}",
                placeholder="e.g. 2026-03-01 or 2026-03-01T18:00:00Z",
                help=f"{help_text} A date (midnight UTC), or a date and time in ISO form.",
            )
            field_error(key, field)
    with st.expander("Filters and HogQL query (advanced)"):
        current_filters = export.filters if export else None
        text = st.text_area(
            "Filters (JSON list of property filters)",
            value=json.dumps(current_filters, indent=2) if current_filters else "",
            key=f"{key}_filters",
            placeholder='[{"key": "$browser", "type": "event", "operator": "exact", '
            '"value": ["Chrome"]}]',
        )
        values["filters"] = text
        field_error(key, "filters")
        values["hogql_query"] = st.text_area(
            "HogQL query (optional)",
            value=shown.get("hogql_query", ""),
            key=f"{key}_hogql",
            help="A custom SELECT that defines the exported columns.",
        )
        field_error(key, "hogql_query")
    return values


# --- checks before sending --------------------------------------------------------------------


def problems(
    destination_type: str,
    name: str,
    config: dict[str, Any],
    schedule: dict[str, Any],
    *,
    editing: bool,
) -> tuple[dict[str, str], Any]:
    """Field → message for everything PostHog would reject, and the parsed filters."""
    found: dict[str, str] = {}
    if not name.strip():
        found["name"] = "Give the export a name."
    for where, message in config_problems(destination_type, config, editing=editing).items():
        if message == "required":
            label, _ = field_words(destination_type, where.removeprefix("config."))
            message = f"{label} is required."
        found[where] = message
    if destination_type == "HTTP" and schedule.get("model") != "events":
        found["model"] = "HTTP destinations export events only."
    moments = {}
    for field in MOMENTS:
        try:
            moments[field] = parse_moment(schedule.get(field) or "")
        except ValueError:
            found[field] = "Give a date like 2026-03-01, or a date and time like 2026-03-01T18:00Z."
    start, end = moments.get("start_at"), moments.get("end_at")
    if start and end and start >= end:
        found["end_at"] = "The end must be after the start."
    filters: Any = None
    text = (schedule.get("filters") or "").strip()
    if text:
        try:
            filters = json.loads(text)
        except ValueError as exc:
            found["filters"] = f"Not valid JSON: {exc.msg} (line {exc.lineno})."
        else:
            if not isinstance(filters, list) or not all(
                isinstance(f, dict) and "key" in f and "type" in f for f in filters
            ):
                found["filters"] = 'Give a list of filters, each with a "key" and a "type".'
    query = schedule.get("hogql_query") or ""
    if query and not re.match(r"(?is)^\s*select\b", query):
        found["hogql_query"] = "A HogQL query starts with SELECT."
    return found, filters


# --- create --------------------------------------------------------------------------------


def render_create(client: PostHogClient, *, key: str = "be_create") -> None:
    st.caption("A new export starts paused unless you say otherwise, so you can test it first.")
    destination_type = st.selectbox(
        "Destination",
        DESTINATION_TYPES,
        format_func=destination_label,
        key=f"{key}_type",
    )
    name = st.text_input("Name *", key=f"{key}_name")
    field_error(key, "name")
    st.subheader("Destination settings", divider="gray", anchor=False)
    if destination_type in INTEGRATION_DESTINATIONS:
        integration = st.number_input(
            "Integration id (optional)",
            value=None,
            step=1,
            key=f"{key}_integration",
            help="Newer PostHog keeps these credentials in an integration (Settings → "
            "Integrations). Give its id to use it instead of keys typed here.",
        )
    else:
        integration = None
    config = config_fields(destination_type, {}, key=key, editing=False)
    field_error(key, "config")
    st.subheader("Schedule", divider="gray", anchor=False)
    schedule = schedule_fields(None, key=key)
    start_running = st.checkbox("Start running as soon as it is created", key=f"{key}_running")
    field_error(key, "form")
    clean = {k: v for k, v in config.items() if v not in (None, "")}
    test, create = st.columns(2)
    if write_button(
        "Test configuration",
        actions.CHECK_NEW,
        key=f"{key}_test",
        where=test,
        icon=":material/checklist:",
        help="Runs PostHog's checks on these settings. Nothing is created.",
    ):
        found, _ = problems(destination_type, name or "unsaved", config, schedule, editing=False)
        found.pop("name", None)
        st.session_state[f"{key}_errors"] = found
        if found:
            st.rerun()
        test_steps.check_new(client, destination_type, clean, name=name, key=f"{key}_steps")
    if write_button(
        "Create export", actions.CREATE, key=f"{key}_submit", where=create, type="primary"
    ):
        found, filters = problems(destination_type, name, config, schedule, editing=False)
        st.session_state[f"{key}_errors"] = found
        if found:
            st.rerun()
        fields = dict(
            name=name.strip(),
            destination_type=destination_type,
            config=clean,
            interval=schedule["interval"],
            model=schedule["model"],
            paused=not start_running,
            integration_id=int(integration) if integration is not None else None,
            timezone=schedule["timezone"],
            offset_day=schedule.get("offset_day"),
            offset_hour=schedule.get("offset_hour"),
            start_at=moment_text(parse_moment(schedule["start_at"])) or None,
            end_at=moment_text(parse_moment(schedule["end_at"])) or None,
            filters=filters,
            hogql_query=schedule["hogql_query"].strip() or None,
        )
        request(client, actions.CREATE, actions.new_target(name), fields=fields, form=key)
    test_steps.show_new(client, destination_type, key=f"{key}_steps")


# --- edit ------------------------------------------------------------------------------------


VERSIONED = conflict.Versioned(
    "batch_export", "batch export", lambda e: e.last_updated_at, changed_between
)


def render_edit(client: PostHogClient, export: BatchExport, *, key: str = "be_edit") -> None:
    dtype = export.destination.type
    if dtype in READ_ONLY_TYPES:
        why = (
            "Legacy S3 exports can no longer be changed: PostHog accepts only AwsS3 or "
            "S3Compatible now. Create a new export to change the settings."
            if dtype == "S3"
            else "This export is managed by PostHog for a hog function's backfills."
        )
        st.info(why, icon=":material/lock:")
        st.json(export.destination.config)
        return
    draft = VERSIONED.draft(export, key=key)
    export, form_key = draft.base, draft.prefix  # fields follow the server after a save
    name = st.text_input("Name", value=export.name, key=f"{form_key}_name")
    field_error(form_key, "name")
    st.markdown(f"**Destination:** {destination_label(dtype)} (cannot be changed)")
    st.caption(
        "Secrets are never shown. A blank secret keeps the stored one: PostHog merges what you "
        "send with what it has, so only the fields you change are sent."
    )
    config = config_fields(dtype, export.destination.config, key=form_key, editing=True)
    field_error(form_key, "config")
    st.subheader("Schedule", divider="gray", anchor=False)
    schedule = schedule_fields(export, key=form_key)
    field_error(form_key, "form")
    found, filters = problems(dtype, name, config, schedule, editing=True)
    edited = {**schedule, "name": name, "config": config, "filters": filters}
    body = {} if found else changes_for(export, edited)
    draft.finish((r["Field"], r["After saving"], r["Now"]) for r in change_rows(export, body))
    if write_button(
        "Review and save",
        actions.EDIT,
        key=f"{form_key}_save",
        type="primary",
        help="Shows what changes before anything is sent.",
        why_not=draft.why_not_save,
    ):
        st.session_state[f"{form_key}_errors"] = found
        if found:
            st.rerun()
        VERSIONED.save(
            client, actions.EDIT, actions.target(export), body, base=export, form=form_key
        )
