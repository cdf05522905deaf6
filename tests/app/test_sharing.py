"""The sharing panel under AppTest against the emulator: every change is confirmed first and
reaches the server; a key that may read but not change sharing is told why."""

from __future__ import annotations

import os

from components.console.journal import undo_of
from emulator.analytics import live_insights, stored_dashboard, stored_dashboards, stored_insight
from emulator.server import Key
from services.journal import Journal
from services.ratelimit import RateLimiter
from tests.markdown import unescape

PANEL = """
import streamlit as st
from components.analytics import sharing
from components.shared.connection import get_client
sharing.render(get_client(), st.session_state["kind"], st.session_state["object_id"], "Target")
"""


def _writes(emulator) -> list:
    return [r for r in emulator.requests if r.method != "GET"]


def _click(at, key: str):
    return at.button(key=key).click().run()


def _unshared_insight(emulator) -> dict:
    return next(i for i in live_insights(emulator) if not (i["sharing"] or {}).get("enabled"))


def test_sharing_on_is_confirmed_then_shows_the_public_link(connect_env, run_script):
    insight = _unshared_insight(connect_env)
    at = run_script(PANEL, kind="insight", object_id=insight["id"])
    assert not at.exception
    assert "Not shared" in at.markdown[0].value
    connect_env.clear_requests()
    at = _click(at, f"share_on_insight_{insight['id']}")
    assert "Anyone with the link" in " ".join(m.value for m in at.markdown)
    assert _writes(connect_env) == []  # nothing before the confirmation
    at = _click(at, "share_confirm")
    assert not at.exception
    [write] = _writes(connect_env)
    assert (write.method, write.json) == ("PATCH", {"enabled": True})
    stored = stored_insight(connect_env, insight["id"])["sharing"]
    assert stored["enabled"] is True
    assert at.code[0].value == f"{connect_env.url}/shared/{stored['access_token']}"


def test_cancel_sends_nothing_and_replace_link_changes_the_token(connect_env, run_script):
    dashboard = next(
        d
        for d in stored_dashboards(connect_env)
        if not d["deleted"] and (d["sharing"] or {}).get("enabled")
    )
    before = dashboard["sharing"]["access_token"]
    at = run_script(PANEL, kind="dashboard", object_id=dashboard["id"])
    connect_env.clear_requests()
    at = _click(at, f"share_off_dashboard_{dashboard['id']}")
    at = _click(at, "share_cancel")
    assert _writes(connect_env) == []
    assert stored_dashboard(connect_env, dashboard["id"])["sharing"]["enabled"] is True
    at = _click(at, f"share_rotate_dashboard_{dashboard['id']}")
    at = _click(at, "share_confirm")
    [write] = _writes(connect_env)
    assert write.method == "POST" and write.path.split("?")[0].endswith("/sharing/refresh/")
    after = stored_dashboard(connect_env, dashboard["id"])["sharing"]["access_token"]
    assert after != before
    assert at.code[0].value.endswith(f"/shared/{after}")


def test_a_key_that_cannot_change_sharing_is_told_which_scope(connect_env, run_script, monkeypatch):
    key = "phx_sharing_read_only"
    connect_env.keys[key] = Key({"insight:read", "sharing_configuration:read"})
    monkeypatch.setenv("POSTHOG_PERSONAL_API_KEY", key)
    insight = _unshared_insight(connect_env)
    at = run_script(PANEL, kind="insight", object_id=insight["id"])
    at = _click(at, f"share_on_insight_{insight['id']}")
    at = _click(at, "share_confirm")
    assert not at.exception
    assert len(at.error) == 1
    assert "`sharing_configuration:write`" in unescape(at.error[0].value)
    assert not (stored_insight(connect_env, insight["id"])["sharing"] or {}).get("enabled")


AUDIT = """
from components.analytics import audit
from components.shared.connection import get_client
audit.render_shared(get_client())
"""


def test_turning_sharing_off_journals_and_the_audit_drops_the_item(
    connect_env, run_script, monkeypatch
):
    # two audits read every insight's sharing: more than PostHog's 240 a minute, which is
    # not what this test is about
    roomy = RateLimiter(((100_000, 60.0),))
    monkeypatch.setattr("services.transport.limiter_for", lambda *_: roomy)
    shared = next(i for i in live_insights(connect_env) if (i["sharing"] or {}).get("enabled"))
    listed = run_script(AUDIT).dataframe[0].value
    assert ("Insight", shared["id"]) in set(zip(listed["Kind"], listed["id"], strict=True))

    at = run_script(PANEL, kind="insight", object_id=shared["id"])
    at = _click(at, f"share_off_insight_{shared['id']}")
    at = _click(at, "share_confirm")
    assert not at.exception
    assert stored_insight(connect_env, shared["id"])["sharing"]["enabled"] is False
    assert "Not shared" in at.markdown[0].value
    (entry,) = Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()
    assert (entry.action, entry.outcome, entry.user) == ("Turn off public sharing", "done", "local")
    assert (entry.resource, entry.object_id) == ("insight", str(shared["id"]))
    assert entry.method == "PATCH" and entry.path.endswith(f"/insights/{shared['id']}/sharing/")
    assert entry.changes == {"public sharing": {"before": "on", "after": "off"}}
    assert undo_of(entry) == "insight.share_publicly"

    listed = run_script(AUDIT).dataframe[0].value
    assert ("Insight", shared["id"]) not in set(zip(listed["Kind"], listed["id"], strict=True))


def test_a_dashboard_sharing_change_is_journaled_as_the_dashboards(connect_env, run_script):
    dashboard = next(
        d
        for d in stored_dashboards(connect_env)
        if not d["deleted"] and not (d["sharing"] or {}).get("enabled")
    )
    at = run_script(PANEL, kind="dashboard", object_id=dashboard["id"])
    at = _click(at, f"share_on_dashboard_{dashboard['id']}")
    at = _click(at, "share_confirm")
    assert stored_dashboard(connect_env, dashboard["id"])["sharing"]["enabled"] is True
    (entry,) = Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()
    assert (entry.action_key, entry.resource) == ("dashboard.share_publicly", "dashboard")
    assert entry.path.endswith(f"/dashboards/{dashboard['id']}/sharing/")
