"""Backfills of one batch export: the list with progress (refreshing itself while one runs),
a start form that checks PostHog's date rules before sending, and cancel after confirmation."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import streamlit as st

from components.batch_exports import actions
from components.batch_exports import status as export_status
from components.shared import data
from components.shared.actions import request, write_button
from components.shared.feedback import show_error
from components.shared.text import plain
from services import PostHogClient
from services.batch_exports import backfill_problems
from services.errors import PostHogError
from services.models import BatchExport, BatchExportBackfill

REFRESH_SECONDS = 3


def moment(value: datetime) -> str:
    """A whole day as its date, anything else to the minute (UTC)."""
    value = value.astimezone(UTC)
    if value.time() == time(0):
        return value.date().isoformat()
    return value.strftime("%Y-%m-%d %H:%M")


def to_frame(backfills: list[BatchExportBackfill]) -> pd.DataFrame:
    rows = []
    for b in backfills:
        progress = b.progress
        total = progress.total_runs if progress else None
        finished = progress.finished_runs if progress else None
        rows.append(
            {
                "id": b.id,
                "Status": export_status.run_label(b.status),
                "Progress": (finished / total) if total else None,
                "Runs": f"{finished} of {total}" if total else "",
                "Interval start": moment(b.start_at) if b.start_at else "Beginning of time",
                "Interval end": moment(b.end_at) if b.end_at else "Until present",
                "Created": b.created_at,
                "Finished": b.finished_at,
                "Records (estimate)": b.total_records_count,
            }
        )
    columns = [
        "id",
        "Status",
        "Progress",
        "Runs",
        "Interval start",
        "Interval end",
        "Created",
        "Finished",
        "Records (estimate)",
    ]
    return pd.DataFrame(rows, columns=columns).astype({"Records (estimate)": "Int64"})


def render(client: PostHogClient, export: BatchExport, *, key: str = "be_backfills") -> None:
    st.markdown(
        "A backfill exports a past date range again, one run per interval. Use it to fill the "
        "gap a failure or a pause left. It runs next to the schedule and can be cancelled."
    )
    with st.expander("Start a backfill", expanded=False, icon=":material/add:"):
        _create_form(client, export, key=f"{key}_new")
    try:
        backfills = data.export_backfills(client, export.id)
    except PostHogError as exc:
        show_error(exc)
        return
    # a backfill a refresh saw finish stays finished while the cached list is a little older
    finished = st.session_state.setdefault(f"{key}_finished", {})
    backfills = [finished.get(b.id, b) for b in backfills]
    running = any(b.is_running for b in backfills)
    st.session_state[f"{key}_listed"] = True  # this run read the whole list
    # the list reruns on its own every few seconds while a backfill is running
    st.fragment(run_every=REFRESH_SECONDS if running else None)(live_list)(
        client, export, key, backfills
    )
    _cancel_controls(client, export, backfills, key)


def live_list(
    client: PostHogClient, export: BatchExport, key: str, listed: list[BatchExportBackfill]
) -> None:
    """The backfills as listed by the page's last full run; on each refresh in between, only
    the backfills that were running are read again, one by one."""
    backfills = listed
    if not st.session_state.pop(f"{key}_listed", False):
        backfills = _refreshed(client, export, listed)
        finished = {b.id: b for b in backfills if not b.is_running}
        if any(b.is_running and b.id in finished for b in listed):
            st.session_state.setdefault(f"{key}_finished", {}).update(finished)
            st.rerun()  # one finished: the whole tab reads the list and its controls again
    if not backfills:
        st.caption("No backfills yet.")
        return
    running = sum(1 for b in backfills if b.is_running)
    if running:
        st.caption(f"{running} running · refreshing every {REFRESH_SECONDS} seconds")
    frame = to_frame(backfills)
    st.dataframe(
        frame,
        hide_index=True,
        key=f"{key}_table",
        column_order=[c for c in frame.columns if c != "id"],
        column_config={
            "Progress": st.column_config.ProgressColumn(
                format="percent", min_value=0.0, max_value=1.0
            ),
            "Created": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
            "Finished": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
        },
    )


def _refreshed(
    client: PostHogClient, export: BatchExport, listed: list[BatchExportBackfill]
) -> list[BatchExportBackfill]:
    out = []
    for backfill in listed:
        if backfill.is_running:
            try:
                backfill = data.export_backfill(client, export.id, backfill.id)
            except PostHogError as exc:
                show_error(exc)  # its last known progress stays shown
        out.append(backfill)
    return out


def _cancel_controls(
    client: PostHogClient, export: BatchExport, backfills: list[BatchExportBackfill], key: str
) -> None:
    running = [b for b in backfills if b.is_running]
    if not running:
        return
    labels = {b.id: f"{b.id[:8]}… ({_span(b)})" for b in running}
    chosen = st.selectbox(
        "Cancel a running backfill",
        list(labels),
        format_func=labels.get,
        index=0 if len(labels) == 1 else None,
        key=f"{key}_pick",
        placeholder="Pick a running backfill",
    )
    if write_button(
        "Cancel backfill…",
        actions.CANCEL_BACKFILL,
        key=f"{key}_cancel",
        icon=":material/cancel:",
        disabled=chosen is None,
        help="Asks first; what was already exported stays.",
    ):
        backfill = next(b for b in running if b.id == chosen)
        progress = backfill.progress
        done = (
            f"{progress.finished_runs} of {progress.total_runs} runs" if progress else "some runs"
        )
        request(
            client,
            actions.CANCEL_BACKFILL,
            actions.target(export),
            backfill_id=backfill.id,
            span=_span(backfill),
            progress=done,
        )


def _span(backfill: BatchExportBackfill) -> str:
    start = backfill.start_at.date().isoformat() if backfill.start_at else "beginning of time"
    end = backfill.end_at.date().isoformat() if backfill.end_at else "present"
    return f"{start} → {end}"


def _zone(export: BatchExport) -> ZoneInfo:
    try:
        return ZoneInfo(export.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _create_form(client: PostHogClient, export: BatchExport, *, key: str) -> None:
    daily = export.interval in ("day", "week")
    zone = _zone(export)
    errors: dict[str, str] = st.session_state.setdefault(f"{key}_errors", {})
    whole_history = False
    if export.model in ("persons", "sessions"):
        whole_history = st.checkbox(
            "From the beginning of time",
            key=f"{key}_all",
            help="Exports every person or session PostHog has, up to the end date.",
        )
    today = datetime.now(zone).date()
    cols = st.columns(2)
    start = end = None
    with cols[0]:
        if not whole_history:
            start_day = st.date_input("Start date", today - timedelta(days=7), key=f"{key}_sd")
            start_time = None if daily else st.time_input("Start time", time(0), key=f"{key}_st")
            start = start_day if daily else _aware(start_day, start_time, zone)
        if errors.get("start_at"):
            st.error(plain(errors["start_at"]), icon=":material/event_busy:")
    with cols[1]:
        end_day = st.date_input("End date", today, key=f"{key}_ed")
        end_time = None if daily else st.time_input("End time", time(0), key=f"{key}_et")
        end = end_day if daily else _aware(end_day, end_time, zone)
        if errors.get("end_at"):
            st.error(plain(errors["end_at"]), icon=":material/event_busy:")
    st.caption(
        (
            "Daily and weekly exports are backfilled by whole days."
            if daily
            else f"Times are in the export's timezone ({zone.key})."
        )
        + " The end cannot be in the future."
    )
    if errors.get("form"):
        st.error(plain(errors["form"]), icon=":material/error:")
    if not write_button(
        "Start backfill…",
        actions.START_BACKFILL,
        key=f"{key}_go",
        type="primary",
        help="Checks the dates, then asks with the whole window before anything is sent.",
    ):
        return
    found = backfill_problems(
        interval=export.interval,
        start=start,
        end=end,
        now=datetime.now(UTC),
        allow_no_start=whole_history,
    )
    st.session_state[f"{key}_errors"] = found
    if found:
        st.rerun()
    request(
        client, actions.START_BACKFILL, actions.target(export), start_at=start, end_at=end, form=key
    )


def _aware(day, moment: time | None, zone: ZoneInfo) -> datetime | None:
    # a cleared date is no date: the rules then ask for one, nothing is assumed
    return None if day is None else datetime.combine(day, moment or time(0), zone)
