"""A PostHog-compatible HTTP server on the standard library, with seeded demo data,
request recording and fault injection for tests and benchmarks."""

from __future__ import annotations

import contextlib
import copy
import json
import random
import re
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from emulator import seed as demo
from emulator.batch_exports.seed import seed_state
from emulator.errors import ApiError
from emulator.hog_functions import model as hf
from emulator.routes import ROUTES, SCOPE_OBJECTS
from emulator.routing import Key, Request, match, method_not_allowed, require, unmapped

DEMO_KEY = "phx_demo_console_key"
READONLY_KEY = "phx_demo_readonly_key"
SCOPED_KEY = "phx_demo_project1_only_key"
NO_QUERY_KEY = "phx_demo_no_query_key"
READ_SCOPES = {f"{obj}:read" for obj in SCOPE_OBJECTS}
# every scope but `query:read`, to exercise the console's fallback from the query API
NO_QUERY_SCOPES = {f"{obj}:write" for obj in SCOPE_OBJECTS if obj != "query"}
WWW_AUTHENTICATE = 'Bearer resource_metadata="/.well-known/oauth-protected-resource"'
PREFIX = re.compile(r"^/api/(?:projects|environments)/(@current|\d+)(/.*)?$")


class _QuietServer(ThreadingHTTPServer):
    """A client that hung up first (its timeout, a fan-out's deadline) is normal for a test
    or benchmark: not a traceback on stderr. Anything else is still printed."""

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    json: object
    status: int
    headers: dict[str, str] = field(default_factory=dict)


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
        seed_state(self)
        self._server: _QuietServer | None = None

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> Emulator:
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = _QuietServer((self.host, self.port), handler)
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

    # --- routing ---------------------------------------------------------------------------

    def _route(self, method, path, query, body):
        """Match the route table (`emulator.routes`), then check key, project and scope."""
        path = "/" + "/".join(p for p in path.split("/") if p)  # trailing and double slashes
        routes, params = match(ROUTES, path)
        if routes and routes[0].public:
            key = None
        else:
            _, key = self._key()
        team = self._team(key, path)
        if not routes:
            raise ApiError.not_found()
        found = next((r for r in routes if method in r.methods), None)
        if found is None:  # a known path: PostHog checks the key's scopes before the method
            if key is not None and routes[0].scope is not None:
                require(key, unmapped(routes[0].scope.object))
            raise method_not_allowed(method)
        if key is not None:
            require(key, found.scope)
        params.pop("team", None)
        req = Request(
            emu=self.emulator,
            method=method,
            url=self.path,
            host=self.headers.get("Host"),
            team=team,
            params=params,
            query=query,
            body=body,
            key=key,
            now=datetime.now(UTC),
        )
        with self.emulator.lock if found.locked else contextlib.nullcontext():
            req.now = datetime.now(UTC)  # once the lock is held: stored times keep their order
            return found.handler(req)

    def _team(self, key, path: str) -> int | None:
        """The project of a project path, once it exists and the key may see it."""
        match_ = PREFIX.match(path)
        if not match_:
            return None
        team = 1 if match_.group(1) == "@current" else int(match_.group(1))
        if team not in {p["id"] for p in demo.PROJECTS}:
            raise ApiError.envelope(404, "invalid_request", "not_found", "Project not found.")
        if key is not None and key.projects is not None and team not in key.projects:
            raise ApiError.permission(
                f"API key does not have access to the requested project: ID {team}."
            )
        return team


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
