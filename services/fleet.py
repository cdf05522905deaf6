"""Fleet health: which hog functions, batch exports and legacy plugins need attention, from
what the Overview has read (function totals by metric name, export runs and backfills, plugin
metrics). Pure rules, no requests: the screen words live in components/overview."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.batch_exports import FAILED_RUN, export_status
from services.hog_functions import health_of
from services.models import (
    AppMetrics,
    BatchExport,
    BatchExportBackfill,
    BatchExportRun,
    HogFunction,
    PluginConfig,
)
from services.query import FleetTotals, Totals, by_kind

FAILING_HEALTH = ("Degraded", "Disabled by PostHog")
RUNNING_BACKFILL = ("Running", "Starting")


@dataclass(frozen=True)
class Thresholds:
    failure_rate: float = 0.10  # a function failing at least this share of its deliveries
    min_volume: int = 100  # ... over at least this many deliveries in the window
    paused_days: int = 7  # an export paused longer than this
    days: int = 7  # the window


@dataclass(frozen=True)
class Delivery:
    """A function's deliveries over a window: succeeded + failed (filtered ones are not)."""

    succeeded: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.succeeded + self.failed

    @property
    def rate(self) -> float | None:
        return self.failed / self.attempted if self.attempted else None

    def failing(self, limits: Thresholds) -> bool:
        return self.attempted >= limits.min_volume and (self.rate or 0) >= limits.failure_rate


def delivery(names: Mapping[str, int] | None) -> Delivery:
    kinds = by_kind(names or {})
    return Delivery(succeeded=kinds.get("success", 0), failed=kinds.get("failure", 0))


def failing_functions(
    functions: list[HogFunction], totals: Totals, limits: Thresholds, *, types=("destination",)
) -> list[HogFunction]:
    """Enabled functions of these types failing above the thresholds over the window."""
    return [
        f
        for f in functions
        if f.enabled and f.type in types and delivery(totals.get(f.id)).failing(limits)
    ]


def known_deliveries(fleet: FleetTotals) -> dict[str, Delivery]:
    """Each function's deliveries, counted as the list counts them (PostHog's kind of each
    metric); functions whose totals could not be read are left out, not taken as zero."""
    out = {}
    for function_id in fleet.totals:
        kinds = fleet.kinds(function_id)
        if kinds is not None:
            out[function_id] = Delivery(kinds.get("success", 0), kinds.get("failure", 0))
    return out


def failing_more_than(
    functions: list[HogFunction],
    deliveries: Mapping[str, Delivery],
    *,
    rate: float,
    min_deliveries: int,
) -> list[HogFunction]:
    """Functions that failed more than `rate` (0 to 1) of at least `min_deliveries`
    deliveries, worst first; enabled or not (a bulk disable skips those already off)."""
    picked = [
        f
        for f in functions
        if (d := deliveries.get(f.id)) is not None
        and d.attempted >= min_deliveries
        and d.failed > rate * d.attempted
    ]
    return sorted(picked, key=lambda f: -(deliveries[f.id].rate or 0))


def unhealthy_functions(functions: list[HogFunction]) -> list[HogFunction]:
    """Degraded or disabled by PostHog (from `status.state`, never from `enabled`)."""
    return [f for f in functions if health_of(f) in FAILING_HEALTH]


def failed_streak(runs: list[BatchExportRun]) -> list[BatchExportRun]:
    """The newest runs that failed one after the other (runs newest first); finished runs
    only: a run still going neither breaks nor extends the streak."""
    streak = []
    for run in runs:
        if run.status in ("Running", "Starting"):
            continue
        if run.status not in FAILED_RUN:
            break
        streak.append(run)
    return streak


def runs_before(runs: list[BatchExportRun], moment: datetime) -> list[BatchExportRun]:
    return [r for r in runs if r.created_at is None or r.created_at < moment]


def paused_for(export: BatchExport, now: datetime) -> timedelta | None:
    """How long a paused export has been paused (None when it runs or has ended)."""
    if export_status(export, now) != "Paused":
        return None
    since = export.last_paused_at or export.last_updated_at
    return now - since if since else None


def long_paused(
    exports: list[BatchExport], limits: Thresholds, now: datetime, *, ago: timedelta = timedelta()
) -> list[BatchExport]:
    """Exports paused longer than the threshold (as of `ago` before now)."""
    edge = timedelta(days=limits.paused_days) + ago
    return [x for x in exports if (paused_for(x, now) or timedelta()) > edge]


def running_backfills(
    backfills: list[BatchExportBackfill], at: datetime | None = None
) -> list[BatchExportBackfill]:
    """Backfills running now, or (with `at`) those that were running at that moment."""
    if at is None:
        return [b for b in backfills if b.status in RUNNING_BACKFILL]
    return [
        b
        for b in backfills
        if b.created_at
        and b.created_at <= at
        and (b.finished_at is None or b.finished_at > at)
        and b.status not in ("Cancelled",)
    ]


def plugin_errors(metrics: AppMetrics, since: datetime | None = None) -> int:
    """Failures of a legacy plugin, since `since` or over the whole read."""
    series = metrics.metrics
    if since is None:
        return sum(series.failures)
    edge = since.date().isoformat()
    return sum(n for day, n in zip(series.dates, series.failures, strict=False) if day[:10] >= edge)


def top_error(metrics: AppMetrics) -> str | None:
    errors = sorted(metrics.errors or [], key=lambda e: e.count, reverse=True)
    return errors[0].error_type if errors else None


def plugin_name(config: PluginConfig) -> str:
    return config.name or (config.plugin_info or {}).get("name") or f"Plugin {config.id}"


def window_start(days: int, now: datetime | None = None) -> datetime:
    """The hour the window starts at, as `/metrics/totals/?after=-{days}d` counts."""
    now = now or datetime.now(UTC)
    return (now - timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
