"""One batch export: header with status and the pause switch, and a tab per job."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from components.batch_exports import backfills, test_steps
from components.batch_exports import export_form as batch_export_form
from components.batch_exports import runs as export_runs
from components.batch_exports import status as export_status
from components.batch_exports.export_list import destination_label
from components.shared import data, log_viewer
from components.shared.detail_page import back_to_list, name_typed
from components.shared.feedback import explain, show_error
from components.shared.text import plain
from services import PostHogClient
from services.batch_exports import export_status as status_of
from services.batch_exports import failed_runs
from services.errors import NotFound, PostHogError
from services.models import BatchExport

PENDING_DELETE = "be_pending_delete"


def render(client: PostHogClient, export_id: str, *, key: str = "be_detail") -> None:
    back_to_list("All batch exports", key=f"{key}_back")
    deleted = st.session_state.get("be_deleted_here", {})
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
        if export.destination.type in ("S3", "Workflows"):
            st.info("PostHog has no checks for this destination type.")
        else:
            test_steps.render_saved(client, export, key=f"{key}_steps")
    with fills:
        backfills.render(client, export, key=f"{key}_backfills")
    with danger:
        _danger_zone(client, export, key)
    export_status.render_feedback(client)


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
        "exported stays at the destination. PostHog keeps the record, but the console (and "
        "PostHog's screens) cannot bring it back."
    )
    error = st.session_state.pop("be_delete_error", None)
    if error:
        st.error(plain(error), icon=":material/error:")
    if st.button("Delete export…", key=f"{key}_delete", icon=":material/delete:"):
        st.session_state[PENDING_DELETE] = export
    pending = st.session_state.get(PENDING_DELETE)
    if pending is not None and pending.id == export.id:
        _confirm_delete(client, pending)


def _forget_delete() -> None:
    st.session_state.pop(PENDING_DELETE, None)


@st.dialog("Delete this batch export?", on_dismiss=_forget_delete)
def _confirm_delete(client: PostHogClient, export: BatchExport) -> None:
    ready = name_typed(export.name, what="export", key="be_delete_name")
    if st.button("Delete", type="primary", key="be_confirm_delete", disabled=not ready):
        _forget_delete()
        try:
            client.batch_exports.delete(export.id)
        except PostHogError as exc:
            st.session_state["be_delete_error"] = f"Not deleted: {explain(exc)}"
            data.forget_batch_export(client, export.id)
            st.rerun()
        st.session_state.setdefault("be_deleted_here", {})[export.id] = export.name
        data.forget_batch_export(client, export.id)
        st.query_params.pop("id", None)
        st.toast(plain(f"Deleted {export.name}."), icon=":material/delete:")
        st.rerun()


def example() -> None:
    from components.shared.connection import get_client

    client = get_client()
    export = next(x for x in data.batch_exports(client) if x.name.startswith("Snowflake"))
    render(client, export.id, key="example_be_detail")
