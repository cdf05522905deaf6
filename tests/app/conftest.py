"""AppTest fixtures: the real app against an emulator over loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
ENV = ("POSTHOG_HOST", "POSTHOG_PERSONAL_API_KEY", "POSTHOG_PROJECT_ID")


@pytest.fixture(autouse=True)
def clear_streamlit_caches(monkeypatch):
    """Caches outlive AppTest instances; connection settings must come from each test."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(ROOT)  # no .streamlit/secrets.toml is read unless a test gives one
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture(autouse=True)
def pages_run_without_the_shell_guard(monkeypatch):
    """AppTest always runs a switched-to page through Streamlit's legacy `pages/` mode (it
    resets that mode on every run), where the guard would reroute to the default page. The
    guard itself is covered by the browser tests (a deep link as the first request)."""
    monkeypatch.setattr("components.shared.shell.require_navigation", lambda: None)


@pytest.fixture
def connect_env(monkeypatch, emulator):
    monkeypatch.setenv("POSTHOG_HOST", emulator.url)
    monkeypatch.setenv("POSTHOG_PERSONAL_API_KEY", emulator.demo_key)
    monkeypatch.setenv("POSTHOG_PROJECT_ID", str(emulator.project_id))
    return emulator


@pytest.fixture
def app():
    """The console's entry point, not yet run."""
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)


# What app.py does around every page: the last action's outcome before it, and any pending
# question after it.
BEFORE = """
from components.shared import actions as _actions, bulk as _bulk
from components.shared.connection import get_client as _get_client
_actions.show_outcome()
_bulk.run(_get_client())
"""
AFTER = """
_actions.ask_pending(_get_client())
_bulk.ask(_get_client())
"""


@pytest.fixture
def run_script():
    """Run a small script (usually one component) with session state set first."""

    def run(script: str, **state) -> AppTest:
        at = AppTest.from_string(BEFORE + script + AFTER, default_timeout=60)
        for name, value in state.items():
            at.session_state[name] = value
        return at.run()

    return run
