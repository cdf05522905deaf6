"""Insight results as PostHog computes them for a read: the refresh modes, cached results and
their freshness, and async calculations a later read settles."""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta

from emulator.analytics import seed as demo
from emulator.analytics.common import TRUTHY, Ctx
from emulator.errors import iso
from emulator.seed import PROJECTS

REFRESH_MODES = (
    "force_cache",
    "blocking",
    "async",
    "async_except_on_cache_miss",
    "lazy_async",
    "force_blocking",
    "force_async",
)
FRESH = timedelta(minutes=15)  # "very fresh" for blocking / async
LAZY_FRESH = timedelta(hours=24)  # "somewhat fresh" for lazy_async


def _refresh_mode(query: dict) -> str:
    raw = query.get("refresh")
    if raw in REFRESH_MODES:
        return raw
    if raw is not None and raw.lower() in TRUTHY:
        return "force_blocking"  # legacy refresh=true
    return "force_cache"


def _compute(ctx: Ctx, ins: dict) -> None:
    ins["generation"] += 1
    kind = demo.kind_of(ins["query"], ins["filters"])
    ins["cache"] = {**demo.compute(kind, ins["id"], ins["generation"], ctx.now), "at": ctx.now}


def _settle(ctx: Ctx, ins: dict) -> None:
    """An async calculation kicked off earlier has finished by the next request, unless it
    was cancelled."""
    query_id = ins.get("pending")
    if not query_id:
        return
    ins["pending"] = None
    status = ctx.st["queries"].get(query_id)
    if status and status["status"] == "running":
        _compute(ctx, ins)
        status["status"] = "complete"


def _start_async(ctx: Ctx, ins: dict, dashboard_id) -> dict:
    query_id = ctx.query.get("client_query_id") or str(
        uuid.UUID(int=ctx.st["rng"].getrandbits(128))
    )
    ins["pending"] = query_id
    ctx.st["queries"][query_id] = {
        "insight_id": ins["id"],
        "team_id": ins["team_id"],
        "status": "running",
    }
    return {
        "id": query_id,
        "query_async": True,
        "team_id": ins["team_id"],
        "insight_id": ins["id"],
        "dashboard_id": dashboard_id,
        "complete": False,
        "error": False,
        "error_message": None,
        "start_time": iso(ctx.now, micro=True),
        "expiration_time": iso(ctx.now + timedelta(minutes=10), micro=True),
        "end_time": None,
        "results": None,
    }


def insight_results(ctx: Ctx, ins: dict, dashboard_id=None) -> dict:
    """The `result` family of fields for the request's `refresh` mode (QR
    `execution_mode_from_refresh`): `force_cache` never calculates."""
    _settle(ctx, ins)
    mode = _refresh_mode(ctx.query)
    cache = ins["cache"]
    age = ctx.now - cache["at"] if cache else None
    stale = age is None or age > FRESH
    status = None
    computed = False
    if (
        mode == "force_blocking"
        or (mode == "blocking" and stale)
        or (mode == "async_except_on_cache_miss" and cache is None)
    ):
        _compute(ctx, ins)
        computed = True
    elif (
        mode == "force_async"
        or (mode in ("async", "async_except_on_cache_miss") and stale)
        or (mode == "lazy_async" and (age is None or age > LAZY_FRESH))
    ):
        status = _start_async(ctx, ins, dashboard_id)
    cache = ins["cache"]
    timezone = next(p["timezone"] for p in PROJECTS if p["id"] == ins["team_id"])
    if cache is None:
        return {
            "result": None,
            "hasMore": None,
            "columns": None,
            "last_refresh": None,
            "cache_target_age": None,
            "next_allowed_client_refresh": None,
            "is_cached": False,
            "query_status": status,
            "hogql": None,
            "types": None,
            "timezone": timezone,
            "resolved_date_range": None,
        }
    return {
        "result": copy.deepcopy(cache["result"]),
        "hasMore": False,
        "columns": cache["columns"],
        "last_refresh": iso(cache["at"], micro=True),
        "cache_target_age": iso(cache["at"] + timedelta(hours=6), micro=True),
        "next_allowed_client_refresh": iso(cache["at"] + timedelta(minutes=3), micro=True),
        "is_cached": not computed,
        "query_status": status,
        "hogql": cache["hogql"],
        "types": cache["types"],
        "timezone": timezone,
        "resolved_date_range": {
            "date_from": iso(cache["at"] - timedelta(days=7)),
            "date_to": iso(cache["at"]),
        },
    }
