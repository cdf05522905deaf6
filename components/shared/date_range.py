"""A date range picker shared by metrics and logs: presets, or a checked custom range."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import streamlit as st

PRESETS = {"Last hour": 1 / 24, "Last 24 hours": 1, "Last 7 days": 7, "Last 30 days": 30}


def render(key: str, *, presets: tuple[str, ...], default: str) -> tuple[datetime, datetime] | None:
    """(start, end) in UTC, or None after showing why the custom range is not usable, so
    the caller sends nothing."""
    options = [*presets, "Custom"]
    preset = st.selectbox("Range", options, index=options.index(default), key=f"{key}_range")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    if preset != "Custom":
        return now - timedelta(days=PRESETS[preset]), now
    start_col, end_col = st.columns(2)
    start = start_col.date_input("From", date.today() - timedelta(days=7), key=f"{key}_from")
    end = end_col.date_input("To", date.today(), key=f"{key}_to")
    if start >= end:
        st.error("The start must be before the end.", icon=":material/event_busy:")
        return None
    if end > date.today():
        st.error("The end cannot be in the future.", icon=":material/event_busy:")
        return None
    end_of_day = datetime.combine(end, datetime.min.time(), UTC) + timedelta(days=1)
    return datetime.combine(start, datetime.min.time(), UTC), min(end_of_day, now)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
