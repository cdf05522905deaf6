"""Metrics and Logs tabs under AppTest, against the emulator (the Test tab and the
transformation order are in test_invocation_and_order.py)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pyarrow as pa

from services import PostHogClient

METRICS = """
import streamlit as st
from components.hog_functions import metrics as hog_function_metrics
from components.shared.connection import get_client
hog_function_metrics.render(get_client(), st.session_state["function_id"], key="m")
"""
LOGS = """
import streamlit as st
from components.shared import log_viewer
from components.shared.connection import get_client
log_viewer.render_for_function(get_client(), st.session_state["function_id"], key="l")
"""


def _busy_destination(emulator) -> dict:
    return next(
        f
        for f in emulator.stored_hog_functions(1)
        if f["type"] == "destination" and f["enabled"] and not f["deleted"]
    )


def _requests_to(emulator, suffix: str) -> list:
    return [r for r in emulator.requests if r.path.endswith(suffix)]


# --- metrics --------------------------------------------------------------------------------


def test_metric_cards_match_posthog_totals_and_chart_has_the_series(connect_env, run_script):
    fn = _busy_destination(connect_env)
    at = run_script(METRICS, function_id=fn["id"])
    assert not at.exception
    totals_request = _requests_to(connect_env, "/metrics/totals/")[0]
    client = PostHogClient(host=connect_env.url, api_key=connect_env.demo_key, project_id=1)
    totals = client.hog_functions.metrics_totals(
        fn["id"],
        after=totals_request.query["after"][0],
        before=totals_request.query["before"][0],
        breakdown_by="name",
    )
    cards = {m.label: m.value for m in at.metric}
    assert cards["Succeeded"] == f"{totals.get('succeeded', 0):,}"
    assert cards["Failed"] == f"{totals.get('failed', 0):,}"
    chart = at.get("vega_lite_chart")[0].proto
    spec = json.loads(chart.spec)
    assert spec["encoding"]["color"]["field"] == "metric"
    rows = pa.ipc.open_stream(chart.datasets[0].data.data).read_pandas()
    series = client.hog_functions.metrics(fn["id"], after="-7d")
    assert set(rows["metric"]) == {s["name"] for s in series.series}


def test_invalid_custom_range_sends_nothing(connect_env, run_script):
    fn = _busy_destination(connect_env)
    at = run_script(METRICS, function_id=fn["id"])
    at.selectbox(key="m_range").set_value("Custom").run()
    connect_env.clear_requests()
    at.date_input(key="m_from").set_value(date.today()).run()
    at.date_input(key="m_to").set_value(date.today() - timedelta(days=3)).run()
    assert any("start must be before the end" in e.value for e in at.error)
    assert not _requests_to(connect_env, "/metrics/")
    assert not _requests_to(connect_env, "/metrics/totals/")


def test_hourly_buckets_over_a_month_are_explained_not_sent(connect_env, run_script):
    fn = _busy_destination(connect_env)
    at = run_script(METRICS, function_id=fn["id"])
    at.selectbox(key="m_range").set_value("Last 30 days").run()
    connect_env.clear_requests()
    at.selectbox(key="m_interval").set_value("hour").run()
    assert "up to 8 days" in at.info[0].value
    assert connect_env.requests == []


# --- logs -----------------------------------------------------------------------------------


def test_level_filter_reaches_posthog(connect_env, run_script):
    fn = _busy_destination(connect_env)
    at = run_script(LOGS, function_id=fn["id"])
    at.multiselect(key="l_levels").set_value(["ERROR"]).run()
    assert _requests_to(connect_env, "/logs/")[-1].query["level"] == ["ERROR"]
    assert set(at.dataframe[0].value["Level"]) <= {"ERROR"}


def test_load_older_pages_backwards(connect_env, run_script):
    fn = _busy_destination(connect_env)
    at = run_script(LOGS, function_id=fn["id"])
    at.multiselect(key="l_levels").set_value(["DEBUG", "INFO", "WARN", "ERROR"]).run()
    at.number_input(key="l_limit").set_value(50).run()
    first = len(at.dataframe[0].value)
    oldest = at.dataframe[0].value["Time"].min()
    at.button(key="l_older").click().run()
    sent = _requests_to(connect_env, "/logs/")[-1]
    assert sent.query["before"][0] <= oldest.isoformat().replace("+00:00", "Z")
    assert len(at.dataframe[0].value) > first
    assert at.get("download_button")


def test_one_invocation_is_fetched_by_its_id(connect_env, run_script):
    fn = _busy_destination(connect_env)
    at = run_script(LOGS, function_id=fn["id"])
    at.toggle(key="l_grouped").set_value(True).run()
    groups = at.dataframe[0].value
    invocation = groups["Invocation"].iloc[0]
    at.selectbox(key="l_pick").set_value(invocation).run()
    assert _requests_to(connect_env, "/logs/")[-1].query["instance_id"] == [invocation]
    assert set(at.dataframe[0].value["Invocation"]) == {invocation}
