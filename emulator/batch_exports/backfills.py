"""What each backfill route does: a cursor page of an export's backfills, one backfill,
create and cancel."""

from __future__ import annotations

from datetime import UTC, datetime

from emulator.batch_exports.exports import found_export
from emulator.batch_exports.model import (
    INTERVALS,
    LIVE,
    backfill_bound,
    backfill_state,
    cancel_backfill,
    check_concurrency,
    new_backfill,
    serialize_backfill,
)
from emulator.batch_exports.runs import cursor_page
from emulator.errors import ApiError, iso
from emulator.routing import JSON, Request

ORDERINGS = ("-created_at", "created_at", "start_at", "-start_at")


def create_backfill(emu, export: dict, body: dict, now: datetime, *, legacy: bool):
    """A backfill of `export` (`legacy`: the deprecated `backfill` action's answer)."""
    start = backfill_bound(body.get("start_at"), export, "start_at")
    end = backfill_bound(body.get("end_at"), export, "end_at")
    if start is None and export["model"] == "events":
        raise ApiError.validation(
            "Backfilling from the beginning of time is not enabled for this team."
        )
    if end is None:
        if export["end_at"] is None:
            raise ApiError.validation("Backfilling a BatchExport with no end date is not allowed")
        end = export["end_at"]
    if start is not None and start >= end:
        raise ApiError.validation(
            "The initial backfill datetime 'start_at' must be before 'end_at'"
        )
    if end > now:
        raise ApiError.validation(f"The provided 'end_at' ({iso(end)}) is in the future")
    if export["interval"] == "week" and start is not None:
        wanted = export["offset_day"] or 0  # 0 = Sunday
        if (start.weekday() + 1) % 7 != wanted:
            raise ApiError.validation(
                "Weekly batch export backfills must start on the export's day of the week",
                "start_at",
            )
    check_concurrency(emu, export)
    step = INTERVALS[export["interval"]]
    first = start or export["created_at"]
    total = max(1, int((end - first) / step))
    backfill = new_backfill(emu._rng, export, start, end, now, total, emu.backfill_run_seconds)
    emu.backfills[backfill["id"]] = backfill
    if legacy:
        workflow = f"{export['id']}-Backfill-{iso(start)}-{iso(end)}"
        return 200, {"backfill_id": workflow}, JSON
    return 201, {"backfill_id": backfill["id"]}, JSON


def _backfills(req: Request) -> list[dict]:
    export = found_export(req)
    return [b for b in req.emu.backfills.values() if b["batch_export"] == export["id"]]


def _backfill(req: Request) -> dict:
    backfill = next((b for b in _backfills(req) if b["id"] == req.params["backfill_id"]), None)
    if backfill is None:
        raise ApiError.not_found()
    return backfill


def list_backfills(req: Request):
    mine = _backfills(req)
    ordering = req.query.get("ordering", "-created_at")
    if ordering not in ORDERINGS:
        raise ApiError.validation("Invalid ordering.", "ordering")
    field = ordering.lstrip("-")
    epoch = datetime.min.replace(tzinfo=UTC)
    mine.sort(key=lambda b: b[field] or epoch, reverse=ordering.startswith("-"))
    rows = [serialize_backfill(b, req.now) for b in mine]
    return 200, cursor_page(req, rows, 50), JSON


def start_backfill(req: Request):
    return create_backfill(req.emu, found_export(req), req.body or {}, req.now, legacy=False)


def start_legacy_backfill(req: Request):  # deprecated mid-2025 alias of the create above
    return create_backfill(req.emu, found_export(req), req.body or {}, req.now, legacy=True)


def get_backfill(req: Request):
    return 200, serialize_backfill(_backfill(req), req.now), JSON


def cancel(req: Request):
    backfill = _backfill(req)
    status = backfill_state(backfill, req.now)[0]
    if status not in LIVE:
        raise ApiError.validation(f"Cannot cancel a backfill that is in '{status}' status")
    cancel_backfill(backfill, req.now)
    return 200, {"cancelled": True}, JSON
