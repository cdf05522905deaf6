"""Enable/disable a hog function: enabling is immediate, disabling asks first and says what
the function delivered in the last 7 days. A failed write puts the switch back and says why."""

from __future__ import annotations

import streamlit as st

from components.shared import data
from components.shared.feedback import explain, record_write, show_flash
from components.shared.text import plain
from services import PostHogClient
from services.errors import PostHogError
from services.models import HogFunction

PENDING = "hf_pending_disable"
FLASH = "hf_switch_flash"


def _switch_key(function: HogFunction, key: str) -> str:
    # the version in the key lets the switch follow the server after each write
    version = function.updated_at.timestamp() if function.updated_at else 0
    return f"{key}_{function.id}_{version:.0f}"


def _on_change(client: PostHogClient, function: HogFunction, widget: str) -> None:
    wanted = st.session_state[widget]
    if not wanted:
        st.session_state[widget] = True  # stays on until the operator confirms
        st.session_state[PENDING] = function
        return
    if not record_write(
        FLASH,
        lambda: client.hog_functions.enable(function.id),
        done=f"Enabled {function.name}.",
        failed=f"Could not enable {function.name}",
    ):
        st.session_state[widget] = False
        return
    data.forget_hog_function(client, function.id)


def render(client: PostHogClient, function: HogFunction, *, key: str = "hf_switch") -> None:
    widget = _switch_key(function, key)
    st.toggle(
        "Enabled",
        value=function.enabled,
        key=widget,
        on_change=_on_change,
        args=(client, function, widget),
        help="Switch the function on or off. Turning it off stops delivery at once.",
    )


def render_feedback(client: PostHogClient) -> None:
    """Show the outcome of the last switch, and the confirmation dialog when one is pending.
    Call once per page run, after the switches."""
    show_flash(FLASH)
    pending = st.session_state.get(PENDING)
    if pending is not None:
        _confirm_disable(client, pending)


def _forget_pending() -> None:
    st.session_state.pop(PENDING, None)


@st.dialog("Disable this function?", on_dismiss=_forget_pending)
def _confirm_disable(client: PostHogClient, function: HogFunction) -> None:
    st.markdown(f"**{plain(function.name)}** will stop running at once.")
    try:
        totals = data.function_totals(client, function.id, after="-7d", before=None)
    except PostHogError as exc:
        st.warning(plain(f"Its recent deliveries could not be loaded: {explain(exc)}"))
    else:
        delivered, failed = totals.get("success", 0), totals.get("failure", 0)
        st.markdown(
            f"In the last 7 days it delivered **{delivered:,}** events and **{failed:,}** failed."
        )
    confirm, cancel = st.columns(2)
    if confirm.button("Disable", type="primary", key="hf_confirm_disable"):
        _forget_pending()
        record_write(
            FLASH,
            lambda: client.hog_functions.disable(function.id),
            done=f"Disabled {function.name}.",
            failed=f"Could not disable {function.name}",
        )
        data.forget_hog_function(client, function.id)
        st.rerun()
    if cancel.button("Keep it running", key="hf_cancel_disable"):
        _forget_pending()
        st.rerun()


def example() -> None:
    from components.shared.connection import get_client

    client = get_client()
    function = next(f for f in data.hog_functions(client) if f.enabled)
    render(client, function, key="example_switch")
    render_feedback(client)
