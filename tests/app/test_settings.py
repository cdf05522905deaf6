"""The Settings page: validation before sending, test connection, switch project."""

from __future__ import annotations

import pytest

from emulator import Emulator
from tests.markdown import unescape


@pytest.fixture
def settings(app, connect_env):
    at = app.run()
    at.switch_page("pages/settings.py").run()
    assert not at.exception
    return at


@pytest.fixture
def second_emulator():
    with Emulator(port=0, demo_key="phx_second_console_key", hog_functions=20) as emu:
        yield emu


def _custom(at, host, key):
    at.radio(key="settings_host_choice").set_value("Custom host").run()
    at.text_input(key="settings_custom_host").input(host)
    at.text_input(key="settings_api_key").input(key)
    return at.button(key="settings_test").click().run()


def test_key_input_is_masked(settings):
    assert settings.text_input(key="settings_api_key").proto.type == 1  # PASSWORD


@pytest.mark.parametrize(
    "host,key,message",
    [
        ("posthog.example.com", "phx_abc", "full address"),
        ("https://posthog.example.com", "", "Enter a personal API key"),
        ("https://posthog.example.com", "phc_project_token", "project API key"),
        ("https://posthog.example.com/api", "phx_abc", "without a path"),
        ("https://posthog.example.com/", "sk_live_123", "start with phx_"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_sent(settings, second_emulator, host, key, message):
    at = _custom(settings, host, key)
    assert not at.exception
    assert any(message in e.value for e in at.error)
    assert second_emulator.requests == []


def test_test_connection_then_use_project(settings, second_emulator):
    at = _custom(settings, second_emulator.url, "phx_second_console_key")
    assert not at.exception
    assert "Connected as" in at.success[0].value
    project = at.selectbox(key="settings_project")
    assert project.value == second_emulator.project_id
    project.set_value(2).run()
    at.button(key="settings_use").click().run()
    assert not at.exception
    assert "Now using" in at.toast[0].value
    conn = at.session_state["posthog_connection"]
    assert (conn.host, conn.project_id, conn.source) == (second_emulator.url, 2, "settings")
    # the next page reads from the second PostHog's project 2
    at.switch_page("pages/hog-functions.py").run()
    expected = len([f for f in second_emulator.stored_hog_functions(2) if not f["deleted"]])
    assert len(at.dataframe[0].value) == expected


def test_wrong_key_shows_the_401_message(settings, second_emulator):
    at = _custom(settings, second_emulator.url, "phx_wrong_key")
    assert not at.exception
    assert "did not accept the API key" in at.error[0].value
    assert [r.status for r in second_emulator.requests] == [401]
    assert not at.selectbox


def test_unreachable_host_is_explained(settings):
    at = _custom(settings, "http://127.0.0.1:9", "phx_any")
    assert "Could not reach PostHog" in at.error[0].value


def test_changing_the_key_after_a_test_asks_to_test_again(settings, second_emulator):
    at = _custom(settings, second_emulator.url, "phx_second_console_key")
    at.text_input(key="settings_api_key").input("phx_other").run()
    assert "Test the connection again" in at.info[0].value
    assert not [b for b in at.button if b.key == "settings_use"]


def test_an_unknown_project_id_is_named_as_such_not_as_a_deleted_object(
    app, connect_env, monkeypatch
):
    monkeypatch.setenv("POSTHOG_PROJECT_ID", "999")
    at = app.run()
    assert not at.exception
    errors = [unescape(e.value) for e in at.error]
    assert any("Project 999 does not exist on" in e and "POSTHOG_PROJECT_ID" in e for e in errors)
    assert not any("deleted" in e for e in errors)  # the page's reads were not sent
    # only the project itself was read
    assert {r.path.split("?")[0] for r in connect_env.requests if "999" in r.path} == {
        "/api/projects/999/"
    }
    at.switch_page("pages/settings.py").run()  # where it can be put right
    assert at.button(key="settings_test")


def test_the_browser_session_id_survives_streamlit_masking_its_cookie_afresh():
    from components.shared.connection import _xsrf_token

    # the same token, as two page loads set it (seen in Chromium): each with a new mask
    first = "2|9b961203|82fefdf482b40b5d542efe9fd78d1fb2|1796030521"
    again = "2|981fd28a|81773d7d813dcbd457a73e16d404df3b|1796030521"
    assert _xsrf_token(first) == _xsrf_token(again)
    other = "2|9b961203|00fefdf482b40b5d542efe9fd78d1fb2|1796030521"
    assert _xsrf_token(other) != _xsrf_token(first)
    assert _xsrf_token("not-a-v2-cookie") == "not-a-v2-cookie"


def test_an_expired_settings_choice_is_said_loudly_once_it_is_gone():
    from components.shared.connection import KEEP_FOR, Connection, _Kept

    now = [0.0]
    kept = _Kept(clock=lambda: now[0])
    chosen = Connection("https://eu.posthog.com", 3, "phx_not_shown", "settings")
    kept.put("browser-a", chosen)
    now[0] = KEEP_FOR - 1
    assert kept.get("browser-a") == chosen and kept.expired("browser-a") is None
    now[0] += KEEP_FOR + 1  # idle too long
    assert kept.get("browser-a") is None
    assert kept.expired("browser-a") == "project 3 at https://eu.posthog.com"  # no key
    assert kept.expired("browser-a") is None  # said once per new session
    assert kept.get("browser-b") is None and kept.expired("browser-b") is None


SIDEBAR = """
from components.console.sidebar import render_connection
from components.shared.connection import current_connection, get_client
render_connection(current_connection(), get_client())
"""


def test_the_sidebar_says_the_console_is_back_on_the_default(connect_env, run_script):
    from components.shared.connection import FELL_BACK

    at = run_script(SIDEBAR, **{FELL_BACK: "project 3 at https://eu.posthog.com"})
    [said] = [unescape(e.value) for e in at.sidebar.error]
    assert said.startswith("Back on the default connection") and "project 3" in said
    assert "The default connection, from the environment." in [c.value for c in at.sidebar.caption]
