"""The app shell: navigation, connection panel, demo banner, every page."""

from __future__ import annotations

import pytest

from services import PostHogClient
from tests.markdown import unescape

PAGES = [
    ("pages/overview.py", "Overview"),
    ("pages/hog-functions.py", "Hog functions"),
    ("pages/batch-exports.py", "Batch exports"),
    ("pages/insights.py", "Insights"),
    ("pages/dashboards.py", "Dashboards"),
    ("pages/analytics-audit.py", "Audit"),
    ("pages/app-metrics.py", "App metrics"),
    ("pages/journal.py", "Journal"),
    ("pages/settings.py", "Settings"),
]


def _hog_functions(app):
    """The app's first run (its sidebar and the Overview at "/"), then the function list."""
    at = app.run()
    return at.switch_page("pages/hog-functions.py").run()


def _sidebar(at) -> str:
    elements = list(at.sidebar.warning) + list(at.sidebar.caption)
    return unescape(" ".join(str(el.value) for el in elements))


def test_configured_connection_shows_host_and_project(app, connect_env):
    at = app.run()
    assert not at.exception
    text = _sidebar(at)
    assert "127.0.0.1" in text
    client = PostHogClient(host=connect_env.url, api_key=connect_env.demo_key)
    assert f"{client.projects.get(connect_env.project_id).name} ({connect_env.project_id})" in text
    assert "Demo data" not in text
    assert at.title[0].value == "Overview"  # "/" is the Overview


def test_demo_mode_shows_banner_and_data(app):
    at = app.run()
    assert "Demo data" in _sidebar(at)
    at.switch_page("pages/hog-functions.py").run()
    assert not at.exception
    assert at.dataframe and len(at.dataframe[0].value) > 100


def test_secrets_toml_connection(app, emulator):
    app.secrets["posthog"] = {
        "host": emulator.url,
        "personal_api_key": emulator.demo_key,
        "project_id": emulator.project_id,
    }
    at = app.run()
    assert not at.exception
    assert "Demo data" not in _sidebar(at)
    assert any(r.path.startswith("/api/projects/1/") for r in emulator.requests)


def test_hog_functions_lists_more_than_one_page(app, connect_env):
    at = _hog_functions(app)
    stored = [f for f in connect_env.stored_hog_functions(1) if not f["deleted"]]
    frame = at.dataframe[0].value
    assert len(frame) == len(stored) > 100
    assert f"{len(stored)} functions" in " ".join(c.value for c in at.caption)


def test_hostile_names_are_data_not_markup(app, connect_env):
    at = _hog_functions(app)
    names = set(at.dataframe[0].value["Name"])
    assert any("<img" in name for name in names)
    assert any("[Click here]" in name for name in names)


@pytest.mark.parametrize("path,title", PAGES)
def test_every_page_opens_with_its_title_and_no_error(app, connect_env, path, title):
    at = app.run()
    at.switch_page(path).run()
    assert not at.exception
    assert at.title[0].value == title
    assert not at.error, [e.value for e in at.error]


def test_api_failure_is_a_sentence_not_a_traceback(app, connect_env):
    connect_env.inject_fault("status", status=500, path_contains="/hog_functions", times=10)
    at = _hog_functions(app)
    assert not at.exception
    assert "internal error" in at.error[0].value
