"""Audit mode's defence in depth: a read-only transport refuses every write itself, before
anything is sent, whatever called it."""

from __future__ import annotations

import pytest

from services import PostHogClient
from services.errors import ReadOnlyMode


def _function(emulator) -> dict:
    return next(f for f in emulator.stored_hog_functions(1) if f["enabled"] and not f["deleted"])


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE"])
def test_a_read_only_transport_sends_no_write(emulator, method):
    client = PostHogClient(
        host=emulator.url, api_key=emulator.demo_key, project_id=1, read_only=True
    )
    fn = _function(emulator)
    heard = []
    client.transport.write_listeners.append(lambda *call: heard.append(call))
    emulator.clear_requests()
    with pytest.raises(ReadOnlyMode) as refused:
        client.transport.write(method, f"/api/projects/1/hog_functions/{fn['id']}/", {})
    assert "Audit mode is on" in str(refused.value)
    assert emulator.requests == [] and heard == []
    assert client.hog_functions.get(fn["id"]).enabled is True  # reads still work


def test_a_service_write_is_refused_and_switching_audit_mode_off_lets_it_through(emulator):
    client = PostHogClient(
        host=emulator.url, api_key=emulator.demo_key, project_id=1, read_only=True
    )
    fn = _function(emulator)
    emulator.clear_requests()
    with pytest.raises(ReadOnlyMode):
        client.hog_functions.disable(fn["id"])
    assert [r.method for r in emulator.requests if r.method != "GET"] == []
    assert emulator.stored_hog_function(fn["id"])["enabled"] is True
    client.transport.read_only = False
    client.hog_functions.disable(fn["id"])
    assert emulator.stored_hog_function(fn["id"])["enabled"] is False
