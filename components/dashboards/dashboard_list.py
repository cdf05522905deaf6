"""The dashboards list: filters, a table with pinned, tags, who can edit and public sharing,
CSV, and a selected row's pin switch (it writes at once) and details link."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.shared import data
from components.shared.feedback import explain, record_write, show_flash
from components.shared.tables import download_csv, pick_row, row_actions
from components.shared.text import plain
from services import PostHogClient
from services.analytics_models import (
    EVERYONE_CAN_EDIT,
    ONLY_COLLABORATORS_CAN_EDIT,
    Dashboard,
)
from services.dashboards import explain_refusal, filter_dashboards
from services.errors import PostHogError, ValidationFailed

SHORT_RESTRICTION = {
    EVERYONE_CAN_EDIT: "Everyone can edit",
    ONLY_COLLABORATORS_CAN_EDIT: "Only collaborators",
}
YES_NO = {"Any": None, "Yes": True, "No": False}
FLASH = "dash_pin_flash"
DELETED_HERE = "dash_deleted_here"


def refusal(error: Exception) -> str:
    """PostHog's collaborator and restriction refusals in plain words; anything else as
    every other failure is explained."""
    sentence = explain_refusal(error)
    raw = getattr(error, "detail", None) or str(error)
    return sentence if sentence != raw else explain(error)


def failed_write(key: str, error: PostHogError, fields: tuple[str, ...], verb: str) -> None:
    """Keep why a write failed for `feedback.field_error(key, …)` to show next to its field
    (or under the form), and rerun: the form keeps everything typed."""
    if isinstance(error, ValidationFailed) and error.attr in fields:
        errors = {error.attr: f"{verb}: {error.detail or error}"}
    else:
        errors = {"form": f"{verb}: {refusal(error)}"}
    st.session_state[f"{key}_errors"] = errors
    st.rerun()


def restriction_short(level: int) -> str:
    return SHORT_RESTRICTION.get(level, f"Level {level}")


def search_dashboards(dashboards: list[Dashboard], text: str, tags: list[str]) -> list[Dashboard]:
    """Search name, description and tags (as PostHog's list does); tags match any of them."""
    needle = text.strip().lower()
    wanted = set(tags)
    return [
        d
        for d in dashboards
        if (not needle or needle in " ".join([d.name or "", d.description or "", *d.tags]).lower())
        and (not wanted or wanted & set(d.tags))
    ]


def to_frame(dashboards: list[Dashboard]) -> pd.DataFrame:
    rows = [
        {
            "id": d.id,
            "Name": d.display_name,
            "Pinned": d.pinned,
            "Tags": ", ".join(d.tags),
            "Restriction": restriction_short(d.restriction_level),
            "Shared": d.is_shared,
            "You can edit": d.can_edit,
            "Created by": d.created_by.display_name if d.created_by else "",
            "Last accessed": d.last_accessed_at,
        }
        for d in dashboards
    ]
    columns = [
        "id",
        "Name",
        "Pinned",
        "Tags",
        "Restriction",
        "Shared",
        "You can edit",
        "Created by",
        "Last accessed",
    ]
    return pd.DataFrame(rows, columns=columns)


def render(client: PostHogClient, *, key: str = "dash_list") -> None:
    show_flash(FLASH)
    with st.spinner("Loading dashboards…"):
        dashboards = data.dashboards(client)
    cols = st.columns([3, 3, 2, 2, 2])
    text = cols[0].text_input("Search", key=f"{key}_search", placeholder="Name, description, tag")
    present = sorted({t for d in dashboards for t in d.tags})
    tags = cols[1].multiselect("Tags", present, key=f"{key}_tags", placeholder="Any tag")
    pinned = cols[2].selectbox("Pinned", list(YES_NO), key=f"{key}_pinned")
    levels = [None, EVERYONE_CAN_EDIT, ONLY_COLLABORATORS_CAN_EDIT]
    level = cols[3].selectbox(
        "Who can edit",
        levels,
        format_func=lambda v: "Any" if v is None else restriction_short(v),
        key=f"{key}_restriction",
    )
    shared = cols[4].selectbox(
        "Shared publicly", list(YES_NO), key=f"{key}_shared", help="Has a public link on."
    )
    shown = filter_dashboards(
        search_dashboards(dashboards, text, tags),
        pinned=YES_NO[pinned],
        shared=YES_NO[shared],
        restriction_level=level,
    )
    frame = to_frame(shown)
    summary = st.columns([4, 1])
    summary[0].caption(
        f"{len(shown)} of {len(dashboards)} dashboards · "
        f"{sum(d.pinned for d in shown)} pinned · {sum(d.is_shared for d in shown)} shared"
    )
    download_csv(summary[1], frame, file_name="dashboards.csv", key=f"{key}_csv")
    selected = pick_row(
        frame,
        key=f"{key}_table",
        column_config={
            "Name": st.column_config.TextColumn(width="medium"),
            "Pinned": st.column_config.CheckboxColumn(help="Select the row to pin or unpin"),
            "Shared": st.column_config.CheckboxColumn(help="Has a public link on"),
            "You can edit": st.column_config.CheckboxColumn(
                help="Whether this API key's user may edit it"
            ),
            "Last accessed": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )
    if selected is None:
        st.caption("Select a row to pin or unpin the dashboard, or open it.")
    else:
        dashboard = next(d for d in shown if d.id == selected)
        row_actions(
            dashboard.display_name,
            dashboard.id,
            key=key,
            switch=lambda: pin_switch(client, dashboard, key=f"{key}_pin"),
        )
    render_deleted_here(client, key=f"{key}_deleted")


def _pin_changed(client: PostHogClient, dashboard: Dashboard, widget: str) -> None:
    wanted = bool(st.session_state[widget])
    if not record_write(
        FLASH,
        lambda: client.dashboards.pin(dashboard.id, wanted),
        done=f"{'Pinned' if wanted else 'Unpinned'} {dashboard.display_name}.",
        failed=f"{dashboard.display_name} was not changed",
        why=refusal,
    ):
        st.session_state[widget] = dashboard.pinned  # the switch goes back
    data.forget_dashboard(client, dashboard.id)


def pin_switch(client: PostHogClient, dashboard: Dashboard, *, key: str = "dash_pin") -> None:
    """Pin or unpin at once (pinning hides nothing and is undone the same way)."""
    widget = f"{key}_{dashboard.id}_{dashboard.pinned}"
    st.toggle(
        "Pinned",
        value=dashboard.pinned,
        key=widget,
        on_change=_pin_changed,
        args=(client, dashboard, widget),
        disabled=not dashboard.can_edit,
        help="Pinned dashboards come first in PostHog's lists and sidebar."
        if dashboard.can_edit
        else "You can view this dashboard but not edit it.",
    )


def render_deleted_here(client: PostHogClient, *, key: str = "dash_deleted") -> None:
    """Dashboards deleted in this browser session, each with a Restore button: PostHog hides
    a deleted dashboard everywhere, so this is the way back."""
    deleted: dict[int, str] = st.session_state.get(DELETED_HERE, {})
    if not deleted:
        return
    st.subheader("Deleted in this session", divider="gray", anchor=False)
    for dashboard_id, name in list(deleted.items()):
        label, action = st.columns([6, 2], vertical_alignment="center")
        label.markdown(plain(name))
        if action.button("Restore", key=f"{key}_{dashboard_id}", icon=":material/restore:"):
            restore(client, dashboard_id, name)


def restore(client: PostHogClient, dashboard_id: int, name: str) -> None:
    try:
        client.dashboards.restore(dashboard_id)
    except PostHogError as exc:
        st.error(plain(f"{name} was not restored: {explain(exc)}"), icon=":material/error:")
        return
    st.session_state.get(DELETED_HERE, {}).pop(dashboard_id, None)
    data.forget_dashboard(client, dashboard_id)
    data.forget_shared_publicly(client)  # it may come back shared
    st.toast(plain(f"Restored {name}."), icon=":material/restore:")
    st.rerun()


def example() -> None:
    from components.shared.connection import get_client

    render(get_client(), key="example_dash_list")
