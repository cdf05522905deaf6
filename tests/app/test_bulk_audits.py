"""Audits that act, under AppTest against the emulator: public sharing turned off for every
shared item of the audit, unused insights deleted in bulk (and restored from the journal), and
"disable every function failing more than X % of at least N deliveries" on the hog functions
page and the Overview, each through the bulk preview."""

from __future__ import annotations

import os

import pytest

from emulator.analytics import live_insights, stored_dashboards, stored_insight
from services import PostHogClient
from services.journal import Journal
from services.query import by_kind
from services.ratelimit import RateLimiter
from tests.app.test_analytics_audit import SHARED, UNUSED, _unused_ids

FAILING = """
from components.hog_functions import failing
from components.shared.connection import get_client
failing.render(get_client())
"""
JOURNAL = """
from components.console import journal
from components.shared.connection import get_client
journal.render(get_client())
"""
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OVERVIEW = f"exec(open({os.path.join(ROOT, 'pages', 'overview.py')!r}).read())"


def _journal() -> Journal:
    return Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"])


def _table(at, column: str):
    """The table that has `column` (AppTest does not expose a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _counts(at) -> str:
    return next(m.value for m in at.markdown if "will change" in m.value)


@pytest.fixture
def roomy(monkeypatch):
    """The audit reads every insight's sharing, and is read again after the batch: more than
    PostHog's 240 a minute, which is not what these tests are about."""
    limiter = RateLimiter(((100_000, 60.0),))
    monkeypatch.setattr("services.transport.limiter_for", lambda *_: limiter)


def _shared(emulator) -> set[tuple[str, int]]:
    dashboards = {
        ("dashboard", d["id"])
        for d in stored_dashboards(emulator)
        if not d["deleted"] and (d["sharing"] or {}).get("enabled")
    }
    insights = {
        ("insight", i["id"]) for i in live_insights(emulator) if (i["sharing"] or {}).get("enabled")
    }
    return dashboards | insights


# --- Audit > Shared publicly ---------------------------------------------------------------


def test_turning_off_sharing_for_everything_shared_leaves_none_with_one_write_each(
    connect_env, run_script, roomy
):
    shared = _shared(connect_env)
    assert {kind for kind, _ in shared} == {"dashboard", "insight"}
    at = run_script(SHARED)
    assert at.button(key="audit_shared_bulk_turn_off").disabled  # none picked yet
    at.checkbox(key="audit_shared_bulk_all").check().run()
    assert any(f"{len(shared)} selected" in c.value for c in at.caption)
    before = len(connect_env.requests)
    at.button(key="audit_shared_bulk_turn_off").click().run()

    assert at.get("dialog")  # nothing is sent before the operator confirms
    assert not [r for r in connect_env.requests[before:] if r.method != "GET"]
    assert f"**{len(shared)}** will change" in _counts(at)
    at.button(key="bulk_preview_confirm").click().run()
    assert not at.exception

    assert not _shared(connect_env)
    writes = [r for r in connect_env.requests[before:] if r.method != "GET"]
    assert all(r.method == "PATCH" and r.json == {"enabled": False} for r in writes)
    written = sorted(
        ("dashboard" if "/dashboards/" in r.path else "insight", int(r.path.split("/")[-3]))
        for r in writes
    )
    assert written == sorted(shared)  # exactly one sharing write per item

    results = _table(at, "Journal entry")
    assert list(results["Outcome"]) == ["done"] * len(shared)
    entries = _journal().entries()
    assert {(e.resource, int(e.object_id)) for e in entries} == shared
    assert {e.action_key for e in entries} == {
        "insight.turn_off_public_sharing",
        "dashboard.turn_off_public_sharing",
    }
    assert len({e.batch_id for e in entries}) == 1 and entries[0].batch_id
    # the audit is read again after the batch: nothing is left to list
    assert any("0 dashboards and 0 insights shared publicly" in c.value for c in at.caption)


def test_sharing_off_skips_an_item_already_not_shared(connect_env, run_script):
    """An item known to be unshared (its sharing read says so) is skipped, not written."""
    at = run_script(
        """
from components.analytics.actions import SHARING
from components.shared import bulk
from components.shared.actions import Target
from components.shared.connection import get_client
from services.analytics_models import SharingConfiguration
import streamlit as st
if st.button("go", key="go"):
    off = SharingConfiguration(enabled=False)
    bulk.offer(get_client(), SHARING["insight"][1], [Target("insight", 1, "Unshared", off)])
"""
    )
    at.button(key="go").click().run()
    assert "**0** will change · **1** skipped: Not shared publicly (1)" in _counts(at)
    assert list(_table(at, "Why")["Why"]) == ["Not shared publicly"]


# --- Audit > Unused insights -----------------------------------------------------------------


def test_unused_insights_deleted_in_bulk_are_journaled_and_restored_by_the_undo(
    connect_env, run_script
):
    unused = _unused_ids(connect_env, 30)
    at = run_script(UNUSED)
    at.checkbox(key="audit_unused_bulk_all").check().run()
    before = len(connect_env.requests)
    at.button(key="audit_unused_bulk_delete_Delete").click().run()
    assert not [r for r in connect_env.requests[before:] if r.method != "GET"]
    assert f"**{len(unused)}** will change" in _counts(at)
    assert at.button(key="bulk_preview_confirm").disabled  # a delete asks for the count
    at.text_input(key="bulk_preview_count").input(str(len(unused))).run()
    at.button(key="bulk_preview_confirm").click().run()
    assert not at.exception

    assert all(stored_insight(connect_env, i)["deleted"] for i in unused)
    writes = [r for r in connect_env.requests[before:] if r.method != "GET"]
    assert sorted(int(r.path.split("/")[-2]) for r in writes) == sorted(unused)
    batch = _journal().entries()
    assert {int(e.object_id) for e in batch} == unused
    assert {(e.action_key, e.outcome) for e in batch} == {("insight.delete", "done")}
    assert len({e.batch_id for e in batch}) == 1
    assert not set(_table(at, "Last viewed")["id"]) & unused  # the audit no longer lists them

    page = run_script(JOURNAL, journal_picked=batch[0].id)
    undo = page.button(key="journal_undo_batch")
    assert undo.label == f"Undo the whole batch ({len(batch)} of {len(batch)} entries)"
    undo.click().run()
    page.button(key="bulk_preview_confirm").click().run()
    assert not any(stored_insight(connect_env, i)["deleted"] for i in unused)
    undos = [e for e in _journal().entries() if e.undoes]
    assert {e.action_key for e in undos} == {"insight.restore"}
    assert {e.undoes for e in undos} == {e.id for e in batch}


# --- failing functions -------------------------------------------------------------------------


def _over(emulator, *, rate: float, volume: int) -> set[str]:
    """Live functions that failed more than `rate` of at least `volume` deliveries in 7 days,
    counted here from one totals query."""
    services = PostHogClient(
        host=emulator.url, api_key=emulator.demo_key, project_id=emulator.project_id
    )
    totals, _previous, kinds = services.query.hog_function_windows(days=7)
    live = {f["id"] for f in emulator.stored_hog_functions(1) if not f["deleted"]}
    picked = set()
    for function_id, names in totals.items():
        counted = by_kind(names, kinds)
        failed, attempted = counted.get("failure", 0), counted.get("success", 0)
        attempted += failed
        if function_id in live and attempted >= volume and failed > rate * attempted:
            picked.add(function_id)
    return picked


def _preview_ids(at, connect_env) -> set[str]:
    names = {f["name"]: f["id"] for f in connect_env.stored_hog_functions(1)}
    shown = list(_table(at, "What will change")["Name"])
    # the skipped ones (already disabled), not the Overview's own table, which has "Why" too
    skipped = [d.value for d in at.dataframe if list(d.value.columns) == ["Name", "Why"]]
    return {names[n] for n in shown + (list(skipped[0]["Name"]) if skipped else [])}


def test_failing_functions_rule_offers_exactly_those_over_the_threshold(connect_env, run_script):
    at = run_script(FAILING)
    at.number_input(key="hf_failing_rate").set_value(30).run()
    at.number_input(key="hf_failing_volume").set_value(50).run()
    expected = _over(connect_env, rate=0.30, volume=50)
    wider = _over(connect_env, rate=0.10, volume=50)
    assert expected and expected < wider  # the threshold matters
    stored = {f["id"]: f for f in connect_env.stored_hog_functions(1)}
    enabled = {i for i in expected if stored[i]["enabled"]}
    assert any(
        f"**{len(expected)}** functions failed more than 30 %" in m.value
        and f"**{len(enabled)}** of them are enabled" in m.value
        for m in at.markdown
    )
    before = len(connect_env.requests)
    at.button(key="hf_failing_offer").click().run()
    assert not [r for r in connect_env.requests[before:] if r.method != "GET"]
    assert _preview_ids(at, connect_env) == expected
    assert f"**{len(enabled)}** will change" in _counts(at)
    at.button(key="bulk_preview_confirm").click().run()

    patches = [r for r in connect_env.requests[before:] if r.method == "PATCH"]
    assert sorted(p.path.split("/")[-2] for p in patches) == sorted(enabled)
    assert all(p.json == {"enabled": False} for p in patches)
    assert len({e.batch_id for e in _journal().entries()}) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hf_failing_rate", 100, "from 0 to 99 %"),
        ("hf_failing_rate", -1, "from 0 to 99 %"),
        ("hf_failing_volume", 0, "whole number of deliveries"),
    ],
)
def test_failing_functions_refuse_bad_thresholds_at_their_field(
    connect_env, run_script, field, value, message
):
    at = run_script(FAILING)
    at.number_input(key=field).set_value(value).run()
    assert [e.value for e in at.error if message in e.value]
    assert not [b for b in at.button if b.key == "hf_failing_offer"]


def test_the_overview_offers_the_same_disable_of_failing_functions(connect_env, run_script):
    at = run_script(OVERVIEW)
    assert not at.exception
    expected = _over(connect_env, rate=0.10, volume=100)
    assert expected
    at.button(key="ov_attention_failing_offer").click().run()
    assert at.get("dialog")
    assert _preview_ids(at, connect_env) == expected
