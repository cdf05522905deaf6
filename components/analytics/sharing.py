"""Public sharing of an insight or dashboard: its status, turning the public link on or off
(after a confirmation), copying the link and replacing it. A key without the
`sharing_configuration` scope gets that explained instead of a bare 403."""

from __future__ import annotations

import streamlit as st

from components.shared import data
from components.shared.feedback import explain, record_write, show_flash
from components.shared.text import plain
from services import PostHogClient
from services.errors import MissingScope, PermissionDenied

PENDING = "sharing_pending"
FLASH = "sharing_flash"
NO_SCOPE = (
    "This API key cannot {what} public sharing: PostHog keeps sharing behind its own scope, "
    "`sharing_configuration:{access}`, which a key made for {kind}s does not include. Create "
    "a personal API key with that scope in PostHog → Settings → Personal API keys."
)


def render(client: PostHogClient, kind: str, object_id: int, name: str) -> None:
    """The sharing panel of one insight (`kind="insight"`) or dashboard."""
    show_flash(FLASH)
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
    on, rotate = st.columns(2)
    if config.enabled:
        if on.button("Turn off public link…", key=f"share_off_{kind}_{object_id}"):
            st.session_state[PENDING] = (kind, object_id, name, "off")
        if rotate.button("Replace link…", key=f"share_rotate_{kind}_{object_id}"):
            st.session_state[PENDING] = (kind, object_id, name, "rotate")
    elif on.button("Share publicly…", key=f"share_on_{kind}_{object_id}"):
        st.session_state[PENDING] = (kind, object_id, name, "on")
    pending = st.session_state.get(PENDING)
    if pending and pending[:2] == (kind, object_id):
        _confirm(client, *pending)


def _since(config) -> str:
    return config.created_at.strftime("%Y-%m-%d %H:%M UTC") if config.created_at else "a while"


def _missing_sharing_scope(exc: Exception) -> bool:
    return isinstance(exc, MissingScope) and (exc.scope or "").startswith("sharing_configuration")


def _refusal(exc: Exception, kind: str, access: str) -> str:
    if _missing_sharing_scope(exc):
        what = "see" if access == "read" else "change"
        return NO_SCOPE.format(what=what, access=access, kind=kind)
    return explain(exc)


def show_refusal(exc: PermissionDenied, kind: str, access: str) -> None:
    """A refused sharing read or write: the missing scope explained, anything else said."""
    if _missing_sharing_scope(exc):
        st.warning(_refusal(exc, kind, access), icon=":material/key:")
    else:
        st.error(plain(explain(exc)), icon=":material/error:")


def _forget_pending() -> None:
    st.session_state.pop(PENDING, None)


QUESTIONS = {
    "on": (
        "Share publicly?",
        "Anyone with the link will see **{name}** and its results without logging in. You can "
        "turn it off again at any time.",
        "Share publicly",
    ),
    "off": (
        "Turn off the public link?",
        "The public link to **{name}** stops working at once. Turning sharing on again later "
        "gives the same link back.",
        "Turn off",
    ),
    "rotate": (
        "Replace the public link?",
        "The current link to **{name}** stops working and a new one is made. Anyone you gave "
        "the old link to loses access.",
        "Replace link",
    ),
}


DONE = {"on": "is shared publicly", "off": "is no longer shared", "rotate": "has a new link"}


@st.dialog("Public sharing", on_dismiss=_forget_pending)
def _confirm(client: PostHogClient, kind: str, object_id: int, name: str, action: str) -> None:
    title, body, button = QUESTIONS[action]
    st.subheader(title)
    st.markdown(body.format(name=plain(name)))
    confirm, cancel = st.columns(2)
    if confirm.button(button, type="primary", key="share_confirm"):
        service = client.insights if kind == "insight" else client.dashboards
        _forget_pending()
        record_write(
            FLASH,
            lambda: (
                service.rotate_share_link(object_id)
                if action == "rotate"
                else service.set_sharing(object_id, enabled=action == "on")
            ),
            done=f"{name} {DONE[action]}.",
            failed=f"{name} was not changed",
            why=lambda exc: _refusal(exc, kind, "write"),
        )
        data.sharing.clear()
        data.forget_shared_publicly(client)
        if kind == "dashboard":
            data.forget_dashboard(client, object_id)
        else:
            data.forget_insight(client, object_id)
        st.rerun()
    if cancel.button("Cancel", key="share_cancel"):
        _forget_pending()
        st.rerun()


def example() -> None:
    from components.shared.connection import get_client

    client = get_client()
    insight = data.insights_page(client, limit=1, offset=0).results[0]
    render(client, "insight", insight.id, insight.display_name)
