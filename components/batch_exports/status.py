"""Batch export status words and the pause switch: pausing asks first; resuming asks whether
to backfill what was missed while paused. A failed write puts the switch back and says why."""

from __future__ import annotations

import streamlit as st

from components.shared import data
from components.shared.feedback import record_write, show_flash
from components.shared.text import plain
from services import PostHogClient
from services.batch_exports import export_status, missed_while_paused
from services.models import BatchExport

# symbols from basic fonts, so colour is never the only signal
EXPORT_BADGES = {
    "Active": ("✓", "green", "Runs on schedule."),
    "Paused": ("‖", "gray", "Paused by an operator or by PostHog after repeated failures."),
    "Ended": ("■", "gray", "Past its end date, so it will not run again."),
}
RUN_BADGES = {
    "Completed": ("✓", "green"),
    "Running": ("↻", "blue"),
    "Starting": ("↻", "blue"),
    "ContinuedAsNew": ("↻", "blue"),
    "Cancelled": ("■", "orange"),
    "Terminated": ("■", "orange"),
    "TimedOut": ("■", "orange"),
    "Failed": ("✕", "red"),
    "FailedRetryable": ("✕", "red"),
    "FailedBilling": ("✕", "red"),
}
RUN_WORDS = {"FailedRetryable": "Failed (will retry)", "FailedBilling": "Failed (billing limit)"}
PENDING = "be_pending_switch"
FLASH = "be_switch_flash"


def label(status: str) -> str:
    icon = EXPORT_BADGES.get(status, ("?", "gray", ""))[0]
    return f"{icon} {status}"


def run_label(status: str) -> str:
    icon = RUN_BADGES.get(status, ("?", "gray"))[0]
    return f"{icon} {RUN_WORDS.get(status, status)}"


def run_colour(status: str) -> str:
    return RUN_BADGES.get(status, ("?", "gray"))[1]


def badge(status: str) -> None:
    _, colour, meaning = EXPORT_BADGES.get(status, ("?", "gray", ""))
    st.badge(status, color=colour, help=meaning)


def _switch_key(export: BatchExport, key: str) -> str:
    version = export.last_updated_at.timestamp() if export.last_updated_at else 0
    return f"{key}_{export.id}_{version:.0f}_{export.paused}"


def _on_change(export: BatchExport, widget: str) -> None:
    st.session_state[widget] = not export.paused  # unchanged until the operator confirms
    st.session_state[PENDING] = export


def pause_switch(client: PostHogClient, export: BatchExport, *, key: str = "be_pause") -> None:
    ended = export_status(export) == "Ended"
    widget = _switch_key(export, key)
    st.toggle(
        "Running",
        value=not export.paused,
        key=widget,
        on_change=_on_change,
        args=(export, widget),
        disabled=ended,
        help="Past its end date: it will not run again."
        if ended
        else "Pause or resume the export's schedule. Both ask first.",
    )


def render_feedback(client: PostHogClient) -> None:
    """The outcome of the last switch, and the confirmation when one is pending. Call once
    per page run, after the switches."""
    show_flash(FLASH)
    pending = st.session_state.get(PENDING)
    if pending is not None:
        if pending.paused:
            _confirm_resume(client, pending)
        else:
            _confirm_pause(client, pending)


def _forget_pending() -> None:
    st.session_state.pop(PENDING, None)


def _write(client: PostHogClient, export: BatchExport, action, done: str) -> None:
    _forget_pending()
    record_write(FLASH, action, done=done, failed=export.name)
    data.forget_batch_export(client, export.id)
    st.rerun()


@st.dialog("Pause this export?", on_dismiss=_forget_pending)
def _confirm_pause(client: PostHogClient, export: BatchExport) -> None:
    st.markdown(
        f"**{plain(export.name)}** will stop exporting at the next interval. Nothing already "
        "exported is touched. When you resume it you can backfill the intervals it missed."
    )
    confirm, cancel = st.columns(2)
    if confirm.button("Pause", type="primary", key="be_confirm_pause"):
        _write(
            client,
            export,
            lambda: client.batch_exports.pause(export.id),
            f"Paused {export.name}.",
        )
    if cancel.button("Keep it running", key="be_cancel_pause"):
        _forget_pending()
        st.rerun()


@st.dialog("Resume this export?", on_dismiss=_forget_pending)
def _confirm_resume(client: PostHogClient, export: BatchExport) -> None:
    missed = missed_while_paused(export)
    st.markdown(f"**{plain(export.name)}** will run again from the next interval.")
    backfill = st.checkbox(
        f"Also backfill the {missed:,} intervals missed while paused",
        value=False,
        key="be_resume_backfill",
        disabled=missed == 0,
        help="PostHog exports the data from when the export was paused until now, as a "
        "backfill you can follow and cancel on the Backfills tab. Leave it off if the gap "
        "should stay empty or was filled another way.",
    )
    confirm, cancel = st.columns(2)
    if confirm.button("Resume", type="primary", key="be_confirm_resume"):
        extra = " A backfill of the missed intervals started." if backfill else ""
        _write(
            client,
            export,
            lambda: client.batch_exports.unpause(export.id, backfill=backfill),
            f"Resumed {export.name}.{extra}",
        )
    if cancel.button("Keep it paused", key="be_cancel_resume"):
        _forget_pending()
        st.rerun()


def example() -> None:
    from components.shared.connection import get_client

    client = get_client()
    for status in EXPORT_BADGES:
        badge(status)
    st.write(", ".join(run_label(s) for s in RUN_BADGES))
    export = data.batch_exports(client)[0]
    pause_switch(client, export, key="example_pause")
    render_feedback(client)
