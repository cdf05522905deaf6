"""One batch export: header with status and the pause switch, and a tab per job."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from components.batch_exports import actions, backfills, test_steps
from components.batch_exports import export_form as batch_export_form
from components.batch_exports import runs as export_runs
from components.batch_exports import status as export_status
from components.batch_exports.fields import destination_label
from components.shared import copy_form, data, log_viewer
from components.shared.actions import request, write_button
from components.shared.detail_page import back_to_list
from components.shared.feedback import show_error
from components.shared.text import plain
from services import PostHogClient
from services.batch_exports import READ_ONLY_TYPES, failed_runs
from services.batch_exports import export_status as status_of
from services.errors import NotFound, PostHogError
from services.models import BatchExport


def render(client: PostHogClient, export_id: str, *, key: str = "be_detail") -> None:
    back_to_list("All batch exports", key=f"{key}_back")
    deleted = st.session_state.get(actions.DELETED_HERE, {})
    try:
        export = data.batch_export(client, export_id)
    except NotFound:
        if export_id in deleted:
            st.info(plain(f"{deleted[export_id]} was deleted in this session."))
        else:
            st.error("No batch export with this id in this project: it may have been deleted.")
        return
    except PostHogError as exc:
        show_error(exc)
        return
    _header(client, export, key)
    names = ["Overview", "Runs", "Logs", "Test steps", "Backfills", "Danger zone"]
    overview, runs, logs, steps, fills, danger = st.tabs(names)
    with overview:
        batch_export_form.render_edit(client, export, key=f"{key}_edit")
    with runs:
        export_runs.render(client, export, key=f"{key}_runs")
    with logs:
        log_viewer.render_for_export(client, export.id, key=f"{key}_logs")
    with steps:
        if export.destination.type in READ_ONLY_TYPES:
            st.info("PostHog has no checks for this destination type.")
        else:
            test_steps.render_saved(client, export, key=f"{key}_steps")
    with fills:
        backfills.render(client, export, key=f"{key}_backfills")
    with danger:
        _danger_zone(client, export, key)


def _header(client: PostHogClient, export: BatchExport, key: str) -> None:
    title, switch = st.columns([6, 2], vertical_alignment="bottom")
    now = datetime.now(UTC)
    with title:
        st.header(plain(export.name), anchor=False)
        badges = st.columns([2, 3, 5])
        with badges[0]:
            export_status.badge(status_of(export, now))
        badges[1].caption(destination_label(export.destination.type))
        every = export.interval.removeprefix("every ")
        badges[2].caption(
            f"{export.model or 'events'} · every {every} · {export.timezone or 'UTC'}"
        )
    with switch:
        export_status.pause_switch(client, export, key=f"{key}_pause")
        if write_button(
            "Copy to project…",
            actions.COPY,
            key=f"{key}_copy",
            icon=":material/content_copy:",
            help="Creates a paused copy in another of the key's projects.",
            why_not=(
                "PostHog takes no new exports of this destination type."
                if export.destination.type in READ_ONLY_TYPES
                else None
            ),
        ):
            request(client, actions.COPY, actions.target(export))
        copy_form.show_last("batch_export", export.id)
    failed = failed_runs(export)
    if failed:
        latest_error = next((r.latest_error for r in export.latest_runs if r.latest_error), None)
        message = f"{failed} of the latest {len(export.latest_runs)} runs failed."
        if latest_error:
            message += f" Latest error: {latest_error}"
        st.warning(plain(message), icon=":material/warning:")


def _danger_zone(client: PostHogClient, export: BatchExport, key: str) -> None:
    st.markdown(
        "Deleting stops the export's schedule and cancels its running backfills. What it already "
        "exported stays at the destination. PostHog keeps the record, but has no restore for "
        "batch exports: neither the console nor PostHog's screens can bring it back."
    )
    if write_button(
        "Delete export…",
        actions.DELETE,
        key=f"{key}_delete",
        icon=":material/delete:",
        help="Asks for the export's name first.",
    ):
        request(client, actions.DELETE, actions.target(export))
