"""The emulator's query API (posthog-api.md §7) over raw HTTP: it executes HogQL over the same
hourly counts `/metrics/` serves, and keeps PostHog's row caps, scope, errors and scoping."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
TOTALS = (
    "SELECT app_source_id, metric_name, sum(count) AS total FROM app_metrics "
    "WHERE app_source = 'hog_function' AND {window} "
    "GROUP BY app_source_id, metric_name ORDER BY app_source_id, metric_name {tail}"
)
DAY_WINDOW = "timestamp >= toStartOfHour(now() - INTERVAL 1 DAY)"


def post(emu: Emulator, sql: str, *, key: str | None = None, project: int = 1, prefix="projects"):
    return requests.post(
        f"{emu.url}/api/{prefix}/{project}/query/",
        json={"query": {"kind": "HogQLQuery", "query": sql}},
        headers={"Authorization": f"Bearer {key or emu.demo_key}"},
        timeout=60,
    )


def rows(emu: Emulator, sql: str, **kwargs) -> list[list]:
    response = post(emu, sql, **kwargs)
    assert response.status_code == 200, response.text[:300]
    return response.json()["results"]


@pytest.fixture(scope="module")
def emu():
    """Shared by the tests that only read (the emulator memoizes the hours it computed)."""
    with Emulator(port=0) as emulator:
        yield emulator


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def test_totals_equal_metrics_totals_for_every_function_over_the_same_hours(emu):
    end = _hour(datetime.now(UTC))
    start = end - timedelta(days=2)
    window = (
        f"timestamp >= '{start:%Y-%m-%d %H:%M:%S}' "
        f"AND timestamp <= toDateTime('{end:%Y-%m-%d %H:%M:%S}')"
    )
    found: dict[str, dict[str, int]] = {}
    for function_id, name, total in rows(emu, TOTALS.format(window=window, tail="LIMIT 50000")):
        found.setdefault(function_id, {})[name] = total
    functions = [f for f in emu.stored_hog_functions(1) if not f["deleted"]]
    assert len(functions) >= 250
    for function in functions:
        expected = requests.get(
            f"{emu.url}/api/projects/1/hog_functions/{function['id']}/metrics/totals/",
            params={"after": start.isoformat(), "before": end.isoformat(), "breakdown_by": "name"},
            headers={"Authorization": f"Bearer {emu.demo_key}"},
            timeout=10,
        ).json()["totals"]
        assert found.get(function["id"], {}) == expected, function["id"]
    assert sum(len(names) for names in found.values()) > 300


def test_without_limit_100_rows_and_has_more(emu):
    response = post(emu, TOTALS.format(window=DAY_WINDOW, tail=""))
    body = response.json()
    assert len(body["results"]) == 100
    assert (body["hasMore"], body["limit"], body["offset"]) == (True, 100, 0)
    few = post(emu, TOTALS.format(window=DAY_WINDOW + " AND metric_name = 'nope'", tail="")).json()
    assert (few["results"], few["hasMore"], few["limit"]) == ([], False, 100)


def test_offset_without_limit_is_reset_to_zero_as_posthog_paginates(emu):
    first = rows(emu, TOTALS.format(window=DAY_WINDOW, tail=""))
    assert rows(emu, TOTALS.format(window=DAY_WINDOW, tail="OFFSET 40")) == first


def test_explicit_limit_is_capped_at_50000_and_leaves_has_more_null(emu):
    sql = (
        "SELECT app_source_id, timestamp, metric_name, count FROM app_metrics "
        "WHERE timestamp >= now() - INTERVAL 6 DAY LIMIT 60000"
    )
    body = post(emu, sql).json()
    assert len(body["results"]) == 50_000
    assert (body["hasMore"], body["limit"], body["offset"]) == (None, None, None)
    assert "LIMIT 50000" in body["hogql"]
    count = rows(emu, "SELECT count() FROM app_metrics WHERE timestamp >= now() - INTERVAL 6 DAY")
    assert count[0][0] > 50_000  # there really were more rows


def test_offset_paging_returns_every_row_once(emu):
    everything = rows(emu, TOTALS.format(window=DAY_WINDOW, tail="LIMIT 50000"))
    paged, offset = [], 0
    while True:
        page = rows(emu, TOTALS.format(window=DAY_WINDOW, tail=f"LIMIT 100 OFFSET {offset}"))
        paged.extend(page)
        offset += 100
        if len(page) < 100:
            break
    assert paged == everything
    assert len({(r[0], r[1]) for r in paged}) == len(paged) > 200


def test_offset_can_be_refused_as_newest_posthog_does_for_personal_api_keys(emulator):
    emulator.query_offset_allowed = False
    refused = post(emulator, TOTALS.format(window=DAY_WINDOW, tail="LIMIT 10 OFFSET 10"))
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("OFFSET is not supported on queries made with")
    keyset = "app_source_id > '4' AND " + DAY_WINDOW
    assert post(emulator, TOTALS.format(window=keyset, tail="LIMIT 10")).status_code == 200


def test_daily_series_sums_to_the_totals(emu):
    totals = rows(emu, TOTALS.format(window=DAY_WINDOW, tail="LIMIT 50000"))
    daily = rows(
        emu,
        "SELECT toStartOfDay(timestamp) AS day, metric_name, sum(count) AS total FROM app_metrics "
        f"WHERE app_source = 'hog_function' AND {DAY_WINDOW} GROUP BY day, metric_name "
        "ORDER BY day LIMIT 10000",
    )
    assert {day for day, _, _ in daily} <= {
        f"{(datetime.now(UTC) - timedelta(days=d)):%Y-%m-%d}T00:00:00Z" for d in (0, 1, 2)
    }
    for name in {r[1] for r in totals}:
        assert sum(t for _, n, t in daily if n == name) == sum(t for _, n, t in totals if n == name)


def test_aggregates_conditions_and_types(emu):
    body = post(
        emu,
        "SELECT metric_kind AS kind, count() AS rows, sumIf(count, metric_name = 'failed') AS "
        "failed, countIf(metric_name IN ('succeeded', 'failed')) AS delivery_rows, "
        "sum(count) AS total, max(timestamp) AS latest FROM app_metrics "
        "WHERE timestamp > now() - toIntervalHour(6) AND (metric_kind = 'failure' OR "
        "metric_kind = 'success') GROUP BY kind ORDER BY kind DESC LIMIT 10",
    ).json()
    assert body["columns"] == ["kind", "rows", "failed", "delivery_rows", "total", "latest"]
    assert [t for _, t in body["types"]][:3] == ["String", "UInt64", "Int64"]
    success, failure = body["results"]
    assert (success[0], failure[0]) == ("success", "failure")
    assert success[2] == 0 and failure[2] > 0
    assert failure[4] >= failure[2]
    assert success[5].endswith(":00:00Z")


def test_unknown_table_column_function_and_bad_syntax_are_400(emu):
    cases = {
        "SELECT count() FROM evnts": "Unknown table `evnts`.",
        "SELECT nope FROM app_metrics": "Unable to resolve field: nope",
        "SELECT nope(1) FROM app_metrics": "Unsupported function call `nope(...)`",
        "SELECT count( FROM app_metrics": "Syntax error",
        "SELEC 1": "Syntax error",
        "SELECT metric_name, sum(count) FROM app_metrics": "not in GROUP BY keys",
    }
    for sql, message in cases.items():
        response = post(emu, sql)
        assert response.status_code == 400, sql
        body = response.json()
        assert (body["type"], body["code"], body["attr"]) == (
            "validation_error",
            "invalid_input",
            None,
        )
        assert message in body["detail"], (sql, body["detail"])
    other_kind = requests.post(
        f"{emu.url}/api/projects/1/query/",
        json={"query": {"kind": "TrendsQuery", "series": []}},
        headers={"Authorization": f"Bearer {emu.demo_key}"},
        timeout=10,
    )
    assert other_kind.status_code == 400


def test_query_read_scope(emu):
    refused = post(emu, "SELECT count() FROM app_metrics WHERE " + DAY_WINDOW, key=emu.no_query_key)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "API key missing required scope 'query:read'"
    # the same key reads everything else
    listed = requests.get(
        f"{emu.url}/api/projects/1/hog_functions/",
        headers={"Authorization": f"Bearer {emu.no_query_key}"},
        timeout=10,
    )
    assert listed.status_code == 200
    for key in (emu.readonly_key, emu.scoped_key):
        sql = f"SELECT 1 FROM app_metrics WHERE {DAY_WINDOW} LIMIT 1"
        assert post(emu, sql, key=key).status_code == 200


def test_rows_are_scoped_to_the_project(emu):
    ids = {p: {f["id"] for f in emu.stored_hog_functions(p)} for p in (1, 2)}
    query = TOTALS.format(window=DAY_WINDOW, tail="LIMIT 50000")
    seen = {p: {r[0] for r in rows(emu, query, project=p)} for p in (1, 2)}
    assert seen[1] and seen[1] <= ids[1]
    assert seen[2] and seen[2] <= ids[2]
    assert not rows(emu, "SELECT count() FROM app_metrics WHERE team_id = 2 AND " + DAY_WINDOW)[0][
        0
    ]
    assert {
        r[0] for r in rows(emu, "SELECT DISTINCT team_id FROM app_metrics LIMIT 5", project=2)
    } == {2}
    scoped = post(emu, query, key=emu.scoped_key, project=2)
    assert scoped.status_code == 403
    assert rows(emu, query, prefix="environments") == rows(emu, query)


def test_project_timezone_is_used_for_days(emu):
    body = post(
        emu,
        "SELECT toStartOfDay(timestamp) AS day, sum(count) FROM app_metrics WHERE "
        f"{DAY_WINDOW} GROUP BY day ORDER BY day LIMIT 5",
        project=2,
    ).json()
    assert body["timezone"] == "Europe/Berlin"
    assert all(day.endswith(("T00:00:00+01:00", "T00:00:00+02:00")) for day, _ in body["results"])


def test_soft_deleted_and_disabled_functions(emulator):
    query = TOTALS.format(window=DAY_WINDOW, tail="LIMIT 50000")
    before = rows(emulator, query)
    deleted = next(r[0] for r in before)
    headers = {"Authorization": f"Bearer {emulator.demo_key}"}
    url = f"{emulator.url}/api/projects/1/hog_functions/"
    requests.patch(url + f"{deleted}/", json={"deleted": True}, headers=headers, timeout=10)
    assert rows(emulator, query) == before  # soft-deleted functions keep their metrics
    enabled = next(
        f["id"]
        for f in emulator.stored_hog_functions(1)
        if f["enabled"] and not f["deleted"] and f["type"] == "destination"
    )
    requests.patch(url + f"{enabled}/", json={"enabled": False}, headers=headers, timeout=10)
    after = {(r[0], r[1]): r[2] for r in rows(emulator, query)}
    totals = requests.get(
        url + f"{enabled}/metrics/totals/",
        params={"after": "-1d", "breakdown_by": "name"},
        headers=headers,
        timeout=10,
    ).json()["totals"]
    assert {n: t for (fid, n), t in after.items() if fid == enabled} == totals


def test_the_window_is_at_most_the_90_days_posthog_keeps():
    with Emulator(port=0, hog_functions=3) as small:
        ((oldest, count),) = rows(small, "SELECT min(timestamp), count() FROM app_metrics")
        assert count > 0
        first = datetime.fromisoformat(oldest.replace("Z", "+00:00"))
        assert datetime.now(UTC) - timedelta(days=90, hours=1) <= first


def test_cli_prints_the_key_without_query_read():
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--hog-functions", "5"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline(), proc.stdout.readline()]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "phx_demo_no_query_key" in lines[1]
