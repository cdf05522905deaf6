"""The emulator behaves as posthog-api.md §0, §1 and §6 say, over raw HTTP."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def api(emulator):
    def call(method, path, *, key=None, **kwargs):
        headers = {} if key is False else {"Authorization": f"Bearer {key or emulator.demo_key}"}
        return requests.request(method, emulator.url + path, headers=headers, timeout=10, **kwargs)

    return call


def test_secrets_read_back_as_markers_and_survive_omission(api, emulator, function_with_secret):
    fn = function_with_secret(emulator)
    key = next(iter(fn["secret_inputs"]))
    body = api("GET", f"/api/projects/1/hog_functions/{fn['id']}/").json()
    assert body["inputs"][key] == {"secret": True}
    non_secret = {k: v for k, v in body["inputs"].items() if k != key}
    sent = {k: {"value": v["value"]} for k, v in non_secret.items()}
    assert api("PATCH", f"/api/projects/1/hog_functions/{fn['id']}/", json={"inputs": sent}).ok
    assert emulator.stored_hog_function(fn["id"])["secret_inputs"][key] == fn["secret_inputs"][key]
    masked = {**sent, key: {"secret": True, "value": "********"}}
    assert api("PATCH", f"/api/projects/1/hog_functions/{fn['id']}/", json={"inputs": masked}).ok
    assert emulator.stored_hog_function(fn["id"])["secret_inputs"][key] == fn["secret_inputs"][key]
    rotated = {**sent, key: {"value": "new-secret"}}
    assert api("PATCH", f"/api/projects/1/hog_functions/{fn['id']}/", json={"inputs": rotated}).ok
    assert emulator.stored_hog_function(fn["id"])["secret_inputs"][key] == {"value": "new-secret"}


def test_marker_for_a_secret_never_saved_is_refused(api):
    created = api(
        "POST",
        "/api/projects/1/hog_functions/",
        json={
            "name": "No secret yet",
            "hog": "print(1)",
            "inputs_schema": [{"key": "token", "type": "string", "secret": True}],
            "inputs": {"token": {"secret": True}},
        },
    )
    assert created.status_code == 400
    assert created.json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "No value is saved for this secret input. Enter the value again.",
        "attr": "inputs__token",
    }


def test_inputs_are_replaced_not_merged(api, emulator, function_with_secret):
    fn = function_with_secret(emulator)
    body = api("GET", f"/api/projects/1/hog_functions/{fn['id']}/").json()
    required = {i["key"] for i in body["inputs_schema"] if i.get("required")}
    kept = {
        k: {"value": v["value"]}
        for k, v in body["inputs"].items()
        if k in required and "value" in v
    }
    optional = [k for k, v in body["inputs"].items() if "value" in v and k not in required]
    assert optional
    resp = api("PATCH", f"/api/projects/1/hog_functions/{fn['id']}/", json={"inputs": kept})
    assert resp.ok, resp.text
    after = resp.json()["inputs"]
    assert not set(optional) & set(after)  # non-secret keys left out are dropped
    assert set(fn["secret_inputs"]) <= set(after)  # secrets left out are kept


def test_required_input_error_names_its_field(api, emulator):
    fn = next(
        f
        for f in emulator.stored_hog_functions(1)
        if f["template"] and f["template"]["id"] == "template-webhook" and not f["deleted"]
    )
    resp = api("PATCH", f"/api/projects/1/hog_functions/{fn['id']}/", json={"inputs": {}})
    assert resp.status_code == 400
    assert resp.json()["attr"] == "inputs__url"
    assert resp.json()["detail"] == "This field is required."


def test_soft_delete_hides_everywhere_and_delete_is_405_empty(api, emulator):
    fn = emulator.stored_hog_functions(1)[0]
    path = f"/api/projects/1/hog_functions/{fn['id']}/"
    deleted = api("DELETE", path)
    assert deleted.status_code == 405 and deleted.content == b""
    assert api("PATCH", path, json={"deleted": True}).status_code == 200
    assert api("GET", path).status_code == 404
    assert api("PATCH", path, json={"name": "x"}).status_code == 404
    listed = api("GET", "/api/projects/1/hog_functions/", params={"limit": 1000}).json()
    assert fn["id"] not in {r["id"] for r in listed["results"]}
    assert api("PATCH", path, json={"deleted": False}).status_code == 200
    assert api("GET", path).status_code == 200


def test_list_is_minimal_and_paginated_with_absolute_links(api):
    page = api("GET", "/api/projects/1/hog_functions", params={"limit": 50}).json()
    assert page["count"] > 50 and len(page["results"]) == 50
    assert page["next"].startswith("http://127.0.0.1:") and "offset=50" in page["next"]
    assert "inputs" not in page["results"][0] and "status" in page["results"][0]
    second = requests.get(
        page["next"], headers={"Authorization": "Bearer " + "phx_demo_console_key"}, timeout=5
    ).json()
    assert {r["id"] for r in second["results"]}.isdisjoint(r["id"] for r in page["results"])


def test_disabled_functions_report_state_zero(api):
    page = api("GET", "/api/projects/1/hog_functions/", params={"enabled": "false"}).json()
    assert page["results"]
    assert all(r["status"] == {"state": 0, "tokens": 0} for r in page["results"])


def test_auth_errors(api):
    none = api("GET", "/api/users/@me/", key=False)
    assert none.status_code == 401 and none.json()["code"] == "not_authenticated"
    assert "WWW-Authenticate" in none.headers
    wrong = api("GET", "/api/users/@me/", key="phx_wrong")
    assert wrong.json() == {
        "type": "authentication_error",
        "code": "authentication_failed",
        "detail": "Personal API key found in request Authorization header is invalid.",
        "attr": None,
    }


def test_read_only_key_and_unmapped_actions(api, emulator):
    fn = emulator.stored_hog_functions(1)[0]
    key = emulator.readonly_key
    path = f"/api/projects/1/hog_functions/{fn['id']}/"
    assert api("GET", path, key=key).ok
    refused = api("PATCH", path, key=key, json={"name": "x"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "API key missing required scope 'hog_function:write'"
    icons = api("GET", "/api/projects/1/hog_functions/icons/", key=key, params={"query": "s"})
    assert icons.json()["detail"] == "This action does not support Personal API Key access"
    assert api("GET", path + "logs/", key=key).ok  # logs are mapped to read


def test_project_prefixes_current_and_trailing_slash(api, emulator):
    fn = emulator.stored_hog_functions(1)[0]
    for prefix in ("/api/projects/1", "/api/environments/1", "/api/projects/@current"):
        for slash in ("", "/"):
            assert api("GET", f"{prefix}/hog_functions/{fn['id']}{slash}").json()["id"] == fn["id"]
    assert api("GET", "/api/projects/999/hog_functions/").status_code == 404
    scoped = api("GET", "/api/projects/2/hog_functions/", key=emulator.scoped_key)
    assert scoped.status_code == 403
    assert scoped.json()["detail"] == "API key does not have access to the requested project: ID 2."


def test_logs_are_newest_first_uppercase_and_not_pageable(api, emulator):
    fn = next(f for f in emulator.stored_hog_functions(1) if f["type"] == "destination")
    path = f"/api/projects/1/hog_functions/{fn['id']}/logs/"
    page = api("GET", path).json()
    assert page["next"] is None and len(page["results"]) == 50  # default limit
    stamps = [r["timestamp"] for r in page["results"]]
    assert stamps == sorted(stamps, reverse=True)
    assert {r["level"] for r in page["results"]} <= {"DEBUG", "INFO", "WARN", "ERROR"}
    too_many = api("GET", path, params={"limit": 501})
    assert too_many.status_code == 400
    assert (too_many.json()["code"], too_many.json()["attr"]) == ("max_value", "limit")
    assert api("GET", path, params={"limit": 0}).json()["code"] == "min_value"
    older = api("GET", path, params={"before": stamps[-1], "limit": 500}).json()["results"]
    assert all(r["timestamp"] < stamps[-1] for r in older)


def test_metrics_are_zero_filled(api, emulator):
    fn = next(f for f in emulator.stored_hog_functions(1) if not f["enabled"])
    path = f"/api/projects/1/hog_functions/{fn['id']}/metrics/"
    trend = api("GET", path, params={"after": "-24h", "interval": "hour"}).json()
    assert 24 <= len(trend["labels"]) <= 25 and "T" in trend["labels"][0]
    assert all(len(s["values"]) == len(trend["labels"]) for s in trend["series"])
    weekly = api("GET", path, params={"after": "-30d", "interval": "week"}).json()
    assert 5 <= len(weekly["labels"]) <= 6
    bad = api("GET", path, params={"breakdown_by": "colour"})
    assert bad.status_code == 400 and bad.json()["attr"] == "breakdown_by"


def test_public_templates_need_no_key_and_hide_hidden(api):
    page = api("GET", "/api/public_hog_function_templates/", key=False).json()
    statuses = {t["status"] for t in page["results"]}
    assert page["results"] and statuses.isdisjoint({"hidden", "deprecated"})
    assert {t["type"] for t in page["results"]} == {"destination"}  # type defaults to destination
    private = api("GET", "/api/projects/1/hog_function_templates/").json()["results"]
    assert "hidden" in {t["status"] for t in private}


def test_rate_limits_answer_429_without_retry_after():
    with Emulator(port=0, hog_functions=5, rate_limits=True) as emu:
        headers = {"Authorization": f"Bearer {emu.demo_key}"}
        with requests.Session() as session:
            statuses = [
                session.get(f"{emu.url}/api/users/@me/", headers=headers, timeout=5)
                for _ in range(481)
            ]
    assert [r.status_code for r in statuses[:480]] == [200] * 480
    last = statuses[-1]
    assert last.status_code == 429 and "Retry-After" not in last.headers
    assert "Expected available in" in last.json()["detail"]


def test_faults_are_consumed_in_order(api, emulator):
    emulator.inject_fault("status", status=503, path_contains="/users/", times=2)
    emulator.inject_fault("malformed", path_contains="/users/")
    codes = [api("GET", "/api/users/@me/") for _ in range(4)]
    assert [c.status_code for c in codes] == [503, 503, 200, 200]
    with pytest.raises(ValueError):
        codes[2].json()
    assert codes[3].json()["email"]
    emulator.inject_fault("drop", path_contains="/users/")
    with pytest.raises(requests.ConnectionError):
        api("GET", "/api/users/@me/")
    assert [r.status for r in emulator.requests][-1] == 0


def test_cli_prints_url_and_demo_key():
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--hog-functions", "5"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert line.startswith("PostHog emulator on http://127.0.0.1:")
    assert "phx_demo_console_key" in line


def test_the_request_log_is_capped(api, emulator, monkeypatch):
    monkeypatch.setattr("emulator.server.MAX_RECORDED", 5)
    emulator.clear_requests()
    for _ in range(8):
        api("GET", "/api/projects/1/hog_functions/?limit=1")
    assert len(emulator.requests) == 5
