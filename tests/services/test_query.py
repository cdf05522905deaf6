"""`client.query`: fleet metrics in one HogQL request, the same numbers as the per-function
totals, and the fallback when the key cannot query. Real HTTP against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services import PostHogClient
from services.errors import MissingScope, ServerError, ValidationFailed
from services.query import NO_QUERY_SCOPE_REASON, HogQLResponse

DAYS = 2


def _hour() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def same_hour(read):
    """Run `read` again if the clock crossed an hour boundary meanwhile: relative windows
    (`-2d`, `now() - INTERVAL 2 DAY`) only match when read within the same hour."""
    for _ in range(2):
        hour = _hour()
        result = read()
        if _hour() == hour:
            return result
    raise AssertionError("the hour changed twice while reading")


def query_requests(emulator) -> list:
    return [r for r in emulator.requests if r.path.rstrip("/").endswith("/query")]


def test_hogql_returns_a_typed_response(client):
    response = client.query.hogql(
        "SELECT metric_name, sum(count) AS total FROM app_metrics "
        "WHERE timestamp >= now() - INTERVAL 3 HOUR GROUP BY metric_name ORDER BY metric_name "
        "LIMIT 100"
    )
    assert isinstance(response, HogQLResponse)
    assert response.columns == ["metric_name", "total"]
    assert response.rows() and set(response.rows()[0]) == {"metric_name", "total"}
    assert response.has_more is None and response.limit is None  # explicit LIMIT
    assert response.is_cached is False and "LIMIT 100" in (response.hogql or "")


def test_fleet_totals_equal_metrics_totals_for_every_function(client, emulator):
    ids = [f.id for f in client.hog_functions.list()]
    assert len(ids) >= 250

    def read():
        emulator.clear_requests()
        totals = client.query.hog_function_totals(days=DAYS)
        sent = len(emulator.requests)
        each = {
            fid: client.hog_functions.metrics_totals(fid, after=f"-{DAYS}d", breakdown_by="name")
            for fid in ids
        }
        return totals, sent, each

    totals, sent, each = same_hour(read)
    assert sent == 1
    for fid in ids:
        assert totals.get(fid, {}) == each[fid], fid
    assert sum(len(v) for v in totals.values()) > 300


def test_pages_by_keyset_when_a_page_is_full(client, emulator):
    emulator.query_offset_allowed = False  # newest PostHog: OFFSET refused for API keys

    def read():
        whole = client.query.hog_function_totals(days=1)
        emulator.clear_requests()
        paged = client.query.hog_function_totals(days=1, page_size=100)
        return whole, paged, query_requests(emulator)

    whole, paged, sent = same_hour(read)
    assert paged == whole
    rows = sum(len(names) for names in whole.values())
    assert len(sent) == rows // 100 + 1
    assert all("LIMIT 100" in r.json["query"]["query"] for r in sent)
    assert not any("OFFSET" in r.json["query"]["query"] for r in sent)


def test_daily_series_sums_equal_the_totals(client):
    def read():
        return client.query.hog_function_totals(days=DAYS), client.query.hog_function_daily(
            days=DAYS
        )

    totals, daily = same_hour(read)
    today = datetime.now(UTC).date()
    assert daily.days[-1] == today
    assert daily.days[0] == today - timedelta(days=DAYS)
    assert [(b - a).days for a, b in zip(daily.days[:-1], daily.days[1:], strict=True)] == [
        1
    ] * DAYS
    names = {name for per_function in totals.values() for name in per_function}
    assert set(daily.series) == names
    for name in names:
        assert len(daily.series[name]) == len(daily.days)
        assert daily.total(name) == sum(t.get(name, 0) for t in totals.values())


def test_a_key_without_query_read_gets_missing_scope(client_for, emulator):
    no_query = client_for(emulator.no_query_key)
    with pytest.raises(MissingScope) as raised:
        no_query.query.hog_function_totals()
    assert raised.value.scope == "query:read"
    assert "`query:read`" in str(raised.value)
    assert no_query.hog_functions.list(page_size=5)  # everything else still works


def test_fleet_totals_fall_back_per_function_and_say_why(client, client_for, emulator):
    no_query = client_for(emulator.no_query_key)
    ids = [f.id for f in no_query.hog_functions.list()][:40]
    progress: list[tuple[int, int]] = []

    def read():
        emulator.clear_requests()
        fleet = no_query.query.fleet_totals(
            days=DAYS,
            fallback=lambda: no_query.query.per_function_totals(
                ids, days=DAYS, on_progress=lambda done, total: progress.append((done, total))
            ),
        )
        return fleet, len(emulator.requests), client.query.hog_function_totals(days=DAYS)

    fleet, sent, by_query = same_hour(read)
    assert fleet.source == "per_function"
    assert fleet.reason == NO_QUERY_SCOPE_REASON
    assert "query:read" in fleet.reason and "faster" in fleet.reason
    assert sent == 1 + len(ids)  # the refused query, then one request per function
    assert progress[-1] == (len(ids), len(ids))
    assert not fleet.failed
    for fid in ids:
        assert fleet.totals[fid] == by_query.get(fid, {})


def test_fleet_totals_use_one_query_when_they_can(client, emulator):
    emulator.clear_requests()
    fleet = client.query.fleet_totals(days=1, fallback=lambda: pytest.fail("fell back"))
    assert (fleet.source, fleet.reason, fleet.failed) == ("query", None, {})
    assert fleet.totals and len(emulator.requests) == 1


def test_any_other_query_error_falls_back_and_says_so(client, emulator):
    emulator.inject_fault("status", path_contains="/query", status=500, times=1)
    fleet = client.query.fleet_totals(days=1, fallback=lambda: {"f1": {"succeeded": 3}})
    assert fleet.source == "per_function"
    assert fleet.totals == {"f1": {"succeeded": 3}}
    assert "did not answer" in fleet.reason and "one function at a time" in fleet.reason
    emulator.inject_fault("status", path_contains="/query", status=500, times=1)
    with pytest.raises(ServerError) as raised:
        client.query.fleet_totals(days=1)
    assert not raised.value.outcome_unknown  # a query is a read


def test_fallback_failures_are_kept_apart(client, emulator):
    boom = ServerError(500, None)
    emulator.inject_fault("status", path_contains="/query", status=500, times=1)
    fleet = client.query.fleet_totals(days=1, fallback=lambda: {"a": {"failed": 1}, "b": boom})
    assert fleet.totals == {"a": {"failed": 1}} and fleet.failed == {"b": boom}


def test_reads_are_retried_and_run_in_audit_mode_without_the_journal(emulator, sleeps):
    client = PostHogClient(
        host=emulator.url,
        api_key=emulator.demo_key,
        project_id=emulator.project_id,
        read_only=True,
        sleep=sleeps.append,
    )
    heard = []
    client.transport.write_listeners.append(lambda *args: heard.append(args))
    emulator.inject_fault("status", path_contains="/query", status=503, times=1)
    assert client.query.hog_function_totals(days=1)
    assert len(sleeps) == 1 and not heard


def test_hogql_errors_are_validation_errors(client):
    with pytest.raises(ValidationFailed, match="Unknown table `evnts`."):
        client.query.hogql("SELECT count() FROM evnts LIMIT 1")
    with pytest.raises(ValidationFailed, match="Syntax error"):
        client.query.hogql("SELECT count( FROM app_metrics")


def test_totals_belong_to_the_clients_project(client_for, emulator):
    staging = client_for(emulator.demo_key, project_id=2)
    totals = staging.query.hog_function_totals(days=1)
    project_2 = {f["id"] for f in emulator.stored_hog_functions(2)}
    assert totals and set(totals) <= project_2
    with pytest.raises(ValueError):
        staging.query.hog_function_totals(days=91)
