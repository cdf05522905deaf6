"""The Overview page and the hog functions list's fleet totals under AppTest, against the
emulator over loopback: one query with a key that has `query:read`, the per-function
fallback without it, the needs-attention table and its actions through the runner."""

from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

from services import PostHogClient, breaker
from services.fleet import Thresholds, delivery
from services.journal import Journal

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OVERVIEW = os.path.join(ROOT, "pages", "overview.py")
LIST = """
from components.hog_functions import function_list as hog_function_list
from components.shared.connection import get_client
hog_function_list.render(get_client())
"""


# the page script as app.py runs it: the runner's outcome before, its question after
PAGE = f"exec(open({OVERVIEW!r}).read())"


@pytest.fixture
def overview(run_script):
    return lambda: run_script(PAGE)


def _services(emulator, key=None) -> PostHogClient:
    return PostHogClient(
        host=emulator.url, api_key=key or emulator.demo_key, project_id=emulator.project_id
    )


def _per_function_totals(emulator) -> list:
    return [r for r in emulator.requests if "/metrics/totals" in r.path]


def _queries(emulator) -> list:
    return [r for r in emulator.requests if r.method == "POST" and r.path.endswith("/query/")]


def _by_kind(emulator, function_ids) -> dict[str, dict[str, int]]:
    """The server's own totals by kind, one `/metrics/totals/` per function."""
    services = _services(emulator)
    return {fid: services.hog_functions.metrics_totals(fid, after="-7d") for fid in function_ids}


def _attention(at: AppTest):
    return next(d.value for d in at.dataframe if d.key == "ov_attention_table")


def _speed_notes(at: AppTest) -> list[str]:
    return [i.value for i in at.info if "query:read" in i.value]


@pytest.fixture
def no_query_env(connect_env, monkeypatch):
    monkeypatch.setenv("POSTHOG_PERSONAL_API_KEY", connect_env.no_query_key)
    return connect_env


# --- the hog functions list ---------------------------------------------------------------------


def test_list_reads_totals_in_one_query_equal_to_metrics_totals(connect_env, run_script):
    connect_env.clear_requests()
    at = run_script(LIST)
    assert not at.exception
    assert len(_queries(connect_env)) == 1
    assert not _per_function_totals(connect_env)
    assert not _speed_notes(at)
    frame = at.dataframe[0].value
    server = _by_kind(connect_env, list(frame["id"]))
    for row in frame.to_dict("records"):
        assert row["Succeeded 7d"] == server[row["id"]].get("success", 0), row["Name"]
        assert row["Failed 7d"] == server[row["id"]].get("failure", 0), row["Name"]
    connect_env.clear_requests()
    at.run()
    assert connect_env.requests == []  # a warm rerun sends nothing


def test_list_falls_back_without_query_read_says_so_once_and_shows_the_same(
    no_query_env, run_script
):
    with_query = _services(no_query_env).query.hog_function_totals(days=7)
    no_query_env.clear_requests()
    at = run_script(LIST)
    assert not at.exception
    assert len(_speed_notes(at)) == 1  # said once
    assert "much faster" in _speed_notes(at)[0]
    frame = at.dataframe[0].value
    assert len(_per_function_totals(no_query_env)) == len(frame)
    for row in frame.to_dict("records"):
        expected = delivery(with_query.get(row["id"]))
        assert (row["Succeeded 7d"], row["Failed 7d"]) == (expected.succeeded, expected.failed)


def test_list_opens_filtered_from_an_overview_link(connect_env, run_script):
    at = AppTest.from_string(LIST, default_timeout=60)
    at.query_params["health"] = ["Degraded", "Disabled by PostHog"]
    at.query_params["type"] = "destination"
    at.run()
    frame = at.dataframe[0].value
    assert len(frame)
    assert set(frame["Type"]) == {"Destinations"}
    assert {h.split(" ", 1)[1] for h in frame["Health"]} <= {"Degraded", "Disabled by PostHog"}


# --- the Overview -------------------------------------------------------------------------------


def test_overview_sends_one_totals_query_and_its_numbers_equal_metrics_totals(
    connect_env, overview
):
    connect_env.clear_requests()
    at = overview()
    assert not at.exception
    assert not _per_function_totals(connect_env)
    assert len(_queries(connect_env)) == 2  # the totals (two windows) and the daily series
    titles = [m.label for m in at.metric]
    assert titles == [
        "Destinations failing",
        "Degraded or disabled by PostHog",
        "Exports whose latest runs failed",
        f"Exports paused over {Thresholds().paused_days} days",
        "Backfills running",
        "Legacy plugins with errors",
    ]
    assert all(m.value not in ("", "–") for m in at.metric)
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    table = _attention(at)
    functions = table[table["What"] == "Hog function"]
    server = _by_kind(connect_env, list(functions["id"]))
    for row in functions.itertuples():
        attempted = server[row.id].get("success", 0) + server[row.id].get("failure", 0)
        assert (row.Failed, row.Deliveries) == (server[row.id].get("failure", 0), attempted)
    connect_env.clear_requests()
    at.run()
    assert connect_env.requests == []


def test_needs_attention_lists_the_worst_functions_and_failing_exports(connect_env, overview):
    at = overview()
    table = _attention(at)
    services = _services(connect_env)
    limits = Thresholds()
    totals = services.query.hog_function_totals(days=7)
    failing = {
        f.id: delivery(totals.get(f.id)).rate
        for f in services.hog_functions.list()
        if f.enabled and f.type == "destination" and delivery(totals.get(f.id)).failing(limits)
    }
    worst = max(failing, key=failing.get)
    listed = table[table["What"] == "Hog function"]
    assert set(failing) <= set(listed["id"])
    first_function = listed.iloc[0]
    assert first_function["id"] == worst  # ranked: the highest failure rate first
    assert "deliveries failed since" in first_function["Why"]
    assert first_function["Link"] == f"/hog-functions?id={worst}"
    assert services.hog_functions.get(worst).id == worst  # the deep link's object exists
    failed_exports = [
        x for x in services.batch_exports.list() if _newest_finished_failed(services, x.id)
    ]
    assert failed_exports
    exports = table[table["What"] == "Batch export"]
    for x in failed_exports:
        row = exports[exports["id"] == x.id].iloc[0]
        assert "failed:" in row["Why"]
        assert row["Link"] == f"/batch-exports?id={x.id}"
    assert at.metric[2].value == str(len(failed_exports))


def _newest_finished_failed(services, export_id) -> bool:
    for run in services.batch_exports.runs(export_id, limit=10):
        if run.status in ("Running", "Starting"):
            continue
        return run.status in ("Failed", "FailedRetryable", "FailedBilling")
    return False


def test_disable_the_worst_function_from_the_table_through_the_runner(connect_env, overview):
    at = overview()
    table = _attention(at)
    row = table.index[table["What"] == "Hog function"][0]
    function_id = table.loc[row, "id"]
    at.session_state["ov_attention_table"] = {"selection": {"rows": [int(row)], "columns": []}}
    at.run()
    at.button(key="ov_attention_disable").click().run()
    assert at.button(key="hf_confirm_disable")  # asked first, nothing sent yet
    assert not [r for r in connect_env.requests if r.method == "PATCH"]
    at.button(key="hf_confirm_disable").click().run()
    assert not at.exception
    assert (
        connect_env.stored_hog_functions(1)
        and not next(f for f in connect_env.stored_hog_functions(1) if f["id"] == function_id)[
            "enabled"
        ]
    )
    entries = Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()
    assert [(e.action_key, e.object_id, e.outcome) for e in entries] == [
        ("hog_function.disable", function_id, "done")
    ]


def test_pause_a_failing_export_from_the_table_through_the_runner(connect_env, overview):
    at = overview()
    table = _attention(at)
    rows = table.index[(table["What"] == "Batch export") & (table["Action"] == "Pause")]
    row = rows[0]
    export_id = table.loc[row, "id"]
    at.session_state["ov_attention_table"] = {"selection": {"rows": [int(row)], "columns": []}}
    at.run()
    at.button(key="ov_attention_pause").click().run()
    confirm = next(b for b in at.button if b.label == "Pause")
    confirm.click().run()
    assert not at.exception
    assert _services(connect_env).batch_exports.get(export_id).paused
    entries = Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()
    assert [(e.action_key, e.object_id, e.outcome) for e in entries] == [
        ("batch_export.pause", export_id, "done")
    ]


def test_thresholds_change_what_is_listed(connect_env, overview):
    at = overview()
    before = _attention(at)
    count = int(at.metric[0].value)
    functions = before[before["What"] == "Hog function"]
    rates = functions["Failed"] / functions["Deliveries"]
    assert (rates >= 0.10).any() and (rates < 0.95).any()
    at.number_input(key="ov_rate").set_value(95).run()
    after = _attention(at)
    kept = after[after["Why"].str.contains("deliveries failed since")]
    assert len(kept) < len(functions[functions["Why"].str.contains("deliveries failed since")])
    assert all(kept["Failed"] / kept["Deliveries"] >= 0.95)
    assert int(at.metric[0].value) < count
    at.number_input(key="ov_rate").set_value(10).run()
    at.number_input(key="ov_volume").set_value(10_000_000).run()
    after = _attention(at)
    assert not after["Why"].str.contains("deliveries failed").any()
    assert at.metric[0].value == "0"


def test_overview_falls_back_without_query_read_says_so_once_and_shows_the_same(
    no_query_env, overview
):
    services = _services(no_query_env)
    with_query = services.query.hog_function_totals(days=7)
    no_query_env.clear_requests()
    at = overview()
    assert not at.exception
    notes = _speed_notes(at)
    assert len(notes) == 1 and "much faster" in notes[0]
    assert _per_function_totals(no_query_env)
    assert any("needs PostHog's query API" in c.value for c in at.caption)  # the chart says why
    assert len(_queries(no_query_env)) == 1  # refused once, not asked again for the chart
    table = _attention(at)
    for row in table[table["What"] == "Hog function"].itertuples():
        expected = delivery(with_query.get(row.id))
        assert (row.Failed, row.Deliveries) == (expected.failed, expected.attempted)


def test_a_failing_source_is_marked_while_the_rest_renders(connect_env, overview):
    connect_env.inject_fault("status", method="GET", path_contains="/batch_exports/", times=100)
    at = overview()
    assert not at.exception
    cards = {m.label: m.value for m in at.metric}
    assert cards["Exports whose latest runs failed"] == "–"
    assert int(cards["Destinations failing"]) > 0
    assert any("Could not load" in c.value for c in at.caption)
    assert any("batch exports" in w.value for w in at.warning)
    table = _attention(at)
    assert (table["What"] == "Hog function").any()
    assert not (table["What"] == "Batch export").any()


def test_every_number_can_be_downloaded(connect_env, overview):
    at = overview()
    keys = {b.key for b in at.get("download_button")}
    assert {"ov_csv_cards", "ov_csv_attention", "ov_csv_daily", "ov_csv_functions"} <= keys


def _missing(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "not loaded" in w.value]


def test_a_failing_fallback_says_why_once_and_retries_only_the_missing(no_query_env, run_script):
    no_query_env.inject_fault("status", status=503, path_contains="/metrics/totals", times=100_000)
    no_query_env.clear_requests()
    at = run_script(LIST)
    assert not at.exception
    sent = len(_per_function_totals(no_query_env))
    frame = at.dataframe[0].value
    assert sent <= 15 < len(frame)  # the breaker stopped the rest: workers + its threshold
    [missing] = _missing(at)  # said once
    assert f"{len(frame)} functions' totals not loaded" in missing
    assert "temporarily unavailable" in missing and "stopped asking" in missing
    assert frame["Succeeded 7d"].isna().all() and set(frame["7d totals"]) == {"not loaded"}

    no_query_env.clear_faults()
    no_query_env.clear_requests()
    at.run()
    assert _per_function_totals(no_query_env) == []  # a rerun does not ask again by itself
    breaker._registry.clear()  # the cool-down, passed
    at.button(key="hf_list_missing_retry").click().run()
    assert not _missing(at)
    assert len(_per_function_totals(no_query_env)) == len(frame)  # only the missing ones
    assert at.dataframe[0].value["Succeeded 7d"].notna().all()
    assert "7d totals" not in at.dataframe[0].value.columns


def test_a_429_on_the_export_runs_names_the_wait_and_sends_no_more(connect_env, overview):
    connect_env.inject_fault("throttle", wait_seconds=30, path_contains="/runs", times=100_000)
    connect_env.clear_requests()
    at = overview()
    assert not at.exception
    runs = [r for r in connect_env.requests if r.path.split("?")[0].endswith("/runs/")]
    assert 0 < len(runs) <= 10  # the first wave of workers only
    [missing] = [w.value for w in at.warning if "batch exports' runs not loaded" in w.value]
    assert "PostHog asked us to wait 30 s" in missing
    assert at.button(key="ov_exports_missing_retry")
