"""Concurrent reads: a bounded worker pool over one client.

Each worker thread gets its own `requests.Session` from the transport, and all of them share
the key's rate limiter, so many small reads (e.g. 7-day totals per function) overlap their
waiting on PostHog without exceeding its limits.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_WORKERS = 10


def fetch_concurrently(
    keys: Iterable[K],
    fetch: Callable[[K], V],
    *,
    max_workers: int = DEFAULT_WORKERS,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[K, V | Exception]:
    """Run `fetch(key)` for every key; a failure is returned in place of its value, so one
    failing item never hides the others. `on_progress(done, total)` runs in the caller's
    thread (safe for UI progress bars)."""
    keys = list(dict.fromkeys(keys))
    results: dict[K, V | Exception] = {}
    if not keys:
        return results
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(keys)))) as pool:
        futures = {pool.submit(fetch, key): key for key in keys}
        for done, future in enumerate(as_completed(futures), start=1):
            key = futures[future]
            try:
                results[key] = future.result()
            except Exception as exc:  # reported per item
                results[key] = exc
            if on_progress:
                on_progress(done, len(keys))
    return {key: results[key] for key in keys}
