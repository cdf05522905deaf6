"""The insights list: PostHog's own server-side pages with the total, its filters (search,
type, tags, created by, favorites, saved) and orderings, a CSV of every matching row, and
opening a picked row's details."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from components.insights import controls
from components.shared import data
from components.shared.tables import (
    current_page,
    download_all_csv,
    page_controls,
    pick_row,
    reset_page,
    row_actions,
)
from services import PostHogClient
from services.analytics_models import Insight
from services.dashboards import project_members
from services.errors import PostHogError
from services.insights import INSIGHT_TYPES, ORDERINGS

PAGE_SIZES = (25, 50, 100)
SAVED_CHOICES: dict[str, bool | None] = {
    "Any": None,
    "Saved or on a dashboard": True,
    "Unsaved only": False,
}
TYPE_LABELS = {
    "TRENDS": "Trends",
    "FUNNELS": "Funnel",
    "RETENTION": "Retention",
    "PATHS": "Paths",
    "STICKINESS": "Stickiness",
    "LIFECYCLE": "Lifecycle",
    "SQL": "SQL",
    "JSON": "Data table (JSON)",
}
COLUMNS = [
    "id",
    "Name",
    "Short id",
    "Type",
    "Tags",
    "Favorite",
    "Dashboards",
    "Created by",
    "Last modified",
    "Last viewed",
]


def type_label(kind: str) -> str:
    return TYPE_LABELS.get(kind, kind)


def name_of(insight: Insight) -> str:
    """The name, or PostHog's derived name marked as such."""
    if insight.name:
        return insight.name
    if insight.derived_name:
        return f"{insight.derived_name} (derived)"
    return "Untitled insight"


def to_frame(insights: list[Insight]) -> pd.DataFrame:
    rows = [
        {
            "id": str(i.id),
            "Name": name_of(i),
            "Short id": i.short_id or "",
            "Type": type_label(i.kind),
            "Tags": ", ".join(i.tags),
            "Favorite": i.favorited,
            "Dashboards": len(i.dashboard_ids),
            "Created by": i.created_by.display_name if i.created_by else "",
            "Last modified": i.last_modified_at,
            "Last viewed": i.last_viewed_at,
        }
        for i in insights
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def _choices(client: PostHogClient) -> tuple[list[str], dict[int, str]]:
    """Tags and creators to filter by, from every insight (cached); none if that fails."""
    try:
        everything = data.all_insights(client)
    except PostHogError:
        return [], {}
    tags = sorted({tag for i in everything for tag in i.tags})
    people = {u.id: u.display_name for u in project_members(everything) if u.id is not None}
    return tags, people


def filters(client: PostHogClient, key: str) -> dict[str, Any]:
    """The filter widgets; any change goes back to the first page."""
    tags, people = _choices(client)
    again = {"on_change": reset_page, "args": (key,)}
    top = st.columns([3, 2, 2, 2])
    search = top[0].text_input(
        "Search", key=f"{key}_search", placeholder="Name, description or tag", **again
    )
    kind = top[1].selectbox(
        "Type",
        [None, *INSIGHT_TYPES],
        format_func=lambda k: "Any type" if k is None else type_label(k),
        key=f"{key}_type",
        **again,
    )
    chosen_tags = top[2].multiselect(
        "Tags", tags, key=f"{key}_tags", placeholder="Any tag", help="Any of these tags.", **again
    )
    creators = top[3].multiselect(
        "Created by",
        list(people),
        format_func=lambda u: people.get(u, f"User {u}"),
        key=f"{key}_creators",
        placeholder="Anyone",
        **again,
    )
    bottom = st.columns([2, 2, 2, 2], vertical_alignment="bottom")
    saved = bottom[0].selectbox(
        "Saved",
        list(SAVED_CHOICES),
        key=f"{key}_saved",
        help="PostHog counts an insight on a dashboard as saved.",
        **again,
    )
    order = bottom[1].selectbox("Sort by", list(ORDERINGS), key=f"{key}_order", **again)
    size = bottom[2].selectbox("Rows per page", PAGE_SIZES, key=f"{key}_size", **again)
    favorited = bottom[3].toggle("Favorites only", key=f"{key}_favorites", **again)
    return {
        "search": search.strip() or None,
        "insight_type": kind,
        "tags": tuple(chosen_tags),
        "created_by": tuple(creators),
        "favorited": favorited,
        "saved": SAVED_CHOICES[saved],
        "order": ORDERINGS[order],
        "limit": size,
    }


def render(client: PostHogClient, *, key: str = "ins_list") -> None:
    wanted = filters(client, key)
    limit = wanted.pop("limit")
    page = current_page(key)
    with st.spinner("Loading insights…"):
        result = data.insights_page(client, limit=limit, offset=(page - 1) * limit, **wanted)
        total = result.count if result.count is not None else len(result.results)
        page_count = max(1, math.ceil(total / limit))
        if page > page_count:  # fewer matches than before: show the last page
            page = page_count
            result = data.insights_page(client, limit=limit, offset=(page - 1) * limit, **wanted)
    frame = to_frame(result.results)
    first = (page - 1) * limit + 1 if result.results else 0
    summary, csv = st.columns([4, 2], vertical_alignment="bottom")
    summary.caption(
        f"Showing {first}–{first + len(result.results) - 1 if result.results else 0} "
        f"of {total} insights · page {page} of {page_count}"
    )
    download_all_csv(
        csv,
        frame,
        lambda: to_frame(data.insights_matching(client, **wanted)),
        complete=len(result.results) >= total,
        total=total,
        what=repr(sorted(wanted.items())),
        file_name="insights.csv",
        key=key,
    )
    selected = pick_row(
        frame,
        key=f"{key}_table",
        column_config={
            "Name": st.column_config.TextColumn(
                width="large", help="Insights without a name show PostHog's derived name."
            ),
            "Favorite": st.column_config.CheckboxColumn(),
            "Dashboards": st.column_config.NumberColumn(help="Dashboards it is on"),
            "Last modified": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Last viewed": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )
    page_controls(page, page_count, key=key)
    if selected is None:
        st.caption("Select a row to open the insight.")
        return
    insight = next(i for i in result.results if str(i.id) == selected)
    row_actions(
        f"{insight.display_name} · {insight.short_id or insight.id}",
        insight.id,
        key=key,
        switch=lambda: controls.favorite(client, insight, key=key),
    )
