"""Legacy app metrics: a plugin config's (or a batch export's) successes, retries and failures
over time, its errors with sample details, and its historical exports."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st

from components.shared import data, date_range
from components.shared.feedback import explain, show_error
from components.shared.text import plain
from services import PostHogClient
from services.app_metrics import CATEGORIES
from services.errors import PostHogError
from services.models import AppMetrics

SERIES = {
    "successes": ("Succeeded", "#2e7d32"),
    "successes_on_retry": ("Succeeded on retry", "#f9a825"),
    "failures": ("Failed", "#c62828"),
}
CATEGORY_LABELS = {
    "processEvent": "Processing events (processEvent)",
    "onEvent": "Reacting to events (onEvent)",
    "exportEvents": "Exporting events (exportEvents)",
    "scheduledTask": "Scheduled tasks",
    "webhook": "Webhooks",
    "composeWebhook": "Composed webhooks",
}


def choose_target(client: PostHogClient, *, key: str) -> tuple[str, str, list[str]] | None:
    """(id, name, categories) of the chosen plugin config or batch export."""
    kind = st.radio(
        "Show metrics of", ["Plugin", "Batch export"], horizontal=True, key=f"{key}_kind"
    )
    if kind == "Batch export":
        exports = data.batch_exports(client)
        names = {x.id: x.name for x in exports}
        chosen = st.selectbox(
            "Batch export", list(names), format_func=names.get, index=None, key=f"{key}_export"
        )
        return (chosen, names[chosen], []) if chosen else None
    try:
        configs = data.plugin_configs(client)
    except PostHogError as exc:
        st.caption(plain(f"The plugin list could not be loaded ({explain(exc)}). Give an id:"))
        typed = st.number_input("Plugin config id", min_value=1, value=None, key=f"{key}_id")
        return (str(int(typed)), f"Plugin config {int(typed)}", []) if typed else None
    if not configs:
        st.info("This project has no legacy plugins.")
        return None
    names = {c.id: f"{c.name or c.id}{'' if c.enabled else ' (disabled)'}" for c in configs}
    chosen = st.selectbox(
        "Plugin", list(names), format_func=names.get, index=None, key=f"{key}_plugin"
    )
    if chosen is None:
        return None
    config = next(c for c in configs if c.id == chosen)
    methods = ((config.plugin_info or {}).get("capabilities") or {}).get("methods") or []
    return str(chosen), names[chosen], [m for m in methods if m in CATEGORIES]


def to_frame(metrics: AppMetrics) -> pd.DataFrame:
    series = metrics.metrics
    frame = pd.DataFrame({"Date": series.dates})
    for field, (label, _) in SERIES.items():
        values = getattr(series, field) or [0] * len(series.dates)
        frame[label] = values[: len(series.dates)]
    return frame


def render(client: PostHogClient, *, key: str = "appm") -> None:
    try:
        target = choose_target(client, key=key)
    except PostHogError as exc:
        show_error(exc)
        return
    if target is None:
        st.caption("Choose a plugin or a batch export to see how its deliveries went.")
        return
    target_id, name, categories = target
    cols = st.columns([3, 2])
    options = categories or list(CATEGORIES)
    category = cols[0].selectbox(
        "Category",
        options,
        index=None,
        format_func=lambda c: CATEGORY_LABELS.get(c, c),
        key=f"{key}_category",
        placeholder="All categories",
        disabled=not categories and not target_id.isdigit(),
    )
    with cols[1]:
        chosen = date_range.render(
            f"{key}_range",
            presets=("Last 24 hours", "Last 7 days", "Last 30 days"),
            default="Last 7 days",
        )
    if chosen is None:
        return
    after, before = (date_range.iso(moment) for moment in chosen)
    metrics_tab, history_tab = st.tabs(["Metrics and errors", "Historical exports"])
    with metrics_tab:
        try:
            metrics = data.app_metrics(
                client, target_id, category=category, date_from=after, date_to=before
            )
        except PostHogError as exc:
            show_error(exc)
            return
        _totals(metrics)
        _chart(metrics, key)
        _errors(client, target_id, metrics, category, key)
    with history_tab:
        if target_id.isdigit():
            _historical(client, int(target_id), key)
        else:
            st.info("Historical exports belong to export plugins, not batch exports.")


def _totals(metrics: AppMetrics) -> None:
    totals = metrics.metrics.totals
    cards = st.columns(3)
    for card, (field, (label, _)) in zip(cards, SERIES.items(), strict=True):
        card.metric(label, f"{totals.get(field, 0):,}", border=True)


def _chart(metrics: AppMetrics, key: str) -> None:
    frame = to_frame(metrics)
    if frame.empty:
        st.caption("No data in this range.")
        return
    long = frame.melt("Date", var_name="Outcome", value_name="Count")
    labels = [label for label, _ in SERIES.values()]
    colours = [colour for _, colour in SERIES.values()]
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("Date:T", title=None),
            y=alt.Y("Count:Q"),
            color=alt.Color("Outcome:N", scale=alt.Scale(domain=labels, range=colours)),
            tooltip=["Date:T", "Outcome:N", "Count:Q"],
        )
        .properties(height=260)
    )
    st.altair_chart(chart, key=f"{key}_chart")


def _errors(client, target_id: str, metrics: AppMetrics, category, key: str) -> None:
    st.subheader("Errors", anchor=False)
    if metrics.errors is None:
        st.caption("PostHog keeps no error breakdown for batch exports: see its runs and logs.")
        return
    if not metrics.errors:
        st.success("No errors in this range.", icon=":material/check:")
        return
    frame = pd.DataFrame(
        [
            {"Error type": e.error_type, "Count": e.count, "Last seen": e.last_seen}
            for e in metrics.errors
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        key=f"{key}_errors",
        column_config={"Last seen": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )
    error_type = st.selectbox(
        "Error details",
        list(frame["Error type"]),
        index=None,
        key=f"{key}_error_type",
        placeholder="Pick an error type to see samples",
    )
    if error_type:
        _samples(client, target_id, error_type, category, key)


def _samples(client, target_id: str, error_type: str, category, key: str) -> None:
    try:
        samples = data.app_error_samples(
            client, target_id, error_type=error_type, category=category
        )
    except PostHogError as exc:
        show_error(exc)
        return
    if not samples:
        st.caption("PostHog kept no samples of this error.")
        return
    index = st.number_input(
        f"Sample (of {len(samples)})", 1, len(samples), 1, key=f"{key}_sample_{error_type}"
    )
    sample = samples[int(index) - 1]
    details = dict(sample.error_details)
    error = details.pop("error", {}) or {}
    st.markdown(
        f"**When:** {sample.timestamp:%Y-%m-%d %H:%M:%S} UTC · **Type:** "
        f"{plain(sample.error_type or error_type)}"
    )
    if error.get("message"):
        st.error(plain(error["message"]), icon=":material/error:")
    with st.expander("Details (JSON)"):
        st.json(details, expanded=1)
    if error.get("stack"):
        with st.expander("Stack trace"):
            st.code(error["stack"], language=None)


def _historical(client: PostHogClient, plugin_config_id: int, key: str) -> None:
    try:
        jobs = data.historical_exports(client, plugin_config_id)
    except PostHogError as exc:
        show_error(exc)
        return
    if not jobs:
        st.caption("No historical exports for this plugin.")
        return
    frame = pd.DataFrame(
        [
            {
                "Job": j.job_id,
                "Status": j.status,
                "Dates exported": " → ".join(
                    str((j.payload or {}).get(k, "?")) for k in ("dateFrom", "dateTo")
                ),
                "Progress": j.progress,
                "Created by": j.created_by.display_name if j.created_by else "",
                "Created": j.created_at,
                "Finished": j.finished_at,
                "Failure": j.failure_reason or "",
            }
            for j in jobs
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        key=f"{key}_jobs",
        column_config={
            "Progress": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
        },
    )
    job_id = st.selectbox(
        "Open a historical export", list(frame["Job"]), index=None, key=f"{key}_job"
    )
    if not job_id:
        return
    try:
        detail = data.historical_export(client, plugin_config_id, job_id)
    except PostHogError as exc:
        show_error(exc)
        return
    if detail.summary:
        st.json(json.loads(detail.summary.model_dump_json()), expanded=1)
    _totals(detail)
    _chart(detail, f"{key}_job_chart")
