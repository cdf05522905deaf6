"""Demo batch exports, their runs and backfills, and legacy plugin configs: data and builders
only (deterministic from the emulator's seed)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from emulator import seed as demo
from emulator.batch_exports.model import INTERVALS, new_backfill, new_export

_ERRORS = {
    "Snowflake": "SnowflakeAuthenticationError: Incorrect username or password was specified.",
    "HTTP": "NonRetryableResponseError: Non-retryable 401 response from https://crm.example.com",
    "Databricks": "DatabricksTimeoutError: SQL warehouse did not start within 10 minutes",
    "Postgres": "OperationalError: connection to server failed: Connection refused",
}


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
        backfill = new_backfill(rng, export, start, end, created, total, seconds)
        if status:
            backfill["status"] = status
            backfill["finished_at"] = created + timedelta(minutes=total // 2 + 1)
            backfill["finished_runs"] = total if status == "Completed" else total // 3
        emu.backfills[backfill["id"]] = backfill


def _day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


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
