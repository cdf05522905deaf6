"""Batch exports and legacy app metrics (posthog-api.md §2 and §5): exports with secrets
stripped on read and merged on PATCH, soft DELETE (204), pause/unpause, runs and backfills on
cursor pages without `count`, logs, destination test steps, and `app_metrics` for plugin
configs and batch exports."""

from __future__ import annotations

import base64
import copy
import hashlib
import random
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from emulator import seed as demo
from emulator.errors import ApiError, iso, parse_when
from emulator.hog_functions import filter_logs

_SQL_FIELDS = ("host", "port", "database", "schema", "table_name", "user", "password")
# type -> (fields, required on create, secret fields). Credentials of Databricks and AzureBlob
# live in an Integration (posthog-api.md §2.1), so they have no secret config fields.
DESTINATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "S3": (
        (
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
        ),
        ("bucket_name", "region", "prefix"),
        ("aws_access_key_id", "aws_secret_access_key"),
    ),
    "AwsS3": (
        (
            "bucket_name",
            "region",
            "prefix",
            "aws_access_key_id",
            "aws_secret_access_key",
            "compression",
            "encryption",
            "kms_key_id",
            "file_format",
            "max_file_size_mb",
        ),
        ("bucket_name", "region", "prefix"),
        ("aws_access_key_id", "aws_secret_access_key"),
    ),
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
_TABLE_STEP = (
    "Verify table permissions",
    "Ensure we can create and insert into the table.",
    ("table_name",),
)
# Checks each destination runs before saving: (name, description, fields the step reads).
TEST_STEPS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "S3": [
        (
            "Verify S3 bucket",
            "Ensure the configured S3 bucket exists and that we can access it.",
            ("bucket_name", "region", "aws_access_key_id", "aws_secret_access_key"),
        ),
        (
            "Upload a test file",
            "Write a small test file under the configured prefix, then delete it.",
            ("prefix",),
        ),
    ],
    "Snowflake": [
        (
            "Verify Snowflake connection",
            "Connect to the account and warehouse with the given credentials.",
            ("account", "warehouse", "user", "password", "private_key", "role"),
        ),
        (
            "Verify database and schema",
            "Ensure the database and schema exist and can be used.",
            ("database", "schema"),
        ),
        _TABLE_STEP,
    ],
    "Postgres": [
        (
            "Verify Postgres connection",
            "Connect to the host with the given credentials.",
            ("host", "port", "user", "password", "database"),
        ),
        ("Verify schema exists", "Ensure the schema exists and can be used.", ("schema",)),
        _TABLE_STEP,
    ],
    "BigQuery": [
        (
            "Verify BigQuery project",
            "Authenticate with the service account and reach the project.",
            ("project_id", "private_key", "private_key_id", "client_email", "token_uri"),
        ),
        ("Verify dataset", "Ensure the dataset exists.", ("dataset_id",)),
        ("Verify table", "Ensure we can create and insert into the table.", ("table_id",)),
    ],
    "Databricks": [
        (
            "Verify Databricks connection",
            "Connect to the SQL warehouse with the integration's credentials.",
            ("http_path",),
        ),
        ("Verify catalog and schema", "Ensure both exist and can be used.", ("catalog", "schema")),
        ("Verify table", "Ensure we can create and insert into the table.", ("table_name",)),
    ],
    "AzureBlob": [
        (
            "Verify container",
            "Ensure the container exists and can be written.",
            ("container_name",),
        ),
        ("Upload a test file", "Write a small test blob under the prefix.", ("prefix",)),
    ],
    "HTTP": [
        (
            "Verify endpoint",
            "Send an empty batch to the URL with the token and expect a 2xx.",
            ("url", "token"),
        ),
    ],
    "NoOp": [("Do nothing", "A destination that accepts everything.", ())],
}
TEST_STEPS["AwsS3"] = TEST_STEPS["S3Compatible"] = TEST_STEPS["S3"]
TEST_STEPS["Redshift"] = TEST_STEPS["Postgres"]
CATEGORIES = (
    "processEvent",
    "onEvent",
    "exportEvents",
    "scheduledTask",
    "webhook",
    "composeWebhook",
)
_ERRORS = {
    "Snowflake": "SnowflakeAuthenticationError: Incorrect username or password was specified.",
    "HTTP": "NonRetryableResponseError: Non-retryable 401 response from https://crm.example.com",
    "Databricks": "DatabricksTimeoutError: SQL warehouse did not start within 10 minutes",
    "Postgres": "OperationalError: connection to server failed: Connection refused",
}


# --- state ---------------------------------------------------------------------------------


def seed_state(emu) -> None:
    """Deterministic demo exports, runs, backfills and plugin configs (own RNG, so hog function
    seeds do not move)."""
    rng = random.Random(emu.seed * 7919 + 1)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    emu.batch_exports, emu.export_runs, emu.backfills = {}, {}, {}
    emu.backfill_run_seconds = 1.0
    emu.max_concurrent_backfills = 3
    for team, spec in _SEED:
        export = _seeded_export(rng, now, team, *spec)
        emu.batch_exports[export["id"]] = export
        emu.export_runs[export["id"]] = _seeded_runs(rng, export, now)
    _seed_backfills(emu, rng, now)
    emu.plugin_configs = {pc["id"]: pc for pc in _PLUGIN_CONFIGS}


_SEED = [
    # team, (name, type, interval, model, profile, config, extra)
    (
        1,
        (
            "Events to S3 data lake",
            "AwsS3",
            "hour",
            "events",
            "healthy",
            {
                "bucket_name": "hedgebox-events",
                "region": "eu-west-1",
                "prefix": "posthog/events/",
                "compression": "gzip",
                "file_format": "Parquet",
                "aws_access_key_id": "AKIADEMO0000EXAMPLE",
                "aws_secret_access_key": "demo-secret-access-key",
            },
            {},
        ),
    ),
    (
        1,
        (
            "Snowflake warehouse (prod)",
            "Snowflake",
            "hour",
            "events",
            "failing",
            {
                "account": "hedgebox-eu1",
                "database": "ANALYTICS",
                "warehouse": "LOADING",
                "schema": "POSTHOG",
                "table_name": "EVENTS",
                "role": "LOADER",
                "authentication_type": "password",
                "user": "posthog_loader",
                "password": "demo-snowflake-password",
            },
            {},
        ),
    ),
    (
        1,
        (
            "Postgres analytics replica",
            "Postgres",
            "day",
            "events",
            "healthy",
            {
                "host": "analytics-db.internal.example.com",
                "port": 5432,
                "database": "analytics",
                "schema": "posthog",
                "table_name": "events",
                "user": "exporter",
                "password": "demo-postgres-password",
                "has_self_signed_cert": False,
            },
            {},
        ),
    ),
    (
        1,
        (
            "Redshift BI",
            "Redshift",
            "hour",
            "events",
            "paused",
            {
                "host": "bi.abc123.eu-west-1.redshift.amazonaws.com",
                "port": 5439,
                "database": "bi",
                "schema": "public",
                "table_name": "posthog_events",
                "user": "posthog",
                "password": "demo-redshift-password",
                "properties_data_type": "SUPER",
            },
            {},
        ),
    ),
    (
        1,
        (
            "BigQuery marketing",
            "BigQuery",
            "day",
            "persons",
            "healthy",
            {
                "project_id": "hedgebox-marketing",
                "dataset_id": "posthog",
                "table_id": "persons",
                "private_key": "-----BEGIN PRIVATE KEY-----demo",
                "private_key_id": "demo-key-id",
                "client_email": "exporter@hedgebox-marketing.iam.gserviceaccount.com",
                "token_uri": "https://oauth2.googleapis.com/token",
            },
            {},
        ),
    ),
    (
        1,
        (
            "Databricks lakehouse",
            "Databricks",
            "hour",
            "sessions",
            "degraded",
            {
                "http_path": "/sql/1.0/warehouses/abc123",
                "catalog": "main",
                "schema": "posthog",
                "table_name": "sessions",
            },
            {"integration": 4},
        ),
    ),
    (
        1,
        (
            "Azure archive (weekly)",
            "AzureBlob",
            "week",
            "events",
            "healthy",
            {"container_name": "posthog-archive", "prefix": "weekly/", "file_format": "JSONLines"},
            {"integration": 5, "offset_day": 1, "offset_hour": 3},
        ),
    ),
    (
        1,
        (
            "Webhook to CRM",
            "HTTP",
            "every 5 minutes",
            "events",
            "failing",
            {"url": "https://crm.example.com/ingest/posthog", "token": "demo-http-token"},
            {},
        ),
    ),
    (
        1,
        (
            "NoOp smoke test",
            "NoOp",
            "hour",
            "events",
            "ended",
            {},
            {},
        ),
    ),
    (
        1,
        (
            "Legacy S3 export (2023)",
            "S3",
            "day",
            "events",
            "paused",
            {
                "bucket_name": "hedgebox-legacy",
                "region": "us-east-1",
                "prefix": "events/",
                "aws_access_key_id": "AKIALEGACY00EXAMPLE",
                "aws_secret_access_key": "demo-legacy-secret",
            },
            {},
        ),
    ),
    (
        1,
        (
            "MinIO on-prem",
            "S3Compatible",
            "every 15 minutes",
            "events",
            "healthy",
            {
                "bucket_name": "posthog",
                "region": "us-east-1",
                "prefix": "raw/",
                "endpoint_url": "https://minio.internal.example.com",
                "aws_access_key_id": "minio-demo",
                "aws_secret_access_key": "minio-demo-secret",
            },
            {},
        ),
    ),
    (
        1,
        (
            '<img src=x onerror="alert(1)"> [click me](https://evil.example) export',
            "Postgres",
            "hour",
            "events",
            "healthy",
            {
                "host": "sandbox-db.example.com",
                "port": 5432,
                "database": "sandbox",
                "schema": "public",
                "table_name": "events",
                "user": "sandbox",
                "password": "demo-sandbox-password",
            },
            {},
        ),
    ),
    (
        1,
        (
            "Sessions to Snowflake (Berlin days)",
            "Snowflake",
            "day",
            "sessions",
            "healthy",
            {
                "account": "hedgebox-eu1",
                "database": "ANALYTICS",
                "warehouse": "LOADING",
                "schema": "SESSIONS",
                "table_name": "SESSIONS",
                "authentication_type": "keypair",
                "user": "posthog_sessions",
                "private_key": "-----BEGIN PRIVATE KEY-----demo",
            },
            {"timezone": "Europe/Berlin", "offset_hour": 2},
        ),
    ),
    (
        2,
        (
            "Staging events to S3",
            "AwsS3",
            "hour",
            "events",
            "healthy",
            {
                "bucket_name": "hedgebox-staging",
                "region": "eu-west-1",
                "prefix": "staging/",
                "aws_access_key_id": "AKIASTAGING0EXAMPLE",
                "aws_secret_access_key": "demo-staging-secret",
            },
            {},
        ),
    ),
]


def _seeded_export(rng, now, team, name, dtype, interval, model, profile, config, extra) -> dict:
    created = now - timedelta(days=rng.randint(45, 400))
    export = new_export(rng, team, name, dtype, config, created)
    export.update(interval=interval, model=model, profile=profile)
    export["integration"] = extra.get("integration")
    for field in ("timezone", "offset_day", "offset_hour"):
        if field in extra:
            export[field] = extra[field]
    export["last_updated_at"] = created + timedelta(days=rng.randint(1, 30))
    if profile == "paused":
        export["paused"] = True
        export["last_paused_at"] = now - timedelta(days=2, hours=rng.randint(0, 20))
    if profile == "ended":
        export["end_at"] = now - timedelta(days=3)
    return export


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


def _boundaries(export: dict, now: datetime) -> list[datetime]:
    """Interval ends, newest first, up to now (or the pause / end)."""
    step = INTERVALS[export["interval"]]
    horizon = {"hour": 10, "day": 40, "week": 84}.get(export["interval"], 1)
    stop = now
    if export["paused"] and export["last_paused_at"]:
        stop = export["last_paused_at"]
    if export["end_at"]:
        stop = min(stop, export["end_at"])
    epoch = datetime(2024, 1, 1, tzinfo=UTC)
    end = epoch + ((stop - epoch) // step) * step
    out = []
    while end > now - timedelta(days=horizon) and end > export["created_at"]:
        out.append(end)
        end -= step
    return out


def _seeded_runs(rng, export: dict, now: datetime) -> list[dict]:
    runs = []
    step = INTERVALS[export["interval"]]
    error = _ERRORS.get(export["destination"]["type"], "ClientError: AccessDenied")
    for index, end in enumerate(_boundaries(export, now)):
        profile = export["profile"]
        failed = (profile == "failing" and index < rng.randint(12, 20)) or (
            profile == "degraded" and rng.random() < 0.25
        )
        status = "Failed" if failed else "Completed"
        if profile == "degraded" and failed and rng.random() < 0.5:
            status = "FailedRetryable"
        if index == 0 and profile in ("healthy", "degraded") and not export["paused"]:
            status = "Running"
        # never in the future: a run seeded just after the hour must still be listed
        created = min(end + timedelta(seconds=rng.randint(5, 90)), now)
        records = 0 if failed else rng.randint(200, 40_000) * max(1, step // timedelta(hours=1))
        runs.append(
            {
                "id": demo.new_uuid(rng),
                "status": status,
                "records_completed": None if status == "Running" else records,
                "records_failed": None,
                "latest_error": error if failed else None,
                "data_interval_start": end - step,
                "data_interval_end": end,
                "cursor": None,
                "created_at": created,
                "finished_at": None if status == "Running" else created + timedelta(seconds=40),
                "last_updated_at": created + timedelta(seconds=40),
                "records_total_count": records,
                "bytes_exported": None if failed or status == "Running" else records * 412,
                "batch_export": export["id"],
                "backfill": None,
            }
        )
    return runs


def _seed_backfills(emu, rng, now) -> None:
    by_name = {e["name"]: e for e in emu.batch_exports.values()}
    plans = [
        ("BigQuery marketing", now - timedelta(minutes=6), 60, 60.0, None, -60, 0),
        ("BigQuery marketing", now - timedelta(days=3), 30, 2.0, "Completed", -90, -60),
        ("Events to S3 data lake", now - timedelta(days=9), 48, 2.0, "Cancelled", -14, -12),
        ("Snowflake warehouse (prod)", now - timedelta(days=1), 24, 2.0, "Failed", -3, -2),
        ("Postgres analytics replica", now - timedelta(days=20), 1, 5.0, "Completed", None, -25),
    ]
    for name, created, total, seconds, status, start_days, end_days in plans:
        export = by_name[name]
        start = None if start_days is None else _day(now + timedelta(days=start_days))
        end = _day(now + timedelta(days=end_days))
        backfill = _new_backfill(rng, export, start, end, created, total, seconds)
        if status:
            backfill["status"] = status
            backfill["finished_at"] = created + timedelta(minutes=total // 2 + 1)
            backfill["finished_runs"] = total if status == "Completed" else total // 3
        emu.backfills[backfill["id"]] = backfill


def _day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _new_backfill(rng, export, start, end, created, total, run_seconds) -> dict:
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


# --- serializers -----------------------------------------------------------------------------


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


# --- validation ------------------------------------------------------------------------------


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


def _backfill_bound(value, export: dict, attr: str) -> datetime | None:
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


# --- routing -----------------------------------------------------------------------------------

_READ, _WRITE = "read", "write"
# Custom actions and their scope (posthog-api.md §0.4): logs is unmapped → 403 for scoped keys.
_ACTIONS = {
    "pause": _WRITE,
    "unpause": _WRITE,
    "backfill": _WRITE,
    "run_test_step": _WRITE,
    "run_test_step_new": _WRITE,
    "test": _READ,
    "retry": _WRITE,
    "cancel": _WRITE,
    "error_details": _READ,
    "historical_exports": _READ,
}


def _require(handler, key, obj: str, access: str, action: str | None = None) -> None:
    if action is not None and key.scopes is not None and action not in _ACTIONS:
        raise ApiError.permission("This action does not support Personal API Key access")
    handler._require(key, obj, _ACTIONS.get(action, access) if action else access)


def handle(handler, method, team, rest, query, body, key):
    if rest[0] == "app_metrics":
        _require(handler, key, "plugin", _READ, rest[-1] if len(rest) > 2 else None)
        if method != "GET":
            raise _not_allowed(method)
        return 200, app_metrics(handler.emulator, team, rest[1:], query), "application/json"
    if rest[0] == "plugin_configs":
        _require(handler, key, "plugin", _READ)
        emu = handler.emulator
        items = [
            serialize_plugin_config(pc)
            for pc in emu.plugin_configs.values()
            if pc["team_id"] == team
        ]
        return 200, handler._page(items, query), "application/json"
    return _batch_exports(handler, method, team, rest[1:], query, body or {}, key)


def _batch_exports(handler, method, team, rest, query, body, key):
    emu = handler.emulator
    now = datetime.now(UTC)
    with emu.lock:
        if not rest:
            if method == "GET":
                _require(handler, key, "batch_export", _READ)
                exports = [
                    e
                    for e in emu.batch_exports.values()
                    if e["team_id"] == team
                    and not e["deleted"]
                    and e["destination"]["type"] != "Workflows"  # internal, hidden (newest)
                ]
                exports.sort(key=lambda e: e["created_at"], reverse=True)
                rows = [serialize(e, emu.export_runs.get(e["id"], [])) for e in exports]
                return 200, handler._page(rows, query), "application/json"
            if method == "POST":
                _require(handler, key, "batch_export", _WRITE)
                return 201, _create(emu, team, body, now), "application/json"
            raise _not_allowed(method)
        if rest == ["test"]:
            _require(handler, key, "batch_export", _READ, "test")
            if method != "GET":
                raise _not_allowed(method)
            return 200, _test_steps(query.get("destination")), "application/json"
        if rest == ["run_test_step_new"]:
            _require(handler, key, "batch_export", _WRITE, "run_test_step_new")
            if method != "POST":
                raise _not_allowed(method)
            return 200, _run_step(body, {}), "application/json"
        export = emu.batch_exports.get(rest[0])
        if export is None or export["team_id"] != team or export["deleted"]:
            _require(handler, key, "batch_export", _READ)
            raise ApiError.not_found()
        action = rest[1:]
        if not action:
            if method == "GET":
                _require(handler, key, "batch_export", _READ)
            elif method in ("PATCH", "PUT"):
                _require(handler, key, "batch_export", _WRITE)
                _update(export, body, now)
            elif method == "DELETE":
                _require(handler, key, "batch_export", _WRITE)
                _delete(emu, export, now)
                return 204, None, "application/json"
            else:
                raise _not_allowed(method)
            runs = emu.export_runs.get(export["id"], [])
            return 200, serialize(export, runs), "application/json"
        if action[0] == "runs":
            return _runs(handler, key, method, export, action[1:], query, now)
        if action[0] == "backfills":
            return _backfills(handler, key, method, export, action[1:], query, body, now)
        name = action[0]
        _require(handler, key, "batch_export", _READ if method == "GET" else _WRITE, name)
        if action == ["logs"] and method == "GET":
            entries = filter_logs(
                _export_logs(export, emu.export_runs.get(export["id"], [])), query
            )
            page = {"count": len(entries), "next": None, "previous": None, "results": entries}
            return 200, page, "application/json"
        if method != "POST":
            raise _not_allowed(method)
        if action == ["pause"]:
            if not export["paused"]:
                export.update(paused=True, last_paused_at=now, last_updated_at=now)
            return 200, {"paused": True}, "application/json"
        if action == ["unpause"]:
            if export["paused"]:
                paused_at = export["last_paused_at"]
                export.update(paused=False, last_updated_at=now)
                if body.get("backfill") and paused_at:
                    _check_concurrency(emu, export)
                    total = max(1, int((now - paused_at) / INTERVALS[export["interval"]]))
                    backfill = _new_backfill(
                        emu._rng, export, paused_at, now, now, total, emu.backfill_run_seconds
                    )
                    emu.backfills[backfill["id"]] = backfill
            return 200, {"paused": False}, "application/json"
        if action == ["run_test_step"]:
            return 200, _run_step(body, export["destination"]["config"]), "application/json"
        if action == ["backfill"]:  # deprecated mid-2025 alias of backfills create
            return _create_backfill(emu, export, body, now, legacy=True)
        raise ApiError.not_found()


def _create(emu, team: int, body: dict, now: datetime) -> dict:
    values = validate(dict(body), None, team)
    export = new_export(
        emu._rng,
        team,
        values["name"],
        values["destination"]["type"],
        values["destination"]["config"],
        now,
    )
    export.update({k: v for k, v in values.items() if k != "destination"})
    emu.batch_exports[export["id"]] = export
    emu.export_runs[export["id"]] = []
    return serialize(export, [])


def _update(export: dict, body: dict, now: datetime) -> None:
    values = validate(dict(body), export, export["team_id"])
    if values.get("paused") and not export["paused"]:
        values["last_paused_at"] = now
    export.update(values)
    export["last_updated_at"] = now


def _delete(emu, export: dict, now: datetime) -> None:
    """Soft delete: the schedule goes and running backfills are cancelled."""
    export["deleted"] = True
    for backfill in emu.backfills.values():
        if backfill["batch_export"] == export["id"] and backfill_state(backfill, now)[0] in LIVE:
            _cancel_backfill(backfill, now)


def _cancel_backfill(backfill: dict, now: datetime) -> None:
    _, done, _ = backfill_state(backfill, now)
    backfill.update(status="Cancelled", finished_runs=done, finished_at=now)


# --- runs and backfills -------------------------------------------------------------------


def _cursor_page(handler, items: list, query: dict, size: int) -> dict:
    """DRF CursorPagination's envelope: no count, an opaque `cursor`."""
    try:
        offset = int(base64.urlsafe_b64decode(query.get("cursor", "") + "==").decode() or 0)
    except ValueError:
        raise ApiError.envelope(404, "invalid_request", "not_found", "Invalid cursor") from None
    url = urlsplit(handler.path)
    base = f"http://{handler.headers.get('Host')}{url.path}"

    def link(new_offset: int) -> str:
        params = {k: v for k, v in parse_qs(url.query).items() if k != "cursor"}
        params["cursor"] = [base64.urlsafe_b64encode(str(new_offset).encode()).decode().rstrip("=")]
        return f"{base}?{urlencode(params, doseq=True)}"

    return {
        "next": link(offset + size) if offset + size < len(items) else None,
        "previous": link(max(0, offset - size)) if offset > 0 else None,
        "results": items[offset : offset + size],
    }


def _runs(handler, key, method, export, rest, query, now):
    emu = handler.emulator
    runs = emu.export_runs.get(export["id"], [])
    if not rest:
        _require(handler, key, "batch_export", _READ)
        if method != "GET":
            raise _not_allowed(method)
        ordering = query.get("ordering", "-created_at")
        if ordering not in (
            "-created_at",
            "created_at",
            "data_interval_start",
            "-data_interval_start",
        ):
            raise ApiError.validation("Invalid ordering.", "ordering")
        field = ordering.lstrip("-")
        by_interval = field == "data_interval_start"
        lower = parse_when(query.get("start" if by_interval else "after") or "-7d", now, "after")
        upper = (
            parse_when(query["end" if by_interval else "before"], now, "before")
            if query.get("end" if by_interval else "before")
            else now
        )
        statuses = set(parse_qs(urlsplit(handler.path).query).get("status", []))
        stamp = "data_interval_start" if by_interval else "created_at"
        chosen = [
            r
            for r in runs
            if lower <= (r[stamp] or r["data_interval_end"]) <= upper
            and (not statuses or r["status"] in statuses)
        ]
        chosen.sort(
            key=lambda r: r[stamp] or r["data_interval_end"], reverse=ordering.startswith("-")
        )
        page = _cursor_page(handler, [serialize_run(r) for r in chosen], query, 100)
        return 200, page, "application/json"
    run = next((r for r in runs if r["id"] == rest[0]), None)
    if run is None:
        _require(handler, key, "batch_export", _READ)
        raise ApiError.not_found()
    action = rest[1:]
    if not action and method == "GET":
        _require(handler, key, "batch_export", _READ)
        return 200, serialize_run(run), "application/json"
    name = action[0] if action else ""
    _require(handler, key, "batch_export", _READ if method == "GET" else _WRITE, name)
    if action == ["logs"] and method == "GET":
        entries = filter_logs(_export_logs(export, [run]), query)
        return (
            200,
            {"count": len(entries), "next": None, "previous": None, "results": entries},
            ("application/json"),
        )
    if action == ["cancel"] and method == "POST":
        if run["status"] not in LIVE:
            raise ApiError.validation(f"Cannot cancel a run that is in '{run['status']}' status")
        run.update(status="Cancelled", finished_at=now, last_updated_at=now)
        return 200, {"cancelled": True}, "application/json"
    if action == ["retry"] and method == "POST":
        _check_concurrency(emu, export)
        backfill = _new_backfill(
            emu._rng,
            export,
            run["data_interval_start"],
            run["data_interval_end"],
            now,
            1,
            emu.backfill_run_seconds,
        )
        emu.backfills[backfill["id"]] = backfill
        return 201, {"backfill_id": backfill["id"]}, "application/json"
    raise (
        _not_allowed(method)
        if action in (["cancel"], ["retry"], ["logs"])
        else ApiError.not_found()
    )


def _backfills(handler, key, method, export, rest, query, body, now):
    emu = handler.emulator
    mine = [b for b in emu.backfills.values() if b["batch_export"] == export["id"]]
    if not rest:
        if method == "GET":
            _require(handler, key, "batch_export", _READ)
            ordering = query.get("ordering", "-created_at")
            if ordering not in ("-created_at", "created_at", "start_at", "-start_at"):
                raise ApiError.validation("Invalid ordering.", "ordering")
            field = ordering.lstrip("-")
            epoch = datetime.min.replace(tzinfo=UTC)
            mine.sort(key=lambda b: b[field] or epoch, reverse=ordering.startswith("-"))
            rows = [serialize_backfill(b, now) for b in mine]
            return 200, _cursor_page(handler, rows, query, 50), "application/json"
        if method == "POST":
            _require(handler, key, "batch_export", _WRITE)
            return _create_backfill(emu, export, body, now, legacy=False)
        raise _not_allowed(method)
    backfill = next((b for b in mine if b["id"] == rest[0]), None)
    if backfill is None:
        _require(handler, key, "batch_export", _READ)
        raise ApiError.not_found()
    if rest[1:] == [] and method == "GET":
        _require(handler, key, "batch_export", _READ)
        return 200, serialize_backfill(backfill, now), "application/json"
    if rest[1:] == ["cancel"] and method == "POST":
        _require(handler, key, "batch_export", _WRITE, "cancel")
        status = backfill_state(backfill, now)[0]
        if status not in LIVE:
            raise ApiError.validation(f"Cannot cancel a backfill that is in '{status}' status")
        _cancel_backfill(backfill, now)
        return 200, {"cancelled": True}, "application/json"
    raise ApiError.not_found() if rest[1:] not in ([], ["cancel"]) else _not_allowed(method)


def _check_concurrency(emu, export: dict) -> None:
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


def _create_backfill(emu, export: dict, body: dict, now: datetime, *, legacy: bool):
    start = _backfill_bound(body.get("start_at"), export, "start_at")
    end = _backfill_bound(body.get("end_at"), export, "end_at")
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
    _check_concurrency(emu, export)
    step = INTERVALS[export["interval"]]
    first = start or export["created_at"]
    total = max(1, int((end - first) / step))
    backfill = _new_backfill(emu._rng, export, start, end, now, total, emu.backfill_run_seconds)
    emu.backfills[backfill["id"]] = backfill
    if legacy:
        workflow = f"{export['id']}-Backfill-{iso(start)}-{iso(end)}"
        return 200, {"backfill_id": workflow}, "application/json"
    return 201, {"backfill_id": backfill["id"]}, "application/json"


# --- logs and test steps --------------------------------------------------------------------


def _export_logs(export: dict, runs: list[dict]) -> list[dict]:
    target = {
        "AwsS3": "S3",
        "S3": "S3",
        "S3Compatible": "S3",
    }.get(export["destination"]["type"], export["destination"]["type"])
    recent = datetime.now(UTC) - timedelta(days=7)
    entries = []
    for run in runs:
        if run["created_at"] < recent:
            continue
        span = f"{iso(run['data_interval_start'])} - {iso(run['data_interval_end'])}"
        base = {"log_source_id": export["id"], "instance_id": run["id"]}
        entries.append(
            {
                **base,
                "timestamp": run["created_at"],
                "level": "INFO",
                "message": f"Batch exporting range {span} to {target}",
            }
        )
        finished = run["finished_at"] or run["created_at"] + timedelta(seconds=1)
        if run["status"] == "Completed":
            level = "INFO"
            message = (
                f"Batch export for range {span} finished successfully with "
                f"{run['records_completed']} records exported"
            )
        elif run["status"] in ("Failed", "FailedRetryable"):
            level = "ERROR" if run["status"] == "Failed" else "WARN"
            kind = "a non-recoverable" if run["status"] == "Failed" else "a retryable"
            message = (
                f"Batch export for range {span} failed with {kind} error: {run['latest_error']}"
            )
        elif run["status"] == "Cancelled":
            level, message = "WARN", f"Batch export for range {span} was cancelled"
        else:
            continue
        entries.append({**base, "timestamp": finished, "level": level, "message": message})
    entries.sort(key=lambda e: e["timestamp"], reverse=True)
    return entries


def _test_steps(destination: str | None) -> dict:
    if not destination:
        raise ApiError.validation("Destination must be specified", "destination")
    if destination not in TEST_STEPS:
        raise ApiError.not_found()
    steps = [{"name": n, "description": d, "result": None} for n, d, _ in TEST_STEPS[destination]]
    return {"steps": steps}


def _run_step(body: dict, stored_config: dict) -> dict:
    """One destination check. Stored config is merged in, so secrets may be omitted. A step
    fails on a missing required field it reads, or a value containing "invalid" or "wrong"."""
    dest = body.get("destination") or {}
    dtype = dest.get("type")
    if dtype not in TEST_STEPS:
        raise ApiError.validation("A valid destination type is required.", "destination__type")
    step = body.get("step")
    steps = TEST_STEPS[dtype]
    if not isinstance(step, int) or not 0 <= step < len(steps):
        raise ApiError.validation(f"Step must be between 0 and {len(steps) - 1}.", "step")
    name, description, fields = steps[step]
    config = {**stored_config, **(dest.get("config") or {})}
    required = set(DESTINATIONS[dtype][1]) | set(DESTINATIONS[dtype][2]) - {
        "private_key",
        "private_key_passphrase",
        "password",
    }
    message = None
    for field in fields:
        value = config.get(field)
        if value in (None, "") and field in required:
            message = f"'{field}' is required for this check."
        elif any(word in str(value).lower() for word in ("invalid", "wrong")):
            message = f"The destination rejected '{field}': check the value and try again."
        if message:
            break
    result = {"status": "Failed" if message else "Passed", "message": message}
    return {"name": name, "description": description, "result": result}


# --- legacy app metrics ------------------------------------------------------------------

_PLUGIN_CONFIGS = [
    {
        "id": 11,
        "team_id": 1,
        "plugin": 101,
        "name": "GeoIP",
        "description": "Adds location properties to events.",
        "enabled": True,
        "categories": ("processEvent",),
        "failure_rate": 0.002,
    },
    {
        "id": 12,
        "team_id": 1,
        "plugin": 102,
        "name": "S3 Export (legacy plugin)",
        "description": "Exports events to S3 in batches.",
        "enabled": True,
        "categories": ("exportEvents",),
        "failure_rate": 0.08,
    },
    {
        "id": 13,
        "team_id": 1,
        "plugin": 103,
        "name": "Salesforce",
        "description": "Sends matching events to Salesforce.",
        "enabled": True,
        "categories": ("onEvent", "webhook", "composeWebhook"),
        "failure_rate": 0.3,
    },
    {
        "id": 14,
        "team_id": 1,
        "plugin": 104,
        "name": "Nightly cohort sync",
        "description": "Runs a scheduled task every day.",
        "enabled": False,
        "categories": ("scheduledTask",),
        "failure_rate": 0.05,
    },
    {
        "id": 21,
        "team_id": 2,
        "plugin": 101,
        "name": "GeoIP (staging)",
        "description": "Adds location properties to events.",
        "enabled": True,
        "categories": ("processEvent",),
        "failure_rate": 0.0,
    },
]
_ERROR_TYPES = {
    "processEvent": ["TypeError", "MaxMindLookupError"],
    "exportEvents": ["RetryError", "AccessDenied"],
    "onEvent": ["RetryError", "SalesforceAuthError"],
    "webhook": ["FetchError"],
    "composeWebhook": ["TypeError"],
    "scheduledTask": ["TimeoutError"],
}


def serialize_plugin_config(pc: dict) -> dict:
    return {
        "id": pc["id"],
        "plugin": pc["plugin"],
        "enabled": pc["enabled"],
        "order": pc["id"],
        "name": pc["name"],
        "description": pc["description"],
        "team_id": pc["team_id"],
        "deleted": False,
        "plugin_info": {
            "id": pc["plugin"],
            "name": pc["name"],
            "capabilities": {"methods": list(pc["categories"])},
        },
    }


def _rand(*parts) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def app_metrics(emu, team: int, rest: list[str], query: dict) -> dict:
    if not rest:
        raise ApiError.not_found()
    target = rest[0]
    if len(rest) >= 2 and rest[1] == "historical_exports":
        return _historical_exports(emu, team, target, rest[2:], query)
    if rest[1:] == ["error_details"]:
        if not query.get("error_type"):
            raise ApiError.validation("This field is required.", "error_type", "required")
        return {"result": _error_samples(emu, team, target, query)}
    if rest[1:]:
        raise ApiError.not_found()
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


def _historical_exports(emu, team: int, target: str, rest: list[str], query: dict) -> dict:
    pc = _plugin_config(emu, team, target)
    jobs = _historical_jobs(pc) if pc and "exportEvents" in pc["categories"] else []
    if not rest:
        return {"results": jobs}
    job = next((j for j in jobs if j["job_id"] == rest[0]), None)
    if job is None or len(rest) > 1:
        raise ApiError.not_found()
    start = parse_when(job["created_at"], datetime.now(UTC), "created_at")
    end = start + timedelta(seconds=job["duration"] or 3600)
    when = {"category": "exportEvents", "date_from": iso(start), "date_to": iso(end)}
    metrics = app_metrics(emu, team, [target], when)
    return {"summary": job, **metrics}


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


def _not_allowed(method: str) -> ApiError:
    return ApiError.envelope(
        405, "invalid_request", "method_not_allowed", f'Method "{method}" not allowed.'
    )


def stored_export(emu, export_id: str) -> dict:
    """The export as stored, secrets included (for tests)."""
    with emu.lock:
        export = copy.deepcopy(emu.batch_exports[export_id])
    for key in ("created_at", "last_updated_at", "last_paused_at", "start_at", "end_at"):
        export[key] = iso(export[key])
    return export
