"""Metrics, Logs, Test and Transformation order under AppTest, against the emulator."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from services import PostHogClient

METRICS = """
import streamlit as st
from components import hog_function_metrics
from components.connection import get_client
hog_function_metrics.render(get_client(), st.session_state["function_id"], key="m")
"""
LOGS = """
import streamlit as st
from components import log_viewer
from components.connection import get_client
log_viewer.render_for_function(get_client(), st.session_state["function_id"], key="l")
"""
TEST = """
import streamlit as st
from components import invocation_test
from components.connection import get_client
invocation_test.render(
    get_client(),
    function_id=st.session_state["function_id"],
    configuration=st.session_state["configuration"],
    function_type=st.session_state["function_type"],
    key="t",
)
"""
ORDER = """
from components import transformation_order
from components.connection import get_client
transformation_order.render(get_client(), key="o")
"""


def _run(script: str, **state) -> AppTest:
    at = AppTest.from_string(script, default_timeout=60)
    for name, value in state.items():
        at.session_state[name] = value
    return at.run()


def _busy_destination(emulator) -> dict:
    return next(
        f
        for f in emulator.stored_hog_functions(1)
        if f["type"] == "destination" and f["enabled"] and not f["deleted"]
    )


def _requests_to(emulator, suffix: str) -> list:
    return [r for r in emulator.requests if r.path.endswith(suffix)]


# --- metrics --------------------------------------------------------------------------------


def test_metric_cards_match_posthog_totals_and_chart_has_the_series(connect_env):
    fn = _busy_destination(connect_env)
    at = _run(METRICS, function_id=fn["id"])
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


def test_invalid_custom_range_sends_nothing(connect_env):
    fn = _busy_destination(connect_env)
    at = _run(METRICS, function_id=fn["id"])
    at.selectbox(key="m_range").set_value("Custom").run()
    connect_env.clear_requests()
    at.date_input(key="m_from").set_value(date.today()).run()
    at.date_input(key="m_to").set_value(date.today() - timedelta(days=3)).run()
    assert any("start must be before the end" in e.value for e in at.error)
    assert not _requests_to(connect_env, "/metrics/")
    assert not _requests_to(connect_env, "/metrics/totals/")


def test_hourly_buckets_over_a_month_are_explained_not_sent(connect_env):
    fn = _busy_destination(connect_env)
    at = _run(METRICS, function_id=fn["id"])
    at.selectbox(key="m_range").set_value("Last 30 days").run()
    connect_env.clear_requests()
    at.selectbox(key="m_interval").set_value("hour").run()
    assert "up to 8 days" in at.info[0].value
    assert connect_env.requests == []


# --- logs -----------------------------------------------------------------------------------


def test_level_filter_reaches_posthog(connect_env):
    fn = _busy_destination(connect_env)
    at = _run(LOGS, function_id=fn["id"])
    at.multiselect(key="l_levels").set_value(["ERROR"]).run()
    assert _requests_to(connect_env, "/logs/")[-1].query["level"] == ["ERROR"]
    assert set(at.dataframe[0].value["Level"]) <= {"ERROR"}


def test_load_older_pages_backwards(connect_env):
    fn = _busy_destination(connect_env)
    at = _run(LOGS, function_id=fn["id"])
    at.multiselect(key="l_levels").set_value(["DEBUG", "INFO", "WARN", "ERROR"]).run()
    at.number_input(key="l_limit").set_value(50).run()
    first = len(at.dataframe[0].value)
    oldest = at.dataframe[0].value["Time"].min()
    at.button(key="l_older").click().run()
    sent = _requests_to(connect_env, "/logs/")[-1]
    assert sent.query["before"][0] <= oldest.isoformat().replace("+00:00", "Z")
    assert len(at.dataframe[0].value) > first
    assert at.get("download_button")


def test_one_invocation_is_fetched_by_its_id(connect_env):
    fn = _busy_destination(connect_env)
    at = _run(LOGS, function_id=fn["id"])
    at.toggle(key="l_grouped").set_value(True).run()
    groups = at.dataframe[0].value
    invocation = groups["Invocation"].iloc[0]
    at.selectbox(key="l_pick").set_value(invocation).run()
    assert _requests_to(connect_env, "/logs/")[-1].query["instance_id"] == [invocation]
    assert set(at.dataframe[0].value["Invocation"]) == {invocation}


# --- test runs --------------------------------------------------------------------------------


def _transformation(emulator) -> dict:
    return next(
        f
        for f in emulator.stored_hog_functions(1)
        if f["type"] == "transformation" and not f["deleted"]
    )


def test_test_run_sends_the_unsaved_configuration_with_mocks_on(connect_env):
    fn = _transformation(connect_env)
    config = {
        "type": "transformation",
        "name": fn["name"],
        "hog": "return event // unsaved",
        "inputs_schema": [],
        "inputs": {},
    }
    at = _run(TEST, function_id=fn["id"], configuration=config, function_type="transformation")
    at.button(key="t_run").click().run()
    assert not at.exception
    (sent,) = _requests_to(connect_env, "/invocations/")
    assert sent.json["configuration"] == config
    assert sent.json["mock_async_functions"] is True
    assert "$transformed_by" in json.dumps(at.json[0].value)
    assert "Success" in at.success[0].value


def test_test_run_can_make_real_calls_and_shows_errors(connect_env):
    fn = _transformation(connect_env)
    config = {"type": "transformation", "hog": "throw('boom')", "inputs_schema": [], "inputs": {}}
    at = _run(TEST, function_id=fn["id"], configuration=config, function_type="transformation")
    at.toggle(key="t_mock").set_value(False).run()
    at.button(key="t_run").click().run()
    (sent,) = _requests_to(connect_env, "/invocations/")
    assert sent.json["mock_async_functions"] is False
    assert "Error" in at.error[0].value


def test_invalid_globals_send_nothing(connect_env):
    fn = _transformation(connect_env)
    at = _run(TEST, function_id=fn["id"], configuration={}, function_type="transformation")
    at.text_area(key="t_globals").input("{broken").run()
    assert "Not valid JSON" in at.error[0].value
    assert at.button(key="t_run").disabled
    assert not _requests_to(connect_env, "/invocations/")


def test_site_apps_explain_why_they_cannot_run(connect_env):
    fn = next(f for f in connect_env.stored_hog_functions(1) if f["type"] == "site_app")
    at = _run(TEST, function_id=fn["id"], configuration={}, function_type="site_app")
    assert "browsers" in at.info[0].value
    assert not [b for b in at.button if b.key == "t_run"]


# --- transformation order ---------------------------------------------------------------------


def test_reorder_saves_only_the_moved_transformations(connect_env):
    at = _run(ORDER)
    assert at.button(key="o_save").disabled
    draft = at.session_state["o_draft"]
    first, second = draft[0], draft[1]
    at.button(key=f"o_up_{second}").click().run()
    assert "Will change" in at.info[0].value
    at.button(key="o_save").click().run()
    (sent,) = _requests_to(connect_env, "rearrange/")
    assert sent.json == {"orders": {second: 1, first: 2}}
    assert connect_env.stored_hog_function(second)["execution_order"] == 1
    assert connect_env.stored_hog_function(first)["execution_order"] == 2


def test_order_shows_the_cap(connect_env):
    at = _run(ORDER)
    enabled = [
        f
        for f in connect_env.stored_hog_functions(1)
        if f["type"] == "transformation" and f["enabled"] and not f["deleted"]
    ]
    assert f"{len(enabled)} of 20 enabled transformations" in at.caption[0].value
