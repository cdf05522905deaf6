"""Dashboard collaborators (COLLAB): who may edit a dashboard restricted to collaborators."""

from __future__ import annotations

import uuid

from emulator.analytics import seed as demo
from emulator.analytics.activity import change_entry, record_activity
from emulator.analytics.common import (
    EVERYONE_CAN_EDIT,
    ONLY_COLLABORATORS,
    Ctx,
    basic_user,
    can_edit,
    can_restrict,
    choice_int,
    find_user,
    handler,
    is_collaborator,
)
from emulator.errors import ApiError, iso
from emulator.routing import JSON
from emulator.seed import USERS, new_uuid


def _add_collaborator(ctx: Ctx, dash: dict, data: dict) -> dict:
    st = ctx.st
    if "user_uuid" not in data:
        raise ApiError.validation("This field is required.", "user_uuid", code="required")
    try:
        wanted = str(uuid.UUID(str(data["user_uuid"])))
    except ValueError:
        raise ApiError.validation("Must be a valid UUID.", "user_uuid") from None
    if "level" not in data:
        raise ApiError.validation("This field is required.", "level", code="required")
    level = choice_int(data["level"])
    if level not in (EVERYONE_CAN_EDIT, ONLY_COLLABORATORS):
        detail = f'"{data["level"]}" is not a valid choice.'
        raise ApiError.validation(detail, "level", code="invalid_choice")
    if dash["restriction_level"] <= EVERYONE_CAN_EDIT:
        raise ApiError.validation(
            "Cannot add collaborators to a dashboard on the lowest restriction level."
        )
    if level != ONLY_COLLABORATORS:
        raise ApiError.validation("Only edit access can be explicitly specified currently.")
    user = next(
        (u for u in USERS + demo.OUTSIDERS if demo.user_uuid(u["id"]) == wanted),
        None,
    )
    if user is None:
        raise ApiError.validation("User does not exist.")
    if user["id"] not in {u["id"] for u in USERS}:
        raise ApiError.validation("Cannot add collaborators that have no access to the project.")
    if can_restrict(dash, user["id"]):
        raise ApiError.validation(
            "Cannot add collaborators that already have inherent access (the dashboard owner "
            "or a project admins)."
        )
    if is_collaborator(st, dash["id"], user["id"]):
        raise ApiError.validation("User already is a collaborator.")
    row = {
        "id": new_uuid(st["rng"]),
        "dashboard_id": dash["id"],
        "user_id": user["id"],
        "level": level,
        "added_at": ctx.now,
        "updated_at": ctx.now,
    }
    st["collaborators"].append(row)
    return row


def _collaborator_body(row: dict) -> dict:
    return {
        "id": row["id"],
        "dashboard_id": row["dashboard_id"],
        "user": basic_user(row["user_id"]),
        "level": row["level"],
        "added_at": iso(row["added_at"], micro=True),
        "updated_at": iso(row["updated_at"], micro=True),
    }


def _collaborator_change(row: dict, *, removed: bool) -> dict:
    user = find_user(row["user_id"]) or {}
    who = {"id": row["user_id"], "email": user.get("email")}
    return change_entry(
        "Dashboard", "collaborators", who if removed else None, None if removed else who
    )


def _dashboard(ctx: Ctx) -> dict:
    ident = ctx.params["id"]
    dash = ctx.st["dashboards"].get(int(ident)) if ident.isdigit() else None
    if dash is None or dash["team_id"] != ctx.team or dash["deleted"]:
        raise ApiError.envelope(404, "invalid_request", "not_found", "Dashboard not found.")
    return dash


def _editable(ctx: Ctx) -> dict:
    dash = _dashboard(ctx)
    if not can_edit(ctx.st, dash, ctx.user):
        raise ApiError.permission("You don't have edit permissions for this dashboard.")
    return dash


@handler
def list_collaborators(ctx: Ctx):
    dash = _dashboard(ctx)
    rows = [c for c in ctx.st["collaborators"] if c["dashboard_id"] == dash["id"]]
    return 200, [_collaborator_body(c) for c in rows], JSON


@handler
def add_collaborator(ctx: Ctx):
    dash = _editable(ctx)
    row = _add_collaborator(ctx, dash, ctx.body())
    record_activity(ctx, "Dashboard", dash, "updated", [_collaborator_change(row, removed=False)])
    return 201, _collaborator_body(row), JSON


@handler
def remove_collaborator(ctx: Ctx):
    dash = _editable(ctx)
    wanted = ctx.params["user_uuid"]
    row = next(
        (
            c
            for c in ctx.st["collaborators"]
            if c["dashboard_id"] == dash["id"] and demo.user_uuid(c["user_id"]) == wanted
        ),
        None,
    )
    if row is None:
        raise ApiError.not_found()
    if dash["restriction_level"] <= EVERYONE_CAN_EDIT:
        raise ApiError.validation(
            "Cannot remove collaborators from a dashboard on the lowest restriction level."
        )
    ctx.st["collaborators"].remove(row)
    record_activity(ctx, "Dashboard", dash, "updated", [_collaborator_change(row, removed=True)])
    return 204, None, JSON
