"""Test a hog function on a sample event, using the form's unsaved configuration."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from components.hog_functions import actions
from components.shared.actions import Target, request, write_button
from components.shared.text import plain
from services import PostHogClient
from services.hog_functions import sample_event

# PostHog's worker runs only these types; the others run in browsers or receive requests.
RUNNABLE = ("destination", "internal_destination", "transformation")
STATUS_TEXT = {
    "success": "The function ran to the end.",
    "error": "The function failed: see the errors and logs below.",
    "skipped": "The event did not match the function's filters, so the function did not run.",
}
LOG_COLUMNS = ["timestamp", "level", "message"]


def sample_globals(configuration: dict) -> dict[str, Any]:
    """A realistic event with person, project and source, stamped now: the event (and simple
    event properties) the configuration's filters ask for, so the test does not skip it."""
    name, wanted = sample_event(configuration.get("filters"), configuration.get("mappings"))
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    project_url = "https://us.posthog.com/project/1"
    return {
        "event": {
            "uuid": "01932a5e-0000-7000-8000-00000000c0de",
            "event": name,
            "distinct_id": "user-42",
            "timestamp": now,
            "elements_chain": "",
            "url": f"{project_url}/events/01932a5e-0000-7000-8000-00000000c0de",
            "properties": {
                "$current_url": "https://hedgebox.example/pricing?utm_source=newsletter",
                "$browser": "Chrome",
                "$os": "Mac OS X",
                "$ip": "203.0.113.42",
                "utm_source": "newsletter",
                "utm_medium": "email",
                "plan": "team",
            }
            | wanted,
        },
        "person": {
            "id": "01932a5e-0000-7000-8000-0000000000aa",
            "name": "Jane Doe",
            "url": f"{project_url}/person/user-42",
            "properties": {"email": "jane@hedgebox.example", "name": "Jane Doe"},
        },
        "groups": {},
        "project": {"id": 1, "name": "Hedgebox", "url": project_url},
        "source": {"name": "PostHog Admin Console", "url": project_url},
    }


def parse_globals(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """(globals, None) or (None, what is wrong): PostHog needs an object with an event."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        return None, f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
    if not isinstance(value, dict) or not isinstance(value.get("event"), dict):
        return None, 'It must be a JSON object with an "event" object.'
    return value, None


def render(
    client: PostHogClient,
    *,
    function_id: str | None,
    configuration: dict,
    function_type: str,
    key: str = "hf_test",
) -> None:
    if function_type not in RUNNABLE:
        st.info(
            "Only destinations, internal destinations and transformations can be test-run: "
            "site apps and site destinations run in visitors' browsers, and source webhooks "
            "receive requests instead of events."
        )
        return
    st.caption("Runs the configuration as it is in the form now, including unsaved changes.")
    globals_key = f"{key}_globals"
    # Seeded once, so reruns keep the operator's edits (the sample's timestamp moves).
    st.session_state.setdefault(globals_key, json.dumps(sample_globals(configuration), indent=2))
    text = st.text_area("Event and context (JSON globals)", height=300, key=globals_key)
    globals_, problem = parse_globals(text or "")
    if problem:
        st.error(problem, icon=":material/data_object:")
    st.button(
        "New sample event",
        key=f"{key}_sample",
        help="A fresh sample of the event the function's filters take, stamped now.",
        on_click=lambda: st.session_state.update(
            {globals_key: json.dumps(sample_globals(configuration), indent=2)}
        ),
    )
    mock = st.toggle(
        "Mock async functions",
        value=True,
        key=f"{key}_mock",
        help="On: fetch and email calls are logged, not sent, so a test never reaches the real "
        "destination. Off: the test really calls the destination.",
    )
    run, clear = st.columns([1, 1])
    if write_button(
        "Run test",
        actions.TEST,
        where=run,
        type="primary",
        key=f"{key}_run",
        disabled=bool(problem),
        help="PostHog runs the function once on this event; nothing is saved.",
    ):
        with st.spinner("Running the function…"):
            request(
                client,
                actions.TEST,
                Target("hog_function", function_id, configuration.get("name") or "New function"),
                configuration=configuration,
                globals=globals_,
                mock_async_functions=mock,
            )
    result_id = function_id or "new"
    result = actions.kept(actions.TEST_RESULTS, result_id)
    if result is None:
        return
    if clear.button("Clear result", key=f"{key}_clear"):
        actions.drop(actions.TEST_RESULTS, result_id)
        st.rerun()
    _show_result(result, function_type, key)


def _show_result(result, function_type: str, key: str) -> None:
    status = (result.status or "").lower()
    show = {"success": st.success, "error": st.error, "skipped": st.warning}.get(status, st.info)
    label = plain(status.capitalize()) if status else "No status"
    show(f"**{label}**: {STATUS_TEXT.get(status, 'PostHog did not say how the run ended.')}")
    for error in result.errors:
        st.error(plain(error))
    if function_type == "transformation" and result.result is not None:
        st.markdown("**Transformed event**")
        st.json(result.result)
    if result.logs:
        st.dataframe(
            pd.DataFrame(result.logs).reindex(columns=LOG_COLUMNS),
            hide_index=True,
            key=f"{key}_logs",
        )
    else:
        st.caption("PostHog returned no logs for this run.")
