"""Which PostHog the console talks to, for this browser session.

Order: a connection chosen on the Settings page (this browser session only), then the
environment (`POSTHOG_HOST`, `POSTHOG_PERSONAL_API_KEY`, `POSTHOG_PROJECT_ID`), then
`.streamlit/secrets.toml` `[posthog]`, and with none of them the built-in emulator with demo
data. The key lives only inside the client object and is never rendered.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from components.console.signin import current_identity
from components.shared.console_config import audit_mode_on
from services import PostHogClient
from services.roles import Role

SESSION_KEY = "posthog_connection"


@dataclass(frozen=True)
class Connection:
    host: str
    project_id: int
    api_key: str = field(repr=False)
    source: str  # "settings", "environment", "secrets" or "demo"

    @property
    def is_demo(self) -> bool:
        return self.source == "demo"

    def client(self) -> PostHogClient:
        return PostHogClient(host=self.host, api_key=self.api_key, project_id=self.project_id)


def configured_connection() -> Connection | None:
    """The connection from the environment or secrets.toml, if one is configured."""
    env = (
        os.environ.get("POSTHOG_HOST"),
        os.environ.get("POSTHOG_PERSONAL_API_KEY"),
        os.environ.get("POSTHOG_PROJECT_ID"),
    )
    if all(env):
        return _connection(*env, source="environment")
    try:
        section = st.secrets.get("posthog") or {}
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        section = {}
    values = (section.get("host"), section.get("personal_api_key"), section.get("project_id"))
    if all(values):
        return _connection(*values, source="secrets")
    return None


def _connection(host, api_key, project_id, *, source: str) -> Connection | None:
    try:
        return Connection(str(host).rstrip("/"), int(project_id), str(api_key), source)
    except (TypeError, ValueError):
        st.error(
            f"The PostHog project id from the {source} is not a number; using demo data instead."
        )
        return None


@st.cache_resource(show_spinner="Starting the demo PostHog…")
def _demo_emulator():
    """The built-in emulator, started once per server process on a free loopback port."""
    from emulator import Emulator

    return Emulator(port=0).start()


def demo_connection() -> Connection:
    emu = _demo_emulator()
    return Connection(emu.url, emu.project_id, emu.demo_key, "demo")


def current_connection() -> Connection:
    conn = st.session_state.get(SESSION_KEY)
    if conn is None:
        conn = configured_connection() or demo_connection()
        st.session_state[SESSION_KEY] = conn
    return conn


def use_connection(conn: Connection) -> None:
    """Switch this browser session to another connection (from the Settings page)."""
    st.session_state[SESSION_KEY] = conn
    st.session_state.pop("posthog_client", None)


def reset_connection() -> None:
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop("posthog_client", None)


def get_client() -> PostHogClient:
    """The client for this browser session (one `requests.Session` per session)."""
    conn = current_connection()
    cached = st.session_state.get("posthog_client")
    if cached is None or cached[0] != conn:
        cached = (conn, conn.client())
        st.session_state["posthog_client"] = cached
    # defence in depth: in audit mode, and for a viewer, the transport itself refuses writes
    cached[1].transport.read_only = audit_mode_on() or current_identity().role < Role.OPERATOR
    return cached[1]
