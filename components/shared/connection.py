"""Which PostHog the console talks to, for this browser session.

Order: a connection chosen on the Settings page (this browser session only), then the
environment (`POSTHOG_HOST`, `POSTHOG_PERSONAL_API_KEY`, `POSTHOG_PROJECT_ID`), then
`.streamlit/secrets.toml` `[posthog]`, and with none of them the built-in emulator with demo
data. The key lives only inside the client object and is never rendered.

A reload (F5, or opening any console URL) starts a new Streamlit session. So that it does not
silently fall back to the default connection, the Settings choice is also kept in this
server's memory under an opaque id of the browser session: the token of Streamlit's own XSRF
cookie (a browser-session cookie), hashed with the signed-in user. Nothing is written to the
URL or the browser, nor to disk; it is forgotten after `KEEP_FOR` idle, on "Back to the
default", and when the server restarts.
"""

from __future__ import annotations

import binascii
import hashlib
import os
import threading
import time
from collections.abc import Callable
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


KEEP_FOR = 8 * 3600  # seconds a browser session's Settings choice outlives its last use
RESTORED = "posthog_connection_restored"  # this session took the choice kept over a reload
FELL_BACK = "posthog_connection_fell_back"  # the choice this browser had, which expired


class _Kept:
    """Settings choices by browser-session id, in this process's memory only. An expired
    choice leaves its words (never its key), so the browser is told it is back on the
    default connection."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._by_browser: dict[str, tuple[float, Connection]] = {}
        self._expired: dict[str, str] = {}

    def get(self, browser: str) -> Connection | None:
        with self._lock:
            now = self._clock()
            for old in [b for b, (at, _) in self._by_browser.items() if now - at > KEEP_FOR]:
                conn = self._by_browser.pop(old)[1]
                self._expired[old] = f"project {conn.project_id} at {conn.host}"
            kept = self._by_browser.get(browser)
            if kept is None:
                return None
            self._by_browser[browser] = (now, kept[1])
            return kept[1]

    def expired(self, browser: str) -> str | None:
        """What this browser had chosen, once, if its choice expired."""
        with self._lock:
            return self._expired.pop(browser, None)

    def put(self, browser: str, conn: Connection | None) -> None:
        with self._lock:
            self._expired.pop(browser, None)
            if conn is None:
                self._by_browser.pop(browser, None)
            else:
                self._by_browser[browser] = (self._clock(), conn)


@st.cache_resource
def _kept() -> _Kept:
    return _Kept()


def browser_session() -> str | None:
    """An opaque id of this browser session and signed-in user, or None when the browser sent
    no XSRF cookie (XSRF protection off, or a test without a browser)."""
    cookie = st.context.cookies.get("_streamlit_xsrf")
    if not cookie:
        return None
    token = _xsrf_token(cookie)
    who = current_identity().user
    return hashlib.sha256(f"{token}|{who}".encode()).hexdigest()


def _xsrf_token(cookie: str) -> str:
    """The token inside the cookie: version 2 ("2|mask|masked token|time") is masked afresh
    each time it is set, so the token is unmasked; any other form is used as it is."""
    parts = cookie.split("|")
    if len(parts) == 4 and parts[0] == "2":
        try:
            mask, masked = binascii.a2b_hex(parts[1]), binascii.a2b_hex(parts[2])
        except (binascii.Error, ValueError):
            return cookie
        if mask:
            return bytes(b ^ mask[i % len(mask)] for i, b in enumerate(masked)).hex()
    return cookie


def current_connection() -> Connection:
    conn = st.session_state.get(SESSION_KEY)
    if conn is None:
        browser = browser_session()
        conn = _kept().get(browser) if browser else None
        if conn is not None:
            st.session_state[RESTORED] = True
        else:
            gone = _kept().expired(browser) if browser else None
            if gone:
                st.session_state[FELL_BACK] = gone
            conn = configured_connection() or demo_connection()
        st.session_state[SESSION_KEY] = conn
    return conn


def use_connection(conn: Connection) -> None:
    """Switch this browser session to another connection (from the Settings page); a reload
    keeps it."""
    st.session_state[SESSION_KEY] = conn
    st.session_state.pop("posthog_client", None)
    st.session_state.pop(RESTORED, None)
    st.session_state.pop(FELL_BACK, None)
    browser = browser_session()
    if browser:
        _kept().put(browser, conn)


def reset_connection() -> None:
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop("posthog_client", None)
    st.session_state.pop(RESTORED, None)
    st.session_state.pop(FELL_BACK, None)
    browser = browser_session()
    if browser:
        _kept().put(browser, None)


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
