"""Every emulator response for a batch export or legacy app metrics operation validates
against PostHog's OpenAPI schema, patched only where PostHog's real answers are documented to
differ (SOURCE.md, posthog-api.md §2)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from openapi_schema_validator import OAS30Validator

from emulator import Emulator
from tests.emulator.test_contract import SCHEMA_PATH, _load_schema, _nullable_refs, operations

NOT_EMULATED = {
    "/api/organizations/": "organization-wide exports: the console works on one project",
}
# Newer PostHog answers with codes the 2025 schema predates (posthog-api.md §2.5, §2.7).
EXTRA_STATUSES = {"runs_retry_create": "201"}
# Newest PostHog answers a backfill create with its id only (posthog-api.md §2.7).
RESPONSE_SHAPES = {
    "backfills_create": {
        "type": "object",
        "required": ["backfill_id"],
        "properties": {"backfill_id": {"type": "string"}},
    }
}


def _patched(schema: dict) -> dict:
    schema = copy.deepcopy(schema)
    schemas = schema["components"]["schemas"]
    # progress is {total_runs, finished_runs, progress} or null, not a string (SOURCE.md).
    schemas["BatchExportBackfill"]["properties"]["progress"] = {
        "nullable": True,
        "type": "object",
        "properties": {
            "total_runs": {"type": "integer"},
            "finished_runs": {"type": "integer"},
            "progress": {"type": "number"},
        },
    }
    # Newest PostHog's destination types and intervals (posthog-api.md §2.1).
    schemas["BatchExportDestinationTypeEnum"]["enum"] += [
        "AwsS3",
        "S3Compatible",
        "AzureBlob",
        "Workflows",
        "FileDownload",
    ]
    schemas["IntervalEnum"]["enum"].append("every 15 minutes")
    return _nullable_refs(schema)


@pytest.fixture(scope="module")
def contract():
    """PostHog's patched schema and one emulator for the module."""
    with Emulator(port=0, hog_functions=20) as emulator:
        yield _patched(_load_schema()), emulator


def _operations(schema: dict) -> dict[str, tuple[str, str, dict]]:
    return operations(schema, "/batch_exports/", "/app_metrics/")


def _excused(path: str) -> bool:
    return any(prefix in path for prefix in NOT_EMULATED)


def _suffix(operation_id: str) -> str:
    name = operation_id.removeprefix("environments_").removeprefix("batch_exports_")
    return name.removesuffix("_2")


def _by_name(emu: Emulator, prefix: str) -> dict:
    return next(
        x for x in emu.batch_exports.values() if x["name"].startswith(prefix) and not x["deleted"]
    )


def _request(emu: Emulator, method: str, path: str, operation_id: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {emu.demo_key}"}
    suffix = _suffix(operation_id)
    export = _by_name(emu, "Postgres analytics")
    ids = {"{project_id}": "1", "{batch_export_id}": export["id"], "{id}": export["id"]}
    params: dict = {}
    body = None
    today = datetime.now(UTC).date()
    if "app_metrics" in operation_id:
        ids["{id}"] = ids["{plugin_config_id}"] = "12"
        if operation_id.endswith("historical_exports_retrieve_2"):
            ids["{id}"] = _job_id(emu, headers)
        if "error_details" in suffix:
            params = {"error_type": "RetryError", "category": "exportEvents"}
        elif suffix == "app_metrics_retrieve":
            params = {"date_from": "-7d"}
    elif suffix == "list":
        params = {"limit": 5}
    elif suffix in ("create", "run_test_step_new_create"):
        body = {
            "name": "Contract export",
            "destination": {"type": "NoOp", "config": {}},
            "interval": "hour",
            "step": 0,
        }
    elif suffix in ("update", "partial_update"):
        body = {"name": "Postgres analytics (renamed by contract)", "interval": "day"}
    elif suffix == "destroy":
        ids["{id}"] = _new_export(emu, headers)
    elif suffix == "pause_create":
        ids["{id}"] = _by_name(emu, "Events to S3")["id"]
    elif suffix == "unpause_create":
        ids["{id}"] = _by_name(emu, "Redshift BI")["id"]
        body = {"backfill": False}
    elif suffix == "run_test_step_create":
        body = {"step": 0, "destination": {"type": "Postgres", "config": {}}}
    elif suffix == "test_retrieve":
        params = {"destination": "Postgres"}
    elif suffix in ("backfills_create", "backfill_create"):
        start = today - timedelta(days=4 if suffix == "backfill_create" else 3)
        body = {"start_at": start.isoformat(), "end_at": (start + timedelta(days=1)).isoformat()}
    elif suffix.startswith("backfills_") and "{id}" in path:
        ids["{id}"] = _live_backfill(emu, export)
    elif suffix.startswith("runs_") and "{id}" in path:
        runs = emu.export_runs[export["id"]]
        ids["{id}"] = runs[0]["id"]
        if suffix == "runs_cancel_create":
            ids["{batch_export_id}"], ids["{id}"] = next(
                (export_id, r["id"])
                for export_id, runs in emu.export_runs.items()
                for r in runs
                if r["status"] == "Running"
            )
    url = emu.url + path
    for placeholder, value in ids.items():
        url = url.replace(placeholder, value)
    return requests.request(method, url, params=params, json=body, headers=headers, timeout=10)


def _new_export(emu: Emulator, headers: dict) -> str:
    body = {"name": "To delete", "destination": {"type": "NoOp", "config": {}}, "interval": "hour"}
    url = f"{emu.url}/api/projects/1/batch_exports/"
    return requests.post(url, json=body, headers=headers, timeout=10).json()["id"]


def _job_id(emu: Emulator, headers: dict) -> str:
    url = f"{emu.url}/api/projects/1/app_metrics/12/historical_exports/"
    return requests.get(url, headers=headers, timeout=10).json()["results"][0]["job_id"]


def _live_backfill(emu: Emulator, export: dict) -> str:
    start = datetime.now(UTC).date() - timedelta(days=30)
    url = f"{emu.url}/api/projects/1/batch_exports/{export['id']}/backfills/"
    emu.max_concurrent_backfills = 1000
    answer = requests.post(
        url,
        json={"start_at": start.isoformat(), "end_at": (start + timedelta(days=20)).isoformat()},
        headers={"Authorization": f"Bearer {emu.demo_key}"},
        timeout=10,
    )
    return answer.json()["backfill_id"]


def _operation_ids() -> list[str]:
    if not SCHEMA_PATH.exists():
        return ["schema-missing"]
    ops = _operations(json.loads(SCHEMA_PATH.read_text()))
    return sorted(op for op, (_, path, _) in ops.items() if not _excused(path))


def test_every_operation_is_emulated_or_excused(contract):
    schema, _ = contract
    ops = _operations(schema)
    emulated = [op for op, (_, path, _) in ops.items() if not _excused(path)]
    assert len(emulated) >= 50  # projects and environments: exports, runs, backfills, metrics
    assert all("/api/organizations/" in path for _, path, _ in ops.values() if _excused(path))


@pytest.mark.parametrize("operation_id", _operation_ids())
def test_response_matches_posthog_schema(contract, operation_id):
    schema, emu = contract
    method, path, op = _operations(schema)[operation_id]
    response = _request(emu, method, path, operation_id)
    documented = dict(op["responses"])
    extra = EXTRA_STATUSES.get(_suffix(operation_id))
    if extra:
        documented.setdefault(extra, next(iter(documented.values())))
    assert str(response.status_code) in documented, (response.status_code, response.text[:300])
    if response.status_code == 204:
        assert response.content == b""
        return
    content = documented[str(response.status_code)].get("content", {})
    body_schema = content.get("application/json", {}).get("schema")
    body_schema = RESPONSE_SHAPES.get(_suffix(operation_id), body_schema)
    data = response.json()
    assert data is not None
    if body_schema is None:
        return
    validator = OAS30Validator({**body_schema, "components": schema["components"]})
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
