"""HTTP to PostHog: auth, timeouts, retries, rate limiting, typed errors and pagination.

Retries: reads are retried with backoff on connection errors, 502/503/504 and 429. Writes are
retried only on a 429 naming a wait of a few seconds (PostHog throttles before processing, so
nothing was applied); a longer wait is shown to the operator at once. Never on a timeout, a
dropped connection or a 5xx, where the outcome is unknown.

Persistent faults fail fast: reads go through the connection's circuit breaker
(`services.breaker`), and while PostHog's 429 pause on the key is longer than
`max_rate_limit_wait` a request fails at once, unsent, naming the wait.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from services import errors
from services.breaker import breaker_for, host_failed
from services.ratelimit import bucket_for, limiter_for

RETRYABLE_READ_STATUSES = {502, 503, 504, 429}
# the longest 429 wait a write sits through before retrying; a longer one is shown at once
WRITE_WAIT = 3.0
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass
class Response:
    status: int
    data: Any
    content: bytes
    content_type: str


# (method, path, body, response or None, error or None)
WriteListener = Callable[[str, str, Any, "Response | None", "Exception | None"], None]


class Transport:
    """One connection to one PostHog host with one personal API key.

    `requests.Session` is not documented as thread-safe, so each thread gets its own session;
    the rate limiter is shared by every thread and client using the same key.
    """

    def __init__(
        self,
        host: str,
        api_key: str,
        *,
        timeout: float = 15.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_rate_limit_wait: float = 15.0,
        sleep: Callable[[float], None] = time.sleep,
        read_only: bool = False,
    ):
        self.host = host.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_rate_limit_wait = max_rate_limit_wait
        self.read_only = read_only
        self._sleep = sleep
        self._local = threading.local()
        self.key_fingerprint = key_fingerprint(self.host, api_key)
        # called after every write attempt (a future journal hooks in here)
        self.write_listeners: list[WriteListener] = []

    def __repr__(self) -> str:  # never show the key
        return f"Transport(host={self.host!r}, key=<{self.key_fingerprint}>)"

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {self._api_key}"
            session.headers["Accept"] = "application/json"
            session.headers["User-Agent"] = "posthog-admin-console/0.1"
            self._local.session = session
        return session

    # --- one request -------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        expect_json: bool = True,
        read: bool = False,
    ) -> Response:
        """`read=True` marks a POST that changes nothing (a query): it runs in audit mode, is
        retried like a read and never reported to the write listeners."""
        method = method.upper()
        is_write = method not in READ_METHODS and not read
        if is_write and self.read_only:
            raise errors.ReadOnlyMode(method=method, path=path)
        url = self._url(path)
        clean_params = _clean_params(params)
        limiter = limiter_for(self.key_fingerprint, bucket_for(path))
        breaker = breaker_for(self.key_fingerprint)
        attempt = 0
        result: Response | None = None
        sent = False  # a write refused before sending (a 429 pause) reaches no listener
        try:
            while True:
                if not is_write:
                    breaker.check(method=method, path=path)
                longest_wait = WRITE_WAIT if is_write else self.max_rate_limit_wait
                paused = limiter.paused_for()
                if paused > longest_wait:
                    raise errors.RateLimited.still_waiting(paused, method=method, path=path)
                limiter.acquire()
                sent = True
                try:
                    result = self._send(method, url, path, clean_params, json_body, expect_json)
                    breaker.succeeded()
                    return result
                except errors.RateLimited as exc:
                    breaker.succeeded()  # PostHog answered: the host is up
                    wait = exc.wait_seconds if exc.wait_seconds is not None else 60.0
                    limiter.pause(wait)
                    if attempt >= self.max_retries or wait > longest_wait:
                        raise
                    self._sleep(wait)
                except errors.APIStatusError as exc:
                    if not host_failed(exc):
                        breaker.succeeded()  # a refusal: the host is up
                        raise
                    if not is_write:
                        breaker.failed(exc)
                    retryable = not is_write and exc.status in RETRYABLE_READ_STATUSES
                    if not retryable or attempt >= self.max_retries:
                        raise
                    self._sleep(self.backoff * (2**attempt) * (1 + random.random() / 4))
                except (errors.ConnectionFailed, errors.RequestTimedOut) as exc:
                    if not is_write:
                        breaker.failed(exc)
                    retryable = not is_write and isinstance(exc, errors.ConnectionFailed)
                    if not retryable or attempt >= self.max_retries:
                        raise
                    self._sleep(self.backoff * (2**attempt) * (1 + random.random() / 4))
                attempt += 1
        except Exception as exc:
            if is_write and sent:
                self._notify_write(method, path, json_body, None, exc)
            elif read and isinstance(exc, errors.PostHogError):
                exc.method = ""  # a read: its outcome is never "may or may not be applied"
            raise
        finally:
            if is_write and result is not None:
                self._notify_write(method, path, json_body, result, None)

    def _notify_write(self, method, path, body, response, error) -> None:
        for listener in list(self.write_listeners):
            listener(method, path, body, response, error)

    def _send(self, method, url, path, params, json_body, expect_json) -> Response:
        try:
            resp = self.session.request(
                method, url, params=params, json=json_body, timeout=self.timeout
            )
        except requests.Timeout:
            raise errors.RequestTimedOut(method=method, path=path) from None
        except requests.ConnectionError:
            # `from None`: the underlying exception text can carry the full request
            raise errors.ConnectionFailed(method=method, path=path) from None
        except requests.RequestException:
            raise errors.ConnectionFailed(method=method, path=path) from None
        content_type = resp.headers.get("Content-Type", "")
        data: Any = None
        if resp.content and "json" in content_type:
            try:
                data = resp.json()
            except ValueError:
                if resp.ok:
                    raise errors.UnreadableResponse(method=method, path=path) from None
        if not resp.ok:
            raise errors.error_for_status(resp.status_code, data, method=method, path=path)
        if expect_json and resp.content and data is None:
            raise errors.UnreadableResponse(method=method, path=path)
        return Response(resp.status_code, data, resp.content, content_type)

    def _url(self, path_or_url: str) -> str:
        """Join a path onto the host. A full URL (a `next` link) keeps only its path and
        query, so the key is never sent to a host other than the configured one."""
        if path_or_url.startswith(("http://", "https://")):
            parts = urlsplit(path_or_url)
            path_or_url = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path_or_url.startswith("/"):
            path_or_url = "/" + path_or_url
        return self.host + path_or_url

    # --- shortcuts ----------------------------------------------------------------------

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params).data

    def write(self, method: str, path: str, body: Any = None) -> Any:
        """The one write path: every change sent to PostHog goes through here."""
        return self.request(method, path, json_body=body, expect_json=False).data

    # --- pagination ---------------------------------------------------------------------

    def iter_pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict]:
        """Follow `next` links (limit/offset and cursor pages alike); never trust `count`."""
        url: str | None = path
        query = params
        seen: set[str] = set()
        while url:
            page = self.request("GET", url, params=query).data
            if isinstance(page, list):  # some endpoints return a plain array
                yield {"results": page, "next": None}
                return
            yield page
            url = page.get("next") if isinstance(page, dict) else None
            query = None  # the next URL carries every parameter
            if url in seen or not (page or {}).get("results"):
                return
            if url:
                seen.add(url)

    def iter_results(self, path: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        for page in self.iter_pages(path, params):
            yield from page.get("results") or []


def key_fingerprint(host: str, api_key: str) -> str:
    """Names a host + key pair in caches and limiters without revealing the key."""
    return hashlib.sha256(f"{host.rstrip('/')}|{api_key}".encode()).hexdigest()[:16]


def _clean_params(params: dict[str, Any] | None) -> dict[str, str] | None:
    """Drop None values; lists become CSV; dicts/lists of dicts become JSON; bools lowercase.

    `token` and `api_key` are refused: on GET PostHog would read them as a project token.
    """
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if key in ("token", "api_key", "personal_api_key"):
            raise ValueError(f"query parameter {key!r} would be read as a credential")
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            out[key] = ",".join(value)
        elif isinstance(value, (dict, list, tuple)):
            out[key] = json.dumps(value)
        else:
            out[key] = str(value)
    return out
