"""Edit a hog function without losing anything: a form built from the function, a diff of
what will change, and a save (actions.EDIT) that asks first, re-reads to catch someone else's
edit and PATCHes only what changed. A refused save keeps the draft. Secrets show "set" or
"not set" and change only through an explicit "Replace secret"."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import streamlit as st

from components.hog_functions import actions, diff
from components.shared import conflict, data
from components.shared.actions import request, write_button
from components.shared.feedback import show_error
from components.shared.text import plain
from services import PostHogClient
from services.errors import PostHogError
from services.hog_functions import (
    INTEGRATION,
    NAME_LIMIT,
    changed_between,
    changes_for,
    describe_changes,
    form_values,
    input_value,
    inputs_payload,
    integration_id,
    secret_is_set,
    secret_keys,
    without_compiled,
)
from services.models import HogFunction

MAX_HOG_BYTES = 100 * 1024
MASKING = {
    "Every time": None,
    "Once per person per interval": "{person.id}",
    "Once per person and event per interval": "{concat(person.id, event.event)}",
}


def _json_field(label: str, value: Any, key: str, errors: dict, field: str, **kw) -> Any:
    text = st.text_area(
        label, json.dumps(value, indent=2) if value is not None else "", key=key, **kw
    )
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        errors[field] = f"Not valid JSON: {exc.msg} (line {exc.lineno})."
        return value


def _field_error(messages: dict[str, str], field: str) -> None:
    if field in messages:
        st.error(plain(messages[field]), icon=":material/error:")


FieldError = Callable[[str], None]  # shows the error of one field, where it is called


VERSIONED = conflict.Versioned("hog_function", "function", lambda f: f.updated_at, changed_between)


def render(client: PostHogClient, function: HogFunction, *, key: str = "hf_form") -> dict:
    """Render the form; return the configuration it currently describes (unsaved values
    included), for test runs."""
    draft = VERSIONED.draft(function, key=key)
    function, prefix = draft.base, draft.prefix
    server_errors: dict[str, str] = actions.kept(actions.FIELD_ERRORS, function.id) or {}
    errors: dict[str, str] = {}  # problems found here, before anything is sent
    placed: set[str] = set()  # fields whose errors show next to them
    edited: dict[str, Any] = {}

    def field_error(field: str) -> None:
        placed.add(field)
        _field_error({**server_errors, **errors}, field)

    name = st.text_input("Name", function.name, key=f"{prefix}_name", max_chars=NAME_LIMIT)
    if not name.strip():
        errors["name"] = "Give the function a name."
    elif len(name.strip()) > NAME_LIMIT:
        errors["name"] = f"PostHog allows names of up to {NAME_LIMIT} characters."
    field_error("name")
    description = st.text_area(
        "Description", function.description or "", key=f"{prefix}_desc", height=68
    )
    field_error("description")
    edited.update(name=name, description=description)
    edited["icon_url"] = _icon_picker(client, function, prefix)
    field_error("icon_url")

    st.subheader("Inputs")
    values, new_secrets = _inputs(client, function, prefix, errors, field_error)

    st.subheader("Trigger")
    shown = form_values(function)  # what each widget starts at
    original_filters = shown["filters"]
    filters = _json_field(
        "Filters (JSON: events, actions, properties, filter_test_accounts)",
        original_filters,
        f"{prefix}_filters",
        errors,
        "filters",
        height=150,
    )
    field_error("filters")
    if filters != original_filters:
        edited["filters"] = filters
    masking = _masking(function, prefix, errors)
    field_error("masking")
    if masking != shown["masking"]:
        edited["masking"] = masking
    if function.type in ("destination", "site_destination"):
        mappings = _json_field(
            "Mappings (JSON list)",
            function.mappings,
            f"{prefix}_mappings",
            errors,
            "mappings",
            height=120,
        )
        field_error("mappings")
        if mappings != function.mappings:
            edited["mappings"] = mappings
    if function.type == "transformation":
        order = st.number_input(
            "Execution order",
            min_value=0,
            step=1,
            value=function.execution_order,
            key=f"{prefix}_order",
        )
        if order != function.execution_order:
            edited["execution_order"] = None if order is None else int(order)
        field_error("execution_order")

    st.subheader("Source")
    hog = st.text_area("Hog source", function.hog or "", key=f"{prefix}_hog", height=260)
    if len(hog.encode()) > MAX_HOG_BYTES:
        errors["hog"] = f"The source is {len(hog.encode()) // 1024} KB; PostHog allows 100 KB."
    field_error("hog")
    edited["hog"] = hog

    elsewhere = {f: m for f, m in server_errors.items() if f not in placed}
    changes = changes_for(function, edited, input_values=values, new_secrets=new_secrets)
    draft.finish((f, after, before) for f, before, after in describe_changes(function, changes))
    _save_controls(client, function, prefix, changes, errors, elsewhere, draft.why_not_save)
    return _configuration(function, changes, values, new_secrets)


def _icon_picker(client: PostHogClient, function: HogFunction, prefix: str) -> str | None:
    with st.expander("Icon", icon=":material/image:"):
        if function.icon_url:
            st.caption(plain(f"Current: {function.icon_url}"))
        query = st.text_input("Search icons", key=f"{prefix}_icon_q", placeholder="e.g. slack")
        if not query.strip():
            return function.icon_url
        try:
            icons = data.icons(client, query.strip())
        except PostHogError as exc:
            show_error(exc)
            return function.icon_url
        if not icons:
            st.caption("No icon matches.")
            return function.icon_url
        chosen = st.selectbox(
            "Icon",
            icons,
            format_func=lambda i: f"{i['name']} ({i['id']})",
            key=f"{prefix}_icon_pick",
            index=None,
        )
        if chosen is None:
            return function.icon_url
        try:
            content, _ = data.icon(client, chosen["id"])
            st.image(content, width=32, caption="Preview")
        except PostHogError as exc:
            show_error(exc)
        return chosen["url"]


def _inputs(
    client: PostHogClient,
    function: HogFunction,
    prefix: str,
    errors: dict,
    field_error: FieldError,
):
    values: dict[str, Any] = {}
    new_secrets: dict[str, str] = {}
    secrets = secret_keys(function)
    schema = function.inputs_schema or []
    if not schema:
        st.caption("This function has no inputs.")
    for item in schema:
        field, label = item["key"], item.get("label") or item["key"]
        widget = f"{prefix}_in_{field}"
        help_text = item.get("description") or None
        label = f"{label} *" if item.get("required") else label
        if field in secrets:
            state = "set" if secret_is_set(function, field) else "not set"
            st.markdown(f"**{plain(label)}** · secret, {state}")
            if st.checkbox("Replace secret", key=f"{widget}_replace"):
                typed = st.text_input(
                    f"New value for {label}", type="password", key=widget, help=help_text
                )
                new_value = typed.strip()  # a pasted secret loses its stray spaces
                if not new_value:
                    errors[f"inputs__{field}"] = (
                        "A secret cannot be only spaces: type it, or untick Replace."
                        if typed
                        else "Enter the new secret, or untick Replace."
                    )
                new_secrets[field] = new_value
            elif item.get("required") and state == "not set":
                errors[f"inputs__{field}"] = "This secret is required: tick Replace secret."
        elif item.get("type") == INTEGRATION:
            current = input_value(function, field)
            values[field] = _integration_input(client, item, current, label, widget)
        else:
            values[field] = _plain_input(item, input_value(function, field), label, widget, errors)
        if field not in secrets and item.get("required") and values[field] in (None, ""):
            errors[f"inputs__{field}"] = "This field is required."
        field_error(f"inputs__{field}")
    return values, new_secrets


def _plain_input(item: dict, current: Any, label: str, widget: str, errors: dict) -> Any:
    """One non-secret input other than an integration. A widget the operator did not change
    gives back the stored value itself, so its JSON type stays PostHog's: a channel or an
    object keeps its shape, an unset input stays unset."""
    field, kind = item["key"], item.get("type")
    help_text = item.get("description") or None
    if kind == "boolean" and isinstance(current, bool | None):
        ticked = st.checkbox(label, bool(current), key=widget, help=help_text)
        return current if ticked == bool(current) else ticked
    if kind == "number" and isinstance(current, int | float | None):
        number = st.number_input(label, value=current, key=widget, help=help_text)
        return current if number == current else number
    if kind == "choice" and item.get("choices"):
        options = [c.get("value") for c in item["choices"]]
        if current is not None and current not in options:
            options.append(current)  # a value set outside the choices stays offered
        index = options.index(current) if current in options else None
        return st.selectbox(label, options, index=index, key=widget, help=help_text)
    if kind in ("json", "dictionary") or isinstance(current, dict | list):
        edited = _json_field(label, current, widget, errors, f"inputs__{field}", height=100)
        return current if edited == current else edited
    shown = "" if current is None else str(current)
    text = st.text_input(label, shown, key=widget, help=help_text)
    return current if text == shown else text


def _integration_input(
    client: PostHogClient, item: dict, current: Any, label: str, widget: str
) -> int | None:
    """The integration a function uses, by name, read-only; the operator may pick another of
    the project's integrations of the same kind. Always sent as PostHog's integer id."""
    service = item.get("integration") or "integration"
    try:
        choices = {i.id: i for i in data.integrations(client, service)}
        unlisted = None
    except PostHogError as exc:  # a key without integration:read still sees the id
        choices, unlisted = {}, exc
    if current is None:
        st.markdown(f"**{plain(label)}** · no {plain(service)} integration connected")
    else:
        shown = choices[current].label if current in choices else f"integration #{current}"
        st.markdown(f"**{plain(label)}** · {plain(service)}: {plain(shown)}")
    if not st.checkbox("Use another integration", key=f"{widget}_change"):
        return current
    if choices:
        picked = st.selectbox(
            f"Integration for {label}",
            list(choices),
            index=None,
            format_func=lambda i: choices[i].label,
            key=widget,
            placeholder=f"Pick one of this project's {service} integrations",
        )
        return current if picked is None else int(picked)
    if unlisted is not None:
        st.caption(plain(f"The project's integrations could not be listed: {unlisted}"))
    else:
        st.caption(plain(f"This project has no {service} integration: connect one in PostHog."))
    picked = st.number_input(
        f"Integration id for {label}",
        min_value=1,
        step=1,
        value=None,
        key=widget,
        help="The id of another integration of this project, as PostHog lists it under "
        "Settings → Integrations.",
    )
    return current if picked is None else integration_id(int(picked))


def _masking(function: HogFunction, prefix: str, errors: dict) -> dict | None:
    current = function.masking or {}
    choices = list(MASKING)
    known = {v: k for k, v in MASKING.items()}
    if current.get("hash") and current["hash"] not in known:
        choices.append("Custom")
    default = known.get(current.get("hash"), "Custom") if current else "Every time"
    choice = st.radio(
        "Run",
        choices,
        index=choices.index(default),
        horizontal=True,
        key=f"{prefix}_mask",
        help="Masking runs the function at most once per person (or per person "
        "and event) within the interval; later matches are skipped.",
    )
    if choice == "Every time":
        return None
    ttl = st.number_input(
        "Interval (seconds, 60 to 86,400)",
        value=int(current.get("ttl") or 3600),
        step=60,
        key=f"{prefix}_mask_ttl",
    )
    if not 60 <= ttl <= 86400:
        errors["masking"] = "The interval must be between 60 seconds and 24 hours (86,400)."
    threshold = current.get("threshold")
    hash_ = MASKING.get(choice) or current.get("hash")
    return {"ttl": int(ttl), "threshold": threshold, "hash": hash_}


def _configuration(function, changes, values, new_secrets) -> dict:
    config = {
        "type": function.type,
        "name": function.name,
        "hog": function.hog,
        "inputs_schema": function.inputs_schema or [],
        "filters": without_compiled(function.filters),
        "masking": without_compiled(function.masking),
        "mappings": function.mappings,
        "inputs": inputs_payload(function, values, new_secrets),
    }
    config.update(changes)
    return config


def _save_controls(client, function, prefix, changes, errors, elsewhere, why_not) -> None:
    st.divider()
    for field, message in elsewhere.items():  # PostHog named a field the form does not show
        st.error(plain(f"{field}: {message}"), icon=":material/error:")
    if errors:
        st.warning("Fix the fields marked above before saving.", icon=":material/edit:")
        return
    if not changes:
        st.caption("No unsaved changes.")
        return
    st.markdown(f"**{diff.count(function, changes, noun='unsaved change')}**")
    diff.show(function, changes, key=f"{prefix}_diff")
    if write_button(
        "Save changes",
        actions.EDIT,
        type="primary",
        key=f"{prefix}_save",
        icon=":material/save:",
        help="Asks first, showing exactly what PostHog will receive.",
        why_not=why_not,
    ):
        request(client, actions.EDIT, actions.target(function), changes=changes)
