"""Insights (posthog-api.md §3): list with server-side pages, edit, dashboards, activity,
views, sharing and refresh.

Traps handled here: `favorited` and `user` are presence flags (`?favorited=false` still
filters to favorites), so they are sent only when wanted; `created_by`, `tags` and
`dashboards` are JSON arrays; PATCH `dashboards` replaces the whole set, so membership
changes always send the full new set; DELETE is refused (405), so delete means
`deleted: true`; `refresh` defaults to `force_cache`, which never calculates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from services import errors
from services.analytics_models import (
    ActivityEntry,
    ActivityPage,
    Insight,
    InsightPage,
    SharingConfiguration,
)
from services.ids import insight_ref, segment
from services.transport import Transport

INSIGHT_TYPES = (
    "TRENDS",
    "FUNNELS",
    "RETENTION",
    "PATHS",
    "STICKINESS",
    "LIFECYCLE",
    "SQL",
    "JSON",
)
# PostHog's `refresh` modes, in plain words for operators.
REFRESH_MODES = {
    "force_cache": "Cached only: show the last saved result, never run the query.",
    "blocking": "Compute now unless a very fresh result is cached, and wait for it.",
    "force_blocking": "Compute now, even if a fresh result is cached, and wait for it.",
    "async": "Start computing in the background unless a very fresh result is cached.",
    "lazy_async": "Start computing in the background unless a fairly fresh result is cached.",
    "force_async": "Start computing in the background, even if a fresh result is cached.",
    "async_except_on_cache_miss": "Background refresh when stale; wait when nothing is cached.",
}
ORDERINGS = {
    "Last modified": "-last_modified_at",
    "Last viewed": "-last_viewed_at",
    "Created": "-created_at",
}
MAX_VIEWED_IDS = 2500


def list_params(
    *,
    search: str | None = None,
    insight_type: str | None = None,
    tags: Iterable[str] | None = None,
    created_by: Iterable[int] | None = None,
    favorited: bool = False,
    saved: bool | None = None,
    mine: bool = False,
    dashboards: Iterable[int] | None = None,
    short_id: str | None = None,
    order: str | None = None,
    basic: bool = True,
) -> dict[str, Any]:
    """Query parameters for the insights list, encoded the way PostHog reads them."""
    if insight_type is not None and insight_type not in INSIGHT_TYPES:
        raise ValueError(f"unknown insight type {insight_type!r}")
    tags, created_by, dashboards = list(tags or []), list(created_by or []), list(dashboards or [])
    return {
        "search": (search or "").strip() or None,
        "insight": insight_type,
        "tags": json.dumps(tags) if tags else None,
        "created_by": json.dumps([int(u) for u in created_by]) if created_by else None,
        "dashboards": json.dumps([int(d) for d in dashboards]) if dashboards else None,
        # presence flags: any value filters, so send them only when wanted
        "favorited": "true" if favorited else None,
        "user": "true" if mine else None,
        "saved": saved,
        "short_id": short_id or None,
        "order": order or None,
        "basic": "true" if basic else None,
    }


class Insights:
    def __init__(self, transport: Transport, base: str):
        self._t = transport
        self._path = f"{base}/insights/"

    def _item(self, insight_id: int | str) -> str:
        return f"{self._path}{segment(insight_ref(insight_id))}/"

    # --- reads --------------------------------------------------------------------------

    def list_page(self, *, limit: int = 100, offset: int = 0, **filters: Any) -> InsightPage:
        """One server-side page with PostHog's total (`count`); filters as `list_params`."""
        data = self._t.get(self._path, **list_params(**filters), limit=limit, offset=offset)
        return InsightPage(
            results=[Insight.model_validate(row) for row in data.get("results") or []],
            next=data.get("next"),
            previous=data.get("previous"),
            count=data.get("count"),
        )

    def iter(self, *, page_size: int = 100, **filters: Any) -> Iterator[Insight]:
        """Every matching insight, following `next` across pages."""
        params = {**list_params(**filters), "limit": page_size}
        for row in self._t.iter_results(self._path, params):
            yield Insight.model_validate(row)

    def list(self, **filters: Any) -> list[Insight]:
        return list(self.iter(**filters))

    def get(
        self,
        insight_id: int | str,
        *,
        refresh: str = "force_cache",
        from_dashboard: int | None = None,
        client_query_id: str | None = None,
    ) -> Insight:
        """One insight by numeric id or 8-character short_id. `refresh` (REFRESH_MODES)
        defaults to cached only, so `result` may be None."""
        if refresh not in REFRESH_MODES:
            raise ValueError(f"unknown refresh mode {refresh!r}")
        data = self._t.get(
            self._item(insight_id),
            refresh=None if refresh == "force_cache" else refresh,
            from_dashboard=from_dashboard,
            client_query_id=client_query_id,
        )
        return Insight.model_validate(data)

    def refresh(
        self, insight_id: int | str, *, mode: str = "blocking", client_query_id: str | None = None
    ) -> Insight:
        """Compute the result (`blocking` waits; async modes return with `query_status`)."""
        return self.get(insight_id, refresh=mode, client_query_id=client_query_id)

    def activity(self, insight_id: int, *, page: int = 1, limit: int = 10) -> ActivityPage:
        """One page of one insight's activity (who changed what), newest first."""
        return self._activity(f"{self._item(insight_id)}activity/", page, limit)

    def all_activity(self, *, page: int = 1, limit: int = 10) -> ActivityPage:
        """One page of the project-wide insight activity, newest first."""
        return self._activity(f"{self._path}activity/", page, limit)

    def iter_all_activity(self, *, limit: int = 100) -> Iterator[ActivityEntry]:
        """All project-wide insight activity, following `next` (for CSV)."""
        params = {"limit": limit, "page": 1}
        for row in self._t.iter_results(f"{self._path}activity/", params):
            yield ActivityEntry.model_validate(row)

    def _activity(self, path: str, page: int, limit: int) -> ActivityPage:
        if page < 1 or limit < 1:
            raise ValueError("page and limit start at 1")
        data = self._t.get(path, page=page, limit=limit)
        return ActivityPage(
            results=[ActivityEntry.model_validate(row) for row in data.get("results") or []],
            page=page,
            limit=limit,
            next=data.get("next"),
            previous=data.get("previous"),
            total_count=data.get("total_count"),
        )

    def sharing(self, insight_id: int) -> SharingConfiguration:
        """Public sharing; needs the `sharing_configuration:read` scope."""
        return parse_sharing(self._t.get(f"{self._item(insight_id)}sharing/"))

    # --- writes (each one names the operator's intent) -----------------------------------

    def create(
        self,
        *,
        name: str,
        query: dict[str, Any],
        description: str | None = None,
        tags: Iterable[str] | None = None,
        dashboards: Iterable[int] | None = None,
        favorited: bool | None = None,
        saved: bool = True,
    ) -> Insight:
        """A saved insight (PostHog's default is unsaved, which `saved=true` lists miss)."""
        if not isinstance(query, dict) or not query.get("kind"):
            raise ValueError("query must be a PostHog query object with a `kind`")
        body: dict[str, Any] = {"name": name, "query": query, "saved": saved}
        if description is not None:
            body["description"] = description
        if tags is not None:
            body["tags"] = list(tags)
        if dashboards is not None:
            body["dashboards"] = sorted({int(d) for d in dashboards})
        if favorited is not None:
            body["favorited"] = favorited
        return Insight.model_validate(self._t.write("POST", self._path, body))

    def update(
        self,
        insight_id: int | str,
        *,
        name: str | None = None,
        description: str | None = None,
        tags: Iterable[str] | None = None,
        favorited: bool | None = None,
        saved: bool | None = None,
        query: dict[str, Any] | None = None,
    ) -> Insight:
        """PATCH only the fields given (None leaves a field alone; `tags=[]` clears them).
        Never touches dashboard membership: see `set_dashboards`."""
        changes: dict[str, Any] = {
            "name": name,
            "description": description,
            "tags": list(tags) if tags is not None else None,
            "favorited": favorited,
            "saved": saved,
            "query": query,
        }
        return self._patch(insight_id, {k: v for k, v in changes.items() if v is not None})

    def update_if_unchanged(
        self, insight_id: int | str, *, changes: dict[str, Any], loaded_updated_at: Any
    ) -> Insight:
        """PATCH `changes` (fields of `update`) unless someone changed the insight since it was
        loaded: then `Conflict` with the insight as it is now, and nothing is sent. A draft
        stays a draft: PostHog saves any insight it updates unless told `saved: false`."""
        current = self.get(insight_id)
        if current.updated_at != loaded_updated_at:
            by, at = changed_by(current, loaded_updated_at)
            raise errors.Conflict.changed_since("insight", at, by=by, current=current)
        body = dict(changes)
        if "saved" not in body and current.saved is False:
            body["saved"] = False
        return self.update(current.id, **body)

    def _patch(self, insight_id: int | str, changes: dict[str, Any]) -> Insight:
        if not changes:
            raise ValueError("nothing to change")
        return Insight.model_validate(self._t.write("PATCH", self._item(insight_id), changes))

    def set_dashboards(self, insight_id: int | str, dashboard_ids: Iterable[int]) -> Insight:
        """Put the insight on exactly these dashboards: PostHog replaces the whole set, and
        removes it from every dashboard not listed."""
        return self._patch(insight_id, {"dashboards": sorted({int(d) for d in dashboard_ids})})

    def add_to_dashboard(self, insight_id: int | str, dashboard_id: int) -> Insight:
        """Read the current set and send it with `dashboard_id` added, keeping the others."""
        current = self.get(insight_id)
        return self.set_dashboards(current.id, [*current.dashboard_ids, dashboard_id])

    def remove_from_dashboard(self, insight_id: int | str, dashboard_id: int) -> Insight:
        """Read the current set and send it without `dashboard_id`, keeping the others."""
        current = self.get(insight_id)
        kept = [d for d in current.dashboard_ids if d != int(dashboard_id)]
        return self.set_dashboards(current.id, kept)

    def favorite(self, insight_id: int | str, favorited: bool = True) -> Insight:
        return self._patch(insight_id, {"favorited": favorited})

    def delete(self, insight_id: int | str) -> Insight:
        """Soft delete: PostHog refuses DELETE (405); this also removes it from its
        dashboards, and a restore does not put it back on them."""
        return self._patch(insight_id, {"deleted": True})

    def restore(self, insight_id: int | str) -> Insight:
        return self._patch(insight_id, {"deleted": False})

    def mark_viewed(self, insight_ids: Iterable[int]) -> None:
        """Record that the key's user viewed these insights (unknown or deleted ids are
        ignored by PostHog). Older PostHog without the bulk endpoint gets one call each."""
        ids = list(dict.fromkeys(int(i) for i in insight_ids))
        if not ids:
            return
        try:
            for start in range(0, len(ids), MAX_VIEWED_IDS):
                chunk = ids[start : start + MAX_VIEWED_IDS]
                self._t.write("POST", f"{self._path}viewed/", {"insight_ids": chunk})
        except errors.NotFound:
            for insight_id in ids:
                self._t.write("POST", f"{self._item(insight_id)}viewed/")

    def cancel_query(self, client_query_id: str) -> None:
        """Cancel a running calculation (the `query_status.id` of an async refresh)."""
        if not client_query_id:
            raise ValueError("client_query_id is required")
        self._t.write("POST", f"{self._path}cancel/", {"client_query_id": client_query_id})

    def set_sharing(self, insight_id: int, *, enabled: bool) -> SharingConfiguration:
        """Turn the public link on or off; needs `sharing_configuration:write`."""
        body = {"enabled": bool(enabled)}
        return parse_sharing(self._t.write("PATCH", f"{self._item(insight_id)}sharing/", body))

    def rotate_share_link(self, insight_id: int) -> SharingConfiguration:
        """A new access token: the old public link stops working."""
        return parse_sharing(self._t.write("POST", f"{self._item(insight_id)}sharing/refresh/"))


def parse_sharing(data: Any) -> SharingConfiguration:
    """One object, though PostHog's schema documents a list (SOURCE.md)."""
    if isinstance(data, list):
        data = data[0] if data else {}
    return SharingConfiguration.model_validate(data or {})


# --- helpers for operators ---------------------------------------------------------------

EDITABLE = ("name", "description", "tags", "saved")


def changed_by(current: Insight, loaded_updated_at: Any) -> tuple[str | None, Any]:
    """Who changed the insight since it was loaded, and when: PostHog's `last_modified_by`
    and `last_modified_at` when that modification came after loading (PostHog moves them only
    for material fields), else no name and the moment of `updated_at`."""
    modified = current.last_modified_at
    if (
        current.last_modified_by
        and modified
        and (not loaded_updated_at or modified > loaded_updated_at)
    ):
        return current.last_modified_by.display_name, modified
    return None, current.updated_at


def current_values(insight: Insight) -> dict[str, Any]:
    """The editable fields as an edit form shows them."""
    return {
        "name": insight.name or "",
        "description": insight.description or "",
        "tags": list(insight.tags),
        "saved": bool(insight.saved),
    }


def changes_for(insight: Insight, edited: dict[str, Any]) -> dict[str, Any]:
    """The fields the operator changed (tags compared as a set, text without edge spaces):
    the body of `update_if_unchanged`."""
    now = current_values(insight)
    out = {}
    for field, value in edited.items():
        if field not in EDITABLE:
            raise ValueError(f"{field!r} is not an editable insight field")
        if value == now[field]:
            continue  # untouched, even when PostHog stored edge spaces
        if isinstance(value, str):
            value = value.strip()
        same = set(value) == set(now[field]) if field == "tags" else value == now[field]
        if not same:
            out[field] = value
    return out


def unused_insights(insights: Iterable[Insight], *, days: int, now: datetime) -> list[Insight]:
    """On no dashboard and not viewed in `days` days (never viewed counts as unused once the
    insight is older than that)."""
    cutoff = now - timedelta(days=days)
    out = []
    for insight in insights:
        if insight.deleted or insight.dashboard_ids:
            continue
        seen = insight.last_viewed_at or insight.created_at
        if seen is None or seen < cutoff:
            out.append(insight)
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, dict) and "name" in v for v in value):
        return ", ".join(str(v["name"]) for v in value)  # dashboards as {id, name}
    return json.dumps(value, sort_keys=True, default=str)


def activity_rows(entries: Iterable[ActivityEntry]) -> list[dict[str, str]]:
    """One row per changed field, `before` → `after` as text (for tables and CSV); an
    entry without field changes (created, sharing refreshed) is one row."""
    rows = []
    for entry in entries:
        base = {
            "when": entry.created_at.isoformat() if entry.created_at else "",
            "user": entry.user.display_name if entry.user else "PostHog",
            "activity": entry.activity,
            "item_id": entry.item_id or "",
            "name": (entry.detail.name if entry.detail else None) or "",
        }
        changes = entry.changes or [None]
        for change in changes:
            rows.append(
                {
                    **base,
                    "field": change.field or "" if change else "",
                    "before": _text(change.before) if change else "",
                    "after": _text(change.after) if change else "",
                }
            )
    return rows
