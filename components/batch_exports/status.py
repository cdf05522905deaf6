"""Batch export status words and the pause switch: pausing asks first; resuming asks whether
to backfill what was missed while paused. A refused write leaves the switch as the server has
it, and the runner says why."""

from __future__ import annotations

import streamlit as st

from components.batch_exports import actions
from components.shared.actions import blocked_reason, request
from services import PostHogClient
from services.batch_exports import export_status
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
    # the version in the key lets the switch follow the server after each write
    version = export.last_updated_at.timestamp() if export.last_updated_at else 0
    return f"{key}_{export.id}_{version:.0f}_{export.paused}"


def _on_change(client: PostHogClient, export: BatchExport, widget: str) -> None:
    st.session_state[widget] = not export.paused  # follows the server, not the click
    action = actions.RESUME if export.paused else actions.PAUSE
    request(client, action, actions.target(export))


def pause_switch(client: PostHogClient, export: BatchExport, *, key: str = "be_pause") -> None:
    """Running on or off. Both ask first; resuming offers to backfill what was missed."""
    ended = export_status(export) == "Ended"
    blocked = blocked_reason(actions.RESUME if export.paused else actions.PAUSE)
    widget = _switch_key(export, key)
    st.toggle(
        "Running",
        value=not export.paused,
        key=widget,
        on_change=_on_change,
        args=(client, export, widget),
        disabled=ended or blocked is not None,
        help=blocked
        or (
            "Past its end date: it will not run again."
            if ended
            else "Pause or resume the export's schedule. Both ask first."
        ),
    )
