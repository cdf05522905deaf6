"""Test a hog function on a sample event, using the form's unsaved configuration."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from components.feedback import show_error
from components.text import plain
from services import PostHogClient
from services.errors import PostHogError

RUNNABLE = ("destination", "internal_destination", "transformation")
STATUS_TEXT = {
    "success": "The function ran to the end.",
    "error": "The function failed: see the errors and logs below.",
    "skipped": "The event did not match the function's filters, so it did not run.",
}


def sample_globals() -> dict:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "event": {
            "uuid": "01932a5e-0000-7000-8000-00000000c0de",
            "event": "$pageview",
            "distinct_id": "user-42",
            "timestamp": now,
            "elements_chain": "",
            "url": "https://us.posthog.com/project/1/events/01932a5e",
            "properties": {
                "$current_url": "https://hedgebox.example/pricing?utm_source=newsletter",
                "$browser": "Chrome",
                "$os": "Mac OS X",
                "$ip": "203.0.113.42",
                "utm_source": "newsletter",
                "plan": "team",
            },
        },
        "person": {
            "id": "01932a5e-0000-7000-8000-0000000000aa",
            "name": "Jane Doe",
            "url": "https://us.posthog.com/project/1/person/user-42",
            "properties": {"email": "jane@hedgebox.example", "name": "Jane Doe"},
        },
        "groups": {},
        "project": {"id": 1, "name": "Hedgebox", "url": "https://us.posthog.com/project/1"},
        "source": {"name": "PostHog Admin Console", "url": "https://us.posthog.com/project/1"},
    }


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
    text = st.text_area(
        "Event and context (JSON globals)",
        json.dumps(sample_globals(), indent=2),
        height=300,
        key=f"{key}_globals",
    )
    try:
        globals_ = json.loads(text)
        problem = None if isinstance(globals_.get("event"), dict) else "It needs an event object."
    except ValueError as exc:
        globals_, problem = None, f"Not valid JSON: {exc.msg} (line {exc.lineno})."
    except AttributeError:
        globals_, problem = None, "It must be a JSON object with an event."
    if problem:
        st.error(problem, icon=":material/data_object:")
    mock = st.toggle(
        "Mock async functions",
        value=True,
        key=f"{key}_mock",
        help="On: fetch and email calls are logged, not sent, so a test never reaches the real "
        "destination. Off: the test really calls the destination.",
    )
    result_key = f"{key}_result"
    run, clear = st.columns([1, 1])
    if run.button("Run test", type="primary", key=f"{key}_run", disabled=bool(problem)):
        try:
            with st.spinner("Running the function…"):
                st.session_state[result_key] = client.hog_functions.invoke(
                    function_id,
                    configuration=configuration,
                    globals=globals_,
                    mock_async_functions=mock,
                )
        except PostHogError as exc:
            st.session_state.pop(result_key, None)
            show_error(exc)
    result = st.session_state.get(result_key)
    if result is None:
        return
    if clear.button("Clear result", key=f"{key}_clear"):
        st.session_state.pop(result_key, None)
        st.rerun()
    status = result.status or "unknown"
    show = {"success": st.success, "error": st.error, "skipped": st.warning}.get(status, st.info)
    show(f"**{status.capitalize()}**: {STATUS_TEXT.get(status, 'PostHog gave no status.')}")
    for error in result.errors:
        st.error(plain(error))
    if function_type == "transformation" and result.result is not None:
        st.markdown("**Transformed event**")
        st.json(result.result)
    if result.logs:
        st.dataframe(
            pd.DataFrame(result.logs, columns=["timestamp", "level", "message"]),
            hide_index=True,
            key=f"{key}_logs",
        )


def example() -> None:
    from components import data
    from components.connection import get_client

    client = get_client()
    function = next(f for f in data.hog_functions(client) if f.type == "transformation")
    config = {"type": "transformation", "name": function.name, "hog": function.hog or ""}
    render(client, function_id=function.id, configuration=config, function_type="transformation")
