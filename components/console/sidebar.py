"""The sidebar: who is signed in, the connection (host, project, a banner in demo mode) and
audit mode."""

from __future__ import annotations

import streamlit as st

from components.console.signin import current_identity, sign_in_on
from components.shared import data
from components.shared.actions import missing_scopes
from components.shared.connection import FELL_BACK, KEEP_FOR, RESTORED, Connection
from components.shared.console_config import AUDIT_MODE, read_only_forced
from components.shared.text import plain
from services import PostHogClient
from services.errors import NoProjectAccess, NotFound, PostHogError
from services.roles import Role


def render_connection(conn: Connection, client: PostHogClient) -> str | None:
    """The connection in the sidebar; what is wrong with its project, if anything."""
    problem = None
    with st.sidebar.container(key="connection_panel"):
        if conn.is_demo:
            st.warning(
                "**Demo data** — a built-in PostHog emulator, not your PostHog. "
                "Connect a real project in Settings.",
                icon=":material/science:",
            )
        try:
            project_name = data.current_project(client).name
        except (NotFound, NoProjectAccess):
            project_name = None
            # said in the main area too: every page would otherwise blame a deleted object
            where = {"environment": " or set POSTHOG_PROJECT_ID", "secrets": " or secrets.toml"}
            problem = (
                f"Project {conn.project_id} does not exist on {conn.host}, or this API key "
                f"cannot see it. Pick one of the key's projects in Settings"
                f"{where.get(conn.source, '')}."
            )
            st.error(plain(problem), icon=":material/error:")
        except PostHogError as exc:
            project_name = None
            st.caption(plain(f"Project {conn.project_id}: {exc}"))
        st.caption(f"**Host** {plain(conn.host)}")
        if project_name is not None:
            st.caption(f"**Project** {plain(project_name)} ({conn.project_id})")
        st.caption(SOURCE_WORDS.get(conn.source, ""))
        lacking = missing_scopes()
        if lacking:  # said once here; each control needing them says it in its help
            scopes = ", ".join(f"`{scope}`" for scope in lacking)
            st.warning(
                f"This key lacks {scopes}: PostHog refused a change for it, so the controls "
                "needing it are off. Add it in PostHog (Settings → Personal API keys).",
                icon=":material/key_off:",
            )
    gone = st.session_state.get(FELL_BACK)
    if gone and conn.source != "settings":  # loud, for the whole session
        st.sidebar.error(
            plain(
                f"Back on the default connection: the Settings choice of this browser "
                f"({gone}) expired after {KEEP_FOR // 3600} idle hours. Choose it again in "
                "Settings to act on it."
            ),
            icon=":material/link_off:",
        )
    if st.session_state.pop(RESTORED, False):
        # once, after a reload: the operator sees which PostHog they are acting on
        st.toast(
            plain(
                f"Still on project {project_name or conn.project_id} at {conn.host}, as chosen "
                "in Settings for this browser session."
            ),
            icon=":material/link:",
        )
    return plain(problem) if problem else None


SOURCE_WORDS = {
    "settings": "Chosen in Settings for this browser session: a reload keeps it.",
    "environment": "The default connection, from the environment.",
    "secrets": "The default connection, from secrets.toml.",
}


def render_audit_mode() -> None:
    """The switch for this session's audit mode, and a banner while it is on."""
    forced = read_only_forced()
    with st.sidebar.container(key="audit_mode_panel"):
        on = st.toggle(
            "Audit mode: nothing can be changed",
            # a viewer can change nothing anyway: their switch starts on
            value=True
            if forced
            else bool(st.session_state.get(AUDIT_MODE, current_identity().role < Role.OPERATOR)),
            key="audit_mode_switch",
            disabled=forced,
            help="Set by this deployment: no one can change anything from this console."
            if forced
            else "Every write control is disabled for you until you switch it off.",
        )
        if not forced:
            st.session_state[AUDIT_MODE] = on
        if forced or on:
            st.info("**Audit mode is on**: nothing can be changed.", icon=":material/lock:")


def render_identity() -> None:
    """Who is signed in, their role and "Log out"; without sign-in, that everyone is an admin."""
    me = current_identity()
    with st.sidebar.container(key="identity_panel"):
        if not sign_in_on():
            st.caption(
                "Sign-in is off: everyone who can open this console is an admin. "
                "See Settings to turn it on."
            )
            return
        st.caption(f"Signed in as **{plain(me.user)}**, {me.role.label}")
        if st.button("Log out", key="log_out", icon=":material/logout:"):
            st.logout()
