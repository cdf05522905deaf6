"""Activity logs of insights and dashboards: recording a change and the paged log."""

from __future__ import annotations

import copy

from emulator.activity_log import serialize_entry
from emulator.analytics.common import Ctx, param_int
from emulator.seed import new_uuid


def change_entry(kind: str, field: str, before, after) -> dict:
    action = "created" if before is None else "deleted" if after is None else "changed"
    return {"type": kind, "action": action, "field": field, "before": before, "after": after}


def changed_fields(kind: str, before: dict, after: dict, fields) -> list[dict]:
    return [
        change_entry(kind, field, copy.deepcopy(before[field]), copy.deepcopy(after[field]))
        for field in fields
        if before[field] != after[field]
    ]


def record_activity(ctx: Ctx, scope: str, item: dict, activity: str, changes: list[dict]) -> None:
    name = item.get("name") or item.get("derived_name")
    ctx.st["activity"].append(
        {
            "id": new_uuid(ctx.st["rng"]),
            "team_id": ctx.team,
            "user_id": ctx.user,
            "activity": activity,
            "scope": scope,
            "item_id": str(item["id"]),
            "detail": {
                "id": None,
                "changes": changes,
                "merge": None,
                "trigger": None,
                "name": name,
                "short_id": item.get("short_id"),
                "type": "dashboard" if scope == "Dashboard" else None,
            },
            "created_at": ctx.now,
        }
    )


def activity_page(ctx: Ctx, insight_id: int | None) -> dict:
    """ACT: `{results, next, previous, total_count}`, `limit` (10) and 1-based `page`."""
    limit = param_int(ctx.query, "limit", 10)
    page = param_int(ctx.query, "page", 1)
    entries = [
        e
        for e in ctx.st["activity"]
        if e["team_id"] == ctx.team
        and e["scope"] == "Insight"
        and (insight_id is None or e["item_id"] == str(insight_id))
    ]
    entries.sort(key=lambda e: e["created_at"], reverse=True)
    start = (page - 1) * limit
    chunk = entries[start : start + limit]
    return {
        "results": [serialize_entry(e) for e in chunk],
        "next": ctx.link(page=page + 1, limit=limit) if start + limit < len(entries) else None,
        "previous": ctx.link(page=page - 1, limit=limit) if page > 1 else None,
        "total_count": len(entries),
    }
