"""What every analytics handler shares: the state, one request's context, users and
dashboard edit rights, and parsing of bodies and query parameters."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from emulator.analytics import seed as demo
from emulator.errors import ApiError
from emulator.routing import Request
from emulator.seed import USERS, user_basic

EVERYONE_CAN_EDIT, ONLY_COLLABORATORS = demo.EVERYONE_CAN_EDIT, demo.ONLY_COLLABORATORS

TRUTHY = {"y", "yes", "t", "true", "on", "1"}


def state(emu) -> dict:
    """The analytics state of an emulator, seeded deterministically on first use."""
    with emu.lock:
        st = getattr(emu, "analytics", None)
        if st is None:
            st = emu.analytics = demo.build(emu.seed)
        return st


class Ctx:
    """One analytics request: the route's request, the analytics state and the key's user."""

    def __init__(self, req: Request):
        self.req, self.st, self.user = req, state(req.emu), demo.KEY_USER_ID
        self.team, self.query, self.params, self.now = req.team, req.query, req.params, req.now

    def body(self) -> dict:
        return json_body(self.req.body)

    def all_params(self, name: str) -> list[str]:
        return self.req.all_params(name)

    def link(self, **params) -> str:
        return self.req.link(**params)

    def page(self, items: list) -> dict:
        return self.req.page(items)


def handler(fn: Callable[[Ctx], tuple]) -> Callable[[Request], tuple]:
    """A route handler written against the analytics context."""

    @functools.wraps(fn)
    def run(req: Request) -> tuple:
        return fn(Ctx(req))

    return run


def refuse_delete(req: Request) -> tuple:
    raise ApiError(405, None)  # ForbidDestroyModel: soft delete with PATCH


def server_error() -> ApiError:
    return ApiError.envelope(500, "server_error", "error", "A server error occurred.")


def find_user(user_id: int | None) -> dict | None:
    return next((u for u in USERS + demo.OUTSIDERS if u["id"] == user_id), None)


def basic_user(user_id: int | None) -> dict | None:
    user = find_user(user_id)
    return user_basic(user) if user else None


def is_collaborator(st, dashboard_id: int, user_id: int) -> bool:
    return any(
        c["dashboard_id"] == dashboard_id and c["user_id"] == user_id for c in st["collaborators"]
    )


def can_restrict(dash: dict, user_id: int) -> bool:
    """Owner or project admin (DASHM `can_user_restrict`)."""
    return dash["created_by"] == user_id or user_id in demo.ADMIN_IDS


def can_edit(st, dash: dict, user_id: int) -> bool:
    if dash["restriction_level"] <= EVERYONE_CAN_EDIT or can_restrict(dash, user_id):
        return True
    return is_collaborator(st, dash["id"], user_id)


def json_body(body) -> dict:
    if body is None:
        return {}
    if not isinstance(body, dict):
        kind = type(body).__name__
        raise ApiError.validation(f"Invalid data. Expected a dictionary, but got {kind}.")
    return body


def as_bool(value, attr: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (1, "1", "true", "True", "yes", "on"):
        return True
    if value in (0, "0", "false", "False", "no", "off"):
        return False
    raise ApiError.validation("Must be a valid boolean.", attr)


def as_text(value, attr: str, *, max_length: int | None = 400, nullable: bool = True):
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


def as_int(value, attr: str, *, nullable: bool = True):
    if value is None and nullable:
        return None
    if isinstance(value, bool):
        raise ApiError.validation("A valid integer is required.", attr)
    try:
        return int(str(value))
    except ValueError:
        raise ApiError.validation("A valid integer is required.", attr) from None


def choice_int(value) -> int | None:
    """An integer choice or primary key as DRF reads it: 37 or "37"; anything else is None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def as_tags(value, attr: str = "tags") -> list[str]:
    if not isinstance(value, list):
        kind = type(value).__name__
        raise ApiError.validation(
            f'Expected a list of items but got type "{kind}".', attr, code="not_a_list"
        )
    return sorted({str(tag).strip().lower() for tag in value if str(tag).strip()})


def param_int(query: dict, name: str, default: int) -> int:
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


def json_array(query: dict, name: str) -> list | None:
    """`created_by`, `tags`, `dashboards`: JSON arrays. PostHog json.loads them and fails with
    a server error on anything that is not an array (e.g. `?tags=growth`)."""
    raw = query.get(name)
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise server_error() from None
    if isinstance(value, list):
        return value
    if not value:
        return None
    raise server_error()


def live_tiles(st, insight_id: int) -> list[dict]:
    return [
        t
        for t in st["tiles"].values()
        if t["insight_id"] == insight_id
        and not t["deleted"]
        and not st["dashboards"][t["dashboard_id"]]["deleted"]
    ]
