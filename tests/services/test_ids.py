"""An id from a link, a form or a response never reaches a request path unchecked: crafted
ids are refused before anything is sent, and every segment is percent-encoded."""

from __future__ import annotations

import pytest

from services.errors import InvalidId
from services.ids import insight_ref, segment, uuid_id

CRAFTED = ["../../users/@me", "..%2F..%2Fusers%2F%40me", "<script>alert(1)</script>", "a/b", ""]
UUID = "0190f2a3-7c1e-7a4e-9c2a-1b2c3d4e5f60"


def _calls(client):
    return {
        "hog function": [
            lambda bad: client.hog_functions.get(bad),
            lambda bad: client.hog_functions.disable(bad),
            lambda bad: client.hog_functions.logs(bad, limit=10),
        ],
        "batch export": [
            lambda bad: client.batch_exports.get(bad),
            lambda bad: client.batch_exports.pause(bad),
            lambda bad: client.batch_exports.runs(bad),
        ],
        "run": [lambda bad: client.batch_exports.retry_run(UUID, bad)],
        "backfill": [lambda bad: client.batch_exports.cancel_backfill(UUID, bad)],
        "dashboard": [
            lambda bad: client.dashboards.get(bad),
            lambda bad: client.dashboards.delete(bad),
        ],
        "user": [lambda bad: client.dashboards.remove_collaborator(1, bad)],
        "insight": [
            lambda bad: client.insights.get(bad),
            lambda bad: client.insights.favorite(bad),
        ],
        "plugin config": [lambda bad: client.app_metrics.historical_exports(bad)],
    }


@pytest.mark.parametrize("bad", CRAFTED)
def test_crafted_ids_are_refused_before_any_request(client, emulator, bad):
    emulator.clear_requests()
    for what, calls in _calls(client).items():
        for call in calls:
            with pytest.raises(InvalidId) as refused:
                call(bad)
            assert what in str(refused.value)
            assert "does not point to a valid" in str(refused.value)
    assert emulator.requests == []


def test_valid_ids_still_reach_their_objects(client, emulator):
    function = client.hog_functions.list()[0]
    assert client.hog_functions.get(function.id.upper()).id == function.id  # UUID normalised
    insight = client.insights.list()[0]
    assert client.insights.get(insight.short_id).id == insight.id
    assert client.insights.get(str(insight.id)).id == insight.id


def test_segments_are_percent_encoded_whatever_is_passed():
    assert segment("a/b?c#d") == "a%2Fb%3Fc%23d"
    assert segment(12) == "12"
    assert uuid_id(UUID.upper(), "x") == UUID
    assert insight_ref("AbC12345") == "AbC12345"
    for bad in ("AbC1234/", "AbC123", "-3", "0"):
        with pytest.raises(InvalidId):
            insight_ref(bad)
