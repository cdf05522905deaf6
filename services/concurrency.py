"""Concurrent reads: a bounded worker pool over one client.

Each worker thread gets its own `requests.Session` from the transport, and all of them share
the key's rate limiter and circuit breaker, so many small reads (e.g. 7-day totals per
function) overlap their waiting on PostHog without exceeding its limits, and a PostHog that
keeps failing stops them all at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import TypeVar

from services.errors import NotLoaded

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_WORKERS = 10
DEADLINE = 30.0  # seconds a fan-out may take before what has not answered is "not loaded"
TICK = 0.5  # how often `on_progress` runs while nothing finishes (a rate-limit pause, say)


def fetch_concurrently(
    keys: Iterable[K],
    fetch: Callable[[K], V],
    *,
    max_workers: int = DEFAULT_WORKERS,
    on_progress: Callable[[int, int], None] | None = None,
    deadline: float | None = DEADLINE,
) -> dict[K, V | Exception]:
    """Run `fetch(key)` for every key; a failure is returned in place of its value, so one
    failing item never hides the others. Keys not answered within `deadline` seconds get
    `NotLoaded` (their reads are abandoned, not awaited). `on_progress(done, total)` runs in
    the caller's thread (safe for UI progress bars), after each answer and every `TICK`."""
    keys = list(dict.fromkeys(keys))
    results: dict[K, V | Exception] = {}
    if not keys:
        return results
    started = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(keys))))
    try:
        futures = {pool.submit(fetch, key): key for key in keys}
        pending = set(futures)
        while pending:
            left = None if deadline is None else deadline - (time.monotonic() - started)
            if left is not None and left <= 0:
                break
            done, pending = wait(
                pending,
                timeout=TICK if left is None else min(TICK, left),
                return_when=FIRST_COMPLETED,
            )
            for future in done:
                try:
                    results[futures[future]] = future.result()
                except Exception as exc:  # reported per item
                    results[futures[future]] = exc
            if on_progress:
                on_progress(len(results), len(keys))
    finally:
        # without waiting: a read still running past the deadline is left to finish alone
        pool.shutdown(wait=False, cancel_futures=True)
    for key in keys:
        results.setdefault(key, NotLoaded(deadline=deadline or 0.0))
    return {key: results[key] for key in keys}
