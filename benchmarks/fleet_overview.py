"""Measure reading every hog function's 7-day totals (what the hog functions list and the
Overview need) through the services, against the emulator with simulated network latency
and PostHog's rate limits (480 requests a minute per key).

    python benchmarks/fleet_overview.py --functions 1000 --latency-ms 100

Prints side by side, in one run, each path on its own emulator and key:
- one query: the function list pages and one HogQL query over `app_metrics` (read at the
  same time, as they do not depend on each other), with a key that has `query:read`;
- per function: the list pages, the refused query and one `/metrics/totals/` request per
  function, concurrently and within the client's rate limiter (a key without `query:read`).

The emulator builds `app_metrics` in Python from its hourly counts, which ClickHouse would
answer in milliseconds: the one-query path is also timed with the emulator's own computing
already done (warm emulator, cold console), and the cold run says how long that took.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator import Emulator  # noqa: E402
from services import PostHogClient, fetch_concurrently  # noqa: E402
from services.concurrency import DEFAULT_WORKERS  # noqa: E402


def _client(emu: Emulator, key: str) -> PostHogClient:
    # a long timeout: the emulator's first build of app_metrics is slow Python, not PostHog
    return PostHogClient(host=emu.url, api_key=key, project_id=emu.project_id, timeout=300)


def one_query(emu: Emulator, *, days: int) -> dict:
    """A cold console: the list and the query at once, each timed, and the seconds the
    emulator spent building its table (from the query's `timings`)."""
    client = _client(emu, emu.demo_key)
    answers = []
    hogql = client.query.hogql

    def keep(sql, **kwargs):  # instrumentation only: keep the answers for their timings
        answers.append(hogql(sql, **kwargs))
        return answers[-1]

    client.query.hogql = keep
    tasks = {
        "list": client.hog_functions.list,
        "totals": lambda: client.query.fleet_totals(days=days, fallback=None),
    }
    took: dict[str, float] = {}

    def run(name):
        begin = time.perf_counter()
        try:
            return tasks[name]()
        finally:
            took[name] = time.perf_counter() - begin

    emu.clear_requests()
    start = time.perf_counter()
    done = fetch_concurrently(list(tasks), run, max_workers=2)
    seconds = time.perf_counter() - start
    for value in done.values():
        if isinstance(value, Exception):
            raise SystemExit(f"the one-query path failed: {value!r}")
    built = sum(
        t["t"] for a in answers for t in a.timings or [] if t["k"] == "./materialize_app_metrics"
    )
    return {
        "seconds": seconds,
        "requests": len(emu.requests),
        "functions": len(done["list"]),
        "fleet": done["totals"],
        "list": took["list"],
        "query": took["totals"],
        "built": built,
    }


def per_function(emu: Emulator, *, days: int, workers: int) -> tuple:
    """A cold console with a key without `query:read`: list, refused query, fallback."""
    client = _client(emu, emu.no_query_key)
    emu.clear_requests()
    start = time.perf_counter()
    functions = client.hog_functions.list()
    fleet = client.query.fleet_totals(
        days=days,
        fallback=lambda: client.query.per_function_totals(
            [f.id for f in functions], days=days, max_workers=workers
        ),
    )
    seconds = time.perf_counter() - start
    throttled = sum(1 for r in emu.requests if r.status == 429)
    return seconds, len(emu.requests), len(functions), fleet, throttled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    settings = dict(
        port=0, latency_ms=args.latency_ms, hog_functions=args.functions, rate_limits=True
    )
    with Emulator(**settings) as emu:
        cold = one_query(emu, days=args.days)
        warm = one_query(emu, days=args.days)
    with Emulator(**settings) as emu:
        slow, slow_requests, _, fallback, throttled = per_function(
            emu, days=args.days, workers=args.workers
        )
    by_query = cold["fleet"]
    same = all(by_query.totals.get(fid, {}) == totals for fid, totals in fallback.totals.items())
    rows = [
        ("key", "query:read", "no query:read"),
        ("requests sent", str(cold["requests"]), str(slow_requests)),
        ("seconds, cold", f"{cold['seconds']:.2f}", f"{slow:.2f}"),
        ("  list pages", f"{cold['list']:.2f}", "-"),
        ("  query", f"{cold['query']:.2f}", "-"),
        ("    emulator building app_metrics", f"{cold['built']:.2f}", "-"),
        ("seconds, emulator warm", f"{warm['seconds']:.2f}", "-"),
        ("  requests sent", str(warm["requests"]), "-"),
        ("  list pages / query", f"{warm['list']:.2f} / {warm['query']:.2f}", "-"),
        ("answered 429 by the emulator", "0", str(throttled)),
        ("totals source", by_query.source, fallback.source),
    ]
    print(
        f"functions: {cold['functions']}  latency: {args.latency_ms} ms  window: {args.days} days  "
        f"workers: {args.workers}  rate limit: 480/min per key"
    )
    print(f"{'':36}{'one query':>16}{'per function':>16}")
    for label, left, right in rows:
        print(f"{label:36}{left:>16}{right:>16}")
    print(f"same totals on both paths: {'yes' if same else 'NO'}")
    print(
        f"speed-up: {slow / cold['seconds']:.0f}x cold, "
        f"{slow / warm['seconds']:.0f}x with the emulator warm"
    )
    if fallback.reason:
        print(f"fallback said: {fallback.reason}")


if __name__ == "__main__":
    main()
