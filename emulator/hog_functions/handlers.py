"""What each hog function route does (posthog-api.md §1). The route table gives the scope."""

from __future__ import annotations

from emulator import seed as demo
from emulator.activity_log import record
from emulator.batch_exports.model import new_export
from emulator.errors import ApiError
from emulator.hog_functions import model as hf
from emulator.routing import JSON, Request

ICON_URL = "/api/projects/@current/hog_functions/icon/?id="
SCOPE = "HogFunction"  # of its activity log entries


def _team_functions(req: Request) -> list[dict]:
    return [f for f in req.emu.functions.values() if f["team_id"] == req.team]


def _function(req: Request, *, undelete: bool = False) -> dict:
    fn = req.emu.functions.get(req.params["id"])
    if fn is None or fn["team_id"] != req.team or (fn["deleted"] and not undelete):
        raise ApiError.not_found()
    return fn


def _next_order(fns: list[dict], ftype: str) -> int:
    orders = [f["execution_order"] or 0 for f in fns if f["type"] == ftype and not f["deleted"]]
    return max(orders, default=0) + 1


# --- the collection ---------------------------------------------------------------------


def list_functions(req: Request):
    query = req.query
    types = set(filter(None, query.get("type", "").split(",")))
    search = query.get("search", "").lower()
    items = [
        f
        for f in _team_functions(req)
        if not f["deleted"]
        and (not types or f["type"] in types)
        and ("enabled" not in query or f["enabled"] == (query["enabled"] == "true"))
        and (not search or search in (f["name"] + f["description"]).lower())
        and (not query.get("id") or f["id"] == query["id"])
        and (not query.get("created_by") or str(f["created_by"]["id"]) == query["created_by"])
    ]
    items.sort(key=lambda f: f["updated_at"], reverse=True)
    items.sort(key=lambda f: (f["execution_order"] is None, f["execution_order"] or 0))
    page = req.page(items)  # serialize only the requested page: 1,000 is slow
    page["results"] = [hf.serialize(f, req.emu.templates, minimal=True) for f in page["results"]]
    return 200, page, JSON


def create_function(req: Request):
    emu, team_fns = req.emu, _team_functions(req)
    values = hf.validate(dict(req.body or {}), None, emu.templates, team_fns)
    now = req.now
    fn = {
        "id": demo.new_uuid(emu._rng),
        "team_id": req.team,
        "type": "destination",
        "name": "",
        "description": "",
        "created_at": now,
        "created_by": dict(demo.USERS[0]),
        "updated_at": now,
        "enabled": False,
        "deleted": False,
        "hog": "",
        "inputs_schema": [],
        "values": {},
        "filters": {},
        "masking": None,
        "mappings": None,
        "icon_url": None,
        "template_id": None,
        "state": 1,
        "execution_order": None,
        "batch_export_id": None,
        "profile": "healthy",
        "disabled_at": None,
    }
    fn.update(values)
    if fn["type"] in hf.ORDERED_TYPES and fn["execution_order"] is None:
        fn["execution_order"] = _next_order(team_fns, fn["type"])
    if not fn["enabled"]:
        fn["disabled_at"] = now
    emu.functions[fn["id"]] = fn
    record(req, SCOPE, fn, "created")
    return 201, hf.serialize(fn, emu.templates), JSON


def icons(req: Request):
    q = req.query.get("query", "").lower()
    found = [{"id": d, "name": n, "url": ICON_URL + d} for d, n in hf.ICONS.items() if q and q in d]
    return 200, found, JSON


def icon(req: Request):
    if not req.query.get("id"):
        raise ApiError.validation("id is required", "id")
    if req.query["id"] not in hf.ICONS:
        raise ApiError.not_found()
    return 200, hf.PNG, "image/png"


def static_icon(req: Request):
    return 200, hf.PNG, "image/png"  # PostHog serves template icons publicly


def rearrange(req: Request):
    orders = (req.body or {}).get("orders") or {}
    if not orders:
        raise ApiError.validation("No orders provided")
    by_id = {f["id"]: f for f in _team_functions(req) if not f["deleted"]}
    for fid in orders:
        if fid not in by_id:
            raise ApiError.validation(f"HogFunction with id {fid} does not exist")
    types = {by_id[fid]["type"] for fid in orders}
    if len(types) > 1:
        raise ApiError.validation("Cannot rearrange functions of different types in one request")
    for fid, order in orders.items():
        by_id[fid]["execution_order"] = int(order)
        by_id[fid]["updated_at"] = req.now
        record(req, SCOPE, by_id[fid], "updated")  # PostHog logs each new priority
    (ftype,) = types
    same = [f for f in by_id.values() if f["type"] == ftype]
    same.sort(key=lambda f: (f["execution_order"] is None, f["execution_order"] or 0))
    return 200, [hf.serialize(f, req.emu.templates) for f in same], JSON


def invoke_new(req: Request):
    return _invoke(req, None)


# --- one function -----------------------------------------------------------------------


def get_function(req: Request):
    return 200, hf.serialize(_function(req), req.emu.templates), JSON


def update_function(req: Request):
    body = req.body or {}
    fn = _function(req, undelete=body.get("deleted") is False)
    was_deleted = fn["deleted"]
    team_fns = _team_functions(req)
    if "deleted" in body:
        fn["deleted"] = bool(body["deleted"])
        if not fn["deleted"] and fn["type"] in hf.ORDERED_TYPES:
            fn["execution_order"] = _next_order(team_fns, fn["type"])
    values = hf.validate(dict(body), fn, req.emu.templates, team_fns)
    values.pop("type", None)
    was_enabled = fn["enabled"]
    fn.update(values)
    now = req.now
    if fn["enabled"] and not was_enabled:
        fn["disabled_at"] = None
        if fn["type"] in hf.ORDERED_TYPES and "execution_order" not in body:
            fn["execution_order"] = _next_order([f for f in team_fns if f is not fn], fn["type"])
    elif was_enabled and not fn["enabled"]:
        fn["disabled_at"] = now
    if fn["enabled"] and fn["state"] == 3 and not fn["deleted"]:
        fn["state"] = 2  # saving a function the watcher disabled gives it another chance
    fn["updated_at"] = now
    record(req, SCOPE, fn, "deleted" if fn["deleted"] and not was_deleted else "updated")
    return 200, hf.serialize(fn, req.emu.templates), JSON


def refuse_delete(req: Request):
    _function(req)
    raise ApiError(405, None)  # ForbidDestroyModel: soft delete with PATCH


def logs(req: Request):
    results = hf.query_logs(_function(req), req.query)
    return 200, {"count": len(results), "next": None, "previous": None, "results": results}, JSON


def metrics(req: Request):
    return 200, hf.metrics(_function(req), req.query, totals=False), JSON


def metrics_totals(req: Request):
    return 200, hf.metrics(_function(req), req.query, totals=True), JSON


def invoke(req: Request):
    return _invoke(req, _function(req))


def _invoke(req: Request, fn: dict | None):
    body = req.body or {}
    config = dict(body.get("configuration") or {})
    if fn is None and not config:
        return 400, {"configuration": ["This field is required."]}, JSON
    try:
        merged = {
            "type": config.get("type") or (fn or {}).get("type") or "destination",
            "hog": config.get("hog", (fn or {}).get("hog")),
        }
        values = hf.validate({**config, **merged}, fn, req.emu.templates, [])
    except ApiError as err:
        attr = (err.body or {}).get("attr") or "non_field_errors"
        nested: dict = {}
        cursor = nested
        parts = attr.split("__")
        for part in parts[:-1]:
            cursor = cursor.setdefault(part, {})
        cursor[parts[-1]] = [(err.body or {}).get("detail")]
        return 400, {"configuration": nested}, JSON
    values.setdefault("filters", config.get("filters", (fn or {}).get("filters")))
    values["type"] = merged["type"]
    name = config.get("name") or (fn or {}).get("name") or "new function"
    status, payload = hf.invoke(values, body, name)
    return status, payload, JSON


def enable_backfills(req: Request):
    fn = _function(req)
    if fn["type"] != "destination":
        return 400, {"error": "Backfills are only supported for destinations"}, JSON
    if (fn["filters"] or {}).get("source", "events") != "events":
        return 400, {"error": "Backfills are only supported for event sources"}, JSON
    if fn["batch_export_id"]:
        return 400, {"error": "Backfills already enabled for this function"}, JSON
    emu = req.emu
    export = new_export(
        emu._rng, fn["team_id"], f"Backfills for {fn['name']}", "Workflows", {}, req.now
    )
    export.update(paused=True, hog_function_id=fn["id"])
    emu.batch_exports[export["id"]] = export
    emu.export_runs[export["id"]] = []
    fn["batch_export_id"] = export["id"]
    fn["updated_at"] = req.now
    return 200, {"batch_export_id": export["id"]}, JSON
