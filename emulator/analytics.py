"""Insights and dashboards as PostHog serves them (posthog-api.md §0, §3, §4, §6 items 2, 3,
11, 12): lookups by id or short_id, presence-flag and JSON-array list filters, `dashboards`
replaced as a whole, soft delete (DELETE is 405 with an empty body), refresh modes, activity
pages, sharing, tile upserts, `filters: {}` not clearing, restriction levels and collaborators.

State lives on the emulator (`emu.analytics`), seeded on first use by `analytics_seed`.
"""

from __future__ import annotations

import copy
import json
import string
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from emulator import analytics_seed as demo
from emulator.errors import ApiError, iso, parse_when
from emulator.seed import PROJECTS, USERS, new_uuid, user_basic

JSON = "application/json"
EVERYONE_CAN_EDIT, ONLY_COLLABORATORS = demo.EVERYONE_CAN_EDIT, demo.ONLY_COLLABORATORS
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
MATERIAL_FIELDS = {"name", "description", "filters", "query"}
LOGGED_INSIGHT_FIELDS = (
    "name",
    "derived_name",
    "description",
    "query",
    "filters",
    "tags",
    "favorited",
    "saved",
    "deleted",
)
LOGGED_DASHBOARD_FIELDS = (
    "name",
    "description",
    "pinned",
    "tags",
    "restriction_level",
    "filters",
    "variables",
    "deleted",
)
TILE_DISPLAY_FIELDS = (
    "color",
    "layouts",
    "filters_overrides",
    "show_description",
    "transparent_background",
    "deleted",
)
_VIZ_SOURCES = {
    "TrendsQuery",
    "FunnelsQuery",
    "RetentionQuery",
    "PathsQuery",
    "StickinessQuery",
    "LifecycleQuery",
}
_QUERY_KINDS = {
    "InsightVizNode",
    "DataTableNode",
    "DataVisualizationNode",
    "HogQuery",
    "HogQLQuery",
    "EventsQuery",
    "ActorsQuery",
    *_VIZ_SOURCES,
}
_TRUTHY = {"y", "yes", "t", "true", "on", "1"}


# --- state and test helpers -------------------------------------------------------------


def state(emu) -> dict:
    """The analytics state of an emulator, seeded deterministically on first use."""
    with emu.lock:
        st = getattr(emu, "analytics", None)
        if st is None:
            st = emu.analytics = demo.build(emu.seed)
        return st


def stored_insight(emu, insight_id: int) -> dict:
    """What the emulator stores for an insight (deleted ones too), for tests."""
    with emu.lock:
        st = state(emu)
        ins = copy.deepcopy(st["insights"][insight_id])
        ins["dashboards"] = [t["dashboard_id"] for t in _live_tiles(st, insight_id)]
        ins["tiles"] = [
            copy.deepcopy(t) for t in st["tiles"].values() if t["insight_id"] == insight_id
        ]
        ins["views"] = {u: v for (i, u), v in st["views"].items() if i == insight_id}
        ins["last_viewed_at"] = max(ins["views"].values(), default=None)
        ins["sharing"] = copy.deepcopy(st["sharing"].get(("insight", insight_id)))
        return ins


def stored_insights(emu, project_id: int = 1) -> list[dict]:
    with emu.lock:
        ids = [i for i, ins in state(emu)["insights"].items() if ins["team_id"] == project_id]
        return [stored_insight(emu, i) for i in ids]


def live_insights(emu, project_id: int = 1) -> list[dict]:
    """Stored insights of a project that are not soft-deleted."""
    return [ins for ins in stored_insights(emu, project_id) if not ins["deleted"]]


def stored_dashboard(emu, dashboard_id: int) -> dict:
    """What the emulator stores for a dashboard: tiles (soft-deleted too), collaborator user
    ids and sharing."""
    with emu.lock:
        st = state(emu)
        dash = copy.deepcopy(st["dashboards"][dashboard_id])
        dash["tiles"] = [
            copy.deepcopy(t) for t in st["tiles"].values() if t["dashboard_id"] == dashboard_id
        ]
        dash["collaborators"] = [
            c["user_id"] for c in st["collaborators"] if c["dashboard_id"] == dashboard_id
        ]
        dash["sharing"] = copy.deepcopy(st["sharing"].get(("dashboard", dashboard_id)))
        return dash


def stored_dashboards(emu, project_id: int = 1) -> list[dict]:
    with emu.lock:
        st = state(emu)
        ids = [d for d, dash in st["dashboards"].items() if dash["team_id"] == project_id]
        return [stored_dashboard(emu, d) for d in ids]


def stored_dashboard_named(emu, name: str, project_id: int = 1) -> dict:
    return next(d for d in stored_dashboards(emu, project_id) if d["name"] == name)


def activity_log(emu, *, scope: str = "Insight", item_id=None, project_id: int = 1) -> list:
    """Recorded activity of a project, oldest first."""
    with emu.lock:
        return [
            copy.deepcopy(e)
            for e in state(emu)["activity"]
            if e["scope"] == scope
            and e["team_id"] == project_id
            and (item_id is None or e["item_id"] == str(item_id))
        ]


def user_uuid(user_id: int) -> str:
    return demo.user_uuid(user_id)


# --- entry point -----------------------------------------------------------------------------


def handle(handler, method, team, rest, query, body, key):
    st = state(handler.emulator)
    with handler.emulator.lock:
        ctx = _Ctx(handler, st, team, query, key, datetime.now(UTC))
        if rest[0] == "insights":
            return _insights(ctx, method, rest[1:], body)
        return _dashboards(ctx, method, rest[1:], body)


class _Ctx:
    """One request: handler, state, team, query parameters, key, the key's user and now."""

    def __init__(self, handler, st, team, query, key, now):
        self.h, self.st, self.team = handler, st, team
        self.query, self.key, self.now = query, key, now
        self.user = demo.KEY_USER_ID

    def require(self, obj: str, access: str, action: str | None = None) -> None:
        self.h._require(self.key, obj, access, action)

    def all_params(self, name: str) -> list[str]:
        return parse_qs(urlsplit(self.h.path).query, keep_blank_values=True).get(name, [])

    def link(self, **params) -> str:
        url = urlsplit(self.h.path)
        merged = parse_qs(url.query)
        merged.update({k: [str(v)] for k, v in params.items()})
        query = urlencode(merged, doseq=True)
        return f"http://{self.h.headers.get('Host')}{url.path}?{query}"


def _not_allowed(method: str) -> ApiError:
    return ApiError.envelope(
        405, "invalid_request", "method_not_allowed", f'Method "{method}" not allowed.'
    )


def _server_error() -> ApiError:
    return ApiError.envelope(500, "server_error", "error", "A server error occurred.")


def _access(method: str) -> str:
    return "read" if method == "GET" else "write"


# --- users and permissions ---------------------------------------------------------------


def _user(user_id: int | None) -> dict | None:
    return next((u for u in USERS + demo.OUTSIDERS if u["id"] == user_id), None)


def _basic(user_id: int | None) -> dict | None:
    user = _user(user_id)
    return user_basic(user) if user else None


def _is_collaborator(st, dashboard_id: int, user_id: int) -> bool:
    return any(
        c["dashboard_id"] == dashboard_id and c["user_id"] == user_id for c in st["collaborators"]
    )


def can_restrict(dash: dict, user_id: int) -> bool:
    """Owner or project admin (DASHM `can_user_restrict`)."""
    return dash["created_by"] == user_id or user_id in demo.ADMIN_IDS


def can_edit(st, dash: dict, user_id: int) -> bool:
    if dash["restriction_level"] <= EVERYONE_CAN_EDIT or can_restrict(dash, user_id):
        return True
    return _is_collaborator(st, dash["id"], user_id)


# --- parsing and validation --------------------------------------------------------------


def _body(body) -> dict:
    if body is None:
        return {}
    if not isinstance(body, dict):
        kind = type(body).__name__
        raise ApiError.validation(f"Invalid data. Expected a dictionary, but got {kind}.")
    return body


def _bool(value, attr: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (1, "1", "true", "True", "yes", "on"):
        return True
    if value in (0, "0", "false", "False", "no", "off"):
        return False
    raise ApiError.validation("Must be a valid boolean.", attr)


def _text(value, attr: str, *, max_length: int | None = 400, nullable: bool = True):
    if value is None:
        if nullable:
            return None
        raise ApiError.validation("This field may not be null.", attr, code="null")
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ApiError.validation("Not a valid string.", attr)
    value = str(value)
    if max_length and len(value) > max_length:
        detail = f"Ensure this field has no more than {max_length} characters."
        raise ApiError.validation(detail, attr, code="max_length")
    return value


def _int(value, attr: str, *, nullable: bool = True):
    if value is None and nullable:
        return None
    if isinstance(value, bool):
        raise ApiError.validation("A valid integer is required.", attr)
    try:
        return int(str(value))
    except ValueError:
        raise ApiError.validation("A valid integer is required.", attr) from None


def _choice_int(value) -> int | None:
    """An integer choice or primary key as DRF reads it: 37 or "37"; anything else is None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _tags(value, attr: str = "tags") -> list[str]:
    if not isinstance(value, list):
        kind = type(value).__name__
        raise ApiError.validation(
            f'Expected a list of items but got type "{kind}".', attr, code="not_a_list"
        )
    return sorted({str(tag).strip().lower() for tag in value if str(tag).strip()})


def _param_int(query: dict, name: str, default: int) -> int:
    raw = query.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError.validation("A valid integer is required.", name) from None
    if value < 1:
        raise ApiError.validation(
            "Ensure this value is greater than or equal to 1.", name, code="min_value"
        )
    return value


def _json_array(query: dict, name: str) -> list | None:
    """`created_by`, `tags`, `dashboards`: JSON arrays. PostHog json.loads them and fails with
    a server error on anything that is not an array (e.g. `?tags=growth`)."""
    raw = query.get(name)
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise _server_error() from None
    if isinstance(value, list):
        return value
    if not value:
        return None
    raise _server_error()


def _check_query(query) -> None:
    """PostHog's QuerySchemaParser: a truthy `query` must validate against the query schema,
    else 400 `parse_error`."""
    if not query:
        return
    problem = None
    if not isinstance(query, dict):
        problem = "Input should be a valid dictionary"
    elif query.get("kind") not in _QUERY_KINDS:
        problem = f"Input tag '{query.get('kind')}' found using 'kind' does not match any tag"
    elif query["kind"] == "InsightVizNode":
        source = query.get("source")
        if not isinstance(source, dict) or source.get("kind") not in _VIZ_SOURCES:
            problem = "InsightVizNode.source: Input should be a valid insight query"
    elif query["kind"] in ("DataTableNode", "DataVisualizationNode") and (
        not isinstance(query.get("source"), dict) or "kind" not in query["source"]
    ):
        problem = f"{query['kind']}.source: Field required"
    if problem:
        detail = f"1 validation error for QuerySchemaRoot\n{problem}"
        raise ApiError.envelope(400, "invalid_request", "parse_error", detail)


# --- insights: lookups, results, serialization -------------------------------------------


def _live_tiles(st, insight_id: int) -> list[dict]:
    return [
        t
        for t in st["tiles"].values()
        if t["insight_id"] == insight_id
        and not t["deleted"]
        and not st["dashboards"][t["dashboard_id"]]["deleted"]
    ]


def _last_viewed(st, insight_id: int) -> datetime | None:
    return max((v for (i, _), v in st["views"].items() if i == insight_id), default=None)


def _find_insight(ctx: _Ctx, ident: str, *, include_deleted: bool = False) -> dict:
    """Numeric: the pk first, then a numeric short_id; otherwise the 8-character short_id."""
    candidates = [
        ins
        for ins in ctx.st["insights"].values()
        if ins["team_id"] == ctx.team and (include_deleted or not ins["deleted"])
    ]
    if ident.isdigit():
        found = next((ins for ins in candidates if ins["id"] == int(ident)), None)
        if found:
            return found
    found = next((ins for ins in candidates if ins["short_id"] == ident), None)
    if found is None:
        raise ApiError.not_found()
    return found


def _refresh_mode(query: dict) -> str:
    raw = query.get("refresh")
    if raw in REFRESH_MODES:
        return raw
    if raw is not None and raw.lower() in _TRUTHY:
        return "force_blocking"  # legacy refresh=true
    return "force_cache"


def _compute(ctx: _Ctx, ins: dict) -> None:
    ins["generation"] += 1
    kind = demo.kind_of(ins["query"], ins["filters"])
    ins["cache"] = {**demo.compute(kind, ins["id"], ins["generation"], ctx.now), "at": ctx.now}


def _settle(ctx: _Ctx, ins: dict) -> None:
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


def _start_async(ctx: _Ctx, ins: dict, dashboard_id) -> dict:
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


def _results(ctx: _Ctx, ins: dict, dashboard_id=None) -> dict:
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


def _insight_levels(ctx: _Ctx, ins: dict) -> tuple[int, int]:
    dashboards = [ctx.st["dashboards"][t["dashboard_id"]] for t in _live_tiles(ctx.st, ins["id"])]
    if not dashboards:
        return EVERYONE_CAN_EDIT, ONLY_COLLABORATORS
    restriction = max(d["restriction_level"] for d in dashboards)
    editable = any(can_edit(ctx.st, d, ctx.user) for d in dashboards)
    return restriction, ONLY_COLLABORATORS if editable else EVERYONE_CAN_EDIT


def _insight_body(
    ctx: _Ctx,
    ins: dict,
    *,
    basic: bool = False,
    dashboard_id=None,
    last_viewed: datetime | None = None,
) -> dict:
    tiles = _live_tiles(ctx.st, ins["id"])
    restriction, privilege = _insight_levels(ctx, ins)
    access = "editor" if privilege == ONLY_COLLABORATORS else "viewer"
    body = {
        "id": ins["id"],
        "short_id": ins["short_id"],
        "name": ins["name"],
        "derived_name": ins["derived_name"],
        "filters": {} if ins["query"] else dict(ins["filters"] or {"insight": "TRENDS"}),
        "query": copy.deepcopy(ins["query"]),
        "dashboards": [t["dashboard_id"] for t in tiles],
        "dashboard_tiles": [
            {"id": t["id"], "dashboard_id": t["dashboard_id"], "deleted": False} for t in tiles
        ],
        "description": ins["description"],
        "saved": ins["saved"],
        "tags": list(ins["tags"]),
        "updated_at": iso(ins["updated_at"], micro=True),
        "created_by": _basic(ins["created_by"]),
        "created_at": iso(ins["created_at"], micro=True),
        "last_modified_at": iso(ins["last_modified_at"], micro=True),
        "favorited": ins["favorited"],
        "user_access_level": access,
        "last_viewed_at": iso(last_viewed or _last_viewed(ctx.st, ins["id"]), micro=True),
    }
    if basic:
        cache = ins["cache"]
        body["last_refresh"] = iso(cache["at"], micro=True) if cache else None
        body["refreshing"] = False
        return body
    body.update(
        order=ins["order"],
        deleted=ins["deleted"],
        last_modified_by=_basic(ins["last_modified_by"]),
        is_sample=ins["is_sample"],
        effective_restriction_level=restriction,
        effective_privilege_level=privilege,
        alerts=list(ins["alerts"]),
        filters_hash=f"cache_{ins['id']}_{ins['generation']}",
        **_results(ctx, ins, dashboard_id),
    )
    return body


# --- insights: routes ----------------------------------------------------------------------


def _collection(ctx: _Ctx, method: str, scope: str, list_rows, create, body):
    """GET lists and POST creates, each behind its scope; other methods are refused."""
    if method == "GET":
        ctx.require(scope, "read")
        return 200, list_rows(ctx), JSON
    if method == "POST":
        ctx.require(scope, "write")
        return 201, create(ctx, _body(body)), JSON
    ctx.require(scope, _access(method))
    raise _not_allowed(method)


def _insights(ctx: _Ctx, method: str, rest: list[str], body):
    if not rest:
        return _collection(ctx, method, "insight", _list_insights, _create_insight, body)
    head = rest[0]
    if len(rest) == 1 and head == "activity":
        ctx.require("activity_log", "read")
        if method != "GET":
            raise _not_allowed(method)
        return 200, _activity_page(ctx, None), JSON
    if len(rest) == 1 and head == "viewed":
        ctx.require("insight", "read")
        if method != "POST":
            raise _not_allowed(method)
        _viewed(ctx, _body(body))
        return 201, None, JSON
    if len(rest) == 1 and head == "cancel":
        ctx.require("insight", "write", "cancel")  # unmapped: refuses every scoped key
        if method != "POST":
            raise _not_allowed(method)
        _cancel(ctx, _body(body))
        return 201, None, JSON
    if len(rest) == 1 and head == "my_last_viewed":
        ctx.require("insight", "read", "my_last_viewed")  # unmapped
        if method != "GET":
            raise _not_allowed(method)
        return 200, _my_last_viewed(ctx), JSON
    if len(rest) == 1 and head == "trending":
        ctx.require("insight", "read")
        if method != "GET":
            raise _not_allowed(method)
        return 200, _trending(ctx), JSON
    action = rest[1:]
    if not action:
        return _insight_item(ctx, method, head, body)
    if action == ["activity"]:
        ctx.require("activity_log", "read")
        if method != "GET":
            raise _not_allowed(method)
        ins = _find_insight(ctx, head)
        return 200, _activity_page(ctx, ins["id"]), JSON
    if action == ["viewed"]:  # the older per-insight variant; unmapped for scoped keys
        ctx.require("insight", "write", "viewed")
        if method != "POST":
            raise _not_allowed(method)
        ins = _find_insight(ctx, head)
        ctx.st["views"][(ins["id"], ctx.user)] = ctx.now
        return 201, None, JSON
    if action[0] == "sharing":
        return _sharing(ctx, method, "insight", head, action[1:], body)
    raise ApiError.not_found()


def _insight_item(ctx: _Ctx, method: str, ident: str, body):
    if method == "GET":
        ctx.require("insight", "read")
        ins = _find_insight(ctx, ident)
        basic = (ctx.query.get("basic") or "").lower() in _TRUTHY
        dashboard_id = ctx.query.get("from_dashboard")
        tile = None
        if dashboard_id and dashboard_id.isdigit():
            tile = next(
                (
                    t
                    for t in _live_tiles(ctx.st, ins["id"])
                    if t["dashboard_id"] == int(dashboard_id)
                ),
                None,
            )
        out = _insight_body(ctx, ins, basic=basic, dashboard_id=tile and tile["dashboard_id"])
        if tile:
            out.update(color=tile["color"], layouts=copy.deepcopy(tile["layouts"]))
        return 200, out, JSON
    if method in ("PATCH", "PUT"):
        ctx.require("insight", "write")
        data = _body(body)
        ins = _find_insight(ctx, ident, include_deleted=data.get("deleted") is False)
        return 200, _update_insight(ctx, ins, data), JSON
    if method == "DELETE":
        ctx.require("insight", "write")
        raise ApiError(405, None)  # ForbidDestroyModel: soft delete with PATCH
    ctx.require("insight", "write")
    raise _not_allowed(method)


def _list_insights(ctx: _Ctx) -> dict:
    q, st = ctx.query, ctx.st
    items = [ins for ins in st["insights"].values() if ins["team_id"] == ctx.team]
    items = [ins for ins in items if not ins["deleted"]]
    if q.get("short_id"):
        items = [ins for ins in items if ins["short_id"] == q["short_id"]]
    if "saved" in q:
        if str(q["saved"]).lower() in _TRUTHY:
            items = [ins for ins in items if ins["saved"] or _live_tiles(st, ins["id"])]
        else:
            items = [ins for ins in items if not ins["saved"]]
    if "user" in q:  # presence flag: ?user=false still means "mine"
        items = [ins for ins in items if ins["created_by"] == ctx.user]
    if "favorited" in q:  # presence flag: ?favorited=false still filters to favorites
        items = [ins for ins in items if ins["favorited"]]
    if q.get("insight"):
        items = [ins for ins in items if demo.kind_of(ins["query"], ins["filters"]) == q["insight"]]
    for name, field in (
        ("date_from", "last_modified_at"),
        ("created_date_from", "created_at"),
    ):
        if q.get(name):
            since = parse_when(q[name], ctx.now, name)
            items = [ins for ins in items if ins[field] > since]
    for name, field in (("date_to", "last_modified_at"), ("created_date_to", "created_at")):
        if q.get(name):
            until = parse_when(q[name], ctx.now, name)
            items = [ins for ins in items if ins[field] < until]
    if q.get("last_viewed_date_from"):
        since = parse_when(q["last_viewed_date_from"], ctx.now, "last_viewed_date_from")
        items = [ins for ins in items if (_last_viewed(st, ins["id"]) or since) > since]
    if q.get("last_viewed_date_to"):
        until = parse_when(q["last_viewed_date_to"], ctx.now, "last_viewed_date_to")
        items = [ins for ins in items if (_last_viewed(st, ins["id"]) or until) < until]
    dashboards = _json_array(q, "dashboards")
    for dashboard_id in dashboards or []:  # AND
        items = [
            ins
            for ins in items
            if any(str(t["dashboard_id"]) == str(dashboard_id) for t in _live_tiles(st, ins["id"]))
        ]
    tags = _json_array(q, "tags")
    if tags:  # OR
        items = [ins for ins in items if set(ins["tags"]) & {str(t) for t in tags}]
    created_by = _json_array(q, "created_by")
    if created_by:
        wanted = {str(user_id) for user_id in created_by}
        items = [ins for ins in items if str(ins["created_by"]) in wanted]
    search = q.get("search")
    if search:
        needle = search.lower()
        items = [
            ins
            for ins in items
            if needle
            in " ".join(
                [ins["name"] or "", ins["derived_name"] or "", ins["description"] or ""]
                + ins["tags"]
            ).lower()
        ]
    items = _order_insights(ctx, items)
    page = ctx.h._page(items, q)
    basic = (q.get("basic") or "").lower() in _TRUTHY
    page["results"] = [_insight_body(ctx, ins, basic=basic) for ins in page["results"]]
    if search:
        for row in page["results"]:
            row["search_match_type"] = "exact"
    return page


_ORDER_FIELDS = {
    "id",
    "name",
    "derived_name",
    "short_id",
    "order",
    "created_at",
    "updated_at",
    "last_modified_at",
    "last_viewed_at",
}


def _order_insights(ctx: _Ctx, items: list[dict]) -> list[dict]:
    order = ctx.query.get("order")
    items = sorted(items, key=lambda ins: ins["id"])
    if not order:
        if ctx.query.get("search"):
            return items
        order = "order"  # the legacy `order` column (NULLs last)
    field = order.lstrip("-")
    if field not in _ORDER_FIELDS:
        raise _server_error()  # Django FieldError on an unknown field

    def value(ins):
        if field == "last_viewed_at":
            return _last_viewed(ctx.st, ins["id"])
        return ins[field]

    present = [ins for ins in items if value(ins) is not None]
    missing = [ins for ins in items if value(ins) is None]
    descending = order.startswith("-")
    present.sort(key=lambda ins: value(ins), reverse=descending)
    if field == "last_viewed_at":  # nulls last when descending, first when ascending
        return present + missing if descending else missing + present
    return missing + present if descending else present + missing


def _validate_insight(ctx: _Ctx, data: dict) -> dict:
    _check_query(data.get("query"))
    clean: dict = {}
    for field in ("name", "derived_name", "description"):
        if field in data:
            clean[field] = _text(data[field], field)
    if "query" in data:
        if data["query"] is not None and not isinstance(data["query"], dict):
            raise ApiError.validation("Query must be a valid JSON object", "query")
        clean["query"] = copy.deepcopy(data["query"])
    if "filters" in data:
        clean["filters"] = copy.deepcopy(data["filters"]) if data["filters"] else {}
    if "order" in data:
        clean["order"] = _int(data["order"], "order")
    for field in ("deleted", "favorited", "saved"):
        if field in data:
            clean[field] = _bool(data[field], field)
    if "tags" in data:
        clean["tags"] = _tags(data["tags"])
    if "dashboards" in data:
        if not isinstance(data["dashboards"], list):
            kind = type(data["dashboards"]).__name__
            raise ApiError.validation(
                f'Expected a list of items but got type "{kind}".',
                "dashboards",
                code="not_a_list",
            )
        found = []
        for raw in data["dashboards"]:
            dashboard_id = _choice_int(raw)
            dash = ctx.st["dashboards"].get(dashboard_id)
            if dash is None or dash["team_id"] != ctx.team:
                detail = f'Invalid pk "{raw}" - object does not exist.'
                raise ApiError.validation(detail, "dashboards", code="does_not_exist")
            found.append(dash)
        clean["dashboards"] = found
    return clean


def _create_insight(ctx: _Ctx, data: dict) -> dict:
    st = ctx.st
    clean = _validate_insight(ctx, data)
    targets = [d for d in clean.pop("dashboards", []) if not d["deleted"]]
    for dash in targets:
        if not can_edit(st, dash, ctx.user):
            raise ApiError.permission(
                f"You don't have permission to add insights to dashboard: {dash['id']}"
            )
    ins = {
        "id": demo.next_id(st, "insight"),
        "short_id": "".join(
            st["rng"].choice(string.ascii_letters + string.digits) for _ in range(8)
        ),
        "team_id": ctx.team,
        "name": None,
        "derived_name": None,
        "description": None,
        "query": None,
        "filters": {},
        "order": None,
        "deleted": False,
        "tags": [],
        "favorited": False,
        "saved": False,  # the model default: only saved=true (or a dashboard) lists as saved
        "is_sample": False,
        "created_at": ctx.now,
        "created_by": ctx.user,
        "updated_at": ctx.now,
        "last_modified_at": ctx.now,
        "last_modified_by": ctx.user,
        "cache": None,
        "generation": 0,
        "pending": None,
        "alerts": [],
    }
    ins.update(clean)
    st["insights"][ins["id"]] = ins
    st["views"][(ins["id"], ctx.user)] = ctx.now
    for dash in targets:
        demo.add_tile(st, dash, ins)
    if ins["name"] or ins["derived_name"]:
        _log(ctx, "Insight", ins, "created", [])
    return _insight_body(ctx, ins)


def _update_insight(ctx: _Ctx, ins: dict, data: dict) -> dict:
    st = ctx.st
    clean = _validate_insight(ctx, data)
    before = copy.deepcopy(ins)
    dashboards_before = _describe_dashboards(ctx, ins)
    clean.setdefault("saved", True)  # any update saves the insight unless `saved` is sent
    clean["is_sample"] = False
    if clean.keys() & MATERIAL_FIELDS:
        ins["last_modified_at"], ins["last_modified_by"] = ctx.now, ctx.user
    new_dashboards = clean.pop("dashboards", None)
    dashboard_change = None
    if clean.get("deleted"):
        for tile in st["tiles"].values():
            if tile["insight_id"] == ins["id"]:
                tile["deleted"] = True
        ins["alerts"] = []
    elif new_dashboards is not None:
        dashboard_change = _replace_dashboards(ctx, ins, new_dashboards, dashboards_before)
    ins.update(clean)
    ins["updated_at"] = ctx.now
    changes = _changes("Insight", before, ins, LOGGED_INSIGHT_FIELDS)
    if dashboard_change:
        changes.append(dashboard_change)
    activity = "updated"
    if before["deleted"] != ins["deleted"]:
        activity = "deleted" if ins["deleted"] else "restored"
    if changes or activity != "updated":
        _log(ctx, "Insight", ins, activity, changes)
    return _insight_body(ctx, ins)


def _describe_dashboards(ctx: _Ctx, ins: dict) -> list[dict]:
    tiles = _live_tiles(ctx.st, ins["id"])
    described = [
        {"id": t["dashboard_id"], "name": ctx.st["dashboards"][t["dashboard_id"]]["name"]}
        for t in tiles
    ]
    return sorted(described, key=lambda d: d["id"])


def _replace_dashboards(ctx: _Ctx, ins: dict, dashboards: list[dict], before: list[dict]):
    """PATCH `dashboards` is the full new set: tiles on dashboards left out are soft-deleted."""
    st = ctx.st
    old_ids = [d["id"] for d in before]
    new_ids = list(dict.fromkeys(d["id"] for d in dashboards if not d["deleted"]))
    if sorted(old_ids) == sorted(new_ids):
        return None
    to_add = [i for i in new_ids if i not in old_ids]
    to_remove = [i for i in old_ids if i not in new_ids]
    for dashboard_id in to_add:
        if not can_edit(st, st["dashboards"][dashboard_id], ctx.user):
            raise ApiError.permission(
                f"You don't have permission to add insights to dashboard: {dashboard_id}"
            )
    for dashboard_id in to_remove:
        if not can_edit(st, st["dashboards"][dashboard_id], ctx.user):
            raise ApiError.permission(
                f"You don't have permission to remove insights from dashboard: {dashboard_id}"
            )
    for dashboard_id in to_add:
        existing = next(
            (
                t
                for t in st["tiles"].values()
                if t["insight_id"] == ins["id"] and t["dashboard_id"] == dashboard_id
            ),
            None,
        )
        if existing:
            existing["deleted"] = False
        else:
            demo.add_tile(st, st["dashboards"][dashboard_id], ins)
    for tile in st["tiles"].values():
        if tile["insight_id"] == ins["id"] and tile["dashboard_id"] in to_remove:
            tile["deleted"] = True
    after = [{"id": i, "name": st["dashboards"][i]["name"]} for i in new_ids]
    return _change("Insight", "dashboards", before, after)


def _viewed(ctx: _Ctx, data: dict) -> None:
    if "insight_ids" not in data:
        raise ApiError.validation("This field is required.", "insight_ids", code="required")
    ids = data["insight_ids"]
    if not isinstance(ids, list):
        kind = type(ids).__name__
        raise ApiError.validation(
            f'Expected a list of items but got type "{kind}".', "insight_ids", code="not_a_list"
        )
    if not ids:
        raise ApiError.validation("This list may not be empty.", "insight_ids", code="empty")
    if len(ids) > 2500:
        raise ApiError.validation(
            "Ensure this field has no more than 2500 elements.", "insight_ids", code="max_length"
        )
    wanted = {_int(value, f"insight_ids__{n}", nullable=False) for n, value in enumerate(ids)}
    for ins in ctx.st["insights"].values():
        if ins["id"] in wanted and ins["team_id"] == ctx.team and not ins["deleted"]:
            ctx.st["views"][(ins["id"], ctx.user)] = ctx.now


def _cancel(ctx: _Ctx, data: dict) -> None:
    if "client_query_id" not in data:
        raise ApiError.validation("Field is required.", "client_query_id")
    status = ctx.st["queries"].get(str(data["client_query_id"]))
    if status and status["team_id"] == ctx.team and status["status"] == "running":
        status["status"] = "cancelled"


def _my_last_viewed(ctx: _Ctx) -> list[dict]:
    mine = [
        (moment, ctx.st["insights"][insight_id])
        for (insight_id, user_id), moment in ctx.st["views"].items()
        if user_id == ctx.user
    ]
    mine = [(m, ins) for m, ins in mine if ins["team_id"] == ctx.team and not ins["deleted"]]
    mine.sort(key=lambda pair: pair[0], reverse=True)
    return [_insight_body(ctx, ins, basic=True, last_viewed=m) for m, ins in mine[:5]]


def _trending(ctx: _Ctx) -> dict:
    try:
        days = int(ctx.query.get("days", "7"))
        limit = min(int(ctx.query.get("limit", "10")), 100)
    except ValueError:
        raise ApiError.validation("days and limit must be valid integers") from None
    cutoff = ctx.now - timedelta(days=days)
    rows = []
    for ins in ctx.st["insights"].values():
        if ins["team_id"] != ctx.team or ins["deleted"]:
            continue
        viewers = sorted(
            (
                (moment, user_id)
                for (insight_id, user_id), moment in ctx.st["views"].items()
                if insight_id == ins["id"] and moment >= cutoff
            ),
            reverse=True,
        )
        if viewers:
            rows.append((len(viewers), ins["last_modified_at"], ins, viewers))
    rows.sort(key=lambda row: (row[0], row[1]), reverse=True)
    results = []
    for count, _, ins, viewers in rows[:limit]:
        body = _insight_body(ctx, ins, basic=True)
        body.update(
            view_count=count,
            viewers=[_basic(user_id) for _, user_id in viewers[:3]],
            last_modified_by=_basic(ins["last_modified_by"]),
        )
        results.append(body)
    return {"count": len(results), "next": None, "previous": None, "results": results}


# --- activity ----------------------------------------------------------------------------


def _change(kind: str, field: str, before, after) -> dict:
    action = "created" if before is None else "deleted" if after is None else "changed"
    return {"type": kind, "action": action, "field": field, "before": before, "after": after}


def _changes(kind: str, before: dict, after: dict, fields) -> list[dict]:
    return [
        _change(kind, field, copy.deepcopy(before[field]), copy.deepcopy(after[field]))
        for field in fields
        if before[field] != after[field]
    ]


def _log(ctx: _Ctx, scope: str, item: dict, activity: str, changes: list[dict]) -> None:
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


def _activity_page(ctx: _Ctx, insight_id: int | None) -> dict:
    """ACT: `{results, next, previous, total_count}`, `limit` (10) and 1-based `page`."""
    limit = _param_int(ctx.query, "limit", 10)
    page = _param_int(ctx.query, "page", 1)
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
        "results": [
            {
                "id": e["id"],
                "user": _basic(e["user_id"]),
                "unread": False,
                "is_staff": False,
                "is_system": e["user_id"] is None,
                "was_impersonated": False,
                "activity": e["activity"],
                "scope": e["scope"],
                "item_id": e["item_id"],
                "detail": copy.deepcopy(e["detail"]),
                "created_at": iso(e["created_at"], micro=True),
            }
            for e in chunk
        ],
        "next": ctx.link(page=page + 1, limit=limit) if start + limit < len(entries) else None,
        "previous": ctx.link(page=page - 1, limit=limit) if page > 1 else None,
        "total_count": len(entries),
    }


# --- sharing -------------------------------------------------------------------------------


def _sharing(ctx: _Ctx, method: str, kind: str, ident: str, action: list[str], body):
    if action not in ([], ["refresh"]):
        raise ApiError.not_found()
    ctx.require("sharing_configuration", _access(method))
    allowed = "POST" if action else ("GET", "PATCH")
    if method not in allowed:
        raise _not_allowed(method)
    table = ctx.st["insights"] if kind == "insight" else ctx.st["dashboards"]
    item = table.get(int(ident)) if ident.isdigit() else None
    if item is None or item["team_id"] != ctx.team or item["deleted"]:
        raise ApiError.envelope(
            404, "invalid_request", "not_found", f"{kind.capitalize()} not found."
        )
    config = ctx.st["sharing"].get((kind, item["id"]))
    if method == "GET":
        return 200, _sharing_body(config), JSON
    if kind == "dashboard" and not can_edit(ctx.st, item, ctx.user):
        raise ApiError.permission("You don't have edit permissions for this dashboard.")
    if action == ["refresh"]:
        config = config or _new_sharing(ctx, kind, item)
        config["access_token"] = _token(ctx)
        if kind == "insight":
            _log(ctx, "Insight", item, "access token refreshed", [])
        return 200, _sharing_body(config), JSON
    data = _body(body)
    if data.get("password_required"):
        payload = {"error": "Sharing with password requires the Advanced Permissions feature"}
        return 403, payload, JSON
    enabled = _bool(data["enabled"], "enabled") if "enabled" in data else None
    settings = data.get("settings")
    if settings is not None and not isinstance(settings, dict):
        raise ApiError.validation("Invalid settings format", "settings")
    config = config or _new_sharing(ctx, kind, item)
    before = config["enabled"]
    if enabled is not None:
        config["enabled"] = enabled
    if "settings" in data:
        config["settings"] = copy.deepcopy(settings)
    scope = "Insight" if kind == "insight" else "Dashboard"
    state_word = "enabled" if config["enabled"] else "disabled"
    _log(
        ctx,
        scope,
        item,
        f"sharing {state_word}",
        [_change(scope, "sharing", before, config["enabled"])],
    )
    return 200, _sharing_body(config), JSON


def _token(ctx: _Ctx) -> str:
    alphabet = string.ascii_letters + string.digits + "-_"
    return "".join(ctx.st["rng"].choice(alphabet) for _ in range(30))


def _new_sharing(ctx: _Ctx, kind: str, item: dict) -> dict:
    """Sharing is stored only once it is first changed (SHARE `_get_sharing_configuration`)."""
    config = {
        "created_at": ctx.now,
        "enabled": False,
        "access_token": _token(ctx),
        "settings": None,
    }
    ctx.st["sharing"][(kind, item["id"])] = config
    return config


def _sharing_body(config: dict | None) -> dict:
    config = config or {
        "created_at": None,
        "enabled": False,
        "access_token": None,
        "settings": None,
    }
    return {
        "created_at": iso(config["created_at"], micro=True),
        "enabled": config["enabled"],
        "access_token": config["access_token"],
        "settings": copy.deepcopy(config["settings"]),
        "password_required": False,
        "share_passwords": [],
    }


def _is_shared(st, kind: str, item_id: int) -> bool:
    return bool((st["sharing"].get((kind, item_id)) or {}).get("enabled"))


# --- dashboards --------------------------------------------------------------------------


def _find_dashboard(ctx: _Ctx, ident: str, *, include_deleted: bool = False) -> dict:
    dash = ctx.st["dashboards"].get(int(ident)) if ident.isdigit() else None
    if dash is None or dash["team_id"] != ctx.team or (dash["deleted"] and not include_deleted):
        raise ApiError.not_found()
    return dash


def _dashboard_tiles(st, dash: dict) -> list[dict]:
    """Live tiles (not deleted, insight not deleted) in layout order."""
    tiles = [
        t
        for t in st["tiles"].values()
        if t["dashboard_id"] == dash["id"]
        and not t["deleted"]
        and (t["insight_id"] is None or not st["insights"][t["insight_id"]]["deleted"])
    ]

    def position(tile):
        layout = (tile["layouts"] or {}).get("sm") or {}
        return layout.get("y", 100), layout.get("x", 100), tile["id"]

    return sorted(tiles, key=position)


def _dashboard_body(ctx: _Ctx, dash: dict, *, full: bool) -> dict:
    st = ctx.st
    editable = can_edit(st, dash, ctx.user)
    body = {
        "id": dash["id"],
        "name": dash["name"],
        "description": dash["description"],
        "pinned": dash["pinned"],
        "created_at": iso(dash["created_at"], micro=True),
        "created_by": _basic(dash["created_by"]),
        "last_accessed_at": iso(dash["last_accessed_at"], micro=True),
        "last_viewed_at": iso(dash["last_accessed_at"], micro=True),
        "is_shared": _is_shared(st, "dashboard", dash["id"]),
        "deleted": dash["deleted"],
        "creation_mode": dash["creation_mode"],
        "tags": list(dash["tags"]),
        "restriction_level": dash["restriction_level"],
        "effective_restriction_level": dash["restriction_level"],
        "effective_privilege_level": ONLY_COLLABORATORS if editable else EVERYONE_CAN_EDIT,
        "user_access_level": "editor" if editable else "viewer",
        "access_control_version": "v1" if dash["restriction_level"] > EVERYONE_CAN_EDIT else "v2",
        "last_refresh": iso(dash["last_refresh"], micro=True),
        "team_id": dash["team_id"],
    }
    if not full:
        return body
    body.update(
        filters=copy.deepcopy(dash["filters"] or {}),
        variables=copy.deepcopy(dash["variables"] or {}),
        breakdown_colors=copy.deepcopy(dash["breakdown_colors"]),
        data_color_theme_id=dash["data_color_theme_id"],
        persisted_filters=copy.deepcopy(dash["filters"]) or None,
        persisted_variables=copy.deepcopy(dash["variables"]) or None,
        tiles=[_tile_body(ctx, dash, tile, n) for n, tile in enumerate(_dashboard_tiles(st, dash))],
    )
    return body


def _tile_body(ctx: _Ctx, dash: dict, tile: dict, order: int) -> dict:
    insight = None
    if tile["insight_id"] is not None:
        ins = ctx.st["insights"][tile["insight_id"]]
        insight = _insight_body(ctx, ins, dashboard_id=dash["id"])
    text = None
    if tile["text"]:
        text = {
            "id": tile["text"]["id"],
            "body": tile["text"]["body"],
            "created_by": _basic(tile["text"]["created_by"]),
            "last_modified_at": iso(tile["text"]["last_modified_at"], micro=True),
            "last_modified_by": _basic(tile["text"]["last_modified_by"]),
            "team": tile["text"]["team"],
        }
    return {
        "id": tile["id"],
        "insight": insight,
        "text": text,
        "button_tile": None,
        "widget": None,
        "color": tile["color"],
        "layouts": copy.deepcopy(tile["layouts"]),
        "filters_overrides": copy.deepcopy(tile["filters_overrides"]),
        "show_description": tile["show_description"],
        "transparent_background": tile["transparent_background"],
        "order": order,
        "last_refresh": (insight or {}).get("last_refresh"),
        "is_cached": (insight or {}).get("is_cached", False),
    }


def _dashboards(ctx: _Ctx, method: str, rest: list[str], body):
    if not rest:
        return _collection(ctx, method, "dashboard", _list_dashboards, _create_dashboard, body)
    ident, action = rest[0], rest[1:]
    if not action:
        return _dashboard_item(ctx, method, ident, body)
    if action[0] == "collaborators" and len(action) <= 2:
        return _collaborators(ctx, method, ident, action[1:], body)
    if action[0] == "sharing":
        return _sharing(ctx, method, "dashboard", ident, action[1:], body)
    if action == ["move_tile"]:
        ctx.require("dashboard", "write", "move_tile")  # unmapped for scoped keys
        if method != "PATCH":
            raise _not_allowed(method)
        return 200, _move_tile(ctx, _find_dashboard(ctx, ident), _body(body)), JSON
    raise ApiError.not_found()


def _dashboard_item(ctx: _Ctx, method: str, ident: str, body):
    if method == "GET":
        ctx.require("dashboard", "read")
        dash = _find_dashboard(ctx, ident)
        dash["last_accessed_at"] = ctx.now
        return 200, _dashboard_body(ctx, dash, full=True), JSON
    if method in ("PATCH", "PUT"):
        ctx.require("dashboard", "write")
        data = _body(body)
        # restoring needs exactly {"deleted": false} (DASH `dangerously_get_queryset`)
        restore = data.keys() == {"deleted"} and not data["deleted"]
        dash = _find_dashboard(ctx, ident, include_deleted=restore)
        if not can_edit(ctx.st, dash, ctx.user):
            raise ApiError.permission("You don't have edit permissions for this dashboard.")
        return 200, _update_dashboard(ctx, dash, data), JSON
    ctx.require("dashboard", "write")
    if method == "DELETE":
        raise ApiError(405, None)  # ForbidDestroyModel
    raise _not_allowed(method)


def _list_dashboards(ctx: _Ctx) -> dict:
    q = ctx.query
    items = [
        d
        for d in ctx.st["dashboards"].values()
        if d["team_id"] == ctx.team and not d["deleted"] and d["creation_mode"] != "unlisted"
    ]
    if q.get("search"):
        needle = q["search"].lower()
        items = [
            d
            for d in items
            if needle in " ".join([d["name"] or "", d["description"] or ""] + d["tags"]).lower()
        ]
    tags = ctx.all_params("tags")  # repeatable: ?tags=a&tags=b
    if tags:
        items = [d for d in items if set(d["tags"]) & set(tags)]
    if q.get("exclude_generated") == "true":
        items = [d for d in items if not (d["name"] or "").startswith(demo.GENERATED_PREFIX)]
    if q.get("creation_mode"):
        items = [d for d in items if d["creation_mode"] == q["creation_mode"]]
    items.sort(key=lambda d: (not d["pinned"], d["name"] is None, (d["name"] or "").lower()))
    page = ctx.h._page(items, q)
    page["results"] = [_dashboard_body(ctx, d, full=False) for d in page["results"]]
    return page


def _validate_dashboard(data: dict) -> dict:
    clean: dict = {}
    if "name" in data:
        clean["name"] = _text(data["name"], "name")
    if "description" in data:
        clean["description"] = _text(data["description"], "description", max_length=None) or ""
    for field in ("pinned", "deleted"):
        if field in data:
            clean[field] = _bool(data[field], field)
    if "tags" in data:
        clean["tags"] = _tags(data["tags"])
    if "restriction_level" in data:
        level = _choice_int(data["restriction_level"])
        if level not in (EVERYONE_CAN_EDIT, ONLY_COLLABORATORS):
            detail = f'"{data["restriction_level"]}" is not a valid choice.'
            raise ApiError.validation(detail, "restriction_level", code="invalid_choice")
        clean["restriction_level"] = level
    if "data_color_theme_id" in data:
        clean["data_color_theme_id"] = _int(data["data_color_theme_id"], "data_color_theme_id")
    if "breakdown_colors" in data:
        clean["breakdown_colors"] = copy.deepcopy(data["breakdown_colors"])
    for field in ("filters", "variables"):  # applied only when truthy: {} never clears
        if data.get(field):
            if not isinstance(data[field], dict):
                raise ApiError.validation("Filters must be a dictionary")
            clean[field] = copy.deepcopy(data[field])
    return clean


def _create_dashboard(ctx: _Ctx, data: dict) -> dict:
    st = ctx.st
    clean = _validate_dashboard(data)
    clean.pop("deleted", None)
    use_dashboard = _int(data.get("use_dashboard"), "use_dashboard")
    use_template = data.get("use_template")
    if use_dashboard and use_template:
        raise ApiError.validation("`use_dashboard` and `use_template` cannot be used together")
    if use_template:
        raise ApiError.validation(f"Invalid template provided: {use_template}", "use_template")
    source = None
    if use_dashboard:
        source = st["dashboards"].get(use_dashboard)
        if source is None or source["team_id"] != ctx.team or source["deleted"]:
            raise ApiError.validation("Invalid value provided", "use_dashboard")
    dash = demo.new_dashboard(
        st,
        team_id=ctx.team,
        name=clean.pop("name", None),
        owner=ctx.user,
        created=ctx.now,
        creation_mode="duplicate" if source else "default",
        **clean,
    )
    if source:
        deep = bool(data.get("duplicate_tiles"))
        for tile in _dashboard_tiles(st, source):
            _copy_tile(ctx, tile, dash, deep=deep)
    _log(ctx, "Dashboard", dash, "created", [])
    return _dashboard_body(ctx, dash, full=True)


def _copy_tile(ctx: _Ctx, tile: dict, dash: dict, *, deep: bool) -> None:
    st = ctx.st
    insight = st["insights"][tile["insight_id"]] if tile["insight_id"] else None
    if insight and deep:
        copied = copy.deepcopy(insight)
        copied.update(
            id=demo.next_id(st, "insight"),
            short_id="".join(
                st["rng"].choice(string.ascii_letters + string.digits) for _ in range(8)
            ),
            name=f"{insight['name']} (Copy)" if insight["name"] else None,
            created_at=ctx.now,
            created_by=ctx.user,
            updated_at=ctx.now,
            last_modified_at=ctx.now,
            last_modified_by=ctx.user,
            pending=None,
        )
        st["insights"][copied["id"]] = copied
        insight = copied
    new = demo.add_tile(st, dash, insight, text=(tile["text"] or {}).get("body"))
    new.update(
        color=tile["color"],
        layouts=copy.deepcopy(tile["layouts"]),
        filters_overrides=copy.deepcopy(tile["filters_overrides"]),
    )


def _update_dashboard(ctx: _Ctx, dash: dict, data: dict) -> dict:
    st = ctx.st
    clean = _validate_dashboard(data)
    if "restriction_level" in data and not can_restrict(dash, ctx.user):
        raise ApiError.permission(
            "Only the dashboard owner and project admins have the restriction rights required "
            "to change the dashboard's restriction level."
        )
    delete_insights = _bool(data.get("delete_insights", False), "delete_insights")
    before = copy.deepcopy(dash)
    tiles_before = [t["id"] for t in _dashboard_tiles(st, dash)]
    if dash["deleted"] and clean.get("deleted") is False:
        _undelete_tiles(st, dash)
    if clean.get("deleted"):
        _delete_tiles(st, dash, delete_insights=delete_insights)
    dash.update(clean)
    for tile_data in data.get("tiles") or []:
        _upsert_tile(ctx, dash, tile_data)
    changes = _changes("Dashboard", before, dash, LOGGED_DASHBOARD_FIELDS)
    tiles_after = [t["id"] for t in _dashboard_tiles(st, dash)]
    if tiles_before != tiles_after:
        changes.append(_change("Dashboard", "tiles", tiles_before, tiles_after))
    if changes:
        _log(ctx, "Dashboard", dash, "updated", changes)
    return _dashboard_body(ctx, dash, full=True)


def _delete_tiles(st, dash: dict, *, delete_insights: bool) -> None:
    if delete_insights:  # only insights on no other dashboard
        for tile in _dashboard_tiles(st, dash):
            if tile["insight_id"] is not None and len(_live_tiles(st, tile["insight_id"])) == 1:
                st["insights"][tile["insight_id"]]["deleted"] = True
    for tile in st["tiles"].values():
        if tile["dashboard_id"] == dash["id"]:
            tile["deleted"] = True


def _undelete_tiles(st, dash: dict) -> None:
    for tile in st["tiles"].values():
        if tile["dashboard_id"] == dash["id"]:
            tile["deleted"] = False
            if tile["insight_id"] is not None:
                st["insights"][tile["insight_id"]]["deleted"] = False


def _upsert_tile(ctx: _Ctx, dash: dict, data) -> None:
    """One item of PATCH `tiles`: matched by id, only the display fields sent are written;
    unknown ids are skipped and tiles not sent are untouched. `text` creates or edits a
    text tile."""
    if not isinstance(data, dict):
        return
    st = ctx.st
    tile = st["tiles"].get(data.get("id")) if isinstance(data.get("id"), int) else None
    if tile is not None and tile["dashboard_id"] != dash["id"]:
        tile = None
    text = data.get("text")
    if text:
        body = _text((text or {}).get("body"), "text__body", max_length=4000) or ""
        if tile is None:
            tile = demo.add_tile(st, dash, None, text=body)
        elif tile["text"] is not None:
            tile["text"].update(body=body, last_modified_at=ctx.now, last_modified_by=ctx.user)
    elif tile is None or not any(field in data for field in TILE_DISPLAY_FIELDS):
        return
    for field in TILE_DISPLAY_FIELDS:
        if field in data:
            tile[field] = copy.deepcopy(data[field])


def _move_tile(ctx: _Ctx, dash: dict, data: dict) -> dict:
    tile_id = (data.get("tile") or {}).get("id")
    target = ctx.st["dashboards"].get(data.get("toDashboard"))
    tile = ctx.st["tiles"].get(tile_id)
    if tile is None or tile["dashboard_id"] != dash["id"] or target is None:
        raise ApiError.not_found()
    tile["dashboard_id"] = target["id"]
    return _dashboard_body(ctx, dash, full=True)


# --- collaborators (COLLAB) -------------------------------------------------------------


def _collaborators(ctx: _Ctx, method: str, ident: str, rest: list[str], body):
    st = ctx.st
    ctx.require("dashboard", _access(method))
    allowed = ("DELETE",) if rest else ("GET", "POST")
    if method not in allowed:
        raise _not_allowed(method)
    dash = st["dashboards"].get(int(ident)) if ident.isdigit() else None
    if dash is None or dash["team_id"] != ctx.team or dash["deleted"]:
        raise ApiError.envelope(404, "invalid_request", "not_found", "Dashboard not found.")
    if method == "GET":
        rows = [c for c in st["collaborators"] if c["dashboard_id"] == dash["id"]]
        return 200, [_collaborator_body(c) for c in rows], JSON
    if not can_edit(st, dash, ctx.user):
        raise ApiError.permission("You don't have edit permissions for this dashboard.")
    if method == "DELETE":
        row = next(
            (
                c
                for c in st["collaborators"]
                if c["dashboard_id"] == dash["id"] and demo.user_uuid(c["user_id"]) == rest[0]
            ),
            None,
        )
        if row is None:
            raise ApiError.not_found()
        if dash["restriction_level"] <= EVERYONE_CAN_EDIT:
            raise ApiError.validation(
                "Cannot remove collaborators from a dashboard on the lowest restriction level."
            )
        st["collaborators"].remove(row)
        _log(ctx, "Dashboard", dash, "updated", [_collaborator_change(row, removed=True)])
        return 204, None, JSON
    row = _add_collaborator(ctx, dash, _body(body))
    _log(ctx, "Dashboard", dash, "updated", [_collaborator_change(row, removed=False)])
    return 201, _collaborator_body(row), JSON


def _add_collaborator(ctx: _Ctx, dash: dict, data: dict) -> dict:
    st = ctx.st
    if "user_uuid" not in data:
        raise ApiError.validation("This field is required.", "user_uuid", code="required")
    try:
        wanted = str(uuid.UUID(str(data["user_uuid"])))
    except ValueError:
        raise ApiError.validation("Must be a valid UUID.", "user_uuid") from None
    if "level" not in data:
        raise ApiError.validation("This field is required.", "level", code="required")
    level = _choice_int(data["level"])
    if level not in (EVERYONE_CAN_EDIT, ONLY_COLLABORATORS):
        detail = f'"{data["level"]}" is not a valid choice.'
        raise ApiError.validation(detail, "level", code="invalid_choice")
    if dash["restriction_level"] <= EVERYONE_CAN_EDIT:
        raise ApiError.validation(
            "Cannot add collaborators to a dashboard on the lowest restriction level."
        )
    if level != ONLY_COLLABORATORS:
        raise ApiError.validation("Only edit access can be explicitly specified currently.")
    user = next(
        (u for u in USERS + demo.OUTSIDERS if demo.user_uuid(u["id"]) == wanted),
        None,
    )
    if user is None:
        raise ApiError.validation("User does not exist.")
    if user["id"] not in {u["id"] for u in USERS}:
        raise ApiError.validation("Cannot add collaborators that have no access to the project.")
    if can_restrict(dash, user["id"]):
        raise ApiError.validation(
            "Cannot add collaborators that already have inherent access (the dashboard owner "
            "or a project admins)."
        )
    if _is_collaborator(st, dash["id"], user["id"]):
        raise ApiError.validation("User already is a collaborator.")
    row = {
        "id": new_uuid(st["rng"]),
        "dashboard_id": dash["id"],
        "user_id": user["id"],
        "level": level,
        "added_at": ctx.now,
        "updated_at": ctx.now,
    }
    st["collaborators"].append(row)
    return row


def _collaborator_body(row: dict) -> dict:
    return {
        "id": row["id"],
        "dashboard_id": row["dashboard_id"],
        "user": _basic(row["user_id"]),
        "level": row["level"],
        "added_at": iso(row["added_at"], micro=True),
        "updated_at": iso(row["updated_at"], micro=True),
    }


def _collaborator_change(row: dict, *, removed: bool) -> dict:
    user = _user(row["user_id"]) or {}
    who = {"id": row["user_id"], "email": user.get("email")}
    return _change("Dashboard", "collaborators", who if removed else None, None if removed else who)
