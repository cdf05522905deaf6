"""One hog function: header with health and the switch, and a tab per job."""

from __future__ import annotations

import streamlit as st

from components.hog_functions import actions, health, invocation_test
from components.hog_functions import config_form as hog_function_form
from components.hog_functions import metrics as hog_function_metrics
from components.hog_functions import switch as function_switch
from components.hog_functions.function_list import TYPE_LABELS
from components.shared import copy_form, data, log_viewer
from components.shared.actions import Target, request, write_button
from components.shared.detail_page import back_to_list
from components.shared.feedback import show_error
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
        if write_button(
            "Copy to project…",
            actions.COPY,
            key=f"{key}_copy",
            icon=":material/content_copy:",
            help="Creates a disabled copy in another of the key's projects.",
        ):
            request(client, actions.COPY, actions.target(function))
        copy_form.show_last("hog_function", function.id)
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
    if write_button(
        "Enable backfills",
        actions.ENABLE_BACKFILLS,
        key=f"{key}_backfills",
        help="Creates the paused batch export; nothing is sent yet.",
    ):
        request(client, actions.ENABLE_BACKFILLS, actions.target(function))


def _danger_zone(client: PostHogClient, function: HogFunction, key: str) -> None:
    st.markdown(
        "Deleting hides the function everywhere and stops it. PostHog keeps it, so it can be "
        "restored from **Deleted here** on the list page during this session, or from the "
        "Journal."
    )
    if write_button(
        "Delete function…",
        actions.DELETE,
        key=f"{key}_delete",
        icon=":material/delete:",
        help="Asks you to type the function's name first.",
    ):
        request(client, actions.DELETE, actions.target(function))


def render_deleted_here(client: PostHogClient, *, key: str = "hf_deleted") -> None:
    """Functions deleted in this browser session, each with a Restore button."""
    deleted: dict[str, str] = st.session_state.get(actions.DELETED_HERE, {})
    if not deleted:
        st.caption("Functions you delete in this session are listed here so you can restore them.")
        return
    for function_id, name in list(deleted.items()):
        label, restore = st.columns([6, 2], vertical_alignment="center")
        label.markdown(plain(name))
        if write_button(
            "Restore",
            actions.RESTORE,
            key=f"{key}_{function_id}",
            where=restore,
            icon=":material/restore:",
        ):
            request(client, actions.RESTORE, Target("hog_function", function_id, name))
