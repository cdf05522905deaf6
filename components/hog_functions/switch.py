"""Enable/disable a hog function: enabling is immediate, disabling asks first and says what
the function delivered in the last 7 days. A refused write puts the switch back and says why."""

from __future__ import annotations

import streamlit as st

from components.hog_functions import actions
from components.shared.actions import blocked_reason, request
from services import PostHogClient
from services.models import HogFunction


def _switch_key(function: HogFunction, key: str) -> str:
    # the version in the key lets the switch follow the server after each write
    version = function.updated_at.timestamp() if function.updated_at else 0
    return f"{key}_{function.id}_{version:.0f}"


def _on_change(client: PostHogClient, function: HogFunction, widget: str) -> None:
    wanted = st.session_state[widget]
    st.session_state[widget] = function.enabled  # follows the server, not the click
    action = actions.ENABLE if wanted else actions.DISABLE
    request(client, action, actions.target(function))


def render(client: PostHogClient, function: HogFunction, *, key: str = "hf_switch") -> None:
    widget = _switch_key(function, key)
    blocked = blocked_reason(actions.DISABLE if function.enabled else actions.ENABLE)
    st.toggle(
        "Enabled",
        value=function.enabled,
        key=widget,
        on_change=_on_change,
        args=(client, function, widget),
        disabled=blocked is not None,
        help=blocked or "Switch the function on or off. Turning it off stops delivery at once.",
    )
