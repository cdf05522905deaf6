"""Sign-in and roles under AppTest, against the emulator: the gate before any PostHog read,
the refusal under `default = "none"`, the sidebar, Settings for admins only, and the runner's
role checks (before any question is asked) with the signed-in e-mail in the journal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.shared.actions import OUTCOME, PENDING
from services.journal import Entry, Journal
from tests.app.conftest import AFTER, BEFORE
from tests.markdown import unescape
from tests.roles import ROLES

ROOT = Path(__file__).resolve().parents[2]
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-long-enough",
    "client_id": "console",
    "client_secret": "console-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def signed_in(at: AppTest, email: str | None, roles=ROLES, **claims) -> AppTest:
    at.secrets["auth"] = AUTH
    at.secrets["console"] = {"roles": roles}
    at.user = (
        {"is_logged_in": False}
        if email is None
        else {
            "is_logged_in": True,
            "email": email,
            "sub": email,
            **claims,
        }
    )
    return at


def _writes(emulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emulator.requests if r.method != "GET"]


def _function(emulator, *, enabled: bool = True) -> dict:
    return next(
        f
        for f in emulator.stored_hog_functions(emulator.project_id)
        if f["enabled"] is enabled and not f["deleted"] and f["type"] == "destination"
    )


def _list_switches(at: AppTest, function: dict) -> list:
    """Search the hog functions list for one function, which picks it: its row's switch."""
    if any(t.value == "Overview" for t in at.title):  # "/" is the Overview
        at.switch_page("pages/hog-functions.py").run()
    at.text_input(key="hf_list_search").input(function["name"]).run()
    return [t for t in at.toggle if t.key and t.key.startswith("hf_list_switch_")]


def _entries():
    return Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()


# --- the gate -------------------------------------------------------------------------------


def test_signed_out_visitor_sees_only_the_sign_in_page_and_posthog_is_not_read(app, connect_env):
    connect_env.clear_requests()
    at = signed_in(app, None).run()
    assert not at.exception
    assert at.title[0].value == "PostHog Admin Console"
    assert at.button(key="sign_in_default").label == "Sign in with 127.0.0.1:9"
    assert connect_env.requests == []
    assert "posthog_client" not in at.session_state
    assert not at.sidebar.toggle  # no audit switch, no navigation: the run stopped


def test_named_providers_each_get_a_button(app, connect_env):
    at = signed_in(app, None)
    at.secrets["auth"] = {
        "redirect_uri": AUTH["redirect_uri"],
        "cookie_secret": AUTH["cookie_secret"],
        "okta": {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")},
    }
    at.run()
    assert at.button(key="sign_in_okta").label == "Sign in with Okta"


def test_unknown_user_under_default_none_is_refused_with_whom_to_ask(app, connect_env):
    connect_env.clear_requests()
    at = signed_in(app, "zed@other.test").run()
    assert not at.exception
    assert at.title[0].value == "No access to this console"
    assert "zed@other.test" in unescape(at.error[0].value)
    assert "ada@acme.test" in unescape(at.markdown[0].value)
    assert at.button(key="refused_log_out")
    assert connect_env.requests == []


def test_a_wrong_roles_table_stops_every_page_saying_which_key(app, connect_env):
    connect_env.clear_requests()
    at = signed_in(app, "ada@acme.test", roles={**ROLES, "default": "superuser"}).run()
    assert not at.exception
    assert "Sign-in is misconfigured" in at.error[0].value
    assert "default" in at.error[0].value
    assert connect_env.requests == []


def test_without_auth_everyone_is_local_and_an_admin(app, connect_env, searchable_function):
    at = app.run()
    assert not at.exception
    assert "Sign-in is off" in at.sidebar.caption[0].value
    switch = at.toggle(key="audit_mode_switch")
    assert switch.value is False
    listed = _list_switches(at, searchable_function(connect_env, type="destination"))
    assert listed and not any(t.disabled for t in listed)
    assert at.session_state["posthog_client"][1].transport.read_only is False


def test_without_auth_settings_says_anyone_can_do_everything_and_how_to_turn_sign_in_on(
    app, connect_env
):
    at = app.run()
    at.switch_page("pages/settings.py").run()
    assert not at.exception
    assert "anyone who can open this URL can do everything" in at.warning[0].value
    snippet = at.code[0].value
    assert "[auth]" in snippet and "[console.roles]" in snippet and 'default = "viewer"' in snippet
    assert at.button(key="settings_test")


# --- each role in the app ---------------------------------------------------------------------


def test_viewer_sees_who_they_are_audit_mode_on_and_every_switch_needing_the_operator_role(
    app, connect_env, searchable_function
):
    at = signed_in(app, "val@partner.test").run()
    assert not at.exception
    assert "val@partner.test" in unescape(at.sidebar.caption[0].value)
    assert "viewer" in at.sidebar.caption[0].value
    assert at.sidebar.button(key="log_out")
    # already on for them, and they may still switch it
    switch = at.toggle(key="audit_mode_switch")
    assert switch.value is True and not switch.disabled
    # AppTest reruns only the page after the first run, without app.py's sidebar
    at.session_state["audit_mode"] = False
    listed = _list_switches(at, searchable_function(connect_env, type="destination"))
    assert listed and all(t.disabled for t in listed)
    assert {t.help for t in listed} == {"Needs the operator role."}
    assert at.session_state["posthog_client"][1].transport.read_only is True


def test_settings_are_for_admins_only_once_sign_in_is_on(app, connect_env):
    at = signed_in(app, "bob@acme.test").run()
    at.switch_page("pages/settings.py").run()
    assert not at.exception
    assert "Needs the admin role" in at.info[0].value
    with pytest.raises(KeyError):
        at.button(key="settings_test")

    at = signed_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=30), "ada@acme.test")
    at.run()
    at.switch_page("pages/settings.py").run()
    assert not at.exception
    assert at.button(key="settings_test")
    assert "ada@acme.test, admin" in unescape(at.caption[0].value)


def test_role_from_the_id_token_claim(app, connect_env):
    at = signed_in(app, "gil@elsewhere.test", groups=["posthog-operators"]).run()
    assert not at.exception
    assert "operator" in at.sidebar.caption[0].value
    assert at.session_state["posthog_client"][1].transport.read_only is False


# --- the runner's role checks ---------------------------------------------------------------

RUN = """
import streamlit as st
from components.hog_functions import actions as _hf
from components.shared import actions
from components.shared.connection import get_client

for key in ("hog_function.disable", "hog_function.enable", "hog_function.delete"):
    if st.button(key, key=key):
        actions.request(
            get_client(), key, actions.Target("hog_function", FUNCTION_ID, "Some function")
        )
"""


def _runner(emulator, email: str | None, function_id: str) -> AppTest:
    script = BEFORE + RUN.replace("FUNCTION_ID", repr(function_id)) + AFTER
    at = AppTest.from_string(script, default_timeout=60)
    if email is None:
        return at.run()
    return signed_in(at, email).run()


def test_runner_refuses_a_viewer_before_any_question_and_sends_nothing(connect_env):
    function = _function(connect_env)
    at = _runner(connect_env, "val@partner.test", function["id"])
    connect_env.clear_requests()
    at.button(key="hog_function.disable").click().run()
    assert not at.exception
    assert PENDING not in at.session_state  # refused before the confirmation
    assert "Needs the operator role" in at.error[0].value
    assert _writes(connect_env) == []
    assert _entries() == []


def test_runner_lets_an_operator_disable_and_journals_their_email(connect_env):
    function = _function(connect_env)
    at = _runner(connect_env, "bob@acme.test", function["id"])
    connect_env.clear_requests()
    at.button(key="hog_function.disable").click().run()
    at.button(key="hf_confirm_disable").click().run()
    assert not at.exception
    assert _writes(connect_env) == [
        f"PATCH /api/projects/{connect_env.project_id}/hog_functions/{function['id']}/"
    ]
    [entry] = _entries()
    assert (entry.user, entry.outcome, entry.action_key) == (
        "bob@acme.test",
        "done",
        "hog_function.disable",
    )


def test_runner_refuses_an_operator_an_admin_action_before_the_question(connect_env):
    function = _function(connect_env)
    at = _runner(connect_env, "bob@acme.test", function["id"])
    connect_env.clear_requests()
    at.button(key="hog_function.delete").click().run()
    assert not at.exception
    assert PENDING not in at.session_state
    assert "Needs the admin role" in at.error[0].value
    assert _writes(connect_env) == []
    assert _entries() == []


def test_runner_lets_an_admin_delete_with_their_email_in_the_journal(connect_env):
    function = _function(connect_env)
    at = _runner(connect_env, "ada@acme.test", function["id"])
    at.button(key="hog_function.delete").click().run()
    assert PENDING in at.session_state  # the question comes first for an admin
    assert OUTCOME not in at.session_state


def test_runner_without_sign_in_journals_local(connect_env):
    function = _function(connect_env, enabled=False)
    at = _runner(connect_env, None, function["id"])
    at.button(key="hog_function.enable").click().run()
    assert not at.exception
    [entry] = _entries()
    assert (entry.user, entry.outcome) == ("local", "done")


def test_two_sessions_keep_their_own_identity_and_client(connect_env):
    function = _function(connect_env)
    viewer = _runner(connect_env, "val@partner.test", function["id"])
    operator = _runner(connect_env, "bob@acme.test", function["id"])
    assert viewer.session_state["posthog_client"][1].transport.read_only is True
    assert operator.session_state["posthog_client"][1].transport.read_only is False
    assert (
        viewer.session_state["posthog_client"][1]
        is not (operator.session_state["posthog_client"][1])
    )


# --- undo from the Journal page, by the signed-in user -------------------------------------

JOURNAL_PAGE = """
from components.console import journal
from components.shared.connection import get_client
journal.render(get_client())
"""


def _journal_page(email: str) -> AppTest:
    return signed_in(AppTest.from_string(BEFORE + JOURNAL_PAGE + AFTER, default_timeout=60), email)


@pytest.mark.parametrize(
    "author,reader,refusal",
    [
        ("ada@acme.test", "bob@acme.test", "Operators can undo only their own changes."),
        ("bob@acme.test", "bob@acme.test", None),
        ("bob@acme.test", "ada@acme.test", None),
        ("bob@acme.test", "val@partner.test", "Needs the operator role."),  # a viewer
    ],
)
def test_undo_on_the_journal_page_goes_by_the_signed_in_address(
    connect_env, author, reader, refusal
):
    function = _function(connect_env, enabled=False)
    book = Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"])
    entry_id = book.begin(
        Entry(
            user=author,
            host=connect_env.url,
            project_id=str(connect_env.project_id),
            action="Disable function",
            action_key="hog_function.disable",
            resource="hog_function",
            object_id=function["id"],
            object_name=function["name"],
        )
    )
    book.complete(entry_id, outcome="done")
    book.dispose()
    at = _journal_page(reader).run()
    assert not at.exception
    undo = at.button(key="journal_undo")
    assert undo.disabled is (refusal is not None)
    assert undo.help == (refusal or undo.help)
    if refusal is None:
        undo.click().run()
        assert connect_env.stored_hog_function(function["id"])["enabled"] is True
        assert _entries()[0].user == reader
