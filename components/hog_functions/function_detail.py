"""One hog function: header with health and the switch, and a tab per job."""

from __future__ import annotations

import streamlit as st

from components.hog_functions import config_form as hog_function_form
from components.hog_functions import health, invocation_test
from components.hog_functions import metrics as hog_function_metrics
from components.hog_functions import switch as function_switch
from components.hog_functions.function_list import TYPE_LABELS
from components.shared import data, log_viewer
from components.shared.detail_page import back_to_list, name_typed
from components.shared.feedback import explain, show_error
from components.shared.text import plain
from services import PostHogClient, health_of
from services.errors import NotFound, PostHogError
from services.models import HogFunction

NO_METRICS = ("site_app", "site_destination")


def render(client: PostHogClient, function_id: str, *, key: str = "hf_detail") -> None:
    back_to_list("All functions", key=f"{key}_back")
    try:
        function = data.hog_function(client, function_id)
    except NotFound:
        st.error("No hog function with this id in this project: it may have been deleted.")
        return
    except PostHogError as exc:
        show_error(exc)
        return
    _header(client, function, key)
    tabs = ["Configuration", "Metrics", "Logs", "Test", "Backfills", "Danger zone"]
    config, metrics, logs, test, backfills, danger = st.tabs(tabs)
    with config:
        configuration = hog_function_form.render(client, function, key=f"{key}_form")
    with metrics:
        if function.type in NO_METRICS:
            st.info("Site apps and site destinations run in the browser: PostHog keeps no metrics.")
        else:
            hog_function_metrics.render(client, function.id, key=f"{key}_metrics")
    with logs:
        if function.type in NO_METRICS:
            st.info("Site apps and site destinations run in the browser: PostHog keeps no logs.")
        else:
            log_viewer.render_for_function(client, function.id, key=f"{key}_logs")
    with test:
        invocation_test.render(
            client,
            function_id=function.id,
            configuration=configuration,
            function_type=function.type or "destination",
            key=f"{key}_test",
        )
    with backfills:
        _backfills(client, function, key)
    with danger:
        _danger_zone(client, function, key)


def _header(client: PostHogClient, function: HogFunction, key: str) -> None:
    title, switch = st.columns([6, 2], vertical_alignment="bottom")
    with title:
        st.header(plain(function.name), anchor=False)
        if function.description:
            st.caption(plain(function.description))
        badges = st.columns([2, 2, 6])
        with badges[0]:
            health.render(health_of(function))
        badges[1].caption(TYPE_LABELS.get(function.type or "", function.type or ""))
    with switch:
        function_switch.render(client, function, key=f"{key}_switch")
    if health_of(function) == "Disabled by PostHog":
        st.warning(
            "PostHog stopped this function after too many failures. Check its logs, fix the "
            "destination, then save it to give it another chance.",
            icon=":material/block:",
        )


def _backfills(client: PostHogClient, function: HogFunction, key: str) -> None:
    if function.type != "destination":
        st.info("Backfills are available for destinations only.")
        return
    st.markdown(
        "A backfill re-sends past events to this destination. Enabling backfills creates a "
        "paused batch export that PostHog uses to replay events for a date range you choose; "
        "nothing is sent until you start a backfill from that export."
    )
    if function.batch_export_id:
        st.success(plain(f"Backfills are enabled: batch export {function.batch_export_id}."))
        # a relative link: works inside the app's navigation and when rendered alone
        st.markdown(f"[Open its batch export](batch-exports?id={function.batch_export_id})")
        return
    if st.button("Enable backfills", key=f"{key}_backfills"):
        try:
            export_id = client.hog_functions.enable_backfills(function.id)
        except PostHogError as exc:
            show_error(exc)
            return
        data.forget_hog_function(client, function.id)
        st.toast(plain(f"Backfills enabled: batch export {export_id}."), icon=":material/check:")
        st.rerun()


def _danger_zone(client: PostHogClient, function: HogFunction, key: str) -> None:
    st.markdown(
        "Deleting hides the function everywhere and stops it. PostHog keeps it, so it can be "
        "restored from **Deleted here** on the list page during this session."
    )
    error = st.session_state.pop("hf_delete_error", None)
    if error:
        st.error(plain(error), icon=":material/error:")
    if st.button("Delete function…", key=f"{key}_delete", icon=":material/delete:"):
        st.session_state["hf_pending_delete"] = function
    pending = st.session_state.get("hf_pending_delete")
    if pending is not None and pending.id == function.id:
        _confirm_delete(client, pending)


def _forget_delete() -> None:
    st.session_state.pop("hf_pending_delete", None)


@st.dialog("Delete this function?", on_dismiss=_forget_delete)
def _confirm_delete(client: PostHogClient, function: HogFunction) -> None:
    ready = name_typed(function.name, what="function", key="hf_delete_name")
    if st.button("Delete", type="primary", key="hf_confirm_delete", disabled=not ready):
        _forget_delete()
        try:
            client.hog_functions.delete(function.id)
        except PostHogError as exc:
            st.session_state["hf_delete_error"] = explain(exc)
            data.forget_hog_function(client, function.id)
            st.rerun()
        deleted = st.session_state.setdefault("hf_deleted_here", {})
        deleted[function.id] = function.name
        data.forget_hog_function(client, function.id)
        st.query_params.pop("id", None)
        st.toast(
            plain(f"Deleted {function.name}. Restore it from Deleted here."),
            icon=":material/delete:",
        )
        st.rerun()


def render_deleted_here(client: PostHogClient, *, key: str = "hf_deleted") -> None:
    """Functions deleted in this browser session, each with a Restore button."""
    deleted: dict[str, str] = st.session_state.get("hf_deleted_here", {})
    if not deleted:
        st.caption("Functions you delete in this session are listed here so you can restore them.")
        return
    for function_id, name in list(deleted.items()):
        label, action = st.columns([6, 2], vertical_alignment="center")
        label.markdown(plain(name))
        if action.button("Restore", key=f"{key}_{function_id}", icon=":material/restore:"):
            try:
                client.hog_functions.restore(function_id)
            except PostHogError as exc:
                show_error(exc)
                continue
            deleted.pop(function_id)
            data.forget_hog_function(client, function_id)
            st.toast(plain(f"Restored {name}."), icon=":material/restore:")
            st.rerun()


def example() -> None:
    from components.shared.connection import get_client

    client = get_client()
    function = next(f for f in data.hog_functions(client) if f.type == "destination")
    render(client, function.id, key="example_detail")
