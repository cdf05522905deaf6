"""Audits of the project's analytics: insights nobody uses (on no dashboard and not viewed for
N days) and everything shared publicly, each with links and a CSV, and acting on what they
find: the rows picked (or all) deleted, or their public links turned off, as one bulk batch
previewed first (components.shared.bulk)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pandas as pd
import streamlit as st

from components.analytics.actions import KINDS, SHARING
from components.analytics.sharing import show_refusal
from components.insights import actions as insight_actions
from components.insights.insight_list import type_label
from components.shared import bulk, data
from components.shared.actions import Target, write_button
from components.shared.feedback import offer_retry, show_error
from components.shared.tables import download_csv, pick_positions
from services import PostHogClient
from services.dashboards import SharedItem
from services.errors import PermissionDenied, PostHogError
from services.insights import unused_insights

UNUSED_COLUMNS = [
    "id",
    "Name",
    "Short id",
    "Type",
    "Tags",
    "Created by",
    "Created",
    "Last viewed",
    "Link",
]
SHARED_COLUMNS = ["id", "Kind", "Name", "Shared since", "Public link", "Link"]
UNUSED_CHOICES = [bulk.Choice("Delete", insight_actions.DELETE.key, icon=":material/delete:")]


def unused_frame(insights) -> pd.DataFrame:
    rows = [
        {
            "id": i.id,
            "Name": i.display_name,
            "Short id": i.short_id or "",
            "Type": type_label(i.kind),
            "Tags": ", ".join(i.tags),
            "Created by": i.created_by.display_name if i.created_by else "",
            "Created": i.created_at,
            "Last viewed": i.last_viewed_at,
            "Link": f"insights?id={i.id}",
        }
        for i in insights
    ]
    return pd.DataFrame(rows, columns=UNUSED_COLUMNS)


def shared_order(items: list[SharedItem]) -> list[SharedItem]:
    """Dashboards first, then insights, each by name: the order of the table."""
    return sorted(items, key=lambda s: (s.kind != "dashboard", s.name.lower()))


def shared_frame(items) -> pd.DataFrame:
    rows = [
        {
            "id": item.id,
            "Kind": item.kind.capitalize(),
            "Name": item.name,
            "Shared since": item.shared_since,
            "Public link": item.url or "",
            "Link": f"{item.kind}s?id={item.id}",
        }
        for item in shared_order(items)
    ]
    return pd.DataFrame(rows, columns=SHARED_COLUMNS)


def render_unused(client: PostHogClient, *, key: str = "audit_unused") -> None:
    st.caption(
        "Insights on no dashboard that nobody has opened for a while (never-viewed ones count "
        "once they are older than that): candidates for tidying up."
    )
    days = st.number_input(
        "Not viewed in the last … days", min_value=1, max_value=3650, value=30, key=f"{key}_days"
    )
    try:
        with st.spinner("Loading every insight…"):
            insights = data.all_insights(client)
    except PostHogError as exc:
        show_error(exc)
        return
    unused = unused_insights(insights, days=int(days), now=datetime.now(UTC))
    unused.sort(key=lambda i: i.last_viewed_at or i.created_at or datetime.min.replace(tzinfo=UTC))
    rows = _table(
        unused_frame(unused),
        f"{len(unused)} of {len(insights)} insights unused for {days} days",
        file_name="unused-insights.csv",
        key=key,
        column_config={
            "Created": st.column_config.DatetimeColumn(format="YYYY-MM-DD"),
            "Last viewed": st.column_config.DatetimeColumn(format="YYYY-MM-DD"),
            "Link": st.column_config.LinkColumn("Open", display_text="Open insight"),
        },
    )
    targets = [insight_actions.target(i) for i in unused]
    picked = [targets[r] for r in rows]
    bulk.selection_bar(
        client, selected=picked, matching=targets, choices=UNUSED_CHOICES, noun="insights", key=key
    )


def _table(frame: pd.DataFrame, summary: str, *, file_name: str, key: str, column_config):
    """A summary line, the CSV and the table, whose rows can be picked for a bulk action: the
    positions of the rows picked (ids alone are not enough: a dashboard and an insight may
    share one)."""
    caption, csv = st.columns([4, 1])
    caption.caption(summary)
    download_csv(csv, frame, file_name=file_name, key=f"{key}_csv")
    return pick_positions(frame, key=f"{key}_table", column_config=column_config)


def render_shared(client: PostHogClient, *, key: str = "audit_shared") -> None:
    st.caption(
        "Dashboards and insights anyone with the link can see without logging in. Pick rows "
        "(or all) to turn their links off at once, or turn one off from the item's Sharing tab."
    )
    bar = st.empty()

    def progress(done: int, total: int) -> None:
        # PostHog allows 240 insight reads a minute, so a large project takes a while
        bar.progress(done / total, text=f"Checking public sharing… {done}/{total}")

    try:
        with st.spinner("Loading dashboards and insights…"):
            audit = data.shared_publicly(client, progress)
    except PermissionDenied as exc:
        show_refusal(exc, "insight", "read")
        return
    except PostHogError as exc:
        show_error(exc)
        return
    finally:
        bar.empty()
    offer_retry(
        audit.unchecked,
        noun="dashboards' and insights' sharing",
        retry=partial(data.retry_missing, client, "shared_publicly"),
        key=f"{key}_missing",
    )
    items = shared_order(audit.items)
    dashboards = sum(1 for i in items if i.kind == "dashboard")
    rows = _table(
        shared_frame(items),
        f"{dashboards} dashboards and {len(items) - dashboards} insights shared publicly",
        file_name="shared-publicly.csv",
        key=key,
        column_config={
            "Shared since": st.column_config.DatetimeColumn(format="YYYY-MM-DD"),
            "Public link": st.column_config.LinkColumn(),
            "Link": st.column_config.LinkColumn("Open", display_text="Open in console"),
        },
    )
    _turn_off_bar(client, [_target(i) for i in items], rows, key=key)
    st.caption("Read at most a minute ago, and again after any sharing change made in the console.")


def _target(item: SharedItem) -> Target:
    return Target(item.kind, item.id, item.name, item)


def _turn_off_bar(client: PostHogClient, targets: list[Target], rows: list[int], *, key: str):
    """Turn off the public links of the rows picked, or of every item listed: one preview for
    dashboards and insights together, each item through its own kind's action (the journal
    and an undo need the right one). Nothing is sent from here."""
    with st.container(border=True, key=f"{key}_bulk"):
        pick, act = st.columns([3, 1], vertical_alignment="center")
        every = len(rows) < len(targets) and pick.checkbox(
            f"Select all {len(targets)} shared publicly", key=f"{key}_bulk_all"
        )
        chosen = targets if every else [targets[r] for r in rows]
        pick.caption(f"{len(chosen)} selected for a bulk action")
        if write_button(
            "Turn off public sharing",
            SHARING["insight"][1],
            key=f"{key}_bulk_turn_off",
            where=act,
            disabled=not chosen,
            help="Preview which public links stop working before anything is sent.",
            icon=":material/public_off:",
            width="stretch",
        ):
            items = [
                item
                for kind in reversed(KINDS)  # in the table's order: dashboards first
                for item in bulk.plan(
                    client, SHARING[kind][1], [t for t in chosen if t.resource == kind]
                )
            ]
            bulk.offer_items(f"Turn off public sharing: {len(items)} selected", items)
