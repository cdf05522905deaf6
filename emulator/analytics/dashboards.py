"""What each dashboard route does (posthog-api.md §4): soft delete, tiles upserted and moved,
`filters: {}` not clearing, restriction levels."""

from __future__ import annotations

import copy
import string

from emulator.analytics import seed as demo
from emulator.analytics.activity import change_entry, changed_fields, record_activity
from emulator.analytics.common import (
    EVERYONE_CAN_EDIT,
    ONLY_COLLABORATORS,
    Ctx,
    as_bool,
    as_int,
    as_tags,
    as_text,
    basic_user,
    can_edit,
    can_restrict,
    choice_int,
    handler,
    live_tiles,
)
from emulator.analytics.insights import insight_body
from emulator.analytics.sharing import is_shared
from emulator.errors import ApiError, iso
from emulator.routing import JSON

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


def find_dashboard(ctx: Ctx, ident: str, *, include_deleted: bool = False) -> dict:
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


def dashboard_body(ctx: Ctx, dash: dict, *, full: bool) -> dict:
    st = ctx.st
    editable = can_edit(st, dash, ctx.user)
    body = {
        "id": dash["id"],
        "name": dash["name"],
        "description": dash["description"],
        "pinned": dash["pinned"],
        "created_at": iso(dash["created_at"], micro=True),
        "created_by": basic_user(dash["created_by"]),
        "last_accessed_at": iso(dash["last_accessed_at"], micro=True),
        "last_viewed_at": iso(dash["last_accessed_at"], micro=True),
        "is_shared": is_shared(st, "dashboard", dash["id"]),
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


def _tile_body(ctx: Ctx, dash: dict, tile: dict, order: int) -> dict:
    insight = None
    if tile["insight_id"] is not None:
        ins = ctx.st["insights"][tile["insight_id"]]
        insight = insight_body(ctx, ins, dashboard_id=dash["id"])
    text = None
    if tile["text"]:
        text = {
            "id": tile["text"]["id"],
            "body": tile["text"]["body"],
            "created_by": basic_user(tile["text"]["created_by"]),
            "last_modified_at": iso(tile["text"]["last_modified_at"], micro=True),
            "last_modified_by": basic_user(tile["text"]["last_modified_by"]),
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


@handler
def list_dashboards(ctx: Ctx):
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
    page = ctx.page(items)
    page["results"] = [dashboard_body(ctx, d, full=False) for d in page["results"]]
    return 200, page, JSON


def _validate_dashboard(data: dict) -> dict:
    clean: dict = {}
    if "name" in data:
        clean["name"] = as_text(data["name"], "name")
    if "description" in data:
        clean["description"] = as_text(data["description"], "description", max_length=None) or ""
    for field in ("pinned", "deleted"):
        if field in data:
            clean[field] = as_bool(data[field], field)
    if "tags" in data:
        clean["tags"] = as_tags(data["tags"])
    if "restriction_level" in data:
        level = choice_int(data["restriction_level"])
        if level not in (EVERYONE_CAN_EDIT, ONLY_COLLABORATORS):
            detail = f'"{data["restriction_level"]}" is not a valid choice.'
            raise ApiError.validation(detail, "restriction_level", code="invalid_choice")
        clean["restriction_level"] = level
    if "data_color_theme_id" in data:
        clean["data_color_theme_id"] = as_int(data["data_color_theme_id"], "data_color_theme_id")
    if "breakdown_colors" in data:
        clean["breakdown_colors"] = copy.deepcopy(data["breakdown_colors"])
    for field in ("filters", "variables"):  # applied only when truthy: {} never clears
        if data.get(field):
            if not isinstance(data[field], dict):
                raise ApiError.validation("Filters must be a dictionary")
            clean[field] = copy.deepcopy(data[field])
    return clean


@handler
def create_dashboard(ctx: Ctx):
    data = ctx.body()
    st = ctx.st
    clean = _validate_dashboard(data)
    clean.pop("deleted", None)
    use_dashboard = as_int(data.get("use_dashboard"), "use_dashboard")
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
    record_activity(ctx, "Dashboard", dash, "created", [])
    return 201, dashboard_body(ctx, dash, full=True), JSON


def _copy_tile(ctx: Ctx, tile: dict, dash: dict, *, deep: bool) -> None:
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


def _update_dashboard(ctx: Ctx, dash: dict, data: dict) -> dict:
    st = ctx.st
    clean = _validate_dashboard(data)
    if "restriction_level" in data and not can_restrict(dash, ctx.user):
        raise ApiError.permission(
            "Only the dashboard owner and project admins have the restriction rights required "
            "to change the dashboard's restriction level."
        )
    delete_insights = as_bool(data.get("delete_insights", False), "delete_insights")
    before = copy.deepcopy(dash)
    tiles_before = [t["id"] for t in _dashboard_tiles(st, dash)]
    if dash["deleted"] and clean.get("deleted") is False:
        _undelete_tiles(st, dash)
    if clean.get("deleted"):
        _delete_tiles(st, dash, delete_insights=delete_insights)
    dash.update(clean)
    for tile_data in data.get("tiles") or []:
        _upsert_tile(ctx, dash, tile_data)
    changes = changed_fields("Dashboard", before, dash, LOGGED_DASHBOARD_FIELDS)
    tiles_after = [t["id"] for t in _dashboard_tiles(st, dash)]
    if tiles_before != tiles_after:
        changes.append(change_entry("Dashboard", "tiles", tiles_before, tiles_after))
    if changes:
        record_activity(ctx, "Dashboard", dash, "updated", changes)
    return dashboard_body(ctx, dash, full=True)


def _delete_tiles(st, dash: dict, *, delete_insights: bool) -> None:
    if delete_insights:  # only insights on no other dashboard
        for tile in _dashboard_tiles(st, dash):
            if tile["insight_id"] is not None and len(live_tiles(st, tile["insight_id"])) == 1:
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


def _upsert_tile(ctx: Ctx, dash: dict, data) -> None:
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
        body = as_text((text or {}).get("body"), "text__body", max_length=4000) or ""
        if tile is None:
            tile = demo.add_tile(st, dash, None, text=body)
        elif tile["text"] is not None:
            tile["text"].update(body=body, last_modified_at=ctx.now, last_modified_by=ctx.user)
    elif tile is None or not any(field in data for field in TILE_DISPLAY_FIELDS):
        return
    for field in TILE_DISPLAY_FIELDS:
        if field in data:
            tile[field] = copy.deepcopy(data[field])


def _move_tile(ctx: Ctx, dash: dict, data: dict) -> dict:
    tile_id = (data.get("tile") or {}).get("id")
    target = ctx.st["dashboards"].get(data.get("toDashboard"))
    tile = ctx.st["tiles"].get(tile_id)
    if tile is None or tile["dashboard_id"] != dash["id"] or target is None:
        raise ApiError.not_found()
    tile["dashboard_id"] = target["id"]
    return dashboard_body(ctx, dash, full=True)


# --- handlers ----------------------------------------------------------------------------


@handler
def get_dashboard(ctx: Ctx):
    dash = find_dashboard(ctx, ctx.params["id"])
    dash["last_accessed_at"] = ctx.now
    return 200, dashboard_body(ctx, dash, full=True), JSON


@handler
def update_dashboard(ctx: Ctx):
    data = ctx.body()
    # restoring needs exactly {"deleted": false} (DASH `dangerously_get_queryset`)
    restore = data.keys() == {"deleted"} and not data["deleted"]
    dash = find_dashboard(ctx, ctx.params["id"], include_deleted=restore)
    if not can_edit(ctx.st, dash, ctx.user):
        raise ApiError.permission("You don't have edit permissions for this dashboard.")
    return 200, _update_dashboard(ctx, dash, data), JSON


@handler
def move_tile(ctx: Ctx):
    dash = find_dashboard(ctx, ctx.params["id"])
    return 200, _move_tile(ctx, dash, ctx.body()), JSON
