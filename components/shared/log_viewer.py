"""A log viewer for hog functions (and batch exports): filters, older pages with `before=`,
grouping by invocation, one invocation's logs, CSV."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from components.shared import data, date_range
from components.shared.feedback import show_error
from components.shared.tables import download_csv
from services import PostHogClient
from services.errors import PostHogError
from services.models import LogPage

LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"]
FetchPage = Callable[..., LogPage]


def render(fetch_page: FetchPage, *, key: str, csv_name: str = "logs.csv") -> None:
    cols = st.columns([3, 3, 2, 1])
    levels = cols[0].multiselect("Levels", LEVELS, default=LEVELS[1:], key=f"{key}_levels")
    search = cols[1].text_input("Message contains", key=f"{key}_search")
    with cols[2]:
        presets = ("Last hour", "Last 24 hours", "Last 7 days")
        chosen = date_range.render(key, presets=presets, default="Last 7 days")
    limit = cols[3].number_input("Per page", 50, 500, 100, step=50, key=f"{key}_limit")
    grouped = st.toggle("Group by invocation", key=f"{key}_grouped")
    if chosen is None:
        return
    after, until = (date_range.iso(moment) for moment in chosen)
    instance = st.session_state.get(f"{key}_instance")
    filters = (tuple(levels), search.strip() or None, after, until, int(limit), instance)
    pages_key = f"{key}_pages"
    if st.session_state.get(f"{key}_filters") != filters:
        st.session_state[f"{key}_filters"] = filters
        st.session_state[pages_key] = [until]  # the `before` of each loaded page
    entries, older = [], None
    try:
        for before in st.session_state[pages_key]:
            page = fetch_page(
                limit=int(limit),
                before=before,
                after=after,
                levels=tuple(levels),
                search=search.strip() or None,
                instance_id=instance,
            )
            entries.extend(page.entries)
            older = page.older_before
    except PostHogError as exc:
        show_error(exc)
        return
    frame = pd.DataFrame(
        [
            {
                "Time": e.timestamp,
                "Level": e.level,
                "Invocation": e.instance_id,
                "Message": e.message,
            }
            for e in entries
        ],
        columns=["Time", "Level", "Invocation", "Message"],
    )
    if instance:
        st.info(f"Showing only invocation {instance}.")
        if st.button("Show all invocations", key=f"{key}_all"):
            for state in (f"{key}_instance", f"{key}_pick"):
                st.session_state.pop(state, None)
            st.rerun()
    if grouped and not instance and len(frame):
        _grouped(frame, key)
    else:
        st.dataframe(
            frame,
            hide_index=True,
            key=f"{key}_table",
            column_config={
                "Time": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss.SSS")
            },
        )
    bottom = st.columns([2, 2, 4])
    bottom[0].caption(f"{len(frame)} entries loaded")
    if older and bottom[1].button("Load older", key=f"{key}_older", icon=":material/history:"):
        st.session_state[pages_key].append(older)
        st.rerun()
    download_csv(bottom[2], frame, file_name=csv_name, key=f"{key}_csv")


def _grouped(frame: pd.DataFrame, key: str) -> None:
    groups = []
    for invocation, rows in frame.groupby("Invocation", sort=False):
        groups.append(
            {
                "Invocation": invocation,
                "Status": "Failure" if (rows["Level"] == "ERROR").any() else "Success",
                "Latest": rows["Time"].max(),
                "Entries": len(rows),
                "Last message": rows.sort_values("Time")["Message"].iloc[-1],
            }
        )
    st.dataframe(pd.DataFrame(groups), hide_index=True, key=f"{key}_groups")
    choice = st.selectbox(
        "Show one invocation",
        [g["Invocation"] for g in groups],
        index=None,
        key=f"{key}_pick",
        placeholder="Pick an invocation id",
    )
    if choice:
        st.session_state[f"{key}_instance"] = choice
        st.rerun()


def render_for_function(client: PostHogClient, function_id: str, *, key: str = "hf_logs") -> None:
    def fetch(**filters) -> LogPage:
        return data.logs(client, "hog_functions", function_id, **filters)

    render(fetch, key=key, csv_name=f"hog-function-{function_id}-logs.csv")


def render_for_export(client: PostHogClient, export_id: str, *, key: str = "be_logs") -> None:
    """A batch export's logs; an "invocation" here is one run."""

    def fetch(**filters) -> LogPage:
        return data.logs(client, "batch_exports", export_id, **filters)

    render(fetch, key=key, csv_name=f"batch-export-{export_id}-logs.csv")
