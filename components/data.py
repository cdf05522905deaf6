"""The one Streamlit-side module that caches service reads and clears them after writes.

Cache keys use the client's fingerprint (a hash of host, project and key), never the key.
"""

from __future__ import annotations

import threading
import time

import streamlit as st

from services import PostHogClient, fetch_concurrently
from services.models import HogFunction, Project, User

_BY_FINGERPRINT = {PostHogClient: lambda client: client.fingerprint}


@st.cache_data(ttl=300, max_entries=50, hash_funcs=_BY_FINGERPRINT, show_spinner=False)
def current_project(client: PostHogClient) -> Project:
    return client.projects.get(client.project_id)


@st.cache_data(ttl=300, max_entries=50, hash_funcs=_BY_FINGERPRINT, show_spinner=False)
def current_user(client: PostHogClient) -> User:
    return client.users.me()


@st.cache_data(ttl=60, max_entries=50, hash_funcs=_BY_FINGERPRINT, show_spinner=False)
def hog_functions(client: PostHogClient) -> list[HogFunction]:
    return client.hog_functions.list()


def forget_hog_functions(client: PostHogClient) -> None:
    """After a write to hog functions: drop this connection's list only."""
    hog_functions.clear(client)


class _TotalsStore:
    """7-day totals per function, kept for `ttl` seconds per connection. A plain store rather
    than `st.cache_data`, so only the missing functions are fetched (concurrently, with a
    progress bar) and a warm rerun sends no request."""

    def __init__(self, ttl: float = 120.0):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], tuple[float, dict[str, int]]] = {}

    def get(self, fingerprint: str, ids: list[str]) -> tuple[dict[str, dict[str, int]], list[str]]:
        now = time.monotonic()
        found, missing = {}, []
        with self._lock:
            for fid in ids:
                entry = self._entries.get((fingerprint, fid))
                if entry and now - entry[0] < self.ttl:
                    found[fid] = entry[1]
                else:
                    missing.append(fid)
        return found, missing

    def put(self, fingerprint: str, values: dict[str, dict[str, int]]) -> None:
        now = time.monotonic()
        with self._lock:
            for fid, totals in values.items():
                self._entries[(fingerprint, fid)] = (now, totals)

    def forget(self, fingerprint: str, fid: str) -> None:
        with self._lock:
            self._entries.pop((fingerprint, fid), None)


@st.cache_resource
def _totals_store() -> _TotalsStore:
    return _TotalsStore()


def seven_day_totals(
    client: PostHogClient, ids: list[str]
) -> tuple[dict[str, dict[str, int]], dict[str, Exception]]:
    """Totals for every id: cached ones at once, the rest fetched concurrently with a
    progress bar. Failures are returned apart, per function, and not cached."""
    store = _totals_store()
    found, missing = store.get(client.fingerprint, ids)
    failures: dict[str, Exception] = {}
    if missing:
        bar = st.progress(0.0, text=f"Loading 7-day delivery totals for {len(missing)} functions…")
        results = fetch_concurrently(
            missing,
            client.hog_functions.metrics_totals,
            on_progress=lambda done, total: bar.progress(
                done / total, text=f"Loading 7-day delivery totals… {done}/{total}"
            ),
        )
        bar.empty()
        fetched = {k: v for k, v in results.items() if not isinstance(v, Exception)}
        failures = {k: v for k, v in results.items() if isinstance(v, Exception)}
        store.put(client.fingerprint, fetched)
        found.update(fetched)
    return found, failures
