"""The query API: one HogQL query instead of one request per object (posthog-api.md §7).

client.query.hog_function_totals(days=7)   # {function_id: {"succeeded": 7396, ...}}
client.query.hog_function_daily(days=7)    # the fleet's daily series by metric name
client.query.fleet_totals(days=7, fallback=lambda: client.query.per_function_totals(ids))

PostHog's own UI reads hog function metrics this way: `app_metrics` holds what
`/hog_functions/{id}/metrics/` serves, for every function of the project. The key needs the
`query:read` scope; without it PostHog answers 403 and `MissingScope` is raised, and
`fleet_totals` falls back to one `/metrics/totals/` request per function.

Quirks handled here: a SELECT without LIMIT returns only 100 rows, so every query sends its
own LIMIT (PostHog caps it at 50,000). With an explicit LIMIT PostHog leaves `hasMore` null,
so a page as long as the LIMIT (or `hasMore: true`) is taken to mean more rows may follow,
and the next page is read by keyset (`WHERE` past the last row), not OFFSET: newest PostHog
refuses OFFSET on personal-API-key queries. Metrics of soft-deleted functions are still in
`app_metrics`: join the totals with the function list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import Field, field_validator

from services import errors
from services.concurrency import DEADLINE, DEFAULT_WORKERS, fetch_concurrently
from services.hog_functions import HogFunctions
from services.models import PostHogModel
from services.transport import Transport

MAX_ROWS = 50_000  # PostHog's cap on an explicit LIMIT (MAX_SELECT_RETURNED_ROWS)
MAX_DAYS = 90  # PostHog keeps app_metrics rows 90 days
NO_QUERY_SCOPE_REASON = (
    "This API key lacks the `query:read` scope, so the totals were read one function at a "
    "time. A key with `query:read` makes this much faster: create one in PostHog → Settings → "
    "Personal API keys."
)
Totals = dict[str, dict[str, int]]
# How PostHog groups metric names into kinds (`/metrics/?breakdown_by=kind`).
METRIC_KINDS = {
    "succeeded": "success",
    "failed": "failure",
    "inputs_failed": "failure",
    "filtering_failed": "failure",
    "disabled_temporarily": "failure",
    "disabled_permanently": "failure",
    "filtered": "other",
    "masked": "other",
}


def by_kind(names: Mapping[str, int], known: Mapping[str, str] | None = None) -> dict[str, int]:
    """Totals by metric name summed by kind: PostHog's own kind of each name when `known`
    (from `app_metrics.metric_kind`), else METRIC_KINDS; an unknown name counts as "other"."""
    kinds: dict[str, int] = {}
    for name, total in names.items():
        kind = (known or {}).get(name) or METRIC_KINDS.get(name, "other")
        kinds[kind] = kinds.get(kind, 0) + int(total)
    return kinds


class HogQLResponse(PostHogModel):
    """PostHog's (Cached)HogQLQueryResponse: rows are arrays in `columns` order."""

    columns: list[Any] = Field(default_factory=list)
    types: list[Any] = Field(default_factory=list)
    results: list[list[Any]] = Field(default_factory=list)
    has_more: bool | None = Field(default=None, alias="hasMore")
    limit: int | None = None
    offset: int | None = None
    hogql: str | None = None
    is_cached: bool | None = None
    timings: list[dict[str, Any]] | None = None

    @field_validator("columns", "types", "results", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    def rows(self) -> list[dict[str, Any]]:
        """Each row as {column: value}."""
        names = [str(name) for name in self.columns]
        return [dict(zip(names, row, strict=False)) for row in self.results]


@dataclass(frozen=True)
class FleetDaily:
    """The fleet's metrics per day: `series[name][i]` is the total of `days[i]` (zero-filled)."""

    days: list[date]
    series: dict[str, list[int]]

    def total(self, name: str) -> int:
        return sum(self.series.get(name, []))


@dataclass(frozen=True)
class FleetTotals:
    """Totals by function and metric name, with where they came from.

    `source` is "query" (one request) or "per_function" (one request per function); `reason`
    says in plain words why the fallback was used (None when it was not); `failed` holds the
    functions whose own totals could not be read in the fallback."""

    totals: Totals
    source: Literal["query", "per_function"]
    reason: str | None = None
    failed: dict[str, Exception] = field(default_factory=dict)
    previous: Totals | None = None  # the window before, when it was asked for and read
    metric_kinds: dict[str, str] = field(default_factory=dict)  # PostHog's, when it said

    def kinds(self, function_id: str) -> dict[str, int] | None:
        """The function's totals by kind (success, failure, other), as the list shows them
        and `/metrics/totals/?breakdown_by=kind` counts them; None when they are unknown."""
        if function_id in self.failed:
            return None
        return by_kind(self.totals.get(function_id, {}), self.metric_kinds)


class Query:
    def __init__(self, transport: Transport, base: str):
        self._t = transport
        self._base = base
        self._path = f"{base}/query/"

    # --- one query ---------------------------------------------------------------------

    def hogql(self, sql: str, *, name: str | None = None) -> HogQLResponse:
        """Run one HogQL query. Send a LIMIT: without one PostHog returns only 100 rows."""
        body: dict[str, Any] = {"query": {"kind": "HogQLQuery", "query": sql}}
        if name:
            body["name"] = name
        return HogQLResponse.model_validate(_post_read(self._t, self._path, body) or {})

    # --- hog function metrics ----------------------------------------------------------

    def hog_function_totals(self, *, days: int = 7, page_size: int = MAX_ROWS) -> Totals:
        """{function_id: {metric_name: total}} over the last `days` days for every hog
        function with metrics (soft-deleted ones included), counted from the hour that
        contains now − `days` days, as `/metrics/totals/?after=-{days}d` counts. One request
        unless the project has more than `page_size` function × metric rows."""
        return self._totals(days, page_size, previous=False)[0]

    def hog_function_windows(
        self, *, days: int = 7, page_size: int = MAX_ROWS
    ) -> tuple[Totals, Totals, dict[str, str]]:
        """The same totals, those of the `days` days before them (what an Overview compares
        against), and PostHog's own kind of each metric name, in one query."""
        return self._totals(days, page_size, previous=True)

    def _totals(
        self, days: int, page_size: int, *, previous: bool
    ) -> tuple[Totals, Totals, dict[str, str]]:
        window = _window(days)
        columns = "sum(count) AS total"
        where = window
        if previous:
            where = _window(2 * days)
            columns = (
                f"sumIf(count, {window}) AS total, sumIf(count, {_before(days)}) AS previous, "
                "min(metric_kind) AS kind"
            )
        page_size = max(1, min(int(page_size), MAX_ROWS))
        totals: Totals = {}
        before: Totals = {}
        kinds: dict[str, str] = {}
        after: tuple[str, str] | None = None
        while True:
            keyset = ""
            if after is not None:
                last_id, last_name = (_hogql_string(value) for value in after)
                keyset = (
                    f"\n  AND (app_source_id > {last_id}"
                    f" OR (app_source_id = {last_id} AND metric_name > {last_name}))"
                )
            page = self.hogql(
                f"SELECT app_source_id, metric_name, {columns}\n"
                "FROM app_metrics\n"
                f"WHERE app_source = 'hog_function' AND {where}{keyset}\n"
                "GROUP BY app_source_id, metric_name\n"
                "ORDER BY app_source_id, metric_name\n"
                f"LIMIT {page_size}",
                name="hog function totals",
            )
            rows = page.rows()
            for row in rows:
                function_id, name = str(row["app_source_id"]), str(row["metric_name"])
                if row.get("kind"):
                    kinds[name] = str(row["kind"])
                for into, column in ((totals, "total"), (before, "previous")):
                    value = int(row.get(column) or 0)
                    if value:  # zero totals are left out, as /metrics/totals/ leaves them
                        into.setdefault(function_id, {})[name] = value
            if not rows or not (page.has_more or len(rows) >= page_size):
                return totals, before, kinds
            after = (str(rows[-1]["app_source_id"]), str(rows[-1]["metric_name"]))

    def hog_function_daily(self, *, days: int = 7) -> FleetDaily:
        """The fleet's totals per day and metric name over the same window as
        `hog_function_totals` (the first day is partial), every day from the window's first
        to today, zero-filled."""
        page = self.hogql(
            "SELECT toStartOfDay(timestamp) AS day, metric_name, sum(count) AS total\n"
            "FROM app_metrics\n"
            f"WHERE app_source = 'hog_function' AND {_window(days)}\n"
            "GROUP BY day, metric_name\n"
            "ORDER BY day, metric_name\n"
            f"LIMIT {MAX_ROWS}",
            name="hog function daily",
        )
        by_day: dict[date, dict[str, int]] = {}
        for row in page.rows():
            day = _day(row["day"])
            names = by_day.setdefault(day, {})
            names[str(row["metric_name"])] = names.get(str(row["metric_name"]), 0) + int(
                row.get("total") or 0
            )
        now = datetime.now(UTC)
        first = min([(now - timedelta(days=days)).date(), *by_day])
        last = max([now.date(), *by_day])
        labels = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        names = sorted({name for values in by_day.values() for name in values})
        series = {name: [by_day.get(day, {}).get(name, 0) for day in labels] for name in names}
        return FleetDaily(days=labels, series=series)

    def per_function_totals(
        self,
        function_ids: Iterable[str],
        *,
        days: int = 7,
        on_progress: Callable[[int, int], None] | None = None,
        max_workers: int = DEFAULT_WORKERS,
        deadline: float | None = DEADLINE,
    ) -> dict[str, dict[str, int] | Exception]:
        """The fallback: one `/metrics/totals/?breakdown_by=name` per function, concurrently
        and within the key's rate limit; a failure (or `NotLoaded` past `deadline` seconds)
        is returned in place of its totals."""
        _window(days)
        hog_functions = HogFunctions(self._t, self._base)

        def read(function_id: str) -> dict[str, int]:
            return hog_functions.metrics_totals(function_id, after=f"-{days}d", breakdown_by="name")

        return fetch_concurrently(
            function_ids, read, max_workers=max_workers, on_progress=on_progress, deadline=deadline
        )

    def fleet_totals(
        self,
        *,
        days: int = 7,
        fallback: Callable[[], Mapping[str, Mapping[str, int] | Exception]] | None = None,
        previous: bool = False,
    ) -> FleetTotals:
        """Totals in one query; when that fails and `fallback` is given (typically
        `lambda: client.query.per_function_totals(ids, on_progress=...)`), its totals, with
        the reason in plain words. Without a fallback the query's error is raised. With
        `previous`, the query also returns the window before (the fallback does not)."""
        try:
            if previous:
                current, before, kinds = self.hog_function_windows(days=days)
                return FleetTotals(current, source="query", previous=before, metric_kinds=kinds)
            return FleetTotals(self.hog_function_totals(days=days), source="query")
        except errors.PostHogError as exc:
            if fallback is None:
                raise
            return one_by_one(fallback(), reason=fallback_reason(exc))


def fallback_reason(exc: errors.PostHogError) -> str:
    """Why the totals were read one function at a time, in plain words."""
    if isinstance(exc, errors.MissingScope) and exc.scope == "query:read":
        return NO_QUERY_SCOPE_REASON
    return _failed_reason(exc)


def one_by_one(results: Mapping[str, Mapping[str, int] | Exception], *, reason: str) -> FleetTotals:
    """FleetTotals from `per_function_totals`' answers (a failure in place of its totals)."""
    totals: Totals = {}
    failed: dict[str, Exception] = {}
    for function_id, value in results.items():
        if isinstance(value, Exception):
            failed[function_id] = value
        else:
            totals[function_id] = {name: int(total) for name, total in value.items()}
    return FleetTotals(totals, source="per_function", reason=reason, failed=failed)


def _failed_reason(exc: Exception) -> str:
    return (
        f"PostHog's query API did not answer the one-request read ({exc}), so the totals "
        "were read one function at a time."
    )


def _window(days: int) -> str:
    days = int(days)
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS} (PostHog keeps 90 days)")
    return f"timestamp >= toStartOfHour(now() - INTERVAL {days} DAY)"


def _before(days: int) -> str:
    return f"timestamp < toStartOfHour(now() - INTERVAL {int(days)} DAY)"


def _hogql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return date.fromisoformat(text[:10])


def _post_read(transport: Transport, path: str, body: Any) -> Any:
    """POST a query: a read sent as POST (runs in audit mode, never journaled)."""
    return transport.request("POST", path, json_body=body, read=True).data
