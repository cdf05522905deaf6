"""The one Streamlit-side module that caches service reads.

Each cached read declares tags; an action names the tags its write makes stale, and the
action runner forgets them (`forget`). Nothing else clears a cache. Cache keys use the
client's fingerprint (a hash of host, project and key), never the key.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import streamlit as st

from components.shared.console_config import fan_out_deadline
from services import PostHogClient, fetch_concurrently
from services.analytics_models import (
    ActivityPage,
    Collaborator,
    Dashboard,
    Insight,
    InsightPage,
    SharingConfiguration,
)
from services.dashboards import SharingAudit
from services.dashboards import shared_publicly as find_shared_publicly
from services.errors import PostHogError
from services.integrations import Integration
from services.models import (
    AppErrorSample,
    AppMetrics,
    BatchExport,
    BatchExportBackfill,
    BatchExportRun,
    HistoricalExport,
    HistoricalExportDetail,
    HogFunction,
    LogPage,
    MetricsSeries,
    PluginConfig,
    Project,
    TestStep,
)
from services.query import FleetDaily, FleetTotals, fallback_reason, one_by_one
from services.templates import Templates

_BY_FINGERPRINT = {PostHogClient: lambda client: client.fingerprint}

# What a write can make stale. "shared_publicly_item": the audit of public sharing, only when
# the written object is in it (most writes leave sharing alone, and the audit is costly).
TAGS = (
    "hog_functions",
    "batch_exports",
    "export_runs",
    "insights",
    "dashboards",
    "sharing",
    "shared_publicly_item",
)
_FORGETTERS: dict[str, list[Callable[[PostHogClient, object], None]]] = {t: [] for t in TAGS}


def cached(*, ttl: int, max_entries: int, tags: tuple[str, ...]):
    """`st.cache_data` keyed by the connection's fingerprint, forgotten by any of `tags`."""

    def wrap(read):
        kept = st.cache_data(
            ttl=ttl, max_entries=max_entries, hash_funcs=_BY_FINGERPRINT, show_spinner=False
        )(read)
        for tag in tags:
            _FORGETTERS[tag].append(lambda _client, _object_id: kept.clear())
        return kept

    return wrap


def on_forget(*tags: str):
    """Register a store's own forgetter, `forget(client, object_id)`, under `tags`."""

    def wrap(forgetter):
        for tag in tags:
            _FORGETTERS[tag].append(forgetter)
        return forgetter

    return wrap


def forget(client: PostHogClient, tags: tuple[str, ...], object_id: object = None) -> None:
    """Drop every cached read under these tags. Only the action runner calls this."""
    for tag in tags:
        if tag not in _FORGETTERS:
            raise ValueError(f"no cached read is tagged {tag!r}")
        for forgetter in _FORGETTERS[tag]:
            forgetter(client, object_id)


@cached(ttl=300, max_entries=50, tags=())
def current_project(client: PostHogClient) -> Project:
    return client.projects.get(client.project_id)


@cached(ttl=300, max_entries=50, tags=())
def projects(client: PostHogClient) -> list[Project]:
    """Every project the key can reach (the copy dialog's picker)."""
    return client.projects.list()


# 3 minutes: longer than the per-function fallback takes for 1,000 functions (480 requests a
# minute), so the list it read is still kept when the page draws it. Writes forget it anyway.
@cached(ttl=180, max_entries=50, tags=("hog_functions",))
def hog_functions(client: PostHogClient) -> list[HogFunction]:
    # PostHog sets no maximum page size here: 500 a page makes 1,000 functions two requests
    return client.hog_functions.list(page_size=500)


@cached(ttl=60, max_entries=100, tags=("hog_functions",))
def hog_function(client: PostHogClient, function_id: str) -> HogFunction:
    return client.hog_functions.get(function_id)


@cached(ttl=120, max_entries=200, tags=())
def function_metrics(
    client: PostHogClient,
    function_id: str,
    *,
    after: str,
    before: str | None,
    interval: str,
    breakdown_by: str,
) -> MetricsSeries:
    return client.hog_functions.metrics(
        function_id, after=after, before=before, interval=interval, breakdown_by=breakdown_by
    )


@cached(ttl=120, max_entries=200, tags=())
def function_totals(
    client: PostHogClient,
    function_id: str,
    *,
    after: str,
    before: str | None,
    breakdown_by: str = "kind",
) -> dict[str, int]:
    return client.hog_functions.metrics_totals(
        function_id, after=after, before=before, breakdown_by=breakdown_by
    )


@cached(ttl=30, max_entries=100, tags=())
def logs(
    client: PostHogClient,
    resource: str,
    object_id: str,
    *,
    limit: int,
    before: str | None = None,
    after: str | None = None,
    levels: tuple[str, ...] = (),
    search: str | None = None,
    instance_id: str | None = None,
) -> LogPage:
    """One page of logs of a hog function or batch export (`resource` names the namespace)."""
    if resource not in ("hog_functions", "batch_exports"):
        raise ValueError(f"no logs for {resource!r}")
    return getattr(client, resource).logs(
        object_id,
        limit=limit,
        before=before,
        after=after,
        levels=list(levels),
        search=search,
        instance_id=instance_id,
    )


@cached(ttl=3600, max_entries=20, tags=())
def templates(client: PostHogClient, types: tuple[str, ...]) -> Templates:
    return client.hog_function_templates.list(types=types)


@cached(ttl=300, max_entries=100, tags=())
def icons(client: PostHogClient, query: str) -> list[dict]:
    """PostHog's icon search for the configuration form (re-asked on every rerun otherwise)."""
    return client.hog_functions.icons(query=query)


@cached(ttl=3600, max_entries=100, tags=())
def icon(client: PostHogClient, icon_id: str) -> tuple[bytes, str]:
    """One icon's image, for the picked icon's preview."""
    return client.hog_functions.icon(icon_id=icon_id)


# --- batch exports ---------------------------------------------------------------------------


@cached(ttl=60, max_entries=50, tags=("batch_exports",))
def batch_exports(client: PostHogClient) -> list[BatchExport]:
    return client.batch_exports.list()


@cached(ttl=60, max_entries=100, tags=("batch_exports",))
def batch_export(client: PostHogClient, export_id: str) -> BatchExport:
    return client.batch_exports.get(export_id)


@cached(ttl=30, max_entries=100, tags=("batch_exports", "export_runs"))
def export_runs(
    client: PostHogClient, export_id: str, *, after: str = "-7d", status: tuple[str, ...] = ()
) -> list[BatchExportRun]:
    return client.batch_exports.runs(export_id, after=after, status=status)


@cached(ttl=3, max_entries=100, tags=("batch_exports", "export_runs"))
def export_backfills(client: PostHogClient, export_id: str) -> list[BatchExportBackfill]:
    return client.batch_exports.backfills(export_id)


# shorter than the backfills tab's refresh, so each refresh reads fresh progress
@cached(ttl=2, max_entries=100, tags=("batch_exports", "export_runs"))
def export_backfill(client: PostHogClient, export_id: str, backfill_id: str) -> BatchExportBackfill:
    return client.batch_exports.backfill(export_id=export_id, backfill_id=backfill_id)


@cached(ttl=300, max_entries=50, tags=())
def integrations(client: PostHogClient, kind: str) -> list[Integration]:
    """The project's integrations of one kind (Slack workspaces…), for an integration input."""
    return client.integrations.list(kind=kind)


@cached(ttl=3600, max_entries=20, tags=())
def destination_test_steps(client: PostHogClient, destination_type: str) -> list[TestStep]:
    return client.batch_exports.test_steps(destination_type)


# --- legacy app metrics -----------------------------------------------------------------------


@cached(ttl=300, max_entries=20, tags=())
def plugin_configs(client: PostHogClient) -> list[PluginConfig]:
    return client.app_metrics.plugin_configs()


@cached(ttl=120, max_entries=100, tags=())
def app_metrics(
    client: PostHogClient,
    target_id: str,
    *,
    category: str | None,
    date_from: str,
    date_to: str | None,
) -> AppMetrics:
    return client.app_metrics.get(
        target_id, category=category, date_from=date_from, date_to=date_to
    )


@cached(ttl=120, max_entries=100, tags=())
def app_error_samples(
    client: PostHogClient, target_id: str, *, error_type: str, category: str | None
) -> list[AppErrorSample]:
    return client.app_metrics.error_details(target_id, error_type=error_type, category=category)


@cached(ttl=60, max_entries=50, tags=())
def historical_exports(client: PostHogClient, plugin_config_id: int) -> list[HistoricalExport]:
    return client.app_metrics.historical_exports(plugin_config_id)


@cached(ttl=60, max_entries=50, tags=())
def historical_export(
    client: PostHogClient, plugin_config_id: int, job_id: str
) -> HistoricalExportDetail:
    return client.app_metrics.historical_export(plugin_config_id, job_id)


# --- insights and dashboards ------------------------------------------------------------------


@cached(ttl=30, max_entries=100, tags=("insights",))
def insights_page(
    client: PostHogClient,
    *,
    limit: int,
    offset: int,
    search: str | None = None,
    insight_type: str | None = None,
    tags: tuple[str, ...] = (),
    created_by: tuple[int, ...] = (),
    favorited: bool = False,
    saved: bool | None = None,
    order: str | None = None,
) -> InsightPage:
    """One server-side page of insights with PostHog's total."""
    return client.insights.list_page(
        limit=limit,
        offset=offset,
        search=search,
        insight_type=insight_type,
        tags=list(tags),
        created_by=list(created_by),
        favorited=favorited,
        saved=saved,
        order=order,
    )


@cached(ttl=120, max_entries=20, tags=("insights",))
def all_insights(client: PostHogClient) -> list[Insight]:
    """Every insight of the project (for audits, tag and creator choices)."""
    return client.insights.list()


@cached(ttl=30, max_entries=100, tags=("insights",))
def insight(client: PostHogClient, insight_id: str) -> Insight:
    """One insight, cached result only (computing is an explicit operator action)."""
    return client.insights.get(insight_id)


@cached(ttl=30, max_entries=100, tags=("insights",))
def insight_activity(
    client: PostHogClient, insight_id: int | None, *, page: int, limit: int
) -> ActivityPage:
    """One page of an insight's activity, or of the whole project's when `insight_id` is None."""
    if insight_id is None:
        return client.insights.all_activity(page=page, limit=limit)
    return client.insights.activity(insight_id, page=page, limit=limit)


@cached(ttl=30, max_entries=20, tags=("insights",))
def insights_matching(client: PostHogClient, **filters) -> list[Insight]:
    """Every insight matching the filters `insights_page` takes, across all pages (for CSV)."""
    return client.insights.list(
        **{name: list(v) if isinstance(v, tuple) else v for name, v in filters.items()}
    )


@cached(ttl=30, max_entries=20, tags=("insights",))
def all_insight_activity(client: PostHogClient) -> list:
    """The project's whole insight activity log, newest first (for filters and CSV)."""
    return list(client.insights.iter_all_activity())


@cached(ttl=60, max_entries=20, tags=("dashboards",))
def dashboards(client: PostHogClient) -> list[Dashboard]:
    """Every dashboard (PostHog lists pinned first, by name)."""
    return client.dashboards.list()


@cached(ttl=30, max_entries=100, tags=("dashboards",))
def dashboard(client: PostHogClient, dashboard_id: int) -> Dashboard:
    return client.dashboards.get(dashboard_id)


@cached(ttl=30, max_entries=100, tags=("dashboards",))
def collaborators(client: PostHogClient, dashboard_id: int) -> list[Collaborator]:
    return client.dashboards.collaborators(dashboard_id)


@cached(ttl=30, max_entries=200, tags=("sharing",))
def sharing(client: PostHogClient, kind: str, object_id: int) -> SharingConfiguration:
    """Public sharing of an insight or dashboard (`kind` is "insight" or "dashboard")."""
    return _analytics_service(client, kind).sharing(object_id)


def _analytics_service(client: PostHogClient, kind: str):
    if kind not in ("insight", "dashboard"):
        raise ValueError(f"no sharing for {kind!r}")
    return client.insights if kind == "insight" else client.dashboards


@st.cache_resource
def _shared_store() -> dict[str, tuple[float, SharingAudit]]:
    return {}


def shared_publicly(
    client: PostHogClient, on_progress: Callable[[int, int], None] | None = None
) -> SharingAudit:
    """Dashboards and insights with public sharing on, kept a minute per connection. One
    sharing read per insight, done concurrently with `on_progress(done, total)`; a plain
    store rather than `st.cache_data`, which cannot replay a progress bar drawn outside it.
    A missing `sharing_configuration:read` scope is raised."""
    kept = _shared_store().get(client.fingerprint)
    again = client.fingerprint in _shared_again()
    _shared_again().discard(client.fingerprint)
    if kept and not again and time.monotonic() - kept[0] < 60:
        return kept[1]

    def audit(only=None) -> SharingAudit:
        return find_shared_publicly(
            client.insights,
            client.dashboards,
            insights=all_insights(client),
            dashboards=dashboards(client),
            host=client.host,
            only=only,
            on_progress=on_progress,
            deadline=fan_out_deadline(),
        )

    if kept and again:
        value = kept[1].with_rechecked(audit(only=list(kept[1].unchecked)))
    else:
        value = audit()
    _shared_store()[client.fingerprint] = (time.monotonic(), value)
    return value


@st.cache_resource
def _shared_again() -> set[str]:
    """Connections whose sharing audit reads only its unchecked items next time."""
    return set()


@on_forget("sharing")
def _forget_shared_publicly(client: PostHogClient, _object_id: object) -> None:
    _shared_store().pop(client.fingerprint, None)


@on_forget("shared_publicly_item")
def _forget_shared_publicly_item(client: PostHogClient, object_id: object) -> None:
    """`object_id` is (kind, id): dropped only when that item is in the audit's answer."""
    kept = _shared_store().get(client.fingerprint)
    if kept and isinstance(object_id, tuple):
        kind, item_id = object_id
        if not any(i.kind == kind and str(i.id) == str(item_id) for i in kept[1].items):
            return
    _shared_store().pop(client.fingerprint, None)


# --- fleet reads: one query for every function, shared by every session of a connection ------


class _Kept:
    """Values kept `ttl` seconds per connection and key in one process-wide store, read once
    even when several sessions ask at the same time. A plain store rather than
    `st.cache_data`, which cannot replay a progress bar drawn while reading."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reading: dict[tuple, threading.Lock] = {}
        self._values: dict[tuple, tuple[float, object]] = {}
        self._again: set[tuple] = set()

    def get(
        self,
        key: tuple,
        ttl: float,
        read: Callable[[], object],
        again: Callable[[object], object] | None = None,
    ) -> object:
        """The kept value, or `read()`. After `retry`, `again(kept)` reads only what the kept
        value lacks (its failed items) instead."""
        with self._lock:
            reading = self._reading.setdefault(key, threading.Lock())
        with reading:  # a second session waits for the first one's answer
            kept = self._values.get(key)
            retry = key in self._again
            self._again.discard(key)
            if kept and retry and again is not None:
                value = again(kept[1])
            elif kept and time.monotonic() - kept[0] < ttl:
                return kept[1]
            else:
                value = read()
            self._values[key] = (time.monotonic(), value)
            return value

    def retry(self, fingerprint: str, name: str) -> None:
        with self._lock:
            self._again.update(k for k in self._values if k[:2] == (fingerprint, name))

    def drop(self, fingerprint: str, name: str) -> None:
        with self._lock:
            for key in [k for k in self._values if k[:2] == (fingerprint, name)]:
                self._values.pop(key, None)


@st.cache_resource
def _kept() -> _Kept:
    return _Kept()


def _progress_bar(client: PostHogClient, what: str) -> Callable[[int, int], None]:
    """A progress bar for a fan-out that also says when PostHog has asked us to wait."""
    bar = st.empty()

    def show(done: int, total: int) -> None:
        if done >= total:
            bar.empty()
            return
        paused = client.rate_limit_pause()
        wait = f" PostHog asked us to wait {paused:.0f} s." if paused >= 1 else ""
        bar.progress(done / total, text=f"{what}… {done}/{total}.{wait}")

    return show


def fleet_totals(client: PostHogClient, *, days: int = 7) -> FleetTotals:
    """Every hog function's totals by metric name over `days` days and the `days` before, in
    one query over `app_metrics`, kept two minutes per connection and window. The function
    list is read (and cached) while the query runs. When the query is refused (a key without
    `query:read`) or fails, the listed functions' totals are read one by one, concurrently
    with a progress bar; `reason` then says why."""

    def per_function(ids: list[str]) -> dict:
        return client.query.per_function_totals(
            ids,
            days=days,
            on_progress=_progress_bar(client, f"Reading {days}-day totals per function"),
            deadline=fan_out_deadline(),
        )

    def read() -> FleetTotals:
        with ThreadPoolExecutor(max_workers=1) as pool:  # services only: no Streamlit in it
            asked = pool.submit(client.query.fleet_totals, days=days, previous=True)
            ids = [f.id for f in hog_functions(client)]
            try:
                return asked.result()
            except PostHogError as exc:
                reason = fallback_reason(exc)
        return one_by_one(per_function(ids), reason=reason)

    def again(kept: FleetTotals) -> FleetTotals:
        if not kept.failed:
            return kept
        return one_by_one(
            {**kept.totals, **per_function(list(kept.failed))}, reason=kept.reason or ""
        )

    return _kept().get((client.fingerprint, "fleet_totals", days), 120, read, again)


def retry_missing(client: PostHogClient, name: str) -> None:
    """ "Retry the missing ones": the next read of fan-out `name` ("fleet_totals",
    "exports_health", "plugins_health", "shared_publicly") asks again only for the items that
    failed or were not loaded, keeping what arrived."""
    if name == "shared_publicly":
        _shared_again().add(client.fingerprint)
    else:
        _kept().retry(client.fingerprint, name)


def _fan_out(client: PostHogClient, name: str, key: tuple, ttl: float, ids: list, one, what: str):
    """`one(id)` for every id concurrently, kept `ttl` seconds per connection; failures are
    kept too (a rerun does not send a failing fan-out again) until `retry_missing`."""

    def read_only(wanted: list) -> dict:
        return fetch_concurrently(
            wanted, one, on_progress=_progress_bar(client, what), deadline=fan_out_deadline()
        )

    def again(kept: dict) -> dict:
        failed = [i for i, v in kept.items() if isinstance(v, Exception)]
        return {**kept, **read_only(failed)} if failed else kept

    return _kept().get((client.fingerprint, name, *key), ttl, lambda: read_only(ids), again)


def fleet_daily(client: PostHogClient, *, days: int = 7) -> FleetDaily:
    """The fleet's totals per day and metric name, in one query (kept two minutes)."""
    return _kept().get(
        (client.fingerprint, "fleet_daily", days),
        120,
        lambda: client.query.hog_function_daily(days=days),
    )


@dataclass(frozen=True)
class ExportHealth:
    """An export's newest runs (newest first) and its backfills."""

    runs: list[BatchExportRun]
    backfills: list[BatchExportBackfill]


def exports_health(
    client: PostHogClient, exports: list[BatchExport]
) -> dict[str, ExportHealth | Exception]:
    """The newest runs and the backfills of every export, read concurrently within the key's
    rate limit with a progress bar, kept 30 seconds per connection. A failure is returned in
    place of its export's health (see `retry_missing`)."""

    def one(export_id: str) -> ExportHealth:
        return ExportHealth(
            runs=client.batch_exports.runs(export_id, limit=RUNS_READ),
            backfills=client.batch_exports.backfills(export_id),
        )

    ids = [x.id for x in exports]
    what = "Reading the latest runs of each batch export"
    return _fan_out(client, "exports_health", (tuple(sorted(ids)),), 30, ids, one, what)


RUNS_READ = 10  # the newest runs read per export (PostHog's `latest_runs` holds 10 too)


@on_forget("batch_exports", "export_runs")
def _forget_exports_health(client: PostHogClient, _object_id: object) -> None:
    _kept().drop(client.fingerprint, "exports_health")


def plugins_health(
    client: PostHogClient, configs: list[PluginConfig], *, date_from: str = "-7d"
) -> dict[int, AppMetrics | Exception]:
    """Every legacy plugin's metrics and errors, read concurrently with a progress bar, kept
    two minutes per connection."""

    ids = [c.id for c in configs]
    return _fan_out(
        client,
        "plugins_health",
        (date_from, tuple(sorted(ids))),
        120,
        ids,
        lambda config_id: client.app_metrics.get(config_id, date_from=date_from),
        "Reading legacy plugin errors",
    )
