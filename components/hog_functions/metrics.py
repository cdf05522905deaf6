"""Metrics of one hog function: totals against the previous period and a time series."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from components.shared import data, date_range
from components.shared.date_range import iso as _iso
from components.shared.feedback import show_error
from services import PostHogClient
from services.errors import PostHogError

CARDS = ("succeeded", "failed", "filtered")
# fixed colours, so success is always green and failure red, whatever the breakdown
COLOURS = {
    "success": "#2e7d32",
    "succeeded": "#2e7d32",
    "failure": "#c62828",
    "failed": "#c62828",
    "inputs_failed": "#ef6c00",
    "filtering_failed": "#f9a825",
    "disabled_temporarily": "#6a1b9a",
    "disabled_permanently": "#4a148c",
    "other": "#90a4ae",
    "filtered": "#90a4ae",
    "masked": "#546e7a",
}
TIME_UNITS = {"hour": "yearmonthdatehours", "day": "yearmonthdate", "week": "yearweek"}
EXTRA_CARDS = (
    "inputs_failed",
    "filtering_failed",
    "disabled_temporarily",
    "disabled_permanently",
    "masked",
)


def render(client: PostHogClient, function_id: str, *, key: str = "hf_metrics") -> None:
    controls = st.columns([2, 1, 1])
    with controls[0]:
        presets = ("Last 24 hours", "Last 7 days", "Last 30 days")
        chosen = date_range.render(key, presets=presets, default="Last 7 days")
    interval = controls[1].selectbox(
        "Interval", ["hour", "day", "week"], index=1, key=f"{key}_interval"
    )
    breakdown = controls[2].selectbox(
        "Break down by",
        ["kind", "name"],
        key=f"{key}_by",
        format_func={"kind": "Kind", "name": "Metric name"}.get,
    )
    if chosen is None:
        return
    start, end = chosen
    days = (end - start).total_seconds() / 86400
    if interval == "hour" and days > 8:
        st.info("Hourly buckets are available for ranges up to 8 days: pick a day interval.")
        return
    if interval == "week" and days < 14:
        st.info("Weekly buckets need a range of at least 14 days: pick a day interval.")
        return
    previous_start = start - (end - start)
    try:
        current = data.function_totals(
            client, function_id, after=_iso(start), before=_iso(end), breakdown_by="name"
        )
        previous = data.function_totals(
            client, function_id, after=_iso(previous_start), before=_iso(start), breakdown_by="name"
        )
        series = data.function_metrics(
            client,
            function_id,
            after=_iso(start),
            before=_iso(end),
            interval=interval,
            breakdown_by=breakdown,
        )
    except PostHogError as exc:
        show_error(exc)
        return
    _cards(current, previous)
    _chart(series.labels, series.series, interval)


def _rate(totals: dict[str, int]) -> float | None:
    attempted = totals.get("succeeded", 0) + totals.get("failed", 0)
    return totals.get("failed", 0) / attempted if attempted else None


def _cards(current: dict[str, int], previous: dict[str, int]) -> None:
    names = list(CARDS) + [n for n in EXTRA_CARDS if current.get(n)]
    cols = st.columns(len(names) + 1)
    for col, name in zip(cols, names, strict=False):
        value, before = current.get(name, 0), previous.get(name, 0)
        col.metric(
            name.replace("_", " ").capitalize(),
            f"{value:,}",
            delta=f"{value - before:+,} vs previous period",
            delta_color={"succeeded": "normal", "filtered": "off"}.get(name, "inverse"),
        )
    rate, before = _rate(current), _rate(previous)
    delta = f"{(rate - before) * 100:+.1f} pts" if rate is not None and before is not None else None
    cols[-1].metric(
        "Failure rate", "—" if rate is None else f"{rate:.1%}", delta=delta, delta_color="inverse"
    )


def _chart(labels: list[str], series: list[dict], interval: str) -> None:
    rows = [
        {"time": pd.to_datetime(label, utc=True), "metric": s["name"], "count": value}
        for s in series
        for label, value in zip(labels, s["values"], strict=False)
    ]
    if not rows or not any(r["count"] for r in rows):
        st.info("No invocations in this period.")
        return
    frame = pd.DataFrame(rows)
    names = sorted(frame["metric"].unique())
    colours = [COLOURS.get(name, "#78909c") for name in names]
    chart = (
        alt.Chart(frame, title=f"Invocations per {interval}")
        .mark_bar()
        .encode(
            x=alt.X(f"{TIME_UNITS[interval]}(time):T", title=None),
            y=alt.Y("sum(count):Q", title="Events"),
            color=alt.Color(
                "metric:N", title="Metric", scale=alt.Scale(domain=names, range=colours)
            ),
            tooltip=[alt.Tooltip("time:T"), "metric:N", alt.Tooltip("sum(count):Q", title="Count")],
        )
    )
    st.altair_chart(chart, width="stretch")
