"""PostHog's destination checks, step by step, with pass or fail and the message: for an
unsaved configuration before creating, or for a saved export with its stored secrets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import streamlit as st

from components.shared import data
from components.shared.feedback import explain
from components.shared.text import plain
from services import PostHogClient
from services.errors import PostHogError
from services.models import BatchExport, TestStep

RunStep = Callable[[int], TestStep]


def _run_all(steps: list[TestStep], run_step: RunStep) -> list[dict[str, Any]]:
    """Run each step in order; after a failure the rest are skipped, as they depend on it."""
    results: list[dict[str, Any]] = []
    failed = False
    with st.status("Running checks…", expanded=True) as status:
        for index, step in enumerate(steps):
            if failed:
                results.append({"step": step.name, "status": "Skipped", "message": None})
                continue
            st.write(plain(f"{index + 1}. {step.name}…"))
            try:
                outcome = run_step(index)
            except PostHogError as exc:
                results.append({"step": step.name, "status": "Error", "message": explain(exc)})
                failed = True
                continue
            state = outcome.result.status if outcome.result else "Unknown"
            message = outcome.result.message if outcome.result else None
            results.append({"step": step.name, "status": state, "message": message})
            failed = not outcome.passed
        status.update(
            label="Some checks failed" if failed else "All checks passed",
            state="error" if failed else "complete",
            expanded=False,
        )
    return results


def _show(steps: list[TestStep], results: list[dict[str, Any]]) -> None:
    icons = {"Passed": ":material/check_circle:", "Failed": ":material/cancel:"}
    for step, result in zip(steps, results, strict=False):
        text = f"**{plain(step.name)}**: {result['status']}"
        if result["message"]:
            text += f" — {plain(result['message'])}"
        if step.description:
            text += f"  \n{plain(step.description)}"
        if result["status"] == "Passed":
            st.success(text, icon=icons["Passed"])
        elif result["status"] == "Skipped":
            st.info(text + "  \nSkipped: an earlier check failed.", icon=":material/block:")
        else:
            st.error(text, icon=icons["Failed"])


def _render(
    client: PostHogClient, destination_type: str, run_step: RunStep, *, fingerprint: str, key: str
) -> None:
    try:
        steps = data.destination_test_steps(client, destination_type)
    except PostHogError as exc:
        st.error(plain(f"The checks could not be loaded: {explain(exc)}"), icon=":material/error:")
        return
    if not steps:
        st.info("PostHog has no checks for this destination.")
        return
    done = st.session_state.get(f"{key}_results")
    if not done or done[0] != fingerprint:
        done = (fingerprint, _run_all(steps, run_step))
        st.session_state[f"{key}_results"] = done
    _show(steps, done[1])


def run_new(
    client: PostHogClient, destination_type: str, config: dict[str, Any], *, key: str
) -> None:
    """Check a configuration that is not saved yet; nothing is created."""

    def run_step(index: int) -> TestStep:
        return client.batch_exports.run_new_test_step(
            step=index, destination_type=destination_type, config=config
        )

    fingerprint = json.dumps([destination_type, config], sort_keys=True, default=str)
    _render(client, destination_type, run_step, fingerprint=str(hash(fingerprint)), key=key)


def render_saved(client: PostHogClient, export: BatchExport, *, key: str = "be_steps") -> None:
    """Check the saved export as PostHog will run it, stored secrets included."""
    dtype = export.destination.type
    st.caption(
        "Runs PostHog's checks against the saved settings, step by step. Nothing is exported."
    )
    runs = st.session_state.setdefault(f"{key}_runs", 0)
    if st.button("Run checks", key=f"{key}_run", icon=":material/checklist:"):
        st.session_state[f"{key}_runs"] = runs = runs + 1
    if not runs:
        return

    def run_step(index: int) -> TestStep:
        return client.batch_exports.run_test_step(export.id, step=index, destination_type=dtype)

    _render(client, dtype, run_step, fingerprint=f"{export.id}:{runs}", key=key)


def example() -> None:
    from components.shared.connection import get_client

    client = get_client()
    config = {"host": "db.example.com", "port": 5432, "database": "d", "schema": "s"}
    run_new(client, "Postgres", {**config, "table_name": "t", "user": "u"}, key="example_steps")
