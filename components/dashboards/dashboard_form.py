"""Create a dashboard: blank, or as a copy of an existing one (showing the same insights).
The name is required; nothing is sent until the form is valid."""

from __future__ import annotations

import streamlit as st

from components.dashboards import actions
from components.shared import data
from components.shared.actions import Target, request, write_button
from components.shared.feedback import field_error
from services import PostHogClient
from services.analytics_models import (
    EVERYONE_CAN_EDIT,
    ONLY_COLLABORATORS_CAN_EDIT,
    RESTRICTION_LABELS,
)
from services.dashboards import RESTRICTION_EXPLAINED

BLANK, COPY = "Blank", "Copy of an existing dashboard"


def render_create(client: PostHogClient, *, key: str = "dash_create") -> None:
    dashboards = data.dashboards(client)
    start = st.radio("Start from", [BLANK, COPY], key=f"{key}_start", horizontal=True)
    source = None
    if start == COPY:
        by_id = {d.id: d for d in dashboards}
        source = st.selectbox(
            "Dashboard to copy",
            list(by_id),
            format_func=lambda i: by_id[i].display_name,
            key=f"{key}_source",
            index=None,
            placeholder="Pick a dashboard",
        )
        st.caption(
            "The copy shows the same insights, with the same layout: they are not duplicated, "
            "so editing an insight changes it on both dashboards."
        )
        field_error(key, "use_dashboard")
    name = st.text_input("Name *", key=f"{key}_name", max_chars=400)
    field_error(key, "name")
    description = st.text_area("Description", key=f"{key}_description")
    field_error(key, "description")
    known = sorted({t for d in dashboards for t in d.tags})
    tags = st.multiselect(
        "Tags", known, key=f"{key}_tags", accept_new_options=True, placeholder="Pick or type"
    )
    field_error(key, "tags")
    levels = [EVERYONE_CAN_EDIT, ONLY_COLLABORATORS_CAN_EDIT]
    level = st.radio("Who can edit", levels, format_func=RESTRICTION_LABELS.get, key=f"{key}_level")
    st.caption(RESTRICTION_EXPLAINED[level] + " You own it, so you can change this later.")
    field_error(key, "restriction_level")
    pinned = st.checkbox("Pinned", key=f"{key}_pinned")
    field_error(key, "form")
    if write_button("Create dashboard", actions.CREATE, type="primary", key=f"{key}_submit"):
        found = {}
        if not name.strip():
            found["name"] = "Give the dashboard a name."
        if start == COPY and source is None:
            found["use_dashboard"] = "Pick the dashboard to copy."
        st.session_state[f"{key}_errors"] = found
        if found:
            st.rerun()
        fields = {
            "name": name.strip(),
            "description": description or None,
            "tags": [t.strip() for t in tags if t.strip()] or None,
            "pinned": pinned or None,
            "restriction_level": level if level != EVERYONE_CAN_EDIT else None,
            "copy_from": source if start == COPY else None,
        }
        request(
            client, actions.CREATE, Target("dashboard", None, name.strip()), fields=fields, form=key
        )
