"""The Audit page under AppTest against the emulator: unused insights for N days and
everything shared publicly, compared with what the emulator stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from emulator.analytics import live_insights, stored_dashboards, stored_insight
from emulator.server import Key

UNUSED = """
from components.analytics import audit as analytics_audit
from components.shared.connection import get_client
analytics_audit.render_unused(get_client())
"""
DETAIL = """
import streamlit as st
from components.insights import insight_detail
from components.shared.connection import get_client
insight_detail.render(get_client(), st.session_state["ident"])
"""
SHARED = """
from components.analytics import audit as analytics_audit
from components.shared.connection import get_client
analytics_audit.render_shared(get_client())
"""


def _unused_ids(emulator, days: int) -> set[int]:
    cutoff = datetime.now(UTC) - timedelta(days=days)
    return {
        i["id"]
        for i in live_insights(emulator)
        if not i["dashboards"] and (i["last_viewed_at"] or i["created_at"]) < cutoff
    }


def test_unused_insights_follow_the_days_and_link_to_each_insight(connect_env, run_script):
    at = run_script(UNUSED)
    assert not at.exception
    assert at.number_input(key="audit_unused_days").value == 30
    frame = at.dataframe[0].value
    expected = _unused_ids(connect_env, 30)
    assert expected and set(frame["id"]) == expected
    assert list(frame["Link"]) == [f"insights?id={i}" for i in frame["id"]]
    assert len(at.get("download_button")) == 1
    at.number_input(key="audit_unused_days").set_value(365).run()
    longer = set(at.dataframe[0].value["id"])
    assert longer == _unused_ids(connect_env, 365)
    assert longer < expected  # fewer insights unused for a year than for a month
    assert not [r for r in connect_env.requests if r.method != "GET"]


def test_shared_publicly_lists_dashboards_and_insights_with_sharing_on(connect_env, run_script):
    at = run_script(SHARED)
    assert not at.exception
    frame = at.dataframe[0].value
    dashboards = {
        d["id"]: d
        for d in stored_dashboards(connect_env)
        if not d["deleted"] and (d["sharing"] or {}).get("enabled")
    }
    insights = {
        i["id"]: i for i in live_insights(connect_env) if (i["sharing"] or {}).get("enabled")
    }
    assert dashboards and insights
    got = {(kind, i) for kind, i in zip(frame["Kind"], frame["id"], strict=True)}
    assert got == {("Dashboard", i) for i in dashboards} | {("Insight", i) for i in insights}
    for _, row in frame.iterrows():
        stored = (dashboards if row["Kind"] == "Dashboard" else insights)[row["id"]]
        assert row["Public link"] == f"{connect_env.url}/shared/{stored['sharing']['access_token']}"
        assert row["Link"] == f"{row['Kind'].lower()}s?id={row['id']}"
    assert len(at.get("download_button")) == 1
    # one sharing read per live insight, besides the lists
    reads = [r for r in connect_env.requests if r.path.endswith("/sharing/")]
    assert len(reads) == len(live_insights(connect_env)) + len(dashboards)


def test_a_key_without_the_sharing_scope_is_explained(connect_env, run_script, monkeypatch):
    key = "phx_no_sharing_scope"
    connect_env.keys[key] = Key({"insight:read", "dashboard:read", "user:read", "project:read"})
    monkeypatch.setenv("POSTHOG_PERSONAL_API_KEY", key)
    at = run_script(SHARED)
    assert not at.exception
    assert len(at.warning) == 1
    assert "`sharing_configuration:read`" in at.warning[0].value
    assert not at.dataframe


def test_page_has_both_audits_and_reads_sharing_only_when_asked(connect_env, app):
    app.run()
    connect_env.clear_requests()
    app.switch_page("pages/analytics-audit.py").run()
    assert not app.exception
    assert app.title[0].value == "Audit"
    assert [t.label for t in app.tabs] == ["Unused insights", "Shared publicly"]
    assert len(app.dataframe) == 1  # the unused insights; sharing waits for its tab
    assert not [r for r in connect_env.requests if "/sharing" in r.path]


def test_the_sharing_audit_is_read_again_only_after_a_write_that_touches_it(
    connect_env, run_script, monkeypatch
):
    from components.shared import data
    from services import PostHogClient
    from services.ratelimit import RateLimiter

    # three audits read ~500 insight sharings: more than PostHog's 240 a minute, which is
    # not what this test is about
    roomy = RateLimiter(((100_000, 60.0),))
    monkeypatch.setattr("services.transport.limiter_for", lambda *_: roomy)

    client = PostHogClient(
        host=connect_env.url, api_key=connect_env.demo_key, project_id=connect_env.project_id
    )

    def sharing_reads() -> int:
        connect_env.clear_requests()
        data.shared_publicly(client)
        return len([r for r in connect_env.requests if r.path.split("?")[0].endswith("/sharing/")])

    shared = next(i for i in live_insights(connect_env) if (i["sharing"] or {}).get("enabled"))
    unshared = next(
        i for i in live_insights(connect_env) if not (i["sharing"] or {}).get("enabled")
    )
    assert sharing_reads() > 1  # cold: one read per insight

    # favoriting an insight nobody shares leaves the audit alone
    at = run_script(DETAIL, ident=str(unshared["id"]))
    at.button(key=f"ins_detail_favorite_{unshared['id']}").click().run()
    assert stored_insight(connect_env, unshared["id"])["favorited"] is not unshared["favorited"]
    assert sharing_reads() == 0

    # renaming a shared one changes what the audit shows: read again
    at = run_script(DETAIL, ident=str(shared["id"]))
    next(t for t in at.text_input if t.label == "Name").input("Renamed while shared")
    next(b for b in at.button if (b.key or "").endswith("_save")).click().run()
    assert stored_insight(connect_env, shared["id"])["name"] == "Renamed while shared"
    assert sharing_reads() > 1


def test_a_slow_sharing_audit_shows_what_arrived_and_retries_the_rest(
    connect_env, run_script, monkeypatch
):
    monkeypatch.setenv("POSTHOG_CONSOLE_FANOUT_DEADLINE", "2")
    connect_env.inject_fault("delay", delay_ms=6_000, path_contains="/sharing", times=100_000)
    connect_env.clear_requests()
    at = run_script(SHARED)
    assert not at.exception
    sent = [r for r in connect_env.requests if r.path.split("?")[0].endswith("/sharing/")]
    assert len(sent) <= 8  # the first wave of workers; the rest was never sent
    [missing] = [w.value for w in at.warning if "not loaded" in w.value]
    assert "did not answer within 2 s" in missing
    unchecked = int(missing.split()[0])
    assert unchecked > 100

    connect_env.clear_faults()
    connect_env.clear_requests()
    at.button(key="audit_shared_missing_retry").click().run()
    sent = [r for r in connect_env.requests if r.path.split("?")[0].endswith("/sharing/")]
    assert 0 < len(sent) <= unchecked  # only the unchecked ones are asked again
    after = [w.value for w in at.warning if "not loaded" in w.value]
    assert not after or int(after[0].split()[0]) < unchecked  # what arrived is kept
    assert len(at.dataframe[0].value) >= 1
