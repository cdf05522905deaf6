"""How one route is declared and matched: its methods, path pattern, handler and PostHog scope.

The table itself is `emulator.routes.ROUTES`. A pattern's `{team}` after `projects` matches
`@current` or a project id under `/api/projects/` or `/api/environments/`; every other `{name}`
matches one path segment and reaches the handler as `req.params[name]`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, urlencode, urlsplit

from emulator.errors import ApiError

JSON = "application/json"
UNSUPPORTED = "This action does not support Personal API Key access"


@dataclass(frozen=True)
class Scope:
    """What a personal API key needs: `object:read` or `object:write`. `access=None` is a custom
    action PostHog maps to no scope: every scoped key is refused, whatever it holds."""

    object: str
    access: str | None


def read(obj: str) -> Scope:
    return Scope(obj, "read")


def write(obj: str) -> Scope:
    return Scope(obj, "write")


def unmapped(obj: str) -> Scope:
    return Scope(obj, None)


@dataclass
class Key:
    scopes: set[str] | None  # None: a legacy key without scopes, which bypasses scope checks
    projects: set[int] | None = None


def require(key: Key, scope: Scope | None) -> None:
    if key.scopes is None or scope is None:
        return
    if scope.access is None:
        raise ApiError.permission(UNSUPPORTED)
    obj = scope.object
    if "*" in key.scopes or f"{obj}:write" in key.scopes:
        return
    if scope.access == "read" and f"{obj}:read" in key.scopes:
        return
    raise ApiError.permission(f"API key missing required scope '{obj}:{scope.access}'")


@dataclass
class Request:
    """One request as a handler sees it: the project (`team`), path parameters, the last value
    of each query parameter, the parsed JSON body and the moment it arrived."""

    emu: object
    method: str
    url: str  # path and query string as sent, for pagination links
    host: str
    team: int | None
    params: dict[str, str]
    query: dict[str, str]
    body: object
    key: Key
    now: datetime

    def all_params(self, name: str) -> list[str]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True).get(name, [])

    def link(self, **params) -> str:
        """This request's URL with some query parameters replaced."""
        url = urlsplit(self.url)
        merged = parse_qs(url.query)
        merged.update({k: [str(v)] for k, v in params.items()})
        return f"http://{self.host}{url.path}?{urlencode(merged, doseq=True)}"

    def page(self, items: list) -> dict:
        """DRF LimitOffsetPagination's envelope."""
        try:
            limit = int(self.query.get("limit", 100))
            offset = int(self.query.get("offset", 0))
        except ValueError:
            raise ApiError.validation("A valid integer is required.", "limit") from None
        return {
            "count": len(items),
            "next": self.link(limit=limit, offset=offset + limit)
            if offset + limit < len(items)
            else None,
            "previous": self.link(limit=limit, offset=max(0, offset - limit))
            if offset > 0
            else None,
            "results": items[offset : offset + limit],
        }


Handler = Callable[[Request], tuple]


@dataclass(frozen=True)
class Route:
    """`methods` answered by `handler` at `pattern`, behind `scope` (None: any valid key).
    `public` routes need no key; `locked` handlers run under the emulator's lock."""

    methods: tuple[str, ...]
    pattern: str
    handler: Handler
    scope: Scope | None = None
    public: bool = False
    locked: bool = True
    regex: re.Pattern = field(init=False, repr=False, compare=False)
    literals: int = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        parts, literals = [], 0
        segments = self.pattern.strip("/").split("/")
        for i, seg in enumerate(segments):
            if seg == "{team}":
                parts.append(r"(?P<team>@current|\d+)")
            elif seg.startswith("{"):
                parts.append(f"(?P<{seg[1:-1]}>[^/]+)")
            elif seg == "projects" and segments[i + 1 : i + 2] == ["{team}"]:
                parts.append("(?:projects|environments)")
                literals += 1
            else:
                parts.append(re.escape(seg))
                literals += 1
        object.__setattr__(self, "regex", re.compile("/" + "/".join(parts)))
        object.__setattr__(self, "literals", literals)


def route(methods: str, pattern: str, handler: Handler, scope: Scope | None = None, **kw) -> Route:
    """`route("GET PATCH", "/api/…", handler, read("insight"))`."""
    return Route(tuple(methods.split()), pattern, handler, scope, **kw)


def match(routes: list[Route], path: str) -> tuple[list[Route], dict[str, str]]:
    """The routes of the most specific pattern matching `path` (literal segments win over
    parameters: `hog_functions/icons` before `hog_functions/{id}`) and its parameters."""
    best: list[Route] = []
    params: dict[str, str] = {}
    for candidate in routes:
        found = candidate.regex.fullmatch(path)
        if not found:
            continue
        if not best or candidate.literals > best[0].literals:
            best, params = [candidate], found.groupdict()
        elif candidate.pattern == best[0].pattern:
            best.append(candidate)
    return best, params


def method_not_allowed(method: str) -> ApiError:
    return ApiError.envelope(
        405, "invalid_request", "method_not_allowed", f'Method "{method}" not allowed.'
    )
