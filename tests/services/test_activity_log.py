"""PostHog's project activity log against the emulator: it records who changed a hog function
or a batch export through the API, and a conflict on either names who changed it (or nobody,
when the log cannot tell, without ever hiding the conflict)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emulator.activity_log import append_entry
from emulator.analytics import activity_log
from emulator.routing import Key
from services import errors as e
from services.activity import ActivityLog

SAVE = {"description": "changed meanwhile"}


def _log(client) -> ActivityLog:
    return ActivityLog(client.transport, f"/api/projects/{client.project_id}")


def _function(client):
    return client.hog_functions.list(type=["destination"])[0]


def _export(client):
    return next(x for x in client.batch_exports.list() if x.name.startswith("Postgres analytics"))


def _conflict(namespace, item_id, loaded_at) -> e.Conflict:
    with pytest.raises(e.Conflict) as raised:
        namespace.update_if_unchanged(
            item_id, changes={"name": "Mine"}, loaded_updated_at=loaded_at
        )
    return raised.value


def test_a_change_through_the_api_is_the_last_change_of_that_object(client, emulator):
    fn, other = client.hog_functions.list(type=["destination"])[:2]
    client.hog_functions.update(other.id, {"description": "not this one"})
    saved = client.hog_functions.update(fn.id, SAVE)
    who, when = _log(client).last_change(scope="HogFunction", item_id=fn.id)
    assert who.display_name == "Ada Okafor" and when >= saved.updated_at
    assert [a["activity"] for a in activity_log(emulator, scope="HogFunction", item_id=fn.id)] == [
        "updated"
    ]
    sent = [r for r in emulator.requests if r.path.startswith("/api/projects/1/activity_log")]
    assert sent[-1].query == {"scope": ["HogFunction"], "item_id": [fn.id]}
    assert _log(client).last_change(scope="BatchExport", item_id=fn.id) == (None, None)


def test_created_updated_and_deleted_exports_are_logged_newest_first(client, emulator):
    export = client.batch_exports.create(
        name="Audit copy",
        destination_type="HTTP",
        config={"url": "https://example.com/in", "token": "t"},
        interval="hour",
    )
    client.batch_exports.update(export.id, {"name": "Audit copy 2"})
    client.batch_exports.delete(export.id)
    rows = list(
        client.transport.iter_results(
            "/api/projects/1/activity_log/", {"scope": "BatchExport", "item_id": export.id}
        )
    )
    assert [r["activity"] for r in rows] == ["deleted", "updated", "created"]
    assert {r["user"]["first_name"] for r in rows} == {"Ada"} and not rows[0]["is_system"]


def test_the_log_is_paged_by_cursor_and_filtered_by_user(client, emulator):
    insights = activity_log(emulator, scope="Insight")
    rows = list(
        client.transport.iter_results("/api/projects/1/activity_log/", {"scope": "Insight"})
    )
    assert len(insights) > 100 and len(rows) == len(insights)  # more than one page of 100
    stamps = [r["created_at"] for r in rows]
    assert stamps == sorted(stamps, reverse=True)
    pages = [r for r in emulator.requests if r.path.startswith("/api/projects/1/activity_log")]
    assert len(pages) > 1 and "cursor" in pages[-1].query
    theirs = client.transport.get("/api/projects/1/activity_log/", scope="Insight", user=3)
    assert theirs["results"] and {r["user"]["id"] for r in theirs["results"]} == {3}


def test_a_function_conflict_names_who_changed_it(client, emulator):
    fn = _function(client)
    client.hog_functions.update(fn.id, SAVE)  # someone with the same key, meanwhile
    conflict = _conflict(client.hog_functions, fn.id, fn.updated_at)
    assert conflict.changed_by == "Ada Okafor"
    assert "This function was changed in PostHog by Ada Okafor at " in str(conflict)


def test_an_export_conflict_names_another_user_who_changed_it_in_posthog(client, emulator):
    export = _export(client)
    later = emulator.batch_exports[export.id]["last_updated_at"] + timedelta(minutes=5)
    with emulator.lock:  # Bruno renames it in PostHog's own UI
        emulator.batch_exports[export.id].update(name="Bruno's", last_updated_at=later)
    append_entry(
        emulator,
        team=1,
        scope="BatchExport",
        item_id=export.id,
        activity="updated",
        user_id=2,
        at=later,
    )
    conflict = _conflict(client.batch_exports, export.id, export.last_updated_at)
    assert conflict.changed_by == "Bruno Silva" and conflict.current.name == "Bruno's"
    assert "changed in PostHog by Bruno Silva at " in str(conflict)


def test_a_change_the_log_does_not_hold_names_nobody(client, emulator):
    fn = _function(client)
    client.hog_functions.update(fn.id, SAVE)  # logged
    loaded = client.hog_functions.get(fn.id)
    with emulator.lock:  # a later change PostHog did not log
        emulator.functions[fn.id]["updated_at"] += timedelta(minutes=1)
    conflict = _conflict(client.hog_functions, fn.id, loaded.updated_at)
    assert conflict.changed_by is None
    assert "This function was changed in PostHog at " in str(conflict)


def test_a_key_without_the_activity_log_scope_still_gets_the_conflict(client, client_for, emulator):
    emulator.keys["phx_exports_only"] = Key({"batch_export:write"})
    export = _export(client)
    client.batch_exports.update(export.id, {"name": "Renamed meanwhile"})
    conflict = _conflict(
        client_for("phx_exports_only").batch_exports, export.id, export.last_updated_at
    )
    assert conflict.changed_by is None and conflict.current.name == "Renamed meanwhile"
    assert "This batch export was changed in PostHog at " in str(conflict)
    refused = [r for r in emulator.requests if "/activity_log" in r.path]
    assert [r.status for r in refused] == [403]
    assert not [r for r in emulator.requests if r.method == "PATCH" and r.json == {"name": "Mine"}]


def test_a_failing_log_read_still_gives_the_conflict(client, emulator):
    fn = _function(client)
    client.hog_functions.update(fn.id, SAVE)
    emulator.inject_fault("status", path_contains="/activity_log", status=500, times=10)
    conflict = _conflict(client.hog_functions, fn.id, fn.updated_at)
    assert conflict.changed_by is None and conflict.current.description == SAVE["description"]
    assert any(r.status == 500 for r in emulator.requests if "/activity_log" in r.path)
