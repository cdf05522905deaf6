"""PostHog's destination checks, step by step, with pass or fail and the message: for an
unsaved configuration before creating, or for a saved export with its stored secrets.

Running them is an action (journaled as "tested"); its results are kept in session state
and shown here until the next run."""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.batch_exports import actions
from components.shared import data
from components.shared.actions import Action, Target, request, write_button
from components.shared.feedback import explain
from components.shared.text import plain
from services import PostHogClient
from services.batch_exports import CheckResult
from services.errors import PostHogError
from services.models import BatchExport, TestStep


def _steps(client: PostHogClient, destination_type: str) -> list[TestStep] | None:
    try:
        steps = data.destination_test_steps(client, destination_type)
    except PostHogError as exc:
        st.error(plain(f"The checks could not be loaded: {explain(exc)}"), icon=":material/error:")
        return None
    if not steps:
        st.info("PostHog has no checks for this destination.")
        return None
    return steps


def _check(
    client: PostHogClient,
    action: Action,
    target: Target,
    destination_type: str,
    *,
    fingerprint: str,
    key: str,
    **params: Any,
) -> None:
    steps = _steps(client, destination_type)
    if steps:
        request(
            client,
            action,
            target,
            steps=[s.name for s in steps],
            destination_type=destination_type,
            results_key=f"{key}_results",
            fingerprint=fingerprint,
            **params,
        )


def show(steps: list[TestStep], results: list[CheckResult]) -> None:
    for step, result in zip(steps, results, strict=False):
        text = f"**{plain(step.name)}**: {result.status}"
        if result.message:
            text += f" — {plain(result.message)}"
        if step.description:
            text += f"  \n{plain(step.description)}"
        if result.passed:
            st.success(text, icon=":material/check_circle:")
        elif result.status == "Skipped":
            st.info(text + "  \nSkipped: an earlier check failed.", icon=":material/block:")
        else:
            st.error(text, icon=":material/cancel:")


def _show_kept(client: PostHogClient, destination_type: str, *, fingerprint: str, key: str):
    kept = st.session_state.get(f"{key}_results")
    if kept and kept[0] == fingerprint:
        steps = _steps(client, destination_type)
        if steps:
            show(steps, kept[1])


def check_new(
    client: PostHogClient,
    destination_type: str,
    config: dict[str, Any],
    *,
    name: str,
    key: str,
) -> None:
    """Check a configuration that is not saved yet; nothing is created. The results show
    through `show_new`."""
    _check(
        client,
        actions.CHECK_NEW,
        actions.new_target(name),
        destination_type,
        fingerprint=destination_type,
        key=key,
        config=config,
    )


def show_new(client: PostHogClient, destination_type: str, *, key: str) -> None:
    """The last check of new settings for this destination type, if any."""
    _show_kept(client, destination_type, fingerprint=destination_type, key=key)


def render_saved(client: PostHogClient, export: BatchExport, *, key: str = "be_steps") -> None:
    """Check the saved export as PostHog will run it, stored secrets included."""
    dtype = export.destination.type
    st.caption(
        "Runs PostHog's checks against the saved settings, step by step. Nothing is exported."
    )
    if write_button(
        "Run checks",
        actions.CHECK,
        key=f"{key}_run",
        icon=":material/checklist:",
        help="PostHog uses the stored secrets; none is sent.",
    ):
        _check(client, actions.CHECK, actions.target(export), dtype, fingerprint=export.id, key=key)
    _show_kept(client, dtype, fingerprint=export.id, key=key)
