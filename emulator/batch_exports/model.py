"""Batch exports as PostHog stores and serves them (posthog-api.md §2): destinations and their
secret fields, intervals, validation of a create or PATCH, serializers with secrets stripped,
and the live state of a backfill."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

from emulator import seed as demo
from emulator.errors import ApiError, iso

_SQL_FIELDS = ("host", "port", "database", "schema", "table_name", "user", "password")


# type -> (fields, required on create, secret fields). Credentials of Databricks and AzureBlob
# live in an Integration (posthog-api.md §2.1), so they have no secret config fields.
_S3 = (
    "bucket_name",
    "region",
    "prefix",
    "aws_access_key_id",
    "aws_secret_access_key",
    "compression",
    "encryption",
    "kms_key_id",
    "endpoint_url",
    "file_format",
    "max_file_size_mb",
)
_S3_REQUIRED = ("bucket_name", "region", "prefix")
_S3_SECRETS = ("aws_access_key_id", "aws_secret_access_key")
DESTINATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "S3": (_S3, _S3_REQUIRED, _S3_SECRETS),
    # AWS itself: no endpoint of one's own
    "AwsS3": (tuple(f for f in _S3 if f != "endpoint_url"), _S3_REQUIRED, _S3_SECRETS),
    "S3Compatible": (
        (
            "bucket_name",
            "region",
            "prefix",
            "endpoint_url",
            "aws_access_key_id",
            "aws_secret_access_key",
            "compression",
            "file_format",
            "max_file_size_mb",
            "use_virtual_style_addressing",
        ),
        ("bucket_name", "region", "prefix", "endpoint_url"),
        ("aws_access_key_id", "aws_secret_access_key"),
    ),
    "Snowflake": (
        (
            "account",
            "database",
            "warehouse",
            "schema",
            "table_name",
            "role",
            "authentication_type",
            "user",
            "password",
            "private_key",
            "private_key_passphrase",
        ),
        ("account", "database", "warehouse", "schema", "table_name", "user"),
        ("user", "password", "private_key", "private_key_passphrase"),
    ),
    "Postgres": (
        _SQL_FIELDS + ("has_self_signed_cert",),
        _SQL_FIELDS[:6],
        ("user", "password"),
    ),
    "Redshift": (
        _SQL_FIELDS
        + ("properties_data_type", "mode", "aws_access_key_id", "aws_secret_access_key"),
        _SQL_FIELDS[:6],
        ("user", "password", "aws_access_key_id", "aws_secret_access_key"),
    ),
    "BigQuery": (
        (
            "project_id",
            "dataset_id",
            "table_id",
            "private_key",
            "private_key_id",
            "client_email",
            "token_uri",
            "use_json_type",
        ),
        ("project_id", "dataset_id", "table_id"),
        ("private_key", "private_key_id", "client_email", "token_uri"),
    ),
    "Databricks": (
        ("http_path", "catalog", "schema", "table_name", "use_variant_type"),
        ("http_path", "catalog", "schema", "table_name"),
        (),
    ),
    "AzureBlob": (
        ("container_name", "prefix", "file_format", "compression", "max_file_size_mb"),
        ("container_name",),
        (),
    ),
    "HTTP": (("url", "token"), ("url", "token"), ("token",)),
    "NoOp": ((), (), ()),
    "Workflows": ((), (), ()),
}

INTERVALS = {
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "every 5 minutes": timedelta(minutes=5),
    "every 15 minutes": timedelta(minutes=15),
}

HIGH_FREQUENCY_TEAMS = {1}  # the `high-frequency-batch-exports` flag is on for project 1 only

MODELS = ("events", "persons", "sessions")

LIVE = ("Running", "Starting")

CATEGORIES = (
    "processEvent",
    "onEvent",
    "exportEvents",
    "scheduledTask",
    "webhook",
    "composeWebhook",
)


def new_export(rng, team: int, name: str, dtype: str, config: dict, created: datetime) -> dict:
    return {
        "id": demo.new_uuid(rng),
        "team_id": team,
        "name": name,
        "model": "events",
        "destination": {"type": dtype, "config": copy.deepcopy(config)},
        "integration": None,
        "interval": "hour",
        "paused": False,
        "created_at": created,
        "last_updated_at": created,
        "last_paused_at": None,
        "start_at": None,
        "end_at": None,
        "hogql_query": "",
        "filters": None,
        "timezone": "UTC",
        "offset_day": None,
        "offset_hour": None,
        "deleted": False,
        "profile": "healthy",
    }


def new_backfill(rng, export, start, end, created, total, run_seconds) -> dict:
    return {
        "id": demo.new_uuid(rng),
        "team": export["team_id"],
        "batch_export": export["id"],
        "start_at": start,
        "end_at": end,
        "adjusted_start_at": start,
        "status": None,  # live: derived from time until cancelled
        "created_at": created,
        "finished_at": None,
        "total_runs": max(1, total),
        "run_seconds": run_seconds,
        "finished_runs": 0,
        "total_records_count": total * rng.randint(1_000, 20_000),
    }


def backfill_state(backfill: dict, now: datetime) -> tuple[str, int, datetime | None]:
    """Status, finished runs and finish time. A live backfill advances one run every
    `run_seconds`, so the console's self-refreshing list has something to show."""
    if backfill["status"]:
        return backfill["status"], backfill["finished_runs"], backfill["finished_at"]
    elapsed = (now - backfill["created_at"]).total_seconds()
    total = backfill["total_runs"]
    done = min(total, int(elapsed / backfill["run_seconds"]))
    if done >= total:
        finished = backfill["created_at"] + timedelta(seconds=total * backfill["run_seconds"])
        return "Completed", total, finished
    return ("Starting" if elapsed < 1 else "Running"), done, None


def cancel_backfill(backfill: dict, now: datetime) -> None:
    _, done, _ = backfill_state(backfill, now)
    backfill.update(status="Cancelled", finished_runs=done, finished_at=now)


def check_concurrency(emu, export: dict) -> None:
    now = datetime.now(UTC)
    running = sum(
        1
        for b in emu.backfills.values()
        if emu.batch_exports[b["batch_export"]]["team_id"] == export["team_id"]
        and backfill_state(b, now)[0] in LIVE
    )
    if running >= emu.max_concurrent_backfills:
        raise ApiError.envelope(
            429,
            "throttled_error",
            "too_many_concurrent_backfills",
            f"This team already has {running} batch export backfills running. Wait for some "
            "to finish or cancel them before creating more.",
        )


def strip_secrets(dtype: str, config: dict) -> dict:
    secrets = set(DESTINATIONS.get(dtype, ((), (), ()))[2])
    return {k: copy.deepcopy(v) for k, v in (config or {}).items() if k not in secrets}


def serialize_run(run: dict) -> dict:
    return {
        k: (iso(v, micro=True) if isinstance(v, datetime) else v)
        for k, v in run.items()
        if k != "records_failed"
    }


def serialize(export: dict, runs: list[dict]) -> dict:
    dtype = export["destination"]["type"]
    latest = sorted(runs, key=lambda r: r["created_at"], reverse=True)[:10]
    return {
        "id": export["id"],
        "team_id": export["team_id"],
        "name": export["name"],
        "model": export["model"],
        "destination": {
            "type": dtype,
            "config": strip_secrets(dtype, export["destination"]["config"]),
            "integration": export["integration"],
        },
        "interval": export["interval"],
        "paused": export["paused"],
        "created_at": iso(export["created_at"], micro=True),
        "last_updated_at": iso(export["last_updated_at"], micro=True),
        "last_paused_at": iso(export["last_paused_at"], micro=True),
        "start_at": iso(export["start_at"]),
        "end_at": iso(export["end_at"]),
        "latest_runs": [serialize_run(r) for r in latest],
        "hogql_query": export["hogql_query"],
        "schema": None,
        "filters": copy.deepcopy(export["filters"]),
        "timezone": export["timezone"],
        "offset_day": export["offset_day"],
        "offset_hour": export["offset_hour"],
    }


def serialize_backfill(backfill: dict, now: datetime) -> dict:
    status, done, finished = backfill_state(backfill, now)
    total = backfill["total_runs"]
    progress = None
    if status in LIVE or status == "Completed":
        fraction = 1.0 if status == "Completed" else round(done / total, 1)
        progress = {"total_runs": total, "finished_runs": done, "progress": fraction}
    return {
        "id": backfill["id"],
        "progress": progress,
        "team": backfill["team"],
        "batch_export": backfill["batch_export"],
        "start_at": iso(backfill["start_at"]),
        "end_at": iso(backfill["end_at"]),
        "adjusted_start_at": iso(backfill["adjusted_start_at"]),
        "status": status,
        "created_at": iso(backfill["created_at"], micro=True),
        "finished_at": iso(finished, micro=True),
        "last_updated_at": iso(finished or backfill["created_at"], micro=True),
        "total_records_count": backfill["total_records_count"],
    }


def validate(body: dict, existing: dict | None, team: int) -> dict:
    """The fields to store, or the first error in PostHog's envelope."""
    values: dict = {}
    if existing is None and not str(body.get("name") or "").strip():
        raise ApiError.validation("This field is required.", "name", "required")
    if "name" in body:
        if not isinstance(body["name"], str) or not body["name"].strip():
            raise ApiError.validation("This field may not be blank.", "name", "blank")
        values["name"] = body["name"]
    interval = body.get("interval", existing["interval"] if existing else None)
    if interval is None:
        raise ApiError.validation("This field is required.", "interval", "required")
    if interval not in INTERVALS:
        raise ApiError.validation(
            f'"{interval}" is not a valid choice.', "interval", "invalid_choice"
        )
    if "interval" in body:
        if interval.startswith("every") and team not in HIGH_FREQUENCY_TEAMS:
            raise ApiError.permission(
                "Higher frequency batch exports are not enabled for this team."
            )
        values["interval"] = interval
    dtype = _validate_destination(body, existing, values)
    model = body.get("model", existing["model"] if existing else "events") or "events"
    if model not in MODELS:
        raise ApiError.validation(f'"{model}" is not a valid choice.', "model", "invalid_choice")
    if dtype == "HTTP" and model != "events":
        raise ApiError.validation("HTTP batch exports only support the events model", "model")
    if "model" in body:
        values["model"] = model
    _validate_schedule(body, existing, values, interval)
    for field in ("paused", "hogql_query"):
        if field in body:
            values[field] = body[field]
    if "filters" in body:
        _validate_filters(body["filters"])
        values["filters"] = body["filters"]
    return values


def _validate_destination(body: dict, existing: dict | None, values: dict) -> str:
    dest = body.get("destination")
    if dest is None:
        if existing is None:
            raise ApiError.validation("This field is required.", "destination", "required")
        return existing["destination"]["type"]
    if not isinstance(dest, dict):
        raise ApiError.validation("Expected a dictionary of items.", "destination")
    dtype = dest.get("type", existing["destination"]["type"] if existing else None)
    if dtype not in DESTINATIONS or dtype == "Workflows":
        raise ApiError.validation(
            f'"{dtype}" is not a valid choice.', "destination__type", "invalid_choice"
        )
    if dtype == "S3":
        raise ApiError.validation(
            "The 'S3' destination type is deprecated and can no longer be used. Use 'AwsS3' "
            "for AWS S3 or 'S3Compatible' for S3-compatible storage instead.",
            "destination__type",
        )
    if existing and dtype != existing["destination"]["type"]:
        raise ApiError.validation(
            "The destination type of a batch export cannot be changed.", "destination__type"
        )
    config = dest.get("config") or {}
    if not isinstance(config, dict):
        raise ApiError.validation("Expected a dictionary of items.", "destination__config")
    fields, required, _ = DESTINATIONS[dtype]
    unknown = sorted(set(config) - set(fields))
    if unknown:
        names = ", ".join(f"'{k}'" for k in unknown)
        raise ApiError.validation(
            f"Configuration has unknown field/s: {names}", "destination__config"
        )
    if existing is None:
        for field in required:
            if config.get(field) in (None, ""):
                raise ApiError.validation(
                    f"Configuration missing required field: '{field}'", "destination__config"
                )
    merged = {**(existing["destination"]["config"] if existing else {}), **config}
    values["destination"] = {"type": dtype, "config": merged}
    if "integration_id" in dest:
        values["integration"] = dest["integration_id"]
    return dtype


def _validate_schedule(body: dict, existing: dict | None, values: dict, interval: str) -> None:
    if "timezone" in body:
        values["timezone"] = body["timezone"] or "UTC"
    for field in ("offset_day", "offset_hour"):
        if field in body:
            values[field] = body[field]
    offset_day = values.get("offset_day", (existing or {}).get("offset_day"))
    offset_hour = values.get("offset_hour", (existing or {}).get("offset_hour"))
    if offset_day is not None:
        if interval != "week":
            raise ApiError.validation(
                "offset_day is not applicable for non-weekly intervals", "offset_day"
            )
        if not isinstance(offset_day, int) or not 0 <= offset_day <= 6:
            raise ApiError.validation("offset_day must be between 0 and 6", "offset_day")
    if offset_hour is not None:
        if interval not in ("day", "week"):
            raise ApiError.validation(
                "offset_hour is not applicable for intervals other than daily or weekly",
                "offset_hour",
            )
        if not isinstance(offset_hour, int) or not 0 <= offset_hour <= 23:
            raise ApiError.validation("offset_hour must be between 0 and 23", "offset_hour")
    for field in ("start_at", "end_at"):
        if field in body:
            values[field] = _datetime(body[field], field) if body[field] else None


def _validate_filters(filters) -> None:
    if filters is None:
        return
    if not isinstance(filters, list):
        raise ApiError.validation("Filters must be a list of property filters.", "filters")
    for index, item in enumerate(filters):
        if not isinstance(item, dict) or "key" not in item:
            raise ApiError.validation("Each filter needs a key and a type.", f"filters__{index}")
        if item["key"] in ("data_interval_start", "data_interval_end"):
            raise ApiError.validation(
                f"Filtering on '{item['key']}' is not supported.", f"filters__{index}"
            )
        if item.get("type") not in ("event", "person", "element", "hogql", "session"):
            raise ApiError.validation(
                f"Filter type '{item.get('type')}' is not supported.", f"filters__{index}"
            )


def _datetime(value, attr: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ApiError.validation(
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
            attr,
            "invalid",
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def backfill_bound(value, export: dict, attr: str) -> datetime | None:
    """Daily and weekly exports take a date; other intervals a timezone-aware datetime."""
    if value in (None, ""):
        return None
    text = str(value)
    if export["interval"] in ("day", "week"):
        if "T" in text or " " in text.strip():
            raise ApiError.validation(
                f"Input '{text}' has a time component. Daily or weekly batch export backfills "
                "expect only the date component.",
                attr,
            )
        try:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        except ValueError:
            raise ApiError.validation(f"Input '{text}' is not a valid date.", attr) from None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError.validation(f"Input '{text}' is not a valid ISO datetime.", attr) from None
    if parsed.tzinfo is None:
        raise ApiError.validation(f"Input {text} is naive.", attr)
    return parsed


def stored_export(emu, export_id: str) -> dict:
    """The export as stored, secrets included (for tests)."""
    with emu.lock:
        export = copy.deepcopy(emu.batch_exports[export_id])
    for key in ("created_at", "last_updated_at", "last_paused_at", "start_at", "end_at"):
        export[key] = iso(export[key])
    return export
