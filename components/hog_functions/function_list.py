"""The hog functions list: every function of the project with its health and 7-day delivery,
filters, sorting by failure rate, CSV download, and per-function actions."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from components.hog_functions import actions, health
from components.hog_functions import switch as function_switch
from components.shared import bulk, data
from components.shared.feedback import offer_retry
from components.shared.tables import download_csv, pick_rows
from components.shared.text import plain
from services import HEALTH_STATES, PostHogClient, health_of
from services.models import HogFunction
from services.query import NO_QUERY_SCOPE_REASON, FleetTotals

TYPE_LABELS = {
    "destination": "Destinations",
    "transformation": "Transformations",
    "site_destination": "Site destinations",
    "site_app": "Site apps",
    "internal_destination": "Internal destinations",
    "source_webhook": "Source webhooks",
}
SORTS = {
    "Failure rate (highest first)": ("Failure rate", False),
    "Failed events (most first)": ("Failed 7d", False),
    "Name": ("Name", True),
    "Last updated": ("Updated", False),
    "Execution order": ("Order", True),
}

BULK = bulk.ListOffer(
    target=actions.target,
    name=lambda f: f.name,
    hint="Select a row to switch the function on or off or open its details; select several "
    "for a bulk action.",
    choices=[
        bulk.Choice("Disable", actions.DISABLE.key, icon=":material/toggle_off:"),
        bulk.Choice("Enable", actions.ENABLE.key, icon=":material/toggle_on:"),
        bulk.Choice("Delete", actions.DELETE.key, icon=":material/delete:"),
    ],
    noun="functions",
)


def _creator(function: HogFunction) -> str:
    return function.created_by.display_name if function.created_by else "Unknown"


def filter_functions(
    functions: list[HogFunction],
    *,
    types: list[str],
    healths: list[str],
    text: str,
    creator: str | None,
) -> list[HogFunction]:
    text = text.strip().lower()
    return [
        f
        for f in functions
        if (not types or f.type in types)
        and (not healths or health_of(f) in healths)
        and (not text or text in f"{f.name} {f.description or ''}".lower())
        and (not creator or _creator(f) == creator)
    ]


def to_frame(functions: list[HogFunction], fleet: FleetTotals, host: str) -> pd.DataFrame:
    rows = []
    for f in functions:
        t = fleet.kinds(f.id)
        succeeded = t.get("success", 0) if t is not None else None
        failed = t.get("failure", 0) if t is not None else None
        attempted = (succeeded or 0) + (failed or 0)
        icon = f.icon_url if (f.icon_url or "").startswith("http") else None
        if f.icon_url and f.icon_url.startswith("/static/"):
            icon = host + f.icon_url  # PostHog serves these without authentication
        rows.append(
            {
                "id": f.id,
                "Icon": icon,
                "Name": f.name,
                "Description": f.description or "",
                "Type": TYPE_LABELS.get(f.type or "", f.type or ""),
                "Health": health.label(health_of(f)),
                "Enabled": "On" if f.enabled else "Off",  # text: a checkbox would look clickable
                "Order": f.execution_order,
                "Succeeded 7d": succeeded,
                "Failed 7d": failed,
                "Failure rate": (failed / attempted) if attempted else None,
                "Updated": f.updated_at,
                "Created by": _creator(f),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "id",
            "Icon",
            "Name",
            "Description",
            "Type",
            "Health",
            "Enabled",
            "Order",
            "Succeeded 7d",
            "Failed 7d",
            "Failure rate",
            "Updated",
            "Created by",
        ],
    )
    if fleet.failed:  # beside the blank totals, why they are blank
        missing = [f.id in fleet.failed for f in functions]
        frame.insert(
            frame.columns.get_loc("Succeeded 7d"),
            "7d totals",
            ["not loaded" if m else "" for m in missing],
        )
    # nullable integers: blank, not "None", where there is no value
    return frame.astype({"Order": "Int64", "Succeeded 7d": "Int64", "Failed 7d": "Int64"})


def explain_source(client: PostHogClient, fleet: FleetTotals, *, key: str) -> None:
    """Say once, in plain words, why the totals were read one function at a time, and which
    functions' totals could not be read, with "Retry the missing ones"."""
    if fleet.reason:  # our own words, or PostHog's error within them (escaped)
        words = fleet.reason if fleet.reason == NO_QUERY_SCOPE_REASON else plain(fleet.reason)
        st.info(words, icon=":material/speed:")
    offer_retry(
        fleet.failed,
        noun="functions' totals",
        retry=partial(data.retry_missing, client, "fleet_totals"),
        key=f"{key}_missing",
    )


def _filters_from_link(key: str) -> None:
    """A link such as /hog-functions?health=Degraded&type=destination (the Overview's cards)
    sets the list's filters when the list opens with them."""
    params = st.query_params
    link = (tuple(params.get_all("health")), tuple(params.get_all("type")), params.get("sort"))
    if st.session_state.get(f"{key}_link") == link:
        return  # applied already: the operator's own changes to the filters stay
    st.session_state[f"{key}_link"] = link
    healths = [h for h in params.get_all("health") if h in HEALTH_STATES]
    types = [t for t in params.get_all("type") if t in TYPE_LABELS]
    if healths:
        st.session_state[f"{key}_health"] = healths
    if types:
        st.session_state[f"{key}_types"] = types
    if params.get("sort") == "failure":
        st.session_state[f"{key}_sort"] = next(iter(SORTS))


def render(client: PostHogClient, *, key: str = "hf_list") -> None:
    _filters_from_link(key)
    with st.spinner("Loading hog functions…"):
        fleet = data.fleet_totals(client, days=7)  # reads the list while its query runs
        functions = data.hog_functions(client)
    creators = sorted({_creator(f) for f in functions})
    cols = st.columns([3, 2, 3, 2])
    types = cols[0].multiselect(
        "Type",
        list(TYPE_LABELS),
        format_func=TYPE_LABELS.get,
        key=f"{key}_types",
        placeholder="All types",
    )
    healths = cols[1].multiselect(
        "Health", HEALTH_STATES, key=f"{key}_health", placeholder="Any health"
    )
    text = cols[2].text_input("Search", key=f"{key}_search", placeholder="Name or description")
    creator = cols[3].selectbox(
        "Created by", creators, index=None, key=f"{key}_creator", placeholder="Anyone"
    )
    shown = filter_functions(functions, types=types, healths=healths, text=text, creator=creator)
    explain_source(client, fleet, key=key)
    frame = to_frame(shown, fleet, client.host)
    sort_label = st.selectbox("Sort by", list(SORTS), key=f"{key}_sort")
    column, ascending = SORTS[sort_label]
    frame = frame.sort_values(column, ascending=ascending, na_position="last", kind="stable")
    frame = frame.reset_index(drop=True)

    summary = st.columns([4, 1])
    failing = sum(1 for f in shown if health_of(f) in ("Degraded", "Disabled by PostHog"))
    summary[0].caption(
        f"{len(shown)} of {len(functions)} functions · {failing} degraded or disabled by PostHog"
    )
    download_csv(
        summary[1], frame.drop(columns=["Icon"]), file_name="hog-functions.csv", key=f"{key}_csv"
    )
    picked = pick_rows(
        frame,
        key=f"{key}_table",
        column_config={
            "Icon": st.column_config.ImageColumn("", width="small"),
            "Order": st.column_config.NumberColumn(format="%d", width="small"),
            "Name": st.column_config.TextColumn(width="medium"),
            "Description": st.column_config.TextColumn(width="medium"),
            "Failure rate": st.column_config.ProgressColumn(
                format="percent", min_value=0.0, max_value=1.0, width="small"
            ),
            "Updated": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )
    by_id = {f.id: f for f in shown}
    switch = partial(function_switch.render, client, key=f"{key}_switch")
    bulk.under_list(client, frame, picked, by_id, BULK, switch=switch, key=key)
