"""The client's HTTP behaviour against the emulator over loopback: auth, paths, typed errors,
retries and what is never retried."""

from __future__ import annotations

import socket

import pytest

from services import PostHogClient
from services import errors as e


def _hog_requests(emulator, method=None):
    return [
        r
        for r in emulator.requests
        if "/hog_functions" in r.path and (method is None or r.method == method)
    ]


def test_requests_use_bearer_auth_and_project_paths(client, emulator):
    client.hog_functions.list(type=["destination"])
    first = emulator.requests[0]
    assert first.path.startswith(f"/api/projects/{emulator.project_id}/hog_functions")
    assert first.headers.get("Authorization") == "Bearer ***"  # recorded masked, but sent
    assert all(emulator.demo_key not in (r.path + str(r.query)) for r in emulator.requests)
    assert first.query["type"] == ["destination"]


def test_key_never_appears_in_repr_or_errors(emulator, client_for):
    secret = "phx_not_a_real_key_but_secret"
    client = client_for(secret)
    assert secret not in repr(client) and secret not in repr(client.transport)
    with pytest.raises(e.NotAuthenticated) as info:
        client.hog_functions.list()
    assert secret not in str(info.value)
    assert secret not in repr(info.value.__dict__)
    assert secret not in client.fingerprint


def test_wrong_key_is_not_authenticated(emulator, client_for):
    with pytest.raises(e.NotAuthenticated) as info:
        client_for("phx_wrong").users.me()
    assert info.value.status == 401
    assert "did not accept the API key" in str(info.value)


def test_read_only_key_names_the_missing_scope(emulator, client_for):
    client = client_for(emulator.readonly_key)
    function = client.hog_functions.list(type=["destination"])[0]
    with pytest.raises(e.MissingScope) as info:
        client.hog_functions.disable(function.id)
    assert info.value.scope == "hog_function:write"
    assert "`hog_function:write`" in str(info.value)


def test_project_outside_the_keys_access(emulator, client_for):
    with pytest.raises(e.NoProjectAccess) as info:
        client_for(emulator.scoped_key, project_id=2).hog_functions.list()
    assert info.value.status == 403


def test_validation_error_carries_attr_and_detail(client):
    function = client.hog_functions.list(type=["destination"])[0]
    with pytest.raises(e.ValidationFailed) as info:
        client.hog_functions.update(function.id, {"type": "transformation"})
    assert info.value.attr == "type"
    assert info.value.detail
    assert info.value.code


def test_not_found(client):
    with pytest.raises(e.NotFound):
        client.hog_functions.get("00000000-0000-4000-8000-000000000000")


def test_hard_delete_is_method_not_allowed(client):
    function = client.hog_functions.list(type=["destination"])[0]
    with pytest.raises(e.MethodNotAllowed):
        client.transport.request("DELETE", f"/api/projects/1/hog_functions/{function.id}/")
    assert client.hog_functions.get(function.id).id == function.id


def test_rate_limited_wait_is_parsed_from_detail(emulator, client_for, sleeps):
    client = client_for(emulator.demo_key, max_retries=0)
    emulator.inject_fault("throttle", path_contains="/hog_functions", wait_seconds=37)
    with pytest.raises(e.RateLimited) as info:
        client.hog_functions.list()
    assert info.value.wait_seconds == 37
    assert "wait 37 s" in str(info.value)


def test_long_rate_limit_wait_is_reported_not_slept(emulator, client, sleeps):
    emulator.inject_fault("throttle", path_contains="/hog_functions", wait_seconds=600)
    with pytest.raises(e.RateLimited):
        client.hog_functions.list()
    assert sleeps == []


def test_server_error_and_unreadable_response(emulator, client_for):
    client = client_for(emulator.demo_key, max_retries=0)
    emulator.inject_fault("status", status=500, path_contains="/hog_functions")
    with pytest.raises(e.ServerError) as info:
        client.hog_functions.list()
    assert info.value.status == 500 and not info.value.outcome_unknown
    emulator.inject_fault("malformed", path_contains="/hog_functions")
    with pytest.raises(e.UnreadableResponse):
        client.hog_functions.list()


def test_timeout(emulator, client_for):
    client = client_for(emulator.demo_key, timeout=0.3, max_retries=0)
    emulator.inject_fault("delay", delay_ms=1500, path_contains="/users/")
    with pytest.raises(e.RequestTimedOut) as info:
        client.users.me()
    assert not info.value.outcome_unknown


def test_connection_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = PostHogClient(
        host=f"http://127.0.0.1:{port}", api_key="phx_x", project_id=1, sleep=lambda s: None
    )
    with pytest.raises(e.ConnectionFailed) as info:
        client.users.me()
    assert "Could not reach PostHog" in str(info.value)


# --- retries ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind,status", [("status", 502), ("status", 503), ("status", 504)])
def test_reads_are_retried_on_gateway_errors(emulator, client, sleeps, kind, status):
    emulator.inject_fault(kind, status=status, path_contains="/users/", times=2)
    assert client.users.me().email
    assert [r.status for r in emulator.requests if "/users/" in r.path] == [status, status, 200]
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]  # exponential back-off


def test_reads_are_retried_on_dropped_connections(emulator, client):
    emulator.inject_fault("drop", path_contains="/users/", times=1)
    assert client.users.me().email
    assert len([r for r in emulator.requests if "/users/" in r.path]) == 2


def test_reads_are_retried_on_throttle_after_the_parsed_wait(emulator, client, sleeps):
    emulator.inject_fault("throttle", path_contains="/users/", wait_seconds=3)
    assert client.users.me().email
    assert sleeps == [3.0]


def test_reads_are_not_retried_on_500(emulator, client):
    emulator.inject_fault("status", status=500, path_contains="/users/", times=5)
    with pytest.raises(e.ServerError):
        client.users.me()
    assert len([r for r in emulator.requests if "/users/" in r.path]) == 1


def test_reads_give_up_after_max_retries(emulator, client_for):
    client = client_for(emulator.demo_key, max_retries=2)
    emulator.inject_fault("status", status=503, path_contains="/users/", times=10)
    with pytest.raises(e.ServerError):
        client.users.me()
    assert len([r for r in emulator.requests if "/users/" in r.path]) == 3


@pytest.mark.parametrize(
    "fault,options,error",
    [("status", {"status": status}, e.ServerError) for status in (500, 502, 503, 504)]
    + [("delay", {"delay_ms": 1500}, e.RequestTimedOut), ("drop", {}, e.ConnectionFailed)],
)
def test_writes_are_never_retried_when_the_outcome_is_unknown(
    emulator, client_for, fault, options, error
):
    # only the delay case needs a short timeout; the others must not time out on a slow machine
    client = client_for(emulator.demo_key, timeout=0.5 if fault == "delay" else 10)
    function = client.hog_functions.list(type=["destination"])[0]
    emulator.clear_requests()
    emulator.inject_fault(fault, method="PATCH", times=5, **options)
    with pytest.raises(error) as info:
        client.hog_functions.update(function.id, {"description": "x"})
    assert info.value.outcome_unknown
    assert "may or may not have been applied" in str(info.value)
    assert len(_hog_requests(emulator, "PATCH")) == 1


def test_writes_are_retried_on_throttle(emulator, client, sleeps):
    function = client.hog_functions.list(type=["destination"])[0]
    emulator.clear_requests()
    emulator.inject_fault("throttle", method="PATCH", wait_seconds=2)
    updated = client.hog_functions.update(function.id, {"description": "after throttle"})
    assert updated.description == "after throttle"
    assert [r.status for r in _hog_requests(emulator, "PATCH")] == [429, 200]
    assert sleeps == [2.0]


def test_read_only_mode_sends_nothing(emulator, client_for):
    client = client_for(emulator.demo_key, read_only=True)
    function = client.hog_functions.list(type=["destination"])[0]
    emulator.clear_requests()
    with pytest.raises(e.ReadOnlyMode):
        client.hog_functions.disable(function.id)
    assert emulator.requests == []


def test_every_write_reaches_the_write_listeners(emulator, client):
    seen = []
    client.transport.write_listeners.append(
        lambda method, path, body, resp, err: seen.append((method, body, resp is not None, err))
    )
    function = client.hog_functions.list(type=["destination"])[0]
    client.hog_functions.update(function.id, {"description": "journal me"})
    emulator.inject_fault("status", status=500, method="PATCH")
    with pytest.raises(e.ServerError):
        client.hog_functions.update(function.id, {"description": "fails"})
    assert seen[0] == ("PATCH", {"description": "journal me"}, True, None)
    assert seen[1][0:3] == ("PATCH", {"description": "fails"}, False)
    assert isinstance(seen[1][3], e.ServerError)
    assert len(seen) == 2  # reads are not reported


def test_credential_named_query_params_are_refused(client):
    with pytest.raises(ValueError):
        client.transport.get("/api/users/@me/", token="x")


@pytest.mark.parametrize(
    "status,words",
    [
        (500, "internal error (500)"),
        (503, "temporarily unavailable (503)"),
        (502, "did not answer properly (502)"),
        (504, "did not answer properly (504)"),
    ],
)
def test_server_errors_are_worded_by_status(status, words):
    error = e.error_for_status(status, None, method="GET", path="/api/x/")
    assert isinstance(error, e.ServerError)
    assert words in str(error)
    assert status == 500 or "internal error" not in str(error)
