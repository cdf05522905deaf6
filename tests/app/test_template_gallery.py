"""The template gallery under AppTest: the public catalogue when the key may not read the
project's templates, and a nameless function asked for its name before anything is sent."""

from __future__ import annotations

from emulator.server import Key
from tests.markdown import unescape

GALLERY = """
from components.hog_functions import template_gallery
from components.shared.connection import get_client
template_gallery.render(get_client())
"""


def _names(at) -> list[str]:
    return list(at.dataframe[0].value["Name"])


def test_a_key_refused_the_projects_templates_browses_the_public_catalogue(
    connect_env, run_script, monkeypatch
):
    key = "phx_no_hog_functions"
    connect_env.keys[key] = Key({"insight:read", "user:read", "project:read"})
    monkeypatch.setenv("POSTHOG_PERSONAL_API_KEY", key)
    at = run_script(GALLERY)
    assert not at.exception and not at.error
    assert "Slack" in _names(at) and "PagerDuty (internal)" not in _names(at)
    [info] = at.info
    assert "Showing PostHog's public templates" in unescape(info.value)
    assert "`hog_function:read`" in unescape(info.value)
    reads = [r.path for r in connect_env.requests if "templates" in r.path]
    assert reads[-1] == "/api/public_hog_function_templates/"


def test_the_projects_own_templates_say_nothing_about_the_catalogue(connect_env, run_script):
    at = run_script(GALLERY)
    assert not at.exception and not at.info
    assert "PagerDuty (internal)" in _names(at)
    assert not [r for r in connect_env.requests if r.path.startswith("/api/public_")]


def test_a_function_without_a_name_is_asked_for_one_and_nothing_is_sent(connect_env, run_script):
    at = run_script(GALLERY)
    at.text_input(key="tpl_search").input("Slack").run()
    name = next(t for t in at.text_input if t.label == "Name")
    name.input("")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert "Give the function a name." in [e.value for e in at.error]
    assert not [r for r in connect_env.requests if r.method != "GET"]
