"""Every emulator response for an insight or dashboard operation validates against PostHog's
OpenAPI schema (../shared/posthog-openapi/posthog-subset.json, or $POSTHOG_OPENAPI_SCHEMA),
patched only where SOURCE.md documents that PostHog's real responses differ.

Operations are keyed on method and path, not operationId (drf-spectacular renames those
between versions, openapi-index.md).
"""

from __future__ import annotations

import copy
import json

import pytest
import requests
from openapi_schema_validator import OAS30Validator

from emulator.analytics import live_insights, stored_dashboard_named, user_uuid
from tests.emulator.test_contract import SCHEMA_PATH, _load_schema, _nullable_refs, operations

# Path fragments of operations we deliberately do not emulate, with the reason.
NOT_EMULATED = {
    "/sharing/passwords/": "share passwords need PostHog's paid Advanced Permissions feature, "
    "which the emulated organization lacks (PATCH password_required answers 403 as PostHog "
    "does); the console never manages share passwords",
    "/create_from_template_json/": "dashboard templates are out of the console's scope; "
    "`use_template` on create answers PostHog's 400 for an unknown template",
    "/create_unlisted_dashboard/": "unlisted dashboards belong to other PostHog products and "
    "never show in the dashboards list",
    "/stream_tiles/": "a server-sent-events stream for PostHog's own UI; the console reads "
    "the dashboard with its tiles",
}
# Documented answers newer than the Nov-2025 schema: viewed and cancel answer 201 with an
# empty body (posthog-api.md §3; openapi-index.md: the 2026 schema says 201 for viewed).
EMPTY_201 = ("insights/viewed/", "insights/cancel/")
# Insight method fields the schema types as strings; PostHog returns null, lists, booleans or
# objects (SOURCE.md).
UNTYPED_INSIGHT_FIELDS = (
    "last_refresh",
    "cache_target_age",
    "next_allowed_client_refresh",
    "result",
    "hasMore",
    "columns",
    "is_cached",
    "query_status",
    "hogql",
    "types",
    "alerts",
    "last_viewed_at",
    "timezone",
)


def _patched(schema: dict) -> dict:
    schema = copy.deepcopy(schema)
    schemas = schema["components"]["schemas"]
    for field in UNTYPED_INSIGHT_FIELDS:
        schemas["Insight"]["properties"][field] = {}
    sharing = schemas["SharingConfiguration"]["properties"]
    sharing["created_at"]["nullable"] = True  # null until sharing is first enabled
    sharing["share_passwords"] = {"type": "array"}  # a list, not a string
    for path, item in schema["paths"].items():
        if path.endswith("/sharing/") and "get" in item:  # one object, not an array
            content = item["get"]["responses"]["200"]["content"]["application/json"]
            content["schema"] = {"$ref": "#/components/schemas/SharingConfiguration"}
    return _nullable_refs(schema)


@pytest.fixture(scope="module")
def schema():
    return _patched(_load_schema())


def _operations(schema: dict) -> dict[str, tuple[str, str, dict]]:
    return operations(schema, "/insights/", "/dashboards/")


def _excused(path: str) -> bool:
    return any(fragment in path for fragment in NOT_EMULATED)


def _tail(path: str) -> str:
    return path.split("{project_id}/", 1)[1]


def _request(emu, method: str, path: str) -> requests.Response:
    tail = _tail(path)
    live = live_insights(emu)
    insight = next(i for i in live if i["cache"] and len(i["dashboards"]) == 2)
    shared = next(i for i in live if i["sharing"] and i["sharing"]["enabled"])
    product = stored_dashboard_named(emu, "Product overview")["id"]
    ids = {
        "{project_id}": "1",
        "{id}": insight["id"] if tail.startswith("insights/") else product,
        "{insight_id}": shared["id"],
        "{dashboard_id}": product,
    }
    params: dict = {}
    body = None
    if method == "GET" and tail in ("insights/", "dashboards/"):
        params = {"limit": 20}
    elif method == "POST" and tail == "insights/":
        query = insight["query"]
        body = {"name": "Contract insight", "query": query, "dashboards": [product]}
    elif method == "POST" and tail == "dashboards/":
        body = {"name": "Contract copy", "use_dashboard": product}
    elif method in ("PATCH", "PUT") and tail.endswith("{id}/"):
        body = {"name": "Checked by contract", "tags": ["contract"]}
    elif tail.endswith("move_tile/"):
        source = stored_dashboard_named(emu, "Revenue")
        tile = next(t for t in source["tiles"] if not t["deleted"])
        ids["{id}"] = source["id"]
        body = {"tile": {"id": tile["id"]}, "toDashboard": product}
    elif tail == "insights/viewed/":
        body = {"insight_ids": [insight["id"]]}
    elif tail == "insights/cancel/":
        body = {"client_query_id": "contract"}
    elif "collaborators" in tail and method == "POST":
        ids["{dashboard_id}"] = stored_dashboard_named(emu, "Growth KPIs")["id"]
        body = {"user_uuid": user_uuid(3), "level": 37}
    elif "collaborators" in tail:
        ids["{dashboard_id}"] = stored_dashboard_named(emu, "Executive weekly")["id"]
        ids["{user__uuid}"] = user_uuid(2)
    url = emu.url + path
    for placeholder, value in ids.items():
        url = url.replace(placeholder, str(value))
    headers = {"Authorization": f"Bearer {emu.demo_key}"}
    return requests.request(method, url, params=params, json=body, headers=headers, timeout=10)


def _cases() -> list[str]:
    if not SCHEMA_PATH.exists():
        return ["schema-missing"]
    ops = _operations(json.loads(SCHEMA_PATH.read_text()))
    return sorted(f"{m} {path}" for m, path, _ in ops.values() if not _excused(path))


def test_every_operation_is_emulated_or_excused(schema):
    ops = _operations(schema).values()
    excused = {(method, _tail(path)) for method, path, _ in ops if _excused(path)}
    assert excused == {
        ("POST", "insights/{insight_id}/sharing/passwords/"),
        ("DELETE", "insights/{insight_id}/sharing/passwords/{password_id}/"),
        ("POST", "dashboards/{dashboard_id}/sharing/passwords/"),
        ("DELETE", "dashboards/{dashboard_id}/sharing/passwords/{password_id}/"),
        ("POST", "dashboards/create_from_template_json/"),
        ("POST", "dashboards/create_unlisted_dashboard/"),
        ("GET", "dashboards/{id}/stream_tiles/"),
    }
    emulated = [path for _, path, _ in ops if not _excused(path)]
    assert len(emulated) == 50  # 25 per prefix: /api/projects/ and /api/environments/


def _schema_problems(schema: dict, body_schema: dict, data) -> list[str]:
    validator = OAS30Validator({**body_schema, "components": schema["components"]})
    found = sorted(validator.iter_errors(data), key=lambda err: list(err.absolute_path))
    return [f"{list(err.absolute_path)}: {err.message}" for err in found[:5]]


@pytest.mark.parametrize("case", _cases())
def test_response_matches_posthog_schema(schema, emulator, case):
    method, path = case.split(" ", 1)
    (op,) = [op for m, p, op in _operations(schema).values() if (m, p) == (method, path)]
    response = _request(emulator, method, path)
    if _tail(path) in EMPTY_201:
        assert (response.status_code, response.content) == (201, b""), response.text[:300]
        return
    documented = op["responses"]
    assert str(response.status_code) in documented, (response.status_code, response.text[:300])
    if response.status_code in (204, 405):
        assert response.content == b""  # ForbidDestroyModel, collaborator destroy
        return
    data = response.json()
    assert data is not None
    content = documented[str(response.status_code)].get("content", {})
    body_schema = content.get("application/json", {}).get("schema")
    if body_schema is not None:
        problems = _schema_problems(schema, body_schema, data)
        assert not problems, "\n".join(problems)
