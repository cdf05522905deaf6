"""Who changed what in insights: one insight's log (on its detail page) and the project-wide
log (the Activity tab), paged like PostHog pages them, each change shown as before → after.

PostHog's activity endpoint filters by nothing but page, so the user and action filters run
over the whole log, fetched once (cached) when a filter is set."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from components.shared import data
from components.shared.tables import (
    current_page,
    download_all_csv,
    page_controls,
    reset_page,
)
from services import PostHogClient
from services.analytics_models import ActivityEntry
from services.dashboards import project_members
from services.errors import PostHogError
from services.insights import activity_rows

PER_PAGE = 10
ACTIONS = (
    "created",
    "updated",
    "deleted",
    "restored",
    "sharing enabled",
    "sharing disabled",
    "access token refreshed",
)
COLUMNS = ["When", "User", "Action", "Insight", "Insight id", "Field", "Change"]
EMPTY = "—"


def change_text(before: str, after: str) -> str:
    return f"{before or EMPTY} → {after or EMPTY}"


def to_frame(entries: list[ActivityEntry]) -> pd.DataFrame:
    """One row per changed field; an entry without field changes is one row."""
    rows = [
        {
            "When": row["when"][:19].replace("T", " "),
            "User": row["user"],
            "Action": row["activity"],
            "Insight": row["name"],
            "Insight id": row["item_id"],
            "Field": row["field"],
            "Change": change_text(row["before"], row["after"]) if row["field"] else "",
        }
        for row in activity_rows(entries)
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def _table(frame: pd.DataFrame, *, key: str, hidden: tuple[str, ...] = ()) -> None:
    if frame.empty:
        st.info("No activity recorded.")
        return
    st.dataframe(
        frame,
        hide_index=True,
        key=key,
        column_order=[c for c in frame.columns if c not in hidden],
        column_config={"Change": st.column_config.TextColumn(width="large")},
    )


def render_for_insight(client: PostHogClient, insight_id: int, *, key: str) -> None:
    """One insight's log, newest first, PostHog's pages of ten."""
    page = current_page(key)
    result = data.insight_activity(client, insight_id, page=page, limit=PER_PAGE)
    page_count = result.page_count or page + (1 if result.next else 0)
    total = result.total_count if result.total_count is not None else len(result.results)
    st.caption(f"{total} changes · page {page} of {page_count} · newest first")
    _table(to_frame(result.results), key=f"{key}_table", hidden=("Insight", "Insight id"))
    page_controls(page, page_count, key=key)


def _users(client: PostHogClient) -> dict[int, str]:
    try:
        everything = data.all_insights(client)
    except PostHogError:
        return {}
    return {u.id: u.display_name for u in project_members(everything) if u.id is not None}


def filter_entries(
    entries: list[ActivityEntry], *, user_ids: list[int], actions: list[str]
) -> list[ActivityEntry]:
    return [
        e
        for e in entries
        if (not user_ids or (e.user is not None and e.user.id in user_ids))
        and (not actions or e.activity in actions)
    ]


def render(client: PostHogClient, *, key: str = "ins_activity") -> None:
    """The project-wide insight activity with user and action filters and a CSV."""
    people = _users(client)
    again = {"on_change": reset_page, "args": (key,)}
    left, right = st.columns(2)
    user_ids = left.multiselect(
        "User",
        list(people),
        format_func=lambda u: people.get(u, f"User {u}"),
        key=f"{key}_users",
        placeholder="Anyone",
        **again,
    )
    actions = right.multiselect(
        "Action", ACTIONS, key=f"{key}_actions", placeholder="Any action", **again
    )
    page = current_page(key)
    if user_ids or actions:
        with st.spinner("Loading the whole activity log to filter it…"):
            everything = data.all_insight_activity(client)
        matching = filter_entries(everything, user_ids=user_ids, actions=actions)
        total = len(matching)
        page_count = max(1, math.ceil(total / PER_PAGE))
        page = min(page, page_count)
        shown = matching[(page - 1) * PER_PAGE : page * PER_PAGE]
        all_rows = to_frame(matching)
        note = f"{total} of {len(everything)} entries match"
    else:
        result = data.insight_activity(client, None, page=page, limit=PER_PAGE)
        total = result.total_count if result.total_count is not None else len(result.results)
        page_count = result.page_count or page + (1 if result.next else 0)
        shown = result.results
        all_rows = None
        note = f"{total} entries"
    summary, csv = st.columns([4, 2], vertical_alignment="bottom")
    summary.caption(f"{note} · page {page} of {page_count} · newest first")
    frame = to_frame(shown)
    download_all_csv(
        csv,
        all_rows if all_rows is not None else frame,
        lambda: to_frame(data.all_insight_activity(client)),
        complete=all_rows is not None or len(shown) >= total,
        total=total,
        what="everything",
        file_name="insight-activity.csv",
        key=key,
    )
    _table(frame, key=f"{key}_table")
    page_controls(page, page_count, key=key)
