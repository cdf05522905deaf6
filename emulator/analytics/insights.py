"""What each insight route does (posthog-api.md §3): lookups by id or short_id, list filters,
`dashboards` replaced as a whole, soft delete, refresh modes, viewed, trending."""

from __future__ import annotations

import copy
import string
from datetime import datetime, timedelta

from emulator.analytics import seed as demo
from emulator.analytics.activity import activity_page, change_entry, changed_fields, record_activity
from emulator.analytics.common import (
    EVERYONE_CAN_EDIT,
    ONLY_COLLABORATORS,
    TRUTHY,
    Ctx,
    as_bool,
    as_int,
    as_tags,
    as_text,
    basic_user,
    can_edit,
    choice_int,
    handler,
    json_array,
    live_tiles,
    server_error,
)
from emulator.analytics.results import insight_results
from emulator.errors import ApiError, iso, parse_when
from emulator.routing import JSON

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


def _last_viewed(st, insight_id: int) -> datetime | None:
    return max((v for (i, _), v in st["views"].items() if i == insight_id), default=None)


def find_insight(ctx: Ctx, ident: str, *, include_deleted: bool = False) -> dict:
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


def _insight_levels(ctx: Ctx, ins: dict) -> tuple[int, int]:
    dashboards = [ctx.st["dashboards"][t["dashboard_id"]] for t in live_tiles(ctx.st, ins["id"])]
    if not dashboards:
        return EVERYONE_CAN_EDIT, ONLY_COLLABORATORS
    restriction = max(d["restriction_level"] for d in dashboards)
    editable = any(can_edit(ctx.st, d, ctx.user) for d in dashboards)
    return restriction, ONLY_COLLABORATORS if editable else EVERYONE_CAN_EDIT


def insight_body(
    ctx: Ctx,
    ins: dict,
    *,
    basic: bool = False,
    dashboard_id=None,
    last_viewed: datetime | None = None,
) -> dict:
    tiles = live_tiles(ctx.st, ins["id"])
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
        "created_by": basic_user(ins["created_by"]),
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
        last_modified_by=basic_user(ins["last_modified_by"]),
        is_sample=ins["is_sample"],
        effective_restriction_level=restriction,
        effective_privilege_level=privilege,
        alerts=list(ins["alerts"]),
        filters_hash=f"cache_{ins['id']}_{ins['generation']}",
        **insight_results(ctx, ins, dashboard_id),
    )
    return body


@handler
def list_insights(ctx: Ctx):
    q, st = ctx.query, ctx.st
    items = [ins for ins in st["insights"].values() if ins["team_id"] == ctx.team]
    items = [ins for ins in items if not ins["deleted"]]
    if q.get("short_id"):
        items = [ins for ins in items if ins["short_id"] == q["short_id"]]
    if "saved" in q:
        if str(q["saved"]).lower() in TRUTHY:
            items = [ins for ins in items if ins["saved"] or live_tiles(st, ins["id"])]
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
    dashboards = json_array(q, "dashboards")
    for dashboard_id in dashboards or []:  # AND
        items = [
            ins
            for ins in items
            if any(str(t["dashboard_id"]) == str(dashboard_id) for t in live_tiles(st, ins["id"]))
        ]
    tags = json_array(q, "tags")
    if tags:  # OR
        items = [ins for ins in items if set(ins["tags"]) & {str(t) for t in tags}]
    created_by = json_array(q, "created_by")
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
    page = ctx.page(items)
    basic = (q.get("basic") or "").lower() in TRUTHY
    page["results"] = [insight_body(ctx, ins, basic=basic) for ins in page["results"]]
    if search:
        for row in page["results"]:
            row["search_match_type"] = "exact"
    return 200, page, JSON


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


def _order_insights(ctx: Ctx, items: list[dict]) -> list[dict]:
    order = ctx.query.get("order")
    items = sorted(items, key=lambda ins: ins["id"])
    if not order:
        if ctx.query.get("search"):
            return items
        order = "order"  # the legacy `order` column (NULLs last)
    field = order.lstrip("-")
    if field not in _ORDER_FIELDS:
        raise server_error()  # Django FieldError on an unknown field

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


def _validate_insight(ctx: Ctx, data: dict) -> dict:
    _check_query(data.get("query"))
    clean: dict = {}
    for field in ("name", "derived_name", "description"):
        if field in data:
            clean[field] = as_text(data[field], field)
    if "query" in data:
        if data["query"] is not None and not isinstance(data["query"], dict):
            raise ApiError.validation("Query must be a valid JSON object", "query")
        clean["query"] = copy.deepcopy(data["query"])
    if "filters" in data:
        clean["filters"] = copy.deepcopy(data["filters"]) if data["filters"] else {}
    if "order" in data:
        clean["order"] = as_int(data["order"], "order")
    for field in ("deleted", "favorited", "saved"):
        if field in data:
            clean[field] = as_bool(data[field], field)
    if "tags" in data:
        clean["tags"] = as_tags(data["tags"])
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
            dashboard_id = choice_int(raw)
            dash = ctx.st["dashboards"].get(dashboard_id)
            if dash is None or dash["team_id"] != ctx.team:
                detail = f'Invalid pk "{raw}" - object does not exist.'
                raise ApiError.validation(detail, "dashboards", code="does_not_exist")
            found.append(dash)
        clean["dashboards"] = found
    return clean


@handler
def create_insight(ctx: Ctx):
    data = ctx.body()
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
        record_activity(ctx, "Insight", ins, "created", [])
    return 201, insight_body(ctx, ins), JSON


def _update_insight(ctx: Ctx, ins: dict, data: dict) -> dict:
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
    changes = changed_fields("Insight", before, ins, LOGGED_INSIGHT_FIELDS)
    if dashboard_change:
        changes.append(dashboard_change)
    activity = "updated"
    if before["deleted"] != ins["deleted"]:
        activity = "deleted" if ins["deleted"] else "restored"
    if changes or activity != "updated":
        record_activity(ctx, "Insight", ins, activity, changes)
    return insight_body(ctx, ins)


def _describe_dashboards(ctx: Ctx, ins: dict) -> list[dict]:
    tiles = live_tiles(ctx.st, ins["id"])
    described = [
        {"id": t["dashboard_id"], "name": ctx.st["dashboards"][t["dashboard_id"]]["name"]}
        for t in tiles
    ]
    return sorted(described, key=lambda d: d["id"])


def _replace_dashboards(ctx: Ctx, ins: dict, dashboards: list[dict], before: list[dict]):
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
    return change_entry("Insight", "dashboards", before, after)


def _viewed(ctx: Ctx, data: dict) -> None:
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
    wanted = {as_int(value, f"insight_ids__{n}", nullable=False) for n, value in enumerate(ids)}
    for ins in ctx.st["insights"].values():
        if ins["id"] in wanted and ins["team_id"] == ctx.team and not ins["deleted"]:
            ctx.st["views"][(ins["id"], ctx.user)] = ctx.now


def _cancel(ctx: Ctx, data: dict) -> None:
    if "client_query_id" not in data:
        raise ApiError.validation("Field is required.", "client_query_id")
    status = ctx.st["queries"].get(str(data["client_query_id"]))
    if status and status["team_id"] == ctx.team and status["status"] == "running":
        status["status"] = "cancelled"


def _my_last_viewed(ctx: Ctx) -> list[dict]:
    mine = [
        (moment, ctx.st["insights"][insight_id])
        for (insight_id, user_id), moment in ctx.st["views"].items()
        if user_id == ctx.user
    ]
    mine = [(m, ins) for m, ins in mine if ins["team_id"] == ctx.team and not ins["deleted"]]
    mine.sort(key=lambda pair: pair[0], reverse=True)
    return [insight_body(ctx, ins, basic=True, last_viewed=m) for m, ins in mine[:5]]


def _trending(ctx: Ctx) -> dict:
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
        body = insight_body(ctx, ins, basic=True)
        body.update(
            view_count=count,
            viewers=[basic_user(user_id) for _, user_id in viewers[:3]],
            last_modified_by=basic_user(ins["last_modified_by"]),
        )
        results.append(body)
    return {"count": len(results), "next": None, "previous": None, "results": results}


# --- handlers ----------------------------------------------------------------------------


@handler
def get_insight(ctx: Ctx):
    ins = find_insight(ctx, ctx.params["id"])
    basic = (ctx.query.get("basic") or "").lower() in TRUTHY
    dashboard_id = ctx.query.get("from_dashboard")
    tile = None
    if dashboard_id and dashboard_id.isdigit():
        tile = next(
            (t for t in live_tiles(ctx.st, ins["id"]) if t["dashboard_id"] == int(dashboard_id)),
            None,
        )
    out = insight_body(ctx, ins, basic=basic, dashboard_id=tile and tile["dashboard_id"])
    if tile:
        out.update(color=tile["color"], layouts=copy.deepcopy(tile["layouts"]))
    return 200, out, JSON


@handler
def update_insight(ctx: Ctx):
    data = ctx.body()
    ins = find_insight(ctx, ctx.params["id"], include_deleted=data.get("deleted") is False)
    return 200, _update_insight(ctx, ins, data), JSON


@handler
def activity(ctx: Ctx):
    return 200, activity_page(ctx, None), JSON


@handler
def insight_activity(ctx: Ctx):
    return 200, activity_page(ctx, find_insight(ctx, ctx.params["id"])["id"]), JSON


@handler
def viewed(ctx: Ctx):
    _viewed(ctx, ctx.body())
    return 201, None, JSON


@handler
def insight_viewed(ctx: Ctx):  # the older per-insight variant
    ins = find_insight(ctx, ctx.params["id"])
    ctx.st["views"][(ins["id"], ctx.user)] = ctx.now
    return 201, None, JSON


@handler
def cancel(ctx: Ctx):
    _cancel(ctx, ctx.body())
    return 201, None, JSON


@handler
def my_last_viewed(ctx: Ctx):
    return 200, _my_last_viewed(ctx), JSON


@handler
def trending(ctx: Ctx):
    return 200, _trending(ctx), JSON
