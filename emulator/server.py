"""A PostHog-compatible HTTP server on the standard library, with seeded demo data,
request recording and fault injection for tests and benchmarks."""

from __future__ import annotations

import copy
import json
import random
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from emulator import batch_exports as be
from emulator import hog_functions as hf
from emulator import seed as demo
from emulator.errors import ApiError

DEMO_KEY = "phx_demo_console_key"
READONLY_KEY = "phx_demo_readonly_key"
SCOPED_KEY = "phx_demo_project1_only_key"
NO_QUERY_KEY = "phx_demo_no_query_key"
SCOPE_OBJECTS = (
    "hog_function",
    "batch_export",
    "insight",
    "dashboard",
    "plugin",
    "sharing_configuration",
    "activity_log",
    "project",
    "user",
)
READ_SCOPES = {f"{obj}:read" for obj in (*SCOPE_OBJECTS, "query")}
# every scope but `query:read`, to exercise the console's fallback from the query API
NO_QUERY_SCOPES = {f"{obj}:write" for obj in SCOPE_OBJECTS}
# Custom actions PostHog maps to a scope; any other custom action refuses scoped keys.
ACTION_SCOPES = {
    "logs": "read",
    "metrics": "read",
    "totals": "read",
    "invocations": "write",
    "rearrange": "write",
}
WWW_AUTHENTICATE = 'Bearer resource_metadata="/.well-known/oauth-protected-resource"'
PREFIX = re.compile(r"^/api/(?:projects|environments)/(@current|\d+)(/.*)?$")


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    json: object
    status: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Key:
    scopes: set[str] | None  # None: a legacy key without scopes, which bypasses scope checks
    projects: set[int] | None = None


MAX_RECORDED = 5_000  # requests kept for tests and fault checks, newest last


class Emulator:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: int = 0,
        seed: int = 7,
        hog_functions: int = 300,
        demo_key: str = DEMO_KEY,
        rate_limits: bool = False,
    ):
        self.host, self.port, self.latency_ms = host, port, latency_ms
        self.seed = seed
        self.rate_limits = rate_limits
        self.demo_key, self.readonly_key, self.scoped_key = demo_key, READONLY_KEY, SCOPED_KEY
        self.no_query_key = NO_QUERY_KEY
        self.query_offset_allowed = True  # False: newest PostHog's 400 on OFFSET (query.py)
        self.project_id = 1
        self.keys = {
            demo_key: Key(None),
            READONLY_KEY: Key(READ_SCOPES),
            SCOPED_KEY: Key({"*"}, {1}),
            NO_QUERY_KEY: Key(NO_QUERY_SCOPES),
        }
        self.requests: list[RecordedRequest] = []
        self._faults: list[dict] = []
        self._hits: dict[str, deque] = {}
        self.lock = threading.RLock()
        rng = random.Random(seed)
        self.templates = demo.templates()
        self.functions: dict[str, dict] = {}
        for team_id, count in ((1, hog_functions), (2, min(15, hog_functions))):
            for fn in demo.hog_functions(rng, count, team_id, self.templates):
                self.functions[fn["id"]] = fn
        self._rng = rng
        be.seed_state(self)
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> Emulator:
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        # a short poll so stop() returns at once (the default waits up to half a second)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- test helpers ------------------------------------------------------------------

    def clear_requests(self) -> None:
        with self.lock:
            self.requests.clear()

    def inject_fault(
        self,
        kind,
        *,
        method=None,
        path_contains=None,
        times=1,
        status=500,
        wait_seconds=30,
        delay_ms=0,
    ) -> None:
        if kind not in ("status", "malformed", "drop", "throttle", "delay"):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self.lock:
            self._faults.append(
                {
                    "kind": kind,
                    "method": method,
                    "path": path_contains,
                    "left": times,
                    "status": status,
                    "wait": wait_seconds,
                    "delay": delay_ms,
                }
            )

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()

    def take_fault(self, method: str, path: str) -> dict | None:
        with self.lock:
            for fault in self._faults:
                if (fault["method"] in (None, method)) and (
                    fault["path"] is None or fault["path"] in path
                ):
                    fault["left"] -= 1
                    if fault["left"] <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def stored_hog_function(self, function_id: str) -> dict:
        with self.lock:
            fn = self.functions[function_id]
            body = hf.serialize(fn, self.templates)
            secret_keys = {i["key"] for i in fn["inputs_schema"] or [] if i.get("secret")}
            body.update(
                team_id=fn["team_id"],
                deleted=fn["deleted"],
                secret_inputs={
                    k: {"value": v} for k, v in fn["values"].items() if k in secret_keys
                },
            )
            return copy.deepcopy(body)

    def stored_hog_functions(self, project_id: int = 1) -> list[dict]:
        with self.lock:
            ids = [f["id"] for f in self.functions.values() if f["team_id"] == project_id]
        return [self.stored_hog_function(fid) for fid in ids]

    # --- rate limits -------------------------------------------------------------------

    def check_rate(self, key: str) -> None:
        if not self.rate_limits:
            return
        now = time.monotonic()
        with self.lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - 3600:
                hits.popleft()
            for count, window in ((480, 60), (4800, 3600)):
                recent = [t for t in hits if t > now - window]
                if len(recent) >= count:
                    raise ApiError.throttled(int(recent[-count] + window - now) + 1)
            hits.append(now)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out as two writes; without TCP_NODELAY the body waits ~40 ms for
    # the client's delayed ACK on every request
    disable_nagle_algorithm = True
    emulator: Emulator

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_PUT(self):
        self._handle("PUT")

    def do_DELETE(self):
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        emu = self.emulator
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = ValueError
        headers = {
            k: ("Bearer ***" if k.lower() == "authorization" else v)
            for k, v in self.headers.items()
        }
        record = RecordedRequest(
            method,
            url.path,
            parse_qs(url.query, keep_blank_values=True),
            None if body is ValueError else body,
            0,
            headers,
        )
        with emu.lock:
            emu.requests.append(record)
            if len(emu.requests) > MAX_RECORDED:  # a long-running demo must not grow forever
                del emu.requests[: len(emu.requests) - MAX_RECORDED]
        if emu.latency_ms:
            time.sleep(emu.latency_ms / 1000)
        fault = emu.take_fault(method, url.path)
        if fault and fault["kind"] == "drop":
            self.close_connection = True
            return
        if fault and fault["kind"] == "delay":
            time.sleep(fault["delay"] / 1000)
        try:
            if fault and fault["kind"] == "throttle":
                raise ApiError.throttled(fault["wait"])
            if fault and fault["kind"] == "status":
                raise _fault_error(fault["status"])
            if body is ValueError:
                raise ApiError.envelope(400, "invalid_request", "parse_error", "JSON parse error")
            status, payload, ctype = self._route(method, url.path, query, body)
        except ApiError as err:
            status, payload, ctype = err.status, err.body, "application/json"
            self._extra_headers = err.headers
        record.status = status
        data = (
            payload
            if isinstance(payload, bytes)
            else (b"" if payload is None else json.dumps(payload).encode())
        )
        if fault and fault["kind"] == "malformed":
            status, data, record.status = 200, b'{"results": [', 200
        self.send_response(status)
        if data:
            self.send_header("Content-Type", ctype)
        for name, value in getattr(self, "_extra_headers", {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # --- auth ------------------------------------------------------------------------------

    def _key(self) -> tuple[str, Key]:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            raise ApiError.envelope(
                401,
                "authentication_error",
                "not_authenticated",
                "Authentication credentials were not provided.",
                headers={"WWW-Authenticate": WWW_AUTHENTICATE},
            )
        token = auth[len("Bearer ") :].strip()
        key = self.emulator.keys.get(token)
        if key is None:
            raise ApiError.envelope(
                401,
                "authentication_error",
                "authentication_failed",
                "Personal API key found in request Authorization header is invalid.",
            )
        self.emulator.check_rate(token)
        return token, key

    @staticmethod
    def _require(key: Key, obj: str, access: str, action: str | None = None) -> None:
        if key.scopes is None:
            return
        if action is not None and action not in ACTION_SCOPES:
            raise ApiError.permission("This action does not support Personal API Key access")
        if action is not None:
            access = ACTION_SCOPES[action]
        if "*" in key.scopes or f"{obj}:write" in key.scopes:
            return
        if access == "read" and f"{obj}:read" in key.scopes:
            return
        raise ApiError.permission(f"API key missing required scope '{obj}:{access}'")

    # --- routing ---------------------------------------------------------------------------

    def _route(self, method, path, query, body):
        path = path.rstrip("/") or "/"
        if path.startswith("/static/services/") and method == "GET":
            return 200, hf.PNG, "image/png"  # PostHog serves template icons publicly
        if path == "/api/public_hog_function_templates" and method == "GET":
            return self._templates(query, public=True)
        _, key = self._key()
        if path == "/api/users/@me":
            return 200, self._me(), "application/json"
        if path == "/api/projects" and method == "GET":
            projects = [self._project(p) for p in demo.PROJECTS]
            return 200, self._page(projects, query), "application/json"
        match = PREFIX.match(path)
        if not match:
            raise ApiError.not_found()
        team = 1 if match.group(1) == "@current" else int(match.group(1))
        if team not in {p["id"] for p in demo.PROJECTS}:
            raise ApiError.envelope(404, "invalid_request", "not_found", "Project not found.")
        if key.projects is not None and team not in key.projects:
            raise ApiError.permission(
                f"API key does not have access to the requested project: ID {team}."
            )
        rest = [p for p in (match.group(2) or "").split("/") if p]
        if not rest:
            project = next(p for p in demo.PROJECTS if p["id"] == team)
            return 200, self._project(project), "application/json"
        if rest[0] == "hog_function_templates" and method == "GET":
            self._require(key, "hog_function", "read")
            if len(rest) == 2:
                template = self.emulator.templates.get(rest[1])
                if template is None:
                    raise ApiError.not_found()
                return 200, template, "application/json"
            return self._templates(query, public=False)
        if rest[0] == "hog_functions":
            return self._hog_functions(method, team, rest[1:], query, body, key)
        if rest[0] in ("batch_exports", "app_metrics", "plugin_configs"):
            return be.handle(self, method, team, rest, query, body, key)
        if rest[0] in ("insights", "dashboards"):
            from emulator import analytics

            return analytics.handle(self, method, team, rest, query, body, key)
        if rest[0] == "query":
            from emulator import query as hogql

            return hogql.handle(self, method, team, rest, body, key)
        raise ApiError.not_found()

    def _page(self, items: list, query: dict) -> dict:
        try:
            limit = int(query.get("limit", 100))
            offset = int(query.get("offset", 0))
        except ValueError:
            raise ApiError.validation("A valid integer is required.", "limit") from None
        url = urlsplit(self.path)
        base = f"http://{self.headers.get('Host')}{url.path}"

        def link(new_offset):
            params = {k: v for k, v in parse_qs(url.query).items()}
            params.update(limit=[str(limit)], offset=[str(new_offset)])
            return f"{base}?{urlencode(params, doseq=True)}"

        return {
            "count": len(items),
            "next": link(offset + limit) if offset + limit < len(items) else None,
            "previous": link(max(0, offset - limit)) if offset > 0 else None,
            "results": items[offset : offset + limit],
        }

    def _me(self) -> dict:
        teams = [self._project(p) for p in demo.PROJECTS]
        return {
            **demo.user_basic(demo.USERS[0]),
            "is_staff": False,
            "team": teams[0] | {"project_id": teams[0]["id"]},
            "organization": {**demo.ORGANIZATION, "teams": teams, "projects": teams},
            "organizations": [{"id": demo.ORGANIZATION["id"], "name": demo.ORGANIZATION["name"]}],
        }

    @staticmethod
    def _project(project: dict) -> dict:
        return {
            **project,
            "uuid": f"01900000-0000-4000-8000-00000000000{project['id']}",
            "organization": demo.ORGANIZATION["id"],
            "project_id": project["id"],
        }

    def _templates(self, query, *, public: bool):
        types = query.get("types", "") or query.get("type", "destination")
        wanted = set(filter(None, types.split(",")))
        hidden = {"deprecated", "hidden"} if public else {"deprecated"}
        items = [
            t
            for t in self.emulator.templates.values()
            if t["type"] in wanted
            and t["status"] not in hidden
            and (not query.get("template_id") or t["id"] == query["template_id"])
        ]
        return 200, self._page(items, query), "application/json"

    # --- hog functions -------------------------------------------------------------------

    def _hog_functions(self, method, team, rest, query, body, key):
        emu = self.emulator
        with emu.lock:
            team_fns = [f for f in emu.functions.values() if f["team_id"] == team]
            if not rest:
                if method == "GET":
                    self._require(key, "hog_function", "read")
                    return 200, self._list(team_fns, query), "application/json"
                if method == "POST":
                    self._require(key, "hog_function", "write")
                    return 201, self._create(team, team_fns, body or {}), "application/json"
                raise _method_not_allowed(method)
            if rest == ["icons"]:
                self._require(key, "hog_function", "read", "icons")
                q = query.get("query", "").lower()
                icon_url = "/api/projects/@current/hog_functions/icon/?id="
                icons = [
                    {"id": d, "name": n, "url": icon_url + d}
                    for d, n in hf.ICONS.items()
                    if q and q in d
                ]
                return 200, icons, "application/json"
            if rest == ["icon"]:
                self._require(key, "hog_function", "read", "icon")
                if not query.get("id"):
                    raise ApiError.validation("id is required", "id")
                if query["id"] not in hf.ICONS:
                    raise ApiError.not_found()
                return 200, hf.PNG, "image/png"
            if rest == ["rearrange"]:
                if method != "PATCH":
                    raise _method_not_allowed(method)
                self._require(key, "hog_function", "write", "rearrange")
                return 200, self._rearrange(team_fns, body or {}), "application/json"
            function_id, action = rest[0], rest[1:]
            if function_id == "new" and action == ["invocations"]:
                self._require(key, "hog_function", "write", "invocations")
                return self._invoke(None, team_fns, body or {})
            fn = emu.functions.get(function_id)
            undelete = method == "PATCH" and not action and (body or {}).get("deleted") is False
            if fn is None or fn["team_id"] != team or (fn["deleted"] and not undelete):
                self._require(key, "hog_function", "read")
                raise ApiError.not_found()
            if not action:
                if method == "GET":
                    self._require(key, "hog_function", "read")
                    return 200, hf.serialize(fn, emu.templates), "application/json"
                if method in ("PATCH", "PUT"):
                    self._require(key, "hog_function", "write")
                    return 200, self._update(fn, team_fns, body or {}), "application/json"
                if method == "DELETE":
                    self._require(key, "hog_function", "write")
                    raise ApiError(405, None)
                raise _method_not_allowed(method)
            name = action[-1]
            self._require(key, "hog_function", "read" if method == "GET" else "write", name)
            if action == ["logs"] and method == "GET":
                results = hf.query_logs(fn, query)
                page = {"count": len(results), "next": None, "previous": None, "results": results}
                return 200, page, "application/json"
            if (
                action[0] == "metrics"
                and method == "GET"
                and action in (["metrics"], ["metrics", "totals"])
            ):
                return 200, hf.metrics(fn, query, totals=len(action) == 2), "application/json"
            if action == ["invocations"] and method == "POST":
                return self._invoke(fn, team_fns, body or {})
            if action == ["enable_backfills"] and method == "POST":
                return self._enable_backfills(fn)
            raise ApiError.not_found()

    def _list(self, fns, query):
        types = set(filter(None, query.get("type", "").split(",")))
        search = query.get("search", "").lower()
        items = [
            f
            for f in fns
            if not f["deleted"]
            and (not types or f["type"] in types)
            and ("enabled" not in query or f["enabled"] == (query["enabled"] == "true"))
            and (not search or search in (f["name"] + f["description"]).lower())
            and (not query.get("id") or f["id"] == query["id"])
            and (not query.get("created_by") or str(f["created_by"]["id"]) == query["created_by"])
        ]
        items.sort(key=lambda f: f["updated_at"], reverse=True)
        items.sort(key=lambda f: (f["execution_order"] is None, f["execution_order"] or 0))
        page = self._page(items, query)  # serialize only the requested page: 1,000 is slow
        page["results"] = [
            hf.serialize(f, self.emulator.templates, minimal=True) for f in page["results"]
        ]
        return page

    def _next_order(self, fns, ftype):
        orders = [f["execution_order"] or 0 for f in fns if f["type"] == ftype and not f["deleted"]]
        return max(orders, default=0) + 1

    def _create(self, team, team_fns, body):
        emu = self.emulator
        values = hf.validate(dict(body), None, emu.templates, team_fns)
        now = datetime.now(UTC)
        fn = {
            "id": demo.new_uuid(emu._rng),
            "team_id": team,
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
            fn["execution_order"] = self._next_order(team_fns, fn["type"])
        if not fn["enabled"]:
            fn["disabled_at"] = now
        emu.functions[fn["id"]] = fn
        return hf.serialize(fn, emu.templates)

    def _update(self, fn, team_fns, body):
        emu = self.emulator
        if "deleted" in body:
            fn["deleted"] = bool(body["deleted"])
            if not fn["deleted"] and fn["type"] in hf.ORDERED_TYPES:
                fn["execution_order"] = self._next_order(team_fns, fn["type"])
        values = hf.validate(dict(body), fn, emu.templates, team_fns)
        values.pop("type", None)
        was_enabled = fn["enabled"]
        fn.update(values)
        now = datetime.now(UTC)
        if fn["enabled"] and not was_enabled:
            fn["disabled_at"] = None
            if fn["type"] in hf.ORDERED_TYPES and "execution_order" not in body:
                fn["execution_order"] = self._next_order(
                    [f for f in team_fns if f is not fn], fn["type"]
                )
        elif was_enabled and not fn["enabled"]:
            fn["disabled_at"] = now
        if fn["enabled"] and fn["state"] == 3 and not fn["deleted"]:
            fn["state"] = 2  # saving a function the watcher disabled gives it another chance
        fn["updated_at"] = now
        return hf.serialize(fn, emu.templates)

    def _rearrange(self, team_fns, body):
        orders = body.get("orders") or {}
        if not orders:
            raise ApiError.validation("No orders provided")
        by_id = {f["id"]: f for f in team_fns if not f["deleted"]}
        for fid in orders:
            if fid not in by_id:
                raise ApiError.validation(f"HogFunction with id {fid} does not exist")
        types = {by_id[fid]["type"] for fid in orders}
        if len(types) > 1:
            raise ApiError.validation(
                "Cannot rearrange functions of different types in one request"
            )
        for fid, order in orders.items():
            by_id[fid]["execution_order"] = int(order)
            by_id[fid]["updated_at"] = datetime.now(UTC)
        (ftype,) = types
        same = [f for f in by_id.values() if f["type"] == ftype]
        same.sort(key=lambda f: (f["execution_order"] is None, f["execution_order"] or 0))
        return [hf.serialize(f, self.emulator.templates) for f in same]

    def _invoke(self, fn, team_fns, body):
        config = dict(body.get("configuration") or {})
        if fn is None and not config:
            return 400, {"configuration": ["This field is required."]}, "application/json"
        try:
            merged = {
                "type": config.get("type") or (fn or {}).get("type") or "destination",
                "hog": config.get("hog", (fn or {}).get("hog")),
            }
            values = hf.validate({**config, **merged}, fn, self.emulator.templates, [])
        except ApiError as err:
            attr = (err.body or {}).get("attr") or "non_field_errors"
            nested: dict = {}
            cursor = nested
            parts = attr.split("__")
            for part in parts[:-1]:
                cursor = cursor.setdefault(part, {})
            cursor[parts[-1]] = [(err.body or {}).get("detail")]
            return 400, {"configuration": nested}, "application/json"
        values.setdefault("filters", config.get("filters", (fn or {}).get("filters")))
        values["type"] = merged["type"]
        name = config.get("name") or (fn or {}).get("name") or "new function"
        status, payload = hf.invoke(values, body, name)
        return status, payload, "application/json"

    def _enable_backfills(self, fn):
        if fn["type"] != "destination":
            return (
                400,
                {"error": "Backfills are only supported for destinations"},
                "application/json",
            )
        if (fn["filters"] or {}).get("source", "events") != "events":
            return (
                400,
                {"error": "Backfills are only supported for event sources"},
                "application/json",
            )
        if fn["batch_export_id"]:
            return 400, {"error": "Backfills already enabled for this function"}, "application/json"
        emu = self.emulator
        export = be.new_export(
            emu._rng,
            fn["team_id"],
            f"Backfills for {fn['name']}",
            "Workflows",
            {},
            datetime.now(UTC),
        )
        export.update(paused=True, hog_function_id=fn["id"])
        emu.batch_exports[export["id"]] = export
        emu.export_runs[export["id"]] = []
        export_id = export["id"]
        fn["batch_export_id"] = export_id
        fn["updated_at"] = datetime.now(UTC)
        return 200, {"batch_export_id": export_id}, "application/json"


def _fault_error(status: int) -> ApiError:
    if status == 405:
        return ApiError(405, None)
    if status >= 500:
        return ApiError.envelope(status, "server_error", "error", "A server error occurred.")
    if status == 429:
        return ApiError.throttled(30)
    if status == 404:
        return ApiError.not_found()
    if status == 401:
        return ApiError.envelope(401, "authentication_error", "authentication_failed", "Invalid.")
    if status == 403:
        return ApiError.permission("You do not have permission to perform this action.")
    return ApiError.validation("Injected validation error.")


def _method_not_allowed(method: str) -> ApiError:
    return ApiError.envelope(
        405, "invalid_request", "method_not_allowed", f'Method "{method}" not allowed.'
    )
