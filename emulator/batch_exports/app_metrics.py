"""Legacy `app_metrics` for plugin configs and batch exports (posthog-api.md §5): daily or
hourly outcome series, error samples and historical export jobs."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

from emulator import seed as demo
from emulator.batch_exports.model import CATEGORIES
from emulator.errors import ApiError, iso, parse_when
from emulator.routing import JSON, Request

_ERROR_TYPES = {
    "processEvent": ["TypeError", "MaxMindLookupError"],
    "exportEvents": ["RetryError", "AccessDenied"],
    "onEvent": ["RetryError", "SalesforceAuthError"],
    "webhook": ["FetchError"],
    "composeWebhook": ["TypeError"],
    "scheduledTask": ["TimeoutError"],
}


def _rand(*parts) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def metrics(req: Request):
    return 200, _metrics(req.emu, req.team, req.params["id"], req.query), JSON


def error_details(req: Request):
    if not req.query.get("error_type"):
        raise ApiError.validation("This field is required.", "error_type", "required")
    samples = _error_samples(req.emu, req.team, req.params["id"], req.query)
    return 200, {"result": samples}, JSON


def historical_exports(req: Request):
    return 200, {"results": _jobs(req)}, JSON


def historical_export(req: Request):
    job = next((j for j in _jobs(req) if j["job_id"] == req.params["job_id"]), None)
    if job is None:
        raise ApiError.not_found()
    start = parse_when(job["created_at"], req.now, "created_at")
    end = start + timedelta(seconds=job["duration"] or 3600)
    when = {"category": "exportEvents", "date_from": iso(start), "date_to": iso(end)}
    return 200, {"summary": job, **_metrics(req.emu, req.team, req.params["id"], when)}, JSON


def _jobs(req: Request) -> list[dict]:
    pc = _plugin_config(req.emu, req.team, req.params["id"])
    return _historical_jobs(pc) if pc and "exportEvents" in pc["categories"] else []


def _metrics(emu, team: int, target: str, query: dict) -> dict:
    now = datetime.now(UTC)
    category = query.get("category")
    if category and category not in CATEGORIES:
        raise ApiError.validation(
            f'"{category}" is not a valid choice.', "category", "invalid_choice"
        )
    start = parse_when(query.get("date_from") or "-30d", now, "date_from")
    end = parse_when(query["date_to"], now, "date_to") if query.get("date_to") else now
    hourly = end - start < timedelta(days=2)
    buckets = _buckets(start, end, hourly)
    labels = [b.strftime("%Y-%m-%d %H:%M:%S" if hourly else "%Y-%m-%d") for b in buckets]
    export = emu.batch_exports.get(target)
    if export is not None and export["team_id"] == team:
        return _export_metrics(emu.export_runs.get(target, []), buckets, labels, hourly)
    pc = _plugin_config(emu, team, target)
    zero = [0] * len(buckets)
    series = {"successes": list(zero), "successes_on_retry": list(zero), "failures": list(zero)}
    errors: dict[str, dict] = {}
    if pc is not None:
        cats = [category] if category else list(pc["categories"])
        for cat in (c for c in cats if c in pc["categories"]):
            for i, bucket in enumerate(buckets):
                counts = _plugin_counts(pc, cat, bucket, hourly)
                for name in series:
                    series[name][i] += counts[name]
                for error_type, count in counts["errors"].items():
                    entry = errors.setdefault(error_type, {"count": 0, "last_seen": None})
                    entry["count"] += count
                    entry["last_seen"] = bucket + timedelta(minutes=37)
    totals = {name: sum(values) for name, values in series.items()}
    error_rows = [
        {"error_type": t, "count": e["count"], "last_seen": iso(e["last_seen"])}
        for t, e in sorted(errors.items(), key=lambda kv: kv[1]["last_seen"], reverse=True)
    ]
    metrics = {"dates": labels, **series, "totals": totals}
    return {"metrics": metrics, "errors": [] if "hog-" in target else error_rows}


def _buckets(start: datetime, end: datetime, hourly: bool) -> list[datetime]:
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    moment = start.replace(minute=0, second=0, microsecond=0)
    if not hourly:
        moment = moment.replace(hour=0)
    out = []
    while moment <= end and len(out) < 2000:
        out.append(moment)
        moment += step
    return out


def _plugin_config(emu, team: int, target: str) -> dict | None:
    if not target.isdigit():
        return None
    pc = emu.plugin_configs.get(int(target))
    return pc if pc and pc["team_id"] == team else None


def _plugin_counts(pc: dict, category: str, bucket: datetime, hourly: bool) -> dict:
    rng = _rand(pc["id"], category, bucket.strftime("%Y%m%d%H"))
    volume = rng.randint(40, 400) * (1 if hourly else 24)
    if not pc["enabled"]:
        volume = 0
    failures = int(volume * pc["failure_rate"] * rng.uniform(0.5, 1.5))
    retried = int(failures * 0.3)
    errors = {}
    if failures:
        types = _ERROR_TYPES[category]
        errors[types[0]] = failures - failures // 3
        if len(types) > 1 and failures // 3:
            errors[types[1]] = failures // 3
    return {
        "successes": volume - failures,
        "successes_on_retry": retried,
        "failures": failures,
        "errors": errors,
    }


def _export_metrics(runs: list[dict], buckets: list[datetime], labels: list[str], hourly: bool):
    """For a batch export UUID: run outcomes per bucket; no retries, `errors: null`."""
    successes, failures = [0] * len(buckets), [0] * len(buckets)
    index = {b: i for i, b in enumerate(buckets)}
    for run in runs:
        moment = run["data_interval_end"].replace(minute=0, second=0, microsecond=0)
        if not hourly:
            moment = moment.replace(hour=0)
        i = index.get(moment)
        if i is None:
            continue
        if run["status"] == "Completed":
            successes[i] += 1
        elif run["status"].startswith("Failed"):
            failures[i] += 1
    metrics = {
        "dates": labels,
        "successes": successes,
        "successes_on_retry": [0] * len(buckets),
        "failures": failures,
        "totals": {"successes": sum(successes), "successes_on_retry": 0, "failures": sum(failures)},
    }
    return {"metrics": metrics, "errors": None}


def _error_samples(emu, team: int, target: str, query: dict) -> list[dict]:
    pc = _plugin_config(emu, team, target)
    if pc is None:
        return []
    error_type = query["error_type"]
    now = datetime.now(UTC)
    out = []
    rng = _rand(pc["id"], error_type)
    for i in range(rng.randint(3, 7)):
        stamp = now - timedelta(hours=i * 5 + rng.randint(0, 4), minutes=rng.randint(0, 59))
        event_uuid = demo.new_uuid(rng)
        out.append(
            {
                "timestamp": iso(stamp, micro=True),
                "error_uuid": demo.new_uuid(rng),
                "error_type": error_type,
                "error_details": {
                    "error": {
                        "name": error_type,
                        "message": f"{error_type}: upstream answered 503 after 3 attempts",
                        "stack": f"{error_type}: upstream answered 503\n"
                        "    at fetchWithRetry (plugin.js:41:13)\n"
                        "    at onEvent (plugin.js:88:5)",
                    },
                    "event": {
                        "uuid": event_uuid,
                        "event": "$pageview",
                        "distinct_id": f"user-{rng.randint(1000, 9999)}",
                        "properties": {"$current_url": "https://hedgebox.net/files/"},
                    },
                    "eventCount": 1,
                },
            }
        )
    return out


def _historical_jobs(pc: dict) -> list[dict]:
    now = datetime.now(UTC).replace(microsecond=0)
    jobs = []
    plans = [
        (40, "success", 1.0, None),
        (12, "fail", 0.4, "AccessDenied: bucket policy"),
        (0, "not_finished", 0.62, None),
    ]
    for days, status, progress, failure in plans:
        rng = _rand(pc["id"], "job", days)
        created = now - timedelta(days=days, hours=1)
        duration = None if status == "not_finished" else rng.randint(600, 7200)
        jobs.append(
            {
                "job_id": f"{rng.getrandbits(40):x}",
                "status": status,
                "payload": {
                    "dateFrom": (created - timedelta(days=30)).date().isoformat(),
                    "dateTo": created.date().isoformat(),
                    "parallelism": 1,
                },
                "created_at": iso(created),
                "created_by": demo.user_basic(demo.USERS[days % len(demo.USERS)]),
                "finished_at": iso(created + timedelta(seconds=duration)) if duration else None,
                "duration": duration,
                "progress": progress,
                "failure_reason": failure,
            }
        )
    return jobs
