"""The ranked "needs attention" table: the worst functions, exports and plugins, each with
its reason in words, a deep link, and the one obvious action through the write path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import streamlit as st

from components.batch_exports import actions as export_actions
from components.hog_functions import actions as function_actions
from components.hog_functions import failing as failing_rule
from components.shared.actions import request, write_button
from components.shared.tables import pick_row
from components.shared.text import plain
from services import PostHogClient, health_of
from services.fleet import (
    Thresholds,
    delivery,
    failed_streak,
    failing_functions,
    long_paused,
    paused_for,
    plugin_errors,
    plugin_name,
    top_error,
    unhealthy_functions,
)
from services.models import AppMetrics, BatchExport, HogFunction, PluginConfig
from services.query import Totals

HEALTH_REASONS = {
    "Disabled by PostHog": "PostHog disabled it after too many failed or slow deliveries",
    "Degraded": "PostHog moved it to a slower lane: slow or failing deliveries",
}


@dataclass(frozen=True)
class Item:
    id: str
    kind: str  # "Hog function", "Batch export", "Legacy plugin"
    name: str
    reason: str
    score: float  # higher is worse
    link: str
    action: str  # "Disable", "Pause" or "Open"
    failed: int | None = None
    attempted: int | None = None
    obj: object = None


def function_items(
    functions: list[HogFunction], totals: Totals, limits: Thresholds, since: datetime
) -> list[Item]:
    items: dict[str, Item] = {}
    for f in failing_functions(functions, totals, limits, types=("destination",)):
        d = delivery(totals.get(f.id))
        items[f.id] = Item(
            id=f.id,
            kind="Hog function",
            name=f.name,
            reason=(
                f"{d.rate:.0%} of {d.attempted:,} deliveries failed since {since:%a %-d %b}"
            ).replace("%", " %"),
            score=1 + (d.rate or 0),
            link=f"/hog-functions?id={f.id}",
            action="Disable",
            failed=d.failed,
            attempted=d.attempted,
            obj=f,
        )
    for f in unhealthy_functions(functions):
        if f.id in items:
            continue
        health = health_of(f)
        d = delivery(totals.get(f.id))
        items[f.id] = Item(
            id=f.id,
            kind="Hog function",
            name=f.name,
            reason=HEALTH_REASONS[health],
            score=0.9 if health == "Disabled by PostHog" else 0.6,
            link=f"/hog-functions?id={f.id}",
            action="Disable" if f.enabled else "Open",
            failed=d.failed,
            attempted=d.attempted,
            obj=f,
        )
    return list(items.values())


def export_items(
    exports: list[BatchExport], runs: dict, limits: Thresholds, now: datetime
) -> list[Item]:
    """`runs`: {export id: its newest runs, newest first} for the exports read so far."""
    items = []
    for x in exports:
        streak = failed_streak(runs.get(x.id, []))
        if streak:
            error = next((r.latest_error for r in streak if r.latest_error), None)
            error = (error or "no error message").strip().splitlines()[0][:80]
            count = len(streak)
            what = "the last run failed" if count == 1 else f"last {count} runs failed"
            items.append(
                Item(
                    id=x.id,
                    kind="Batch export",
                    name=x.name,
                    reason=f"{what}: {error}",
                    score=1 + min(count, 10) / 10,
                    link=f"/batch-exports?id={x.id}",
                    action="Open" if x.paused else "Pause",
                    failed=count,
                    obj=x,
                )
            )
    for x in long_paused(exports, limits, now):
        items.append(
            Item(
                id=x.id,
                kind="Batch export",
                name=x.name,
                reason=f"paused for {paused_for(x, now).days} days: nothing is exported",
                score=0.3,
                link=f"/batch-exports?id={x.id}",
                action="Open",
                obj=x,
            )
        )
    return items


def plugin_items(configs: list[PluginConfig], metrics: dict, since: datetime) -> list[Item]:
    items = []
    for c in configs:
        m = metrics.get(c.id)
        if not isinstance(m, AppMetrics) or not plugin_errors(m, since):
            continue
        errors = plugin_errors(m, since)
        error = top_error(m)
        items.append(
            Item(
                id=str(c.id),
                kind="Legacy plugin",
                name=plugin_name(c),
                reason=f"{errors:,} failures in the window"
                + (f", mostly {error}" if error else ""),
                score=0.4,
                link=f"/app-metrics?id={c.id}",
                action="Open",
                failed=errors,
                obj=c,
            )
        )
    return items


def ranked(items: list[Item]) -> list[Item]:
    return sorted(items, key=lambda i: (-i.score, -(i.failed or 0), i.name))


def to_frame(items: list[Item]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": i.id,
                "Rank": n,
                "What": i.kind,
                "Name": i.name,
                "Why": i.reason,
                "Failed": i.failed,
                "Deliveries": i.attempted,
                "Link": i.link,
                "Action": i.action,
            }
            for n, i in enumerate(items, start=1)
        ],
        columns=["id", "Rank", "What", "Name", "Why", "Failed", "Deliveries", "Link", "Action"],
    ).astype({"Failed": "Int64", "Deliveries": "Int64"})


def render(client: PostHogClient, items: list[Item], *, key: str = "ov_attention") -> None:
    failing_rule.render(client, key=f"{key}_failing")  # as on the hog functions page
    if not items:
        st.success("Nothing needs attention with these thresholds.", icon=":material/check:")
        return
    frame = to_frame(items)
    picked = pick_row(
        frame,
        key=f"{key}_table",
        column_config={
            "Rank": st.column_config.NumberColumn(width="small"),
            "Why": st.column_config.TextColumn(width="large"),
            "Link": st.column_config.LinkColumn("Open", display_text="Open", width="small"),
        },
    )
    if picked is None:
        st.caption("Select a row for its action.")
        return
    _act(client, next(i for i in items if i.id == picked), key=key)


def _act(client: PostHogClient, item: Item, *, key: str) -> None:
    with st.container(border=True, key=f"{key}_actions"):
        label, act, open_ = st.columns([5, 2, 2], vertical_alignment="center")
        label.markdown(f"**{plain(item.name)}** · {plain(item.reason)}")
        if item.action == "Disable":
            if write_button(
                "Disable function",
                function_actions.DISABLE,
                where=act,
                key=f"{key}_disable",
                icon=":material/block:",
            ):
                request(client, function_actions.DISABLE, function_actions.target(item.obj))
        elif item.action == "Pause" and write_button(
            "Pause export",
            export_actions.PAUSE,
            where=act,
            key=f"{key}_pause",
            icon=":material/pause:",
        ):
            request(client, export_actions.PAUSE, export_actions.target(item.obj))
        open_.markdown(f"[Open details and logs]({item.link})")
