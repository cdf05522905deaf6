"""Public sharing of an insight or dashboard: its status, turning the public link on or off
(after a confirmation), copying the link and replacing it. A key without the
`sharing_configuration` scope gets that explained instead of a bare 403."""

from __future__ import annotations

import streamlit as st

from components.analytics.actions import SHARING, missing_sharing_scope, refusal
from components.shared import data
from components.shared.actions import Target, request, write_button
from components.shared.feedback import explain
from components.shared.text import plain
from services import PostHogClient
from services.errors import PermissionDenied


def render(client: PostHogClient, kind: str, object_id: int, name: str) -> None:
    """The sharing panel of one insight (`kind="insight"`) or dashboard."""
    try:
        config = data.sharing(client, kind, object_id)
    except PermissionDenied as exc:
        show_refusal(exc, kind, "read")
        return
    url = config.public_url(client.host)
    if config.enabled:
        st.markdown(f":green-badge[:material/public: Shared publicly] since {_since(config)}")
        st.caption("Anyone with this link can see it without logging in. Copy it here:")
        st.code(url or "(PostHog did not return a link)", language=None)
    else:
        st.markdown(":gray-badge[:material/lock: Not shared]")
        st.caption("Only people in the project can see it.")
    share, turn_off, replace = SHARING[kind]
    target = Target(kind, object_id, name)
    on, rotate = st.columns(2)
    if config.enabled:
        _button(client, on, turn_off, target, "Turn off public link…", "share_off")
        _button(client, rotate, replace, target, "Replace link…", "share_rotate")
    else:
        _button(client, on, share, target, "Share publicly…", "share_on")


def _button(client: PostHogClient, where, action, target: Target, label: str, key: str) -> None:
    if write_button(
        label, action, key=f"{key}_{target.resource}_{target.id}", help="Asks first.", where=where
    ):
        request(client, action, target)


def _since(config) -> str:
    return config.created_at.strftime("%Y-%m-%d %H:%M UTC") if config.created_at else "a while"


def show_refusal(exc: PermissionDenied, kind: str, access: str) -> None:
    """A refused sharing read: the missing scope explained, anything else said."""
    if missing_sharing_scope(exc):
        st.warning(refusal(exc, kind, access), icon=":material/key:")
    else:
        st.error(plain(explain(exc)), icon=":material/error:")
