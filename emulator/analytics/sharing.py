"""Sharing of insights and dashboards (posthog-api.md §6 item 11): stored only once changed."""

from __future__ import annotations

import copy
import string

from emulator.analytics.activity import change_entry, record_activity
from emulator.analytics.common import Ctx, as_bool, can_edit, handler
from emulator.errors import ApiError, iso
from emulator.routing import JSON


def _token(ctx: Ctx) -> str:
    alphabet = string.ascii_letters + string.digits + "-_"
    return "".join(ctx.st["rng"].choice(alphabet) for _ in range(30))


def new_sharing(ctx: Ctx, kind: str, item: dict) -> dict:
    """Sharing is stored only once it is first changed (SHARE `_get_sharing_configuration`)."""
    config = {
        "created_at": ctx.now,
        "enabled": False,
        "access_token": _token(ctx),
        "settings": None,
    }
    ctx.st["sharing"][(kind, item["id"])] = config
    return config


def sharing_body(config: dict | None) -> dict:
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


def is_shared(st, kind: str, item_id: int) -> bool:
    return bool((st["sharing"].get((kind, item_id)) or {}).get("enabled"))


def _item(ctx: Ctx, kind: str) -> dict:
    table = ctx.st["insights"] if kind == "insight" else ctx.st["dashboards"]
    ident = ctx.params["id"]
    item = table.get(int(ident)) if ident.isdigit() else None
    if item is None or item["team_id"] != ctx.team or item["deleted"]:
        raise ApiError.envelope(
            404, "invalid_request", "not_found", f"{kind.capitalize()} not found."
        )
    return item


def _editable(ctx: Ctx, kind: str) -> dict:
    item = _item(ctx, kind)
    if kind == "dashboard" and not can_edit(ctx.st, item, ctx.user):
        raise ApiError.permission("You don't have edit permissions for this dashboard.")
    return item


def _show(ctx: Ctx, kind: str):
    item = _item(ctx, kind)
    return 200, sharing_body(ctx.st["sharing"].get((kind, item["id"]))), JSON


def _refresh(ctx: Ctx, kind: str):
    item = _editable(ctx, kind)
    config = ctx.st["sharing"].get((kind, item["id"])) or new_sharing(ctx, kind, item)
    config["access_token"] = _token(ctx)
    if kind == "insight":
        record_activity(ctx, "Insight", item, "access token refreshed", [])
    return 200, sharing_body(config), JSON


def _change(ctx: Ctx, kind: str):
    item = _editable(ctx, kind)
    data = ctx.body()
    if data.get("password_required"):
        payload = {"error": "Sharing with password requires the Advanced Permissions feature"}
        return 403, payload, JSON
    enabled = as_bool(data["enabled"], "enabled") if "enabled" in data else None
    settings = data.get("settings")
    if settings is not None and not isinstance(settings, dict):
        raise ApiError.validation("Invalid settings format", "settings")
    config = ctx.st["sharing"].get((kind, item["id"])) or new_sharing(ctx, kind, item)
    before = config["enabled"]
    if enabled is not None:
        config["enabled"] = enabled
    if "settings" in data:
        config["settings"] = copy.deepcopy(settings)
    scope = "Insight" if kind == "insight" else "Dashboard"
    state_word = "enabled" if config["enabled"] else "disabled"
    change = change_entry(scope, "sharing", before, config["enabled"])
    record_activity(ctx, scope, item, f"sharing {state_word}", [change])
    return 200, sharing_body(config), JSON


def _handlers(kind: str):
    """Read, change and token refresh of `kind`'s sharing configuration."""
    return (
        handler(lambda ctx: _show(ctx, kind)),
        handler(lambda ctx: _change(ctx, kind)),
        handler(lambda ctx: _refresh(ctx, kind)),
    )


show_insight, change_insight, refresh_insight = _handlers("insight")
show_dashboard, change_dashboard, refresh_dashboard = _handlers("dashboard")
