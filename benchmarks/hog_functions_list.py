"""Measure loading the hog functions list with 7-day totals, through the services, against
the emulator with simulated network latency.

    python benchmarks/hog_functions_list.py --functions 250 --latency-ms 100

Prints the cold time and request count of the concurrent load, and the same for a
one-request-at-a-time baseline measured in the same run.
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


def load(client: PostHogClient, *, workers: int) -> int:
    functions = client.hog_functions.list()
    ids = [f.id for f in functions]
    if workers == 1:
        totals = {fid: client.hog_functions.metrics_totals(fid) for fid in ids}
    else:
        totals = fetch_concurrently(ids, client.hog_functions.metrics_totals, max_workers=workers)
    failed = [fid for fid, value in totals.items() if isinstance(value, Exception)]
    if failed:
        raise SystemExit(f"{len(failed)} totals failed, e.g. {totals[failed[0]]!r}")
    return len(functions)


def measure(emu: Emulator, *, workers: int) -> tuple[float, int, int]:
    client = PostHogClient(host=emu.url, api_key=emu.demo_key, project_id=emu.project_id)
    emu.clear_requests()
    start = time.perf_counter()
    count = load(client, workers=workers)
    return time.perf_counter() - start, len(emu.requests), count


def warm_rerun_requests(emu: Emulator) -> tuple[int, int]:
    """Requests sent by the console's page on a cold run and on a warm rerun."""
    import os

    from streamlit.testing.v1 import AppTest

    os.environ.update(
        POSTHOG_HOST=emu.url,
        POSTHOG_PERSONAL_API_KEY=emu.demo_key,
        POSTHOG_PROJECT_ID=str(emu.project_id),
    )
    emu.clear_requests()
    app = AppTest.from_file(
        str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=600
    )
    app.run()
    cold = len(emu.requests)
    emu.clear_requests()
    app.run()
    return cold, len(emu.requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=250)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    args = parser.parse_args()
    # each run gets its own emulator (its own key), so neither eats the other's rate limit
    with Emulator(port=0, latency_ms=args.latency_ms, hog_functions=args.functions) as emu:
        slow, slow_requests, _ = measure(emu, workers=1)
    with Emulator(port=0, latency_ms=args.latency_ms, hog_functions=args.functions) as emu:
        fast, fast_requests, count = measure(emu, workers=args.workers)
        page_cold, page_warm = warm_rerun_requests(emu)
    pages = -(-count // 100)
    print(f"functions: {count}  latency: {args.latency_ms} ms  workers: {args.workers}")
    print(f"concurrent cold load: {fast:.2f} s, {fast_requests} requests")
    print(f"one-at-a-time baseline: {slow:.2f} s, {slow_requests} requests")
    print(f"speed-up: {slow / fast:.1f}x")
    print(f"request budget (list pages + one per function): {pages + count}")
    print(f"console page: {page_cold} requests cold, {page_warm} on a warm rerun")


if __name__ == "__main__":
    main()
