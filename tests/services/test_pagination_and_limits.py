"""Pagination in every shape PostHog uses, and the client-side rate limiter."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

import services.transport as transport_module
from services import PostHogClient
from services.ratelimit import DEFAULT_LIMITS, INSIGHTS_LIMITS, RateLimiter, bucket_for


def test_list_follows_next_across_pages(client, emulator):
    stored = [f for f in emulator.stored_hog_functions(emulator.project_id) if not f["deleted"]]
    functions = client.hog_functions.list(page_size=100)
    assert len(functions) == len(stored) > 200
    assert len({f.id for f in functions}) == len(functions)
    list_requests = [r for r in emulator.requests if r.path.rstrip("/").endswith("hog_functions")]
    assert len(list_requests) == -(-len(stored) // 100)
    assert list_requests[1].query["offset"] == ["100"]


def test_list_passes_type_and_search_filters(client):
    transformations = client.hog_functions.list(type=["transformation"])
    assert transformations and {f.type for f in transformations} == {"transformation"}
    some = transformations[0].name.split()[0]
    found = client.hog_functions.list(type=["transformation"], search=some)
    assert found and all(some.lower() in (f.name + (f.description or "")).lower() for f in found)


# --- a tiny PostHog-shaped server for page shapes the emulator will serve in later issues ---


class _Shapes(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    items = [{"id": i} for i in range(7)]

    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        host = f"http://{self.headers['Host']}"
        if url.path == "/cursor/":
            # cursor pages: opaque cursor, no count (batch export runs and backfills)
            start = int(query.get("cursor", "0") or 0)
            page = self.items[start : start + 3]
            nxt = f"{host}/cursor/?cursor={start + 3}" if start + 3 < len(self.items) else None
            body = {"next": nxt, "previous": None, "results": page}
        elif url.path == "/offset-wrong-count/":
            # count is wrong on purpose: the client must follow `next`, not count
            offset = int(query.get("offset", "0"))
            page = self.items[offset : offset + 2]
            more = offset + 2 < len(self.items)
            nxt = f"https://elsewhere.example/offset-wrong-count/?limit=2&offset={offset + 2}"
            body = {"count": 2, "next": nxt if more else None, "previous": None, "results": page}
        elif url.path == "/activity/":
            number = int(query.get("page", "1"))
            page = self.items[(number - 1) * 3 : number * 3]
            nxt = f"{host}/activity/?page={number + 1}" if number * 3 < len(self.items) else None
            body = {"results": page, "next": nxt, "previous": None, "total_count": 7}
        else:
            body = None
        data = json.dumps(body).encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def shapes_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Shapes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("path", ["/cursor/", "/offset-wrong-count/", "/activity/"])
def test_every_page_shape_is_followed_to_the_end(shapes_server, path):
    client = PostHogClient(host=shapes_server, api_key="phx_x", project_id=1)
    ids = [row["id"] for row in client.transport.iter_results(path)]
    assert ids == list(range(7))


def test_next_links_never_leave_the_configured_host(shapes_server):
    client = PostHogClient(host=shapes_server, api_key="phx_x", project_id=1)
    pages = list(client.transport.iter_pages("/offset-wrong-count/"))
    # the links point at elsewhere.example, yet every page came from our server
    assert len(pages) == 4


# --- logs page backwards with before= -----------------------------------------------------


def test_logs_page_backwards_without_gaps_or_duplicates(client):
    function = client.hog_functions.list(type=["destination"], enabled=True)[0]
    everything = client.hog_functions.logs(function.id, limit=500).entries
    assert len(everything) > 60
    seen, before = [], None
    while True:
        page = client.hog_functions.logs(function.id, limit=25, before=before)
        seen.extend(page.entries)
        if page.older_before is None:
            break
        before = page.older_before
    key = [(x.timestamp, x.instance_id, x.message) for x in seen]
    assert len(key) == len(set(key))
    expected = sorted(((x.timestamp, x.instance_id, x.message) for x in everything), reverse=True)
    assert sorted(key, reverse=True)[: len(expected)] == expected
    assert all(a.timestamp >= b.timestamp for a, b in zip(seen, seen[1:], strict=False))


def test_logs_filters_reach_the_server(client, emulator):
    function = client.hog_functions.list(type=["destination"], enabled=True)[0]
    after = datetime.now(UTC) - timedelta(days=2)
    page = client.hog_functions.logs(function.id, levels=["error", "warn"], after=after)
    assert {entry.level for entry in page.entries} <= {"ERROR", "WARN"}
    assert all(entry.timestamp > after for entry in page.entries)
    sent = [r for r in emulator.requests if r.path.endswith("/logs/")][-1]
    assert sent.query["level"] == ["ERROR,WARN"]


def test_logs_limit_is_checked_before_sending(client, emulator):
    emulator.clear_requests()
    with pytest.raises(ValueError):
        client.hog_functions.logs("0190f2a3-7c1e-7a4e-9c2a-1b2c3d4e5f60", limit=501)
    assert emulator.requests == []


# --- rate limiting ------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_limiter_holds_the_request_over_the_limit_until_the_window_frees():
    clock = FakeClock()
    limiter = RateLimiter(((3, 60.0),), clock=clock, sleep=clock.sleep)
    for _ in range(3):
        assert limiter.acquire() == 0
        clock.now += 1
    assert limiter.acquire() == pytest.approx(57.0)
    assert clock.slept == [pytest.approx(57.0)]


def test_limiter_applies_every_window():
    clock = FakeClock()
    limiter = RateLimiter(((2, 1.0), (3, 100.0)), clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire() for _ in range(4)]
    assert waits[:2] == [0, 0]
    assert waits[2] == pytest.approx(1.0)  # the short window
    assert waits[3] == pytest.approx(99.0)  # the long window


def test_limiter_pause_holds_everyone():
    clock = FakeClock()
    limiter = RateLimiter(DEFAULT_LIMITS, clock=clock, sleep=clock.sleep)
    limiter.pause(30)
    assert limiter.acquire() == pytest.approx(30)


def test_posthog_limits_and_buckets():
    assert DEFAULT_LIMITS == ((480, 60.0), (4800, 3600.0))
    assert INSIGHTS_LIMITS == ((240, 60.0), (1200, 3600.0))
    assert bucket_for("/api/projects/1/insights/") == "insights"
    assert bucket_for("/api/projects/1/hog_functions/") == "default"


def test_client_requests_wait_for_the_keys_limiter(client, emulator, monkeypatch):
    clock = FakeClock()
    limiter = RateLimiter(((2, 60.0),), clock=clock, sleep=clock.sleep)
    used = []

    def fake_limiter_for(fingerprint, bucket):
        used.append((fingerprint, bucket))
        return limiter

    monkeypatch.setattr(transport_module, "limiter_for", fake_limiter_for)
    for _ in range(3):
        client.users.me()
    assert clock.slept == [pytest.approx(60.0)]
    assert {fp for fp, _ in used} == {client.transport.key_fingerprint}
    assert len([r for r in emulator.requests if "/users/" in r.path]) == 3


def test_one_limiter_per_key_shared_by_clients(emulator):
    a = PostHogClient(host=emulator.url, api_key=emulator.demo_key, project_id=1)
    b = PostHogClient(host=emulator.url, api_key=emulator.demo_key, project_id=2)
    c = PostHogClient(host=emulator.url, api_key=emulator.readonly_key, project_id=1)
    limiter = transport_module.limiter_for
    fa, fb, fc = (x.transport.key_fingerprint for x in (a, b, c))
    assert limiter(fa, "default") is limiter(fb, "default")
    assert limiter(fa, "default") is not limiter(fc, "default")
    assert limiter(fa, "default") is not limiter(fa, "insights")
