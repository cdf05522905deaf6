"""The project's activity log (`GET /activity_log/`, PostHog's `ActivityLogViewSet`): who
created, changed or deleted what, newest first, filtered by `scope`, `item_id` and `user`,
in cursor pages of 100. Hog functions and batch exports record their API writes here; insights
and dashboards record theirs in the same log (`emulator.analytics.activity`)."""

from __future__ import annotations

import copy
import uuid
from datetime import datetime

from emulator.analytics.common import basic_user, state
from emulator.analytics.seed import KEY_USER_ID
from emulator.errors import iso
from emulator.routing import JSON, Request

PAGE_SIZE = 100


def record(req: Request, scope: str, item: dict, activity: str) -> None:
    """Log an API write by the key's user (every key is Ada's)."""
    append_entry(
        req.emu,
        team=req.team,
        scope=scope,
        item_id=item["id"],
        name=item.get("name"),
        activity=activity,
        user_id=KEY_USER_ID,
        at=req.now,
    )


def append_entry(
    emu,
    *,
    team: int,
    scope: str,
    item_id,
    activity: str,
    user_id: int | None,
    at: datetime,
    name: str | None = None,
) -> None:
    """One entry of the log. Tests call it to stand for a change another user made in
    PostHog's own UI (`user_id` of `emulator.seed.USERS`; None: PostHog itself)."""
    with emu.lock:
        log = state(emu)["activity"]
        log.append(
            {
                # drawn from no seeded random source, so seeded objects keep their ids
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"activity/{len(log)}")),
                "team_id": team,
                "user_id": user_id,
                "activity": activity,
                "scope": scope,
                "item_id": str(item_id),
                "detail": {
                    **dict.fromkeys(("id", "changes", "merge", "trigger", "short_id", "type")),
                    "name": name,
                },
                "created_at": at,
            }
        )


def list_activity(req: Request):
    # here, not at the top: batch exports record into this log, and their runs module pages
    from emulator.batch_exports.runs import cursor_page

    query = req.query
    entries = [
        (i, e)
        for i, e in enumerate(state(req.emu)["activity"])
        if e["team_id"] == req.team
        and (not query.get("scope") or e["scope"] == query["scope"])
        and (not query.get("item_id") or e["item_id"] == query["item_id"])
        and (not query.get("user") or str(e["user_id"]) == query["user"])
    ]
    # `-created_at`; of entries logged at the same moment, the one logged last first
    entries.sort(key=lambda pair: (pair[1]["created_at"], pair[0]), reverse=True)
    page = cursor_page(req, [e for _, e in entries], PAGE_SIZE)
    page["results"] = [serialize_entry(e) for e in page["results"]]
    return 200, page, JSON


def serialize_entry(entry: dict) -> dict:
    """PostHog's `ActivityLogSerializer`: every field but `team_id`, the user as UserBasic."""
    return {
        "id": entry["id"],
        "user": basic_user(entry["user_id"]),
        "unread": False,
        "is_staff": False,
        "is_system": entry["user_id"] is None,
        "was_impersonated": False,
        "activity": entry["activity"],
        "scope": entry["scope"],
        "item_id": entry["item_id"],
        "detail": copy.deepcopy(entry["detail"]),
        "created_at": iso(entry["created_at"], micro=True),
    }
