"""The dashboards list: filters, a table with pinned, tags, who can edit and public sharing,
CSV, a selected row's pin switch (it writes at once) and details link, and bulk pin, unpin
and delete."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from components.dashboards import actions
from components.shared import bulk, data
from components.shared.actions import Target, blocked_reason, request, write_button
from components.shared.tables import download_csv, pick_rows
from components.shared.text import plain
from services import PostHogClient
from services.analytics_models import (
    EVERYONE_CAN_EDIT,
    ONLY_COLLABORATORS_CAN_EDIT,
    Dashboard,
)
from services.dashboards import filter_dashboards

SHORT_RESTRICTION = {
    EVERYONE_CAN_EDIT: "Everyone can edit",
    ONLY_COLLABORATORS_CAN_EDIT: "Only collaborators",
}
YES_NO = {"Any": None, "Yes": True, "No": False}
BULK = bulk.ListOffer(
    target=actions.target,
    name=lambda d: d.display_name,
    hint="Select a row to pin or unpin the dashboard, or open it; select several for a bulk "
    "action.",
    choices=[
        bulk.Choice("Pin", actions.PIN.key, icon=":material/push_pin:"),
        bulk.Choice("Unpin", actions.UNPIN.key, icon=":material/keep_off:"),
        bulk.Choice("Delete", actions.DELETE.key, icon=":material/delete:"),
    ],
    noun="dashboards",
)


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


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def to_frame(dashboards: list[Dashboard]) -> pd.DataFrame:
    rows = [
        {
            "id": d.id,
            "Name": d.display_name,
            # text, not checkboxes that would look clickable
            "Pinned": _yes_no(d.pinned),
            "Tags": ", ".join(d.tags),
            "Restriction": restriction_short(d.restriction_level),
            "Shared": _yes_no(d.is_shared),
            "You can edit": _yes_no(d.can_edit),
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
    picked = pick_rows(
        frame,
        key=f"{key}_table",
        column_config={
            "Name": st.column_config.TextColumn(width="medium"),
            "Pinned": st.column_config.TextColumn(help="Select the row to pin or unpin"),
            "Shared": st.column_config.TextColumn(help="Has a public link on"),
            "You can edit": st.column_config.TextColumn(
                help="Whether this API key's user may edit it"
            ),
            "Last accessed": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )
    by_id = {d.id: d for d in shown}
    switch = partial(pin_switch, client, key=f"{key}_pin")
    bulk.under_list(client, frame, picked, by_id, BULK, switch=switch, key=key)
    render_deleted_here(client, key=f"{key}_deleted")


def _pin_changed(client: PostHogClient, dashboard: Dashboard, widget: str) -> None:
    wanted = bool(st.session_state[widget])
    st.session_state[widget] = dashboard.pinned  # follows the server, not the click
    request(client, actions.PIN if wanted else actions.UNPIN, actions.target(dashboard))


def pin_switch(client: PostHogClient, dashboard: Dashboard, *, key: str = "dash_pin") -> None:
    """Pin or unpin at once (pinning hides nothing and is undone the same way)."""
    widget = f"{key}_{dashboard.id}_{dashboard.pinned}"
    action = actions.UNPIN if dashboard.pinned else actions.PIN
    reason = blocked_reason(action) or actions.view_only(dashboard)
    st.toggle(
        "Pinned",
        value=dashboard.pinned,
        key=widget,
        on_change=_pin_changed,
        args=(client, dashboard, widget),
        disabled=reason is not None,
        help=reason or "Pinned dashboards come first in PostHog's lists and sidebar.",
    )


def render_deleted_here(client: PostHogClient, *, key: str = "dash_deleted") -> None:
    """Dashboards deleted in this browser session, each with a Restore button: PostHog hides
    a deleted dashboard everywhere, so this is the way back (the Journal's Undo is another)."""
    deleted: dict[int, str] = st.session_state.get(actions.DELETED_HERE, {})
    if not deleted:
        return
    st.subheader("Deleted in this session", divider="gray", anchor=False)
    for dashboard_id, name in list(deleted.items()):
        label, button = st.columns([6, 2], vertical_alignment="center")
        label.markdown(plain(name))
        restore_button(client, dashboard_id, name, key=f"{key}_{dashboard_id}", where=button)


def restore_button(client: PostHogClient, dashboard_id: int, name: str, *, key: str, where=st):
    if write_button(
        "Restore",
        actions.RESTORE,
        key=key,
        icon=":material/restore:",
        help="Brings it back with its tiles, and the insights deleted with it.",
        where=where,
    ):
        request(client, actions.RESTORE, Target("dashboard", dashboard_id, name))
