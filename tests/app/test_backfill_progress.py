"""A running backfill's progress refresh reads that one backfill, not the whole list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

REFRESHING = """
import streamlit as st
from components.batch_exports import backfills
from components.shared import data
from components.shared.connection import get_client

client = get_client()
export = data.batch_export(client, st.session_state["export_id"])
if st.session_state.pop("refresh", False):
    # what the fragment's timer runs between two full runs of the page
    backfills.live_list(client, export, "bf", st.session_state["listed"])
else:
    backfills.render(client, export, key="bf")
    st.session_state["listed"] = data.export_backfills(client, export.id)
"""


def _running(emulator) -> tuple[dict, dict]:
    export = next(x for x in emulator.batch_exports.values() if x["name"] == "BigQuery marketing")
    backfill = next(
        b
        for b in emulator.backfills.values()
        if b["batch_export"] == export["id"] and not b["status"]
    )
    return export, backfill


def _gets(emulator) -> list[str]:
    return [r.path for r in emulator.requests if r.method == "GET" and "/backfills" in r.path]


def _runs_shown(at) -> list[str]:
    return list(at.dataframe[0].value["Runs"])


def test_a_refresh_reads_the_running_backfill_alone(connect_env, run_script):
    export, backfill = _running(connect_env)
    at = run_script(REFRESHING, export_id=export["id"])
    assert not at.exception
    assert "1 running · refreshing every 3 seconds" in [c.value for c in at.caption]
    assert "6 of 60" in _runs_shown(at)
    connect_env.clear_requests()
    backfill["created_at"] -= timedelta(minutes=30)  # 30 more runs done since
    at.session_state["refresh"] = True
    at.run()
    assert not at.exception
    base = f"/api/projects/{connect_env.project_id}/batch_exports/{export['id']}/backfills/"
    assert _gets(connect_env) == [f"{base}{backfill['id']}/"]  # never the list
    assert "36 of 60" in _runs_shown(at) and "30 of 30" in _runs_shown(at)


def test_a_backfill_seen_finishing_reloads_the_tab_without_offering_cancel(connect_env, run_script):
    export, backfill = _running(connect_env)
    at = run_script(REFRESHING, export_id=export["id"])
    assert at.selectbox(key="bf_pick").options  # it can be cancelled while it runs
    backfill.update(status="Completed", finished_runs=60, finished_at=datetime.now(UTC))
    at.session_state["refresh"] = True
    at.run()
    assert not at.exception
    # the whole tab ran again: the finished backfill is no longer offered for cancelling and
    # no longer refreshed, even though the list read a moment ago still says it runs
    assert not [s for s in at.selectbox if s.key == "bf_pick"]
    assert not [c for c in at.caption if "refreshing" in c.value]
    assert "60 of 60" in _runs_shown(at)
