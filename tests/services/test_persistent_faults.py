"""Persistent faults fail fast: the circuit breaker, the fan-out deadline and a 429 shared by
every worker, against the emulator's fault injection over loopback. Request counts are
asserted; time is not (the figures are in benchmarks/persistent_faults.py)."""

from __future__ import annotations

import pytest

from services import errors as e
from services.breaker import THRESHOLD, CircuitBreaker
from services.concurrency import DEFAULT_WORKERS

FOREVER = 100_000  # a fault that outlasts the test


def _totals_requests(emulator) -> int:
    return sum(1 for r in emulator.requests if "/metrics/totals" in r.path)


@pytest.fixture
def ids(client):
    return [f.id for f in client.hog_functions.list()][:60]


def test_the_breaker_opens_after_the_threshold_and_lets_one_probe_through():
    now = [0.0]
    breaker = CircuitBreaker(threshold=3, cool_down=30, clock=lambda: now[0])
    for _ in range(2):
        breaker.failed()
        breaker.check()  # still closed below the threshold
    breaker.failed()
    with pytest.raises(e.CircuitOpen, match="failed 3 requests in a row.*30 s"):
        breaker.check()
    now[0] = 31.0
    breaker.check()  # the probe goes
    with pytest.raises(e.CircuitOpen):
        breaker.check()  # the others wait for it
    breaker.succeeded()
    breaker.check()  # closed again
    breaker.failed()
    breaker.check()  # one failure after a success does not reopen it


@pytest.mark.parametrize(
    "fault", [{"kind": "status", "status": s} for s in (502, 503, 504)] + [{"kind": "drop"}]
)
def test_a_failing_host_is_asked_a_bounded_number_of_times(client, emulator, ids, fault):
    emulator.inject_fault(path_contains="/metrics/totals", times=FOREVER, **fault)
    emulator.clear_requests()
    results = client.query.per_function_totals(ids)
    # the reads in flight when the breaker opened, and no retry after it
    assert _totals_requests(emulator) <= DEFAULT_WORKERS + THRESHOLD
    assert all(isinstance(v, e.PostHogError) for v in results.values())
    stopped = [v for v in results.values() if isinstance(v, e.CircuitOpen)]
    assert len(stopped) >= len(ids) - DEFAULT_WORKERS - THRESHOLD
    assert "stopped asking" in str(stopped[0]) and "try again in" in str(stopped[0])


def test_a_503_says_temporarily_unavailable_not_internal_error(client_for, emulator):
    client = client_for(emulator.demo_key, max_retries=0)
    emulator.inject_fault("status", status=503, path_contains="/hog_functions")
    with pytest.raises(e.ServerError) as info:
        client.hog_functions.list()
    assert "temporarily unavailable" in str(info.value) and "internal" not in str(info.value)


def test_slow_answers_open_the_breaker_too(client_for, emulator, ids):
    client = client_for(emulator.demo_key, timeout=0.2)
    emulator.inject_fault("delay", delay_ms=1_000, path_contains="/metrics/totals", times=FOREVER)
    emulator.clear_requests()
    results = client.query.per_function_totals(ids)
    assert _totals_requests(emulator) <= DEFAULT_WORKERS + THRESHOLD
    assert any(isinstance(v, e.RequestTimedOut) for v in results.values())
    assert any(isinstance(v, e.CircuitOpen) for v in results.values())


def test_the_deadline_marks_what_did_not_answer_and_sends_no_more(client, emulator, ids):
    emulator.inject_fault("delay", delay_ms=1_500, path_contains="/metrics/totals", times=FOREVER)
    emulator.clear_requests()
    results = client.query.per_function_totals(ids, deadline=0.3)
    late = [v for v in results.values() if isinstance(v, e.NotLoaded)]
    assert len(late) == len(ids)  # nothing answered in 0.3 s
    assert str(late[0]) == "Not loaded within 0.3 s."
    assert _totals_requests(emulator) <= DEFAULT_WORKERS  # the first wave only


def test_a_429_on_every_read_stops_every_worker_and_names_the_wait(client, emulator, ids, sleeps):
    emulator.inject_fault(
        "throttle", wait_seconds=30, path_contains="/metrics/totals", times=FOREVER
    )
    emulator.clear_requests()
    results = client.query.per_function_totals(ids)
    assert _totals_requests(emulator) <= DEFAULT_WORKERS  # the rest were not sent
    assert all(isinstance(v, e.RateLimited) for v in results.values())
    assert all("PostHog asked us to wait" in str(v) for v in results.values())
    assert sleeps == []  # a wait that long is reported, never slept
    assert 25 < client.rate_limit_pause() <= 30


def test_writes_still_go_while_the_breaker_is_open(client, emulator, ids):
    emulator.inject_fault("status", status=503, path_contains="/metrics/totals", times=FOREVER)
    client.query.per_function_totals(ids[:20])
    with pytest.raises(e.CircuitOpen):
        client.hog_functions.metrics_totals(ids[0])
    emulator.clear_requests()
    assert client.hog_functions.disable(ids[0]).enabled is False  # the operator asked for it
    assert [r.status for r in emulator.requests if r.method == "PATCH"] == [200]


def test_a_long_429_on_a_write_is_shown_at_once_and_reads_do_not_freeze(
    client, emulator, ids, sleeps
):
    emulator.inject_fault("throttle", method="PATCH", wait_seconds=30)
    emulator.clear_requests()
    with pytest.raises(e.RateLimited, match="wait 30 s"):
        client.hog_functions.disable(ids[0])
    assert sleeps == [] and len(emulator.requests) == 1
    with pytest.raises(e.RateLimited, match="wait 30 s"):  # unsent, not held for 30 s
        client.hog_functions.get(ids[0])
    heard = []
    client.transport.write_listeners.append(lambda *args: heard.append(args))
    with pytest.raises(e.RateLimited, match="wait 30 s"):
        client.hog_functions.disable(ids[0])
    assert len(emulator.requests) == 1 and heard == []  # never sent, so never journaled as sent
