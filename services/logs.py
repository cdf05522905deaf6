"""Log pages for hog functions and batch exports.

PostHog's logs endpoint wraps an already-limited, newest-first list in a limit/offset envelope
whose `next` is always null, so older entries are reached with `before=<timestamp>`. `before`
is strict, so entries sharing the last timestamp of a full page would be skipped: those are
held back and the next page starts just after that timestamp to include all of them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypedDict

from services.models import LogEntry, LogPage
from services.transport import Transport

MAX_LOG_LIMIT = 500


class LogFilters(TypedDict, total=False):
    limit: int
    before: datetime | str | None
    after: datetime | str | None
    levels: list[str] | None
    search: str | None
    instance_id: str | None


def fetch_log_page(
    transport: Transport,
    path: str,
    *,
    limit: int = 100,
    before: datetime | str | None = None,
    after: datetime | str | None = None,
    levels: list[str] | None = None,
    search: str | None = None,
    instance_id: str | None = None,
) -> LogPage:
    if not 1 <= limit <= MAX_LOG_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LOG_LIMIT}")
    params: dict[str, Any] = {
        "limit": limit,
        "before": _iso(before),
        "after": _iso(after),
        "level": ",".join(level.upper() for level in levels) if levels else None,
        "search": search or None,
        "instance_id": instance_id or None,
    }
    data = transport.get(path, **params)
    rows = data.get("results", []) if isinstance(data, dict) else data or []
    entries = [LogEntry.model_validate(row) for row in rows]
    if len(entries) < limit:
        return LogPage(entries=entries, older_before=None)
    last = entries[-1].timestamp
    tied = sum(1 for e in entries if e.timestamp == last)
    if tied < len(entries):
        # hold back the tied tail; the next page (strictly before last + 1µs) includes them
        return LogPage(entries=entries[:-tied], older_before=_iso(last + timedelta(microseconds=1)))
    return LogPage(entries=entries, older_before=_iso(last))


def _iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    return value.isoformat().replace("+00:00", "Z")
