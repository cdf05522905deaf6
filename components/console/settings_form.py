"""Connect to a PostHog: host, personal API key, project; test before switching.

Everything entered here stays in this browser session only; nothing is written to disk.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from components.console.signin import SNIPPET, current_identity, sign_in_on
from components.shared.connection import (
    Connection,
    current_connection,
    reset_connection,
    use_connection,
)
from components.shared.feedback import show_error
from components.shared.text import plain
from services import EU_CLOUD, US_CLOUD, PostHogClient
from services.errors import PostHogError
from services.roles import Role
from services.transport import key_fingerprint

HOSTS = {"US Cloud": US_CLOUD, "EU Cloud": EU_CLOUD, "Custom host": None}
PROBE = "settings_probe"


def check_host(raw: str) -> str | None:
    """The problem with a host address, or None when it is usable."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "Enter the full address, e.g. https://posthog.example.com."
    if parts.query or parts.fragment:
        return "Enter just the address, without ? or # parts."
    if parts.path.strip("/"):
        # the console adds /api/… itself: https://host/api would read /api/api/users/@me/
        return (
            f"Enter the address without a path: {parts.scheme}://{parts.netloc}, "
            f"not {parts.scheme}://{parts.netloc}{parts.path}."
        )
    return None


def check_key(raw: str) -> str | None:
    key = raw.strip()
    if not key:
        return "Enter a personal API key."
    if key.startswith("phc_"):
        return (
            "This is a project API key (phc_…), which PostHog's REST API does not accept. "
            "Create a personal API key (phx_…) in PostHog → Settings → Personal API keys."
        )
    if any(ch.isspace() for ch in key):
        return "The key contains spaces; paste it again."
    if not key.startswith("phx_"):
        return (
            "This is not a personal API key: those start with phx_. Create one in PostHog → "
            "Settings → Personal API keys."
        )
    return None


def _test_connection(host: str, key: str) -> None:
    st.session_state.pop(PROBE, None)
    client = PostHogClient(host=host, api_key=key, max_retries=1)
    try:
        with st.spinner("Asking PostHog who this key belongs to…"):
            user = client.users.me()
            projects = client.projects.list()
    except PostHogError as exc:
        st.session_state[PROBE] = {"host": host, "error": exc}
        return
    current = user.team.id if user.team else None
    st.session_state[PROBE] = {
        "host": host,
        "fingerprint": client.transport.key_fingerprint,
        "user": f"{user.display_name} ({user.email})" if user.email else user.display_name,
        "projects": {p.id: p.name for p in projects},
        "current": current,
    }


def render_sign_in() -> bool:
    """Who may use this console; False when this user may not change the connection (only
    admins may, once sign-in is on)."""
    if not sign_in_on():
        st.warning(
            "**Sign-in is off**: anyone who can open this URL can do everything here, and the "
            'journal names everyone "local". To make people sign in with your organisation\'s '
            "account and give each a role, add this to `.streamlit/secrets.toml` next to the "
            "console and restart it:",
            icon=":material/lock_open:",
        )
        st.code(SNIPPET, language="toml")
        st.caption(
            "`[auth]` takes Streamlit's keys for any OpenID Connect provider (Google, Microsoft "
            "Entra, Okta, Auth0, Keycloak); the redirect URI ends in /oauth2callback."
        )
        return True
    me = current_identity()
    st.caption(plain(f"Signed in as {me.user}, {me.role.label}."))
    if me.role < Role.ADMIN:
        st.info(
            "Only admins may change the PostHog host, key or project. Needs the admin role.",
            icon=":material/lock:",
        )
        return False
    return True


def render() -> None:
    if not render_sign_in():
        return
    conn = current_connection()
    source = {
        "demo": "the built-in demo data",
        "environment": "the environment",
        "secrets": "secrets.toml",
        "settings": "this page",
    }[conn.source]
    st.caption(plain(f"Now connected to {conn.host}, project {conn.project_id}, from {source}."))

    choice = st.radio("PostHog host", list(HOSTS), horizontal=True, key="settings_host_choice")
    host = HOSTS[choice]
    if host is None:
        host = st.text_input(
            "Host address", placeholder="https://posthog.example.com", key="settings_custom_host"
        )
    host_error = st.empty()
    key = st.text_input(
        "Personal API key",
        type="password",
        key="settings_api_key",
        help="A personal API key (phx_…) from PostHog → Settings → Personal API keys. "
        "It stays in this browser session and is never shown or stored.",
    )
    key_error = st.empty()

    if st.button("Test connection", key="settings_test", icon=":material/cable:"):
        problems = {"host": check_host(host or ""), "key": check_key(key or "")}
        if problems["host"]:
            host_error.error(problems["host"])
        if problems["key"]:
            key_error.error(problems["key"])
        if not any(problems.values()):
            _test_connection(host.strip().rstrip("/"), key.strip())

    probe = st.session_state.get(PROBE)
    if probe:
        _render_probe(probe, host, key)

    if not conn.is_demo or conn.source == "settings":
        st.divider()
        if st.button("Return to the default connection", key="settings_reset"):
            reset_connection()
            st.session_state.pop(PROBE, None)
            st.rerun()


def _render_probe(probe: dict, host: str | None, key: str | None) -> None:
    if "error" in probe:
        show_error(probe["error"])
        return
    same_key = probe["fingerprint"] == key_fingerprint(probe["host"], (key or "").strip())
    if probe["host"] != (host or "").strip().rstrip("/") or not same_key:
        st.info("The host or key changed since the test. Test the connection again.")
        return
    st.success(plain(f"Connected as {probe['user']}."), icon=":material/check_circle:")
    projects: dict[int, str] = probe["projects"]
    if not projects:
        st.warning("This key can reach no project.")
        return
    ids = list(projects)
    default = ids.index(probe["current"]) if probe["current"] in ids else 0
    project_id = st.selectbox(
        "Project",
        ids,
        index=default,
        format_func=lambda pid: f"{projects[pid]} ({pid})",
        key="settings_project",
    )
    st.button(
        "Use this project",
        key="settings_use",
        type="primary",
        on_click=_use_project,
        args=(probe["host"], int(project_id)),
    )
    if "settings_use_error" in st.session_state:
        show_error(st.session_state.pop("settings_use_error"))


def _use_project(host: str, project_id: int) -> None:
    """Button callback: check the project is reachable, then switch and clear the key field
    (the key now lives only inside the client)."""
    conn = Connection(
        host, project_id, st.session_state.get("settings_api_key", "").strip(), "settings"
    )
    try:
        project = conn.client().projects.get(project_id)
    except PostHogError as exc:
        st.session_state["settings_use_error"] = exc
        return
    use_connection(conn)
    st.session_state.pop(PROBE, None)
    st.session_state["settings_api_key"] = ""
    st.toast(plain(f"Now using {project.name} on {conn.host}."), icon=":material/check:")
