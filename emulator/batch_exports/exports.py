"""What each batch export route does: list, create, read, PATCH, soft DELETE, pause and
unpause, logs and destination test steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from emulator.activity_log import record
from emulator.batch_exports.model import (
    DESTINATIONS,
    INTERVALS,
    LIVE,
    backfill_state,
    cancel_backfill,
    check_concurrency,
    new_backfill,
    new_export,
    serialize,
    validate,
)
from emulator.errors import ApiError, iso
from emulator.hog_functions.model import filter_logs
from emulator.routing import JSON, Request

SCOPE = "BatchExport"  # of its activity log entries
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


def export_logs(export: dict, runs: list[dict]) -> list[dict]:
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


def found_export(req: Request) -> dict:
    """The export named by the path: 404 when it is another project's or deleted."""
    export = req.emu.batch_exports.get(req.params["id"])
    if export is None or export["team_id"] != req.team or export["deleted"]:
        raise ApiError.not_found()
    return export


def _answer(req: Request, export: dict):
    return 200, serialize(export, req.emu.export_runs.get(export["id"], [])), JSON


def list_exports(req: Request):
    emu = req.emu
    exports = [
        e
        for e in emu.batch_exports.values()
        if e["team_id"] == req.team
        and not e["deleted"]
        and e["destination"]["type"] != "Workflows"  # internal, hidden (newest)
    ]
    exports.sort(key=lambda e: e["created_at"], reverse=True)
    return 200, req.page([serialize(e, emu.export_runs.get(e["id"], [])) for e in exports]), JSON


def create_export(req: Request):
    values = validate(dict(req.body or {}), None, req.team)
    dest = values["destination"]
    export = new_export(
        req.emu._rng, req.team, values["name"], dest["type"], dest["config"], req.now
    )
    export.update({k: v for k, v in values.items() if k != "destination"})
    req.emu.batch_exports[export["id"]] = export
    req.emu.export_runs[export["id"]] = []
    record(req, SCOPE, export, "created")
    return 201, serialize(export, []), JSON


def get_export(req: Request):
    return _answer(req, found_export(req))


def update_export(req: Request):
    export = found_export(req)
    values = validate(dict(req.body or {}), export, export["team_id"])
    if values.get("paused") and not export["paused"]:
        values["last_paused_at"] = req.now
    export.update(values)
    export["last_updated_at"] = req.now
    record(req, SCOPE, export, "updated")
    return _answer(req, export)


def delete_export(req: Request):
    """Soft delete: the schedule goes and running backfills are cancelled."""
    export = found_export(req)
    export["deleted"] = True
    record(req, SCOPE, export, "deleted")
    for backfill in req.emu.backfills.values():
        live = backfill_state(backfill, req.now)[0] in LIVE
        if backfill["batch_export"] == export["id"] and live:
            cancel_backfill(backfill, req.now)
    return 204, None, JSON


def pause(req: Request):
    export, now = found_export(req), req.now
    if not export["paused"]:
        export.update(paused=True, last_paused_at=now, last_updated_at=now)
        record(req, SCOPE, export, "updated")  # PostHog logs every save of the model
    return 200, {"paused": True}, JSON


def unpause(req: Request):
    emu, export, now = req.emu, found_export(req), req.now
    if export["paused"]:
        paused_at = export["last_paused_at"]
        export.update(paused=False, last_updated_at=now)
        record(req, SCOPE, export, "updated")
        if (req.body or {}).get("backfill") and paused_at:
            check_concurrency(emu, export)
            total = max(1, int((now - paused_at) / INTERVALS[export["interval"]]))
            backfill = new_backfill(
                emu._rng, export, paused_at, now, now, total, emu.backfill_run_seconds
            )
            emu.backfills[backfill["id"]] = backfill
    return 200, {"paused": False}, JSON


def logs(req: Request):
    export = found_export(req)
    entries = filter_logs(export_logs(export, req.emu.export_runs.get(export["id"], [])), req.query)
    return 200, {"count": len(entries), "next": None, "previous": None, "results": entries}, JSON


def test_steps(req: Request):
    destination = req.query.get("destination")
    if not destination:
        raise ApiError.validation("Destination must be specified", "destination")
    if destination not in TEST_STEPS:
        raise ApiError.not_found()
    steps = [{"name": n, "description": d, "result": None} for n, d, _ in TEST_STEPS[destination]]
    return 200, {"steps": steps}, JSON


def run_new_test_step(req: Request):
    return 200, _run_step(req.body or {}, {}), JSON


def run_test_step(req: Request):
    return 200, _run_step(req.body or {}, found_export(req)["destination"]["config"]), JSON
