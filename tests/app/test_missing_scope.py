"""A write PostHog refuses for a missing scope is remembered for the session's connection:
every action needing that scope is shown disabled, naming the scope, and nothing more is sent;
another connection starts afresh."""

from __future__ import annotations

import os

from components.shared.connection import Connection
from services.journal import Journal
from services.scopes import lacking, scope_for

SWITCHES = """
import streamlit as st
from components.hog_functions import actions, switch
from components.batch_exports import actions as _exports
from components.insights import actions as _insights
from components.analytics import actions as _sharing
from components.shared import data
from components.shared.actions import blocked_reason, request
from components.shared.connection import get_client
client = get_client()
first, second = (data.hog_function(client, i) for i in st.session_state["ids"])
switch.render(client, first, key="one")
switch.render(client, second, key="two")
st.session_state["reasons"] = {
    k: blocked_reason(k)
    for k in (
        "hog_function.test",
        "batch_export.pause",
        "insight.edit",
        "insight.mark_viewed",
        "insight.share_publicly",
    )
}
if st.button("Enable the second", key="again"):
    request(client, actions.ENABLE, actions.target(second))
"""

SIDEBAR = (
    SWITCHES
    + """
from components.console.sidebar import render_connection
from components.shared.connection import current_connection
render_connection(current_connection(), client)
"""
)


def _writes(emulator) -> list:
    return [r for r in emulator.requests if r.method in ("POST", "PATCH", "PUT", "DELETE")]


def _errors(at) -> str:
    return " ".join(e.value for e in at.error).replace("\\", "")


def _disabled_functions(emulator) -> list[str]:
    return [
        f["id"]
        for f in emulator.stored_hog_functions(1)
        if not f["enabled"] and not f["deleted"] and f["type"] == "destination"
    ][:2]


def test_a_write_refused_for_a_scope_disables_every_control_needing_it(
    connect_env, monkeypatch, run_script
):
    monkeypatch.setenv("POSTHOG_PERSONAL_API_KEY", connect_env.readonly_key)
    ids = _disabled_functions(connect_env)
    at = run_script(SWITCHES, ids=ids)
    assert not any(t.disabled for t in at.toggle)  # nothing refused yet: PostHog decides
    connect_env.clear_requests()

    at.toggle[0].set_value(True).run()
    assert not at.exception
    assert len(_writes(connect_env)) == 1  # PostHog refused it: 403, missing scope
    assert "hog_function:write" in _errors(at)
    for toggle in at.toggle:  # both functions: the key cannot change either
        assert toggle.disabled and "lacks the `hog_function:write` scope" in toggle.help
        assert "Personal API keys" in toggle.help
    reasons = at.session_state["reasons"]
    assert "`hog_function:write`" in reasons["hog_function.test"]  # a test run is a write too
    # other scopes are PostHog's to refuse or not: this key was never refused for them
    assert reasons["batch_export.pause"] is None
    assert reasons["insight.edit"] is None and reasons["insight.share_publicly"] is None

    at.button(key="again").click().run()  # a write asked for anyway is not sent
    assert len(_writes(connect_env)) == 1
    assert "lacks the `hog_function:write` scope" in _errors(at)
    (entry,) = Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()
    assert entry.outcome == "refused"


def test_each_write_needs_the_scope_posthog_checks_for_it():
    assert scope_for("hog_function.test") == "hog_function:write"  # invocations: a write
    assert scope_for("batch_export.check") == "batch_export:write"  # run_test_step
    assert scope_for("dashboard.add_collaborator") == "dashboard:write"
    assert scope_for("insight.share_publicly") == "sharing_configuration:write"
    assert scope_for("dashboard.replace_public_link") == "sharing_configuration:write"
    assert scope_for("insight.mark_viewed") == "insight:read"  # POST /insights/viewed/
    # a key refused `insight:read` cannot hold `insight:write` (write implies read)
    assert lacking("insight:write", ["insight:read"]) == "insight:read"
    assert lacking("insight:read", ["insight:write"]) is None
    assert lacking("dashboard:write", ["insight:write"]) is None


def test_another_connection_starts_without_the_remembered_scope(
    connect_env, monkeypatch, run_script
):
    monkeypatch.setenv("POSTHOG_PERSONAL_API_KEY", connect_env.readonly_key)
    ids = _disabled_functions(connect_env)
    at = run_script(SWITCHES, ids=ids)
    at.toggle[0].set_value(True).run()
    assert all(t.disabled for t in at.toggle)

    # Settings: the same PostHog with a key that may write
    at.session_state["posthog_connection"] = Connection(
        connect_env.url, connect_env.project_id, connect_env.demo_key, "settings"
    )
    at.run()
    assert not any(t.disabled for t in at.toggle)
    assert at.session_state["reasons"]["hog_function.test"] is None
    connect_env.clear_requests()
    at.button(key="again").click().run()
    assert [r.method for r in _writes(connect_env)] == ["PATCH"]
    assert connect_env.stored_hog_function(ids[1])["enabled"] is True


def test_the_sidebar_says_the_missing_scope_once(connect_env, monkeypatch, run_script):
    monkeypatch.setenv("POSTHOG_PERSONAL_API_KEY", connect_env.readonly_key)
    at = run_script(SIDEBAR, ids=_disabled_functions(connect_env))
    assert not [w for w in at.sidebar.warning if "lacks" in w.value]
    at.toggle[0].set_value(True).run()
    [said] = [w.value for w in at.sidebar.warning if "lacks" in w.value]
    assert "hog_function:write" in said and "Personal API keys" in said
