"""Measure the "Shared publicly" audit (one sharing read per insight) through the services,
against the emulator with simulated network latency.

    python benchmarks/shared_publicly.py --latency-ms 100

Prints the time and request count of the concurrent audit, and the same for a
one-request-at-a-time baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator import Emulator  # noqa: E402
from services import PostHogClient  # noqa: E402
from services.concurrency import DEFAULT_WORKERS  # noqa: E402
from services.dashboards import shared_publicly  # noqa: E402


def measure(emu: Emulator, *, workers: int) -> tuple[float, int, int, int]:
    client = PostHogClient(host=emu.url, api_key=emu.demo_key, project_id=emu.project_id)
    emu.clear_requests()
    start = time.perf_counter()
    insights = client.insights.list()
    dashboards = client.dashboards.list()
    shared = shared_publicly(
        client.insights,
        client.dashboards,
        insights=insights,
        dashboards=dashboards,
        host=client.host,
        max_workers=workers,
    )
    return time.perf_counter() - start, len(emu.requests), len(insights), len(shared)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    args = parser.parse_args()
    # each run gets its own emulator (its own key), so neither eats the other's rate limit
    with Emulator(port=0, latency_ms=args.latency_ms) as emu:
        slow, slow_requests, _, _ = measure(emu, workers=1)
    with Emulator(port=0, latency_ms=args.latency_ms) as emu:
        fast, fast_requests, insights, shared = measure(emu, workers=args.workers)
    print(f"insights: {insights}  shared items found: {shared}  latency: {args.latency_ms} ms")
    print(f"concurrent audit ({args.workers} workers): {fast:.2f} s, {fast_requests} requests")
    print(f"one-at-a-time baseline: {slow:.2f} s, {slow_requests} requests")
    print(f"speed-up: {slow / fast:.1f}x")


if __name__ == "__main__":
    main()
