"""The batch exports list: status, latest run, failures among the latest runs, filters, CSV,
a selected row's pause switch and details link, and bulk pause, resume and delete."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pandas as pd
import streamlit as st

from components.batch_exports import actions
from components.batch_exports import status as export_status
from components.batch_exports.fields import destination_label
from components.shared import bulk, data
from components.shared.tables import download_csv, pick_rows
from services import PostHogClient
from services.batch_exports import EXPORT_STATES, failed_runs
from services.batch_exports import export_status as status_of
from services.models import BatchExport

BULK = bulk.ListOffer(
    target=actions.target,
    name=lambda x: x.name,
    hint="Select a row to pause or resume the export, or open its details; select several for "
    "a bulk action.",
    choices=[
        bulk.Choice("Pause", actions.PAUSE.key, icon=":material/pause:"),
        bulk.Choice(
            "Resume",
            actions.RESUME.key,
            icon=":material/play_arrow:",
            options=actions.offer_backfills,
        ),
        bulk.Choice("Delete", actions.DELETE.key, icon=":material/delete:"),
    ],
    noun="exports",
)


def filter_exports(
    exports: list[BatchExport],
    *,
    states: list[str],
    destinations: list[str],
    text: str,
    now: datetime | None = None,
) -> list[BatchExport]:
    text = text.strip().lower()
    return [
        x
        for x in exports
        if (not states or status_of(x, now) in states)
        and (not destinations or x.destination.type in destinations)
        and (not text or text in x.name.lower())
    ]


def to_frame(exports: list[BatchExport], now: datetime | None = None) -> pd.DataFrame:
    rows = []
    for x in exports:
        latest = x.latest_runs[0] if x.latest_runs else None
        rows.append(
            {
                "id": x.id,
                "Name": x.name,
                "Destination": destination_label(x.destination.type),
                "Model": x.model or "events",
                "Interval": x.interval,
                "Status": export_status.label(status_of(x, now)),
                "Latest run": export_status.run_label(latest.status) if latest else "",
                "Latest run at": latest.created_at if latest else None,
                "Failed of latest": f"{failed_runs(x)} of {len(x.latest_runs)}",
                "Failed runs": failed_runs(x),
            }
        )
    columns = [
        "id",
        "Name",
        "Destination",
        "Model",
        "Interval",
        "Status",
        "Latest run",
        "Latest run at",
        "Failed of latest",
        "Failed runs",
    ]
    return pd.DataFrame(rows, columns=columns).astype({"Failed runs": "Int64"})


def render(client: PostHogClient, *, key: str = "be_list") -> None:
    with st.spinner("Loading batch exports…"):
        exports = data.batch_exports(client)
    now = datetime.now(UTC)
    cols = st.columns([2, 3, 3])
    states = cols[0].multiselect(
        "Status", EXPORT_STATES, key=f"{key}_states", placeholder="Any status"
    )
    present = sorted({x.destination.type for x in exports}, key=destination_label)
    destinations = cols[1].multiselect(
        "Destination",
        present,
        format_func=destination_label,
        key=f"{key}_destinations",
        placeholder="Any destination",
    )
    text = cols[2].text_input("Search", key=f"{key}_search", placeholder="Name")
    shown = filter_exports(exports, states=states, destinations=destinations, text=text, now=now)
    frame = to_frame(shown, now)
    frame = frame.sort_values("Failed runs", ascending=False, kind="stable").reset_index(drop=True)
    summary = st.columns([4, 1])
    failing = sum(1 for x in shown if failed_runs(x))
    paused = sum(1 for x in shown if status_of(x, now) == "Paused")
    summary[0].caption(
        f"{len(shown)} of {len(exports)} exports · {failing} with failed runs · {paused} paused"
    )
    download_csv(
        summary[1],
        frame.drop(columns=["Failed runs"]),
        file_name="batch-exports.csv",
        key=f"{key}_csv",
    )
    picked = pick_rows(
        frame,
        key=f"{key}_table",
        hidden=("id", "Failed runs"),
        column_config={
            "Name": st.column_config.TextColumn(width="medium"),
            "Latest run at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Failed of latest": st.column_config.TextColumn(
                help="Failed runs among the latest 10 runs"
            ),
        },
    )
    by_id = {x.id: x for x in shown}
    switch = partial(export_status.pause_switch, client, key=f"{key}_pause")
    bulk.under_list(client, frame, picked, by_id, BULK, switch=switch, key=key)
