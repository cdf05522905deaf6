"""The sidebar's connection panel: host, project and a banner in demo mode."""

from __future__ import annotations

import streamlit as st

from components.shared import data
from components.shared.connection import Connection
from components.shared.text import plain
from services import PostHogClient
from services.errors import PostHogError


def render_connection(conn: Connection, client: PostHogClient) -> None:
    with st.sidebar.container(key="connection_panel"):
        if conn.is_demo:
            st.warning(
                "**Demo data** — a built-in PostHog emulator, not your PostHog. "
                "Connect a real project in Settings.",
                icon=":material/science:",
            )
        try:
            project_name = data.current_project(client).name
        except PostHogError as exc:
            project_name = None
            st.caption(plain(f"Project {conn.project_id}: {exc}"))
        st.caption(f"**Host** {plain(conn.host)}")
        if project_name is not None:
            st.caption(f"**Project** {plain(project_name)} ({conn.project_id})")


def example() -> None:
    from components.shared.connection import demo_connection

    conn = demo_connection()
    render_connection(conn, conn.client())
