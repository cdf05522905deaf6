"""The templates gallery: find a template, read what it does and needs, and create a function
from it (created disabled unless the operator says otherwise)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.hog_functions import actions
from components.hog_functions.function_list import TYPE_LABELS
from components.shared import data
from components.shared.actions import blocked_reason, request
from components.shared.feedback import show_error
from components.shared.text import plain
from services import PostHogClient
from services.errors import PostHogError
from services.hog_functions import NAME_LIMIT
from services.models import HogFunctionTemplate

STATUS_TAGS = {
    "alpha": "🧪 Alpha",
    "beta": "β Beta",
    "stable": "Stable",
    "deprecated": "⚠️ Deprecated",
    "hidden": "Hidden",
}


def render(client: PostHogClient, *, key: str = "tpl") -> None:
    left, middle, right = st.columns([2, 3, 2])
    kind = left.selectbox("Type", list(TYPE_LABELS), format_func=TYPE_LABELS.get, key=f"{key}_type")
    search = middle.text_input("Search templates", key=f"{key}_search", placeholder="e.g. Slack")
    statuses = right.multiselect(
        "Status",
        list(STATUS_TAGS),
        key=f"{key}_status",
        format_func=STATUS_TAGS.get,
        placeholder="Any status",
    )
    try:
        templates = data.templates(client, (kind,))
    except PostHogError as exc:
        show_error(exc)
        return
    if templates.public_because:
        st.info(
            plain(
                "Showing PostHog's public templates, as this API key may not read the project's "
                "own. Templates hidden for this project are not among them. "
                + templates.public_because
            ),
            icon=":material/public:",
        )
    text = search.strip().lower()
    shown = [
        t
        for t in templates
        if (not text or text in f"{t.name} {t.description or ''}".lower())
        and (not statuses or t.status in statuses)
    ]
    frame = pd.DataFrame(
        [
            {
                "Name": t.name,
                "Status": STATUS_TAGS.get(t.status or "", t.status),
                "Description": t.description or "",
                "Free": "Yes" if t.free else "No",  # text: a checkbox would look clickable
            }
            for t in shown
        ],
        columns=["Name", "Status", "Description", "Free"],
    )
    st.caption(f"{len(shown)} templates")
    event = st.dataframe(
        frame, hide_index=True, key=f"{key}_table", on_select="rerun", selection_mode="single-row"
    )
    rows = event.selection.rows if event and event.selection else []
    chosen = shown[rows[0]] if rows else (shown[0] if len(shown) == 1 else None)
    if chosen is None:
        st.caption("Select a template to see its inputs and create a function from it.")
        return
    _details(client, chosen, key=key)


def _details(client: PostHogClient, template: HogFunctionTemplate, *, key: str) -> None:
    with st.container(border=True, key=f"{key}_details"):
        st.subheader(plain(template.name), anchor=False)
        st.caption(
            plain(
                f"{STATUS_TAGS.get(template.status or '', template.status)} · "
                f"{template.description or ''}"
            )
        )
        if template.status == "deprecated":
            st.warning("This template is deprecated: prefer another one for new functions.")
        schema = template.inputs_schema or []
        if schema:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Input": i.get("label") or i["key"],
                            "Key": i["key"],
                            "Type": i.get("type"),
                            "Required": bool(i.get("required")),
                            "Secret": bool(i.get("secret")),
                        }
                        for i in schema
                    ]
                ),
                hide_index=True,
                key=f"{key}_inputs",
            )
        _create_form(client, template, key=key)


def _create_form(client: PostHogClient, template: HogFunctionTemplate, *, key: str) -> None:
    errors: dict[str, str] = actions.kept(actions.FIELD_ERRORS, template.id) or {}
    placed: set[str] = set()

    def field_error(field: str) -> None:
        placed.add(field)
        if field in errors:
            st.error(plain(errors[field]), icon=":material/error:")

    blocked = blocked_reason(actions.CREATE)
    with st.form(f"{key}_create_{template.id}"):
        st.markdown("**Create from this template**")
        name = st.text_input("Name", template.name, max_chars=NAME_LIMIT)
        field_error("name")
        description = st.text_input("Description", template.description or "")
        field_error("description")
        values = {}
        for item in template.inputs_schema or []:
            label = (item.get("label") or item["key"]) + (" *" if item.get("required") else "")
            default = item.get("default")
            if item.get("secret"):
                # a pasted secret loses its stray spaces; only spaces counts as empty
                values[item["key"]] = st.text_input(label, type="password").strip()
            elif isinstance(default, (dict, list)) or item.get("type") in ("json", "dictionary"):
                values[item["key"]] = default  # edit structured inputs after creating
                st.caption(plain(f"{label}: uses the template default; edit it after creating."))
            else:
                values[item["key"]] = st.text_input(label, "" if default is None else str(default))
            field_error(f"inputs__{item['key']}")
        enabled = st.checkbox(
            "Enable it now",
            value=False,
            help="Off by default: check the configuration and test it first.",
        )
        for field, message in errors.items():  # PostHog named a field the form does not show
            if field not in placed:
                st.error(plain(f"{field}: {message}"), icon=":material/error:")
        submitted = st.form_submit_button(
            "Create function", type="primary", disabled=blocked is not None, help=blocked
        )
    if not submitted:
        return
    missing = {
        f"inputs__{i['key']}": "This field is required."
        for i in template.inputs_schema or []
        if i.get("required") and values.get(i["key"]) in (None, "")
    }
    if not name.strip():
        missing["name"] = "Give the function a name."
    elif len(name.strip()) > NAME_LIMIT:
        missing["name"] = f"PostHog allows names of up to {NAME_LIMIT} characters."
    if missing:
        actions.keep(actions.FIELD_ERRORS, template.id, missing)
        st.rerun()
    request(
        client,
        actions.CREATE,
        actions.from_template(template, name.strip()),
        type=template.type,
        template_id=template.id,
        name=name.strip(),
        description=description,
        inputs={k: {"value": v} for k, v in values.items() if v not in (None, "")},
        enabled=enabled,
    )
