"""Keep every page inside the app shell (navigation sections and connection sidebar)."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_navigation() -> None:
    """Streamlit still has legacy auto-discovery for a `pages/` folder. When the first request
    after a server start is a deep link (e.g. /settings), it runs that page without app.py
    and its `st.navigation`, showing file names in the sidebar. Turn the legacy mode off and
    rerun, so app.py routes the request."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
