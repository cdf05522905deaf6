"""Runs of one batch export: the latest runs with status colours, records, bytes and errors;
retry and cancel after confirmation; successes and failures per day from app metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from components.batch_exports import actions
from components.batch_exports import status as export_status
from components.batch_exports.backfills import moment
from components.shared import data
from components.shared.actions import request, write_button
from components.shared.feedback import show_error
from services import PostHogClient
from services.batch_exports import FAILED_RUN, RUNNING
from services.errors import PostHogError
from services.models import BatchExport, BatchExportRun

CELL_COLOURS = {
    "green": "color: #2e7d32",
    "blue": "color: #1565c0",
    "orange": "color: #ef6c00",
    "red": "color: #c62828; font-weight: 600",
    "gray": "",
}
WINDOWS = {
    "Last 24 hours": timedelta(hours=24),
    "Last 7 days": timedelta(days=7),
    "Last 30 days": timedelta(days=30),
}
READ_AGAIN_AFTER = timedelta(minutes=1)


def to_frame(runs: list[BatchExportRun]) -> pd.DataFrame:
    rows = [
        {
            "id": r.id,
            "Status": export_status.run_label(r.status),
            "status": r.status,
            "Interval start": moment(r.data_interval_start)
            if r.data_interval_start
            else "Beginning of time",
            "Interval end": moment(r.data_interval_end) if r.data_interval_end else "",
            "Started": r.created_at,
            "Finished": r.finished_at,
            "Records": r.records_completed,
            "Bytes": r.bytes_exported,
            "Error": r.latest_error or "",
            "Backfill": "yes" if r.backfill else "",
        }
        for r in runs
    ]
    columns = [
        "id",
        "Status",
        "status",
        "Interval start",
        "Interval end",
        "Started",
        "Finished",
        "Records",
        "Bytes",
        "Error",
        "Backfill",
    ]
    return pd.DataFrame(rows, columns=columns).astype({"Records": "Int64", "Bytes": "Int64"})


def _colour(frame: pd.DataFrame):
    colours = [CELL_COLOURS[export_status.run_colour(s)] for s in frame["status"]]
    return frame.style.apply(lambda _: colours, subset=["Status"])


def render(client: PostHogClient, export: BatchExport, *, key: str = "be_runs") -> None:
    controls = st.columns([2, 3, 1])
    window = controls[0].selectbox("Runs created", list(WINDOWS), index=1, key=f"{key}_window")
    only = controls[1].multiselect(
        "Status",
        ["Completed", "Running", "Failed", "FailedRetryable", "Cancelled"],
        key=f"{key}_status",
        placeholder="Any status",
    )
    refresh = controls[2].button("Refresh", key=f"{key}_refresh", icon=":material/refresh:")
    try:
        runs = data.export_runs(
            client,
            export.id,
            after=_window_start(key, WINDOWS[window], refresh),
            status=tuple(only),
        )
    except PostHogError as exc:
        show_error(exc)
        return
    failed = sum(1 for r in runs if r.status in FAILED_RUN)
    st.caption(f"{len(runs)} runs · {failed} failed")
    if not runs:
        every = export.interval.removeprefix("every ")
        st.info(
            f"No runs in this window. This export runs every {every}"
            + (" but is paused." if export.paused else "."),
            icon=":material/schedule:",
        )
    else:
        frame = to_frame(runs)
        st.dataframe(
            _colour(frame),
            hide_index=True,
            key=f"{key}_table",
            column_order=[c for c in frame.columns if c not in ("id", "status")],
            column_config={
                "Started": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                "Finished": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                "Error": st.column_config.TextColumn(width="large"),
            },
        )
        _actions(client, export, runs, key)
    st.subheader("Successes and failures per day", anchor=False)
    _chart(client, export, key)


def _window_start(key: str, window: timedelta, refresh: bool) -> str:
    """The window's start as a moment, so Refresh (or a minute passing) asks PostHog again
    without clearing any cache: the read is cached per moment."""
    now = datetime.now(UTC)
    read_at = st.session_state.get(f"{key}_read_at")
    if refresh or read_at is None or now - read_at > READ_AGAIN_AFTER:
        read_at = st.session_state[f"{key}_read_at"] = now
    return (read_at - window).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _actions(client: PostHogClient, export: BatchExport, runs: list[BatchExportRun], key) -> None:
    labels = {
        r.id: f"{export_status.run_label(r.status)} · "
        f"{r.data_interval_end.strftime('%Y-%m-%d %H:%M') if r.data_interval_end else '?'}"
        for r in runs[:200]
    }
    cols = st.columns([4, 1, 1], vertical_alignment="bottom")
    chosen = cols[0].selectbox(
        "Retry or cancel a run",
        list(labels),
        format_func=labels.get,
        index=None,
        key=f"{key}_pick",
        placeholder="Pick a run by its interval end",
    )
    run = next((r for r in runs if r.id == chosen), None)
    if write_button(
        "Retry…",
        actions.RETRY_RUN,
        key=f"{key}_retry",
        where=cols[1],
        disabled=run is None,
        help="Schedules a new run of the same interval. Asks first.",
    ):
        _request(client, actions.RETRY_RUN, export, run)
    if write_button(
        "Cancel…",
        actions.CANCEL_RUN,
        key=f"{key}_cancel",
        where=cols[2],
        disabled=run is None or run.status not in RUNNING,
        help="Stops a running run. Asks first.",
    ):
        _request(client, actions.CANCEL_RUN, export, run)


def _request(client: PostHogClient, action, export: BatchExport, run: BatchExportRun) -> None:
    span = f"{run.data_interval_start or 'the beginning'} → {run.data_interval_end}"
    request(client, action, actions.target(export), run_id=run.id, span=span, status=run.status)


def _chart(client: PostHogClient, export: BatchExport, key: str) -> None:
    try:
        metrics = data.app_metrics(
            client, export.id, category=None, date_from="-30d", date_to=None
        ).metrics
    except PostHogError as exc:
        show_error(exc)
        return
    frame = pd.DataFrame(
        {"Date": metrics.dates, "Succeeded": metrics.successes, "Failed": metrics.failures}
    )
    if frame.empty:
        st.caption("No runs in the last 30 days.")
        return
    long = frame.melt("Date", var_name="Outcome", value_name="Runs")
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("Date:T", title=None),
            y=alt.Y("Runs:Q", stack=True),
            color=alt.Color(
                "Outcome:N",
                scale=alt.Scale(domain=["Succeeded", "Failed"], range=["#2e7d32", "#c62828"]),
            ),
            tooltip=["Date:T", "Outcome:N", "Runs:Q"],
        )
        .properties(height=220)
    )
    st.altair_chart(chart, key=f"{key}_chart")
    totals = metrics.totals
    st.caption(
        f"Last 30 days: {totals.get('successes', 0):,} runs succeeded, "
        f"{totals.get('failures', 0):,} failed (from PostHog's app metrics)."
    )
