"""What each batch export run route does: a cursor page of runs, one run, its logs, cancel
and retry."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlencode, urlsplit

from emulator.batch_exports.exports import export_logs, found_export
from emulator.batch_exports.model import LIVE, check_concurrency, new_backfill, serialize_run
from emulator.errors import ApiError, parse_when
from emulator.hog_functions.model import filter_logs
from emulator.routing import JSON, Request

ORDERINGS = ("-created_at", "created_at", "data_interval_start", "-data_interval_start")


def cursor_page(req: Request, items: list, size: int) -> dict:
    """DRF CursorPagination's envelope: no count, an opaque `cursor`."""
    try:
        offset = int(base64.urlsafe_b64decode(req.query.get("cursor", "") + "==").decode() or 0)
    except ValueError:
        raise ApiError.envelope(404, "invalid_request", "not_found", "Invalid cursor") from None
    url = urlsplit(req.url)
    base = f"http://{req.host}{url.path}"

    def link(new_offset: int) -> str:
        params = {k: v for k, v in parse_qs(url.query).items() if k != "cursor"}
        params["cursor"] = [base64.urlsafe_b64encode(str(new_offset).encode()).decode().rstrip("=")]
        return f"{base}?{urlencode(params, doseq=True)}"

    return {
        "next": link(offset + size) if offset + size < len(items) else None,
        "previous": link(max(0, offset - size)) if offset > 0 else None,
        "results": items[offset : offset + size],
    }


def _runs(req: Request) -> list[dict]:
    return req.emu.export_runs.get(found_export(req)["id"], [])


def _run(req: Request) -> dict:
    run = next((r for r in _runs(req) if r["id"] == req.params["run_id"]), None)
    if run is None:
        raise ApiError.not_found()
    return run


def list_runs(req: Request):
    query, now = req.query, req.now
    runs = _runs(req)
    ordering = query.get("ordering", "-created_at")
    if ordering not in ORDERINGS:
        raise ApiError.validation("Invalid ordering.", "ordering")
    by_interval = ordering.lstrip("-") == "data_interval_start"
    lower = parse_when(query.get("start" if by_interval else "after") or "-7d", now, "after")
    upper_text = query.get("end" if by_interval else "before")
    upper = parse_when(upper_text, now, "before") if upper_text else now
    statuses = set(filter(None, req.all_params("status")))
    stamp = "data_interval_start" if by_interval else "created_at"
    chosen = [
        r
        for r in runs
        if lower <= (r[stamp] or r["data_interval_end"]) <= upper
        and (not statuses or r["status"] in statuses)
    ]
    chosen.sort(key=lambda r: r[stamp] or r["data_interval_end"], reverse=ordering.startswith("-"))
    return 200, cursor_page(req, [serialize_run(r) for r in chosen], 100), JSON


def get_run(req: Request):
    return 200, serialize_run(_run(req)), JSON


def run_logs(req: Request):
    run = _run(req)
    entries = filter_logs(export_logs(found_export(req), [run]), req.query)
    return 200, {"count": len(entries), "next": None, "previous": None, "results": entries}, JSON


def cancel_run(req: Request):
    run = _run(req)
    if run["status"] not in LIVE:
        raise ApiError.validation(f"Cannot cancel a run that is in '{run['status']}' status")
    run.update(status="Cancelled", finished_at=req.now, last_updated_at=req.now)
    return 200, {"cancelled": True}, JSON


def retry_run(req: Request):
    emu, run, export = req.emu, _run(req), found_export(req)
    check_concurrency(emu, export)
    backfill = new_backfill(
        emu._rng,
        export,
        run["data_interval_start"],
        run["data_interval_end"],
        req.now,
        1,
        emu.backfill_run_seconds,
    )
    emu.backfills[backfill["id"]] = backfill
    return 201, {"backfill_id": backfill["id"]}, JSON
