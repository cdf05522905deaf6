"""Batch exports and legacy app metrics against the emulator over loopback."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from emulator.batch_exports import seed as emulated
from emulator.batch_exports import stored_export
from services import errors as e
from services.batch_exports import (
    backfill_problems,
    changes_for,
    export_status,
    failed_runs,
    field_changes,
    missed_while_paused,
    new_export_body,
    run_in_order,
)


def _export(client, name_prefix: str):
    return next(x for x in client.batch_exports.list() if x.name.startswith(name_prefix))


def _backfill(client, export_id: str, backfill_id: str):
    return next(b for b in client.batch_exports.backfills(export_id) if b.id == backfill_id)


def _last_body(emulator, method: str, path_part: str):
    return next(
        r.json for r in reversed(emulator.requests) if r.method == method and path_part in r.path
    )


def test_list_reads_every_export_with_status_and_without_secrets(client, emulator):
    exports = client.batch_exports.list()
    names = {x.name for x in exports}
    assert "Snowflake warehouse (prod)" in names and "Staging events to S3" not in names
    assert not any(x.destination.type == "Workflows" for x in exports)
    by_name = {x.name: x for x in exports}
    assert export_status(by_name["Redshift BI"]) == "Paused"
    assert export_status(by_name["NoOp smoke test"]) == "Ended"
    assert export_status(by_name["Events to S3 data lake"]) == "Active"
    assert failed_runs(by_name["Snowflake warehouse (prod)"]) == 10
    assert failed_runs(by_name["Events to S3 data lake"]) == 0
    snowflake = by_name["Snowflake warehouse (prod)"].destination.config
    assert "password" not in snowflake and "user" not in snowflake
    assert snowflake["account"] == "hedgebox-eu1"


def test_create_checks_and_stores_a_destination(client, emulator):
    with pytest.raises(e.ValidationFailed) as missing:
        client.batch_exports.create(
            name="No bucket",
            destination_type="AwsS3",
            config={"region": "eu-west-1", "prefix": "x/"},
            interval="hour",
        )
    assert missing.value.attr == "destination__config" and "bucket_name" in str(missing.value)
    with pytest.raises(e.ValidationFailed, match="deprecated"):
        client.batch_exports.create(
            name="Legacy",
            destination_type="S3",
            config={"bucket_name": "b", "region": "r", "prefix": "p"},
            interval="hour",
        )
    created = client.batch_exports.create(
        name="New Postgres",
        destination_type="Postgres",
        config={
            "host": "db.example.com",
            "port": 5432,
            "database": "d",
            "schema": "s",
            "table_name": "t",
            "user": "u",
            "password": "p4ss",
        },
        interval="week",
        offset_day=2,
        offset_hour=4,
        timezone="Europe/Paris",
        paused=True,
    )
    assert created.paused and created.offset_day == 2 and created.timezone == "Europe/Paris"
    assert "password" not in created.destination.config
    assert stored_export(emulator, created.id)["destination"]["config"]["password"] == "p4ss"


def test_offsets_must_fit_the_interval(client):
    with pytest.raises(e.ValidationFailed) as err:
        client.batch_exports.create(
            name="Hourly with a day",
            destination_type="NoOp",
            config={},
            interval="hour",
            offset_day=1,
        )
    assert err.value.attr == "offset_day"


def test_high_frequency_is_refused_where_the_flag_is_off(client_for, emulator):
    staging = client_for(emulator.demo_key, project_id=2)
    with pytest.raises(e.PermissionDenied, match="Higher frequency"):
        staging.batch_exports.create(
            name="Fast", destination_type="NoOp", config={}, interval="every 5 minutes"
        )


def test_renaming_sends_only_the_name_and_keeps_secrets(client, emulator):
    export = _export(client, "Snowflake warehouse")
    before = stored_export(emulator, export.id)["destination"]["config"]
    edited = {"name": "Snowflake (renamed)", "config": dict(export.destination.config)}
    edited["config"].update(user="", password="")  # blank secrets mean "unchanged"
    body = changes_for(export, edited)
    assert body == {"name": "Snowflake (renamed)"}
    client.batch_exports.update(export.id, body)
    assert _last_body(emulator, "PATCH", export.id) == {"name": "Snowflake (renamed)"}
    after = stored_export(emulator, export.id)
    assert after["name"] == "Snowflake (renamed)"
    assert after["destination"]["config"] == before


def test_a_replaced_secret_and_a_changed_field_are_merged(client, emulator):
    export = _export(client, "Postgres analytics")
    edited = {"config": {**export.destination.config, "password": "n3w", "table_name": "ev2"}}
    body = changes_for(export, edited)
    assert body == {
        "destination": {"type": "Postgres", "config": {"password": "n3w", "table_name": "ev2"}}
    }
    changes = field_changes(export, body)
    assert changes["config.password"] == "changed" and changes["config.user"] == "kept"
    assert changes["config.table_name"] == {"before": "events", "after": "ev2"}
    assert "n3w" not in repr(changes)
    client.batch_exports.update(export.id, body)
    stored = stored_export(emulator, export.id)["destination"]["config"]
    assert stored["password"] == "n3w" and stored["user"] == "exporter"
    assert stored["table_name"] == "ev2" and stored["host"].startswith("analytics-db")


def test_update_if_unchanged_refuses_when_the_export_moved_since_it_was_loaded(client, emulator):
    loaded = _export(client, "Postgres analytics")
    client.batch_exports.update(loaded.id, {"name": "Renamed by someone else"})
    patches = sum(r.method == "PATCH" for r in emulator.requests)
    with pytest.raises(e.Conflict) as err:
        client.batch_exports.update_if_unchanged(
            loaded.id, changes={"name": "Mine"}, loaded_updated_at=loaded.last_updated_at
        )
    assert sum(r.method == "PATCH" for r in emulator.requests) == patches  # nothing sent
    assert "changed in PostHog" in str(err.value)
    assert err.value.current.name == "Renamed by someone else"
    fresh = client.batch_exports.get(loaded.id)
    saved = client.batch_exports.update_if_unchanged(
        loaded.id, changes={"name": "Mine"}, loaded_updated_at=fresh.last_updated_at
    )
    assert saved.name == "Mine" and _last_body(emulator, "PATCH", loaded.id) == {"name": "Mine"}


def test_a_new_export_changes_record_secrets_it_sets_only_as_changed():
    body = new_export_body(
        name="Warehouse",
        destination_type="Postgres",
        config={"host": "db", "port": 5432, "user": "u", "password": "pw"},
        interval="day",
        offset_hour=None,
    )
    assert "offset_hour" not in body
    changes = field_changes(None, body)
    assert changes["name"] == {"before": None, "after": "Warehouse"}
    assert changes["destination"] == {"before": None, "after": "Postgres"}
    assert changes["config.port"] == {"before": None, "after": 5432}
    assert changes["config.user"] == changes["config.password"] == "changed"
    assert "pw" not in repr(changes) and "'u'" not in repr(changes)


def test_checks_run_in_order_and_stop_at_the_first_failure(client):
    config = {"host": "wrong-host.example.com", "port": 5432, "database": "d", "schema": "s"}
    config |= {"table_name": "t", "user": "u"}
    names = [s.name for s in client.batch_exports.test_steps("Postgres")]
    results = run_in_order(
        names,
        lambda step: client.batch_exports.run_new_test_step(
            step=step, destination_type="Postgres", config=config
        ),
    )
    assert [r.status for r in results] == ["Failed"] + ["Skipped"] * (len(names) - 1)
    assert "host" in results[0].message
    with pytest.raises(e.ValidationFailed):  # refused at once: nothing was checked
        run_in_order(
            names,
            lambda step: client.batch_exports.run_new_test_step(
                step=step, destination_type="", config={}
            ),
        )


def test_destination_type_cannot_change(client):
    export = _export(client, "Postgres analytics")
    with pytest.raises(e.ValidationFailed) as err:
        client.batch_exports.update(export.id, {"destination": {"type": "NoOp", "config": {}}})
    assert err.value.attr == "destination__type"


def test_pause_then_unpause_with_a_backfill_of_the_gap(client, emulator):
    export = _export(client, "Events to S3")
    assert client.batch_exports.pause(export.id)
    paused = client.batch_exports.get(export.id)
    assert paused.paused and paused.last_paused_at is not None
    backfills_before = len(client.batch_exports.backfills(export.id))
    assert client.batch_exports.unpause(export.id, backfill=True)
    assert _last_body(emulator, "POST", "unpause") == {"backfill": True}
    assert not client.batch_exports.get(export.id).paused
    assert len(client.batch_exports.backfills(export.id)) == backfills_before + 1


def test_missed_while_paused_counts_intervals(client):
    export = _export(client, "Redshift BI")
    now = export.last_paused_at + timedelta(hours=5, minutes=10)
    assert missed_while_paused(export, now) == 5


def test_delete_is_soft_and_then_not_found(client, emulator):
    export = _export(client, "MinIO")
    client.batch_exports.delete(export.id)
    assert emulator.requests[-1].status == 204
    assert stored_export(emulator, export.id)["deleted"] is True
    with pytest.raises(e.NotFound):
        client.batch_exports.get(export.id)


def test_test_steps_run_against_new_and_saved_configs(client, emulator):
    steps = client.batch_exports.test_steps("Postgres")
    assert [s.name for s in steps][0] == "Verify Postgres connection"
    assert all(s.result is None for s in steps)
    config = {
        "host": "wrong-host.example.com",
        "port": 5432,
        "database": "d",
        "schema": "s",
        "table_name": "t",
        "user": "u",
    }
    failed = client.batch_exports.run_new_test_step(
        step=0, destination_type="Postgres", config=config
    )
    assert not failed.passed and "host" in failed.result.message
    config["host"] = "db.example.com"
    assert client.batch_exports.run_new_test_step(
        step=0, destination_type="Postgres", config=config
    ).passed
    saved = _export(client, "Postgres analytics")
    passed = client.batch_exports.run_test_step(saved.id, step=0, destination_type="Postgres")
    assert passed.passed  # the stored user and password were used without being sent
    assert _last_body(emulator, "POST", "run_test_step")["destination"]["config"] == {}
    with pytest.raises(e.ValidationFailed):
        client.batch_exports.test_steps("")


def test_logs_and_runs(client, emulator):
    export = _export(client, "Snowflake warehouse")
    page = client.batch_exports.logs(export.id, limit=10, levels=["ERROR"])
    assert 0 < len(page.entries) <= 10 and page.older_before  # a full page: older ones exist
    assert all(x.level == "ERROR" for x in page.entries)
    assert "SnowflakeAuthenticationError" in page.entries[0].message
    runs = client.batch_exports.runs(export.id)
    assert 150 <= len(runs) <= 170  # hourly runs of the last 7 days, across two cursor pages
    assert any("cursor=" in r.path or "cursor" in r.query for r in emulator.requests)
    assert [r.created_at for r in runs] == sorted((r.created_at for r in runs), reverse=True)
    failed = client.batch_exports.runs(export.id, status=["Failed"])
    assert failed and all(r.status == "Failed" for r in failed)
    run_logs = client.batch_exports.logs(export.id, instance_id=failed[0].id, limit=50)
    assert run_logs.entries and {x.instance_id for x in run_logs.entries} == {failed[0].id}


def test_retry_and_cancel_runs(client):
    export = _export(client, "Events to S3")
    runs = client.batch_exports.runs(export.id)
    running = next(r for r in runs if r.status == "Running")
    done = next(r for r in runs if r.status == "Completed")
    with pytest.raises(e.ValidationFailed, match="Completed"):
        client.batch_exports.cancel_run(export.id, done.id)
    client.batch_exports.cancel_run(export.id, running.id)
    assert client.batch_exports.runs(export.id)[0].status == "Cancelled"
    backfill_id = client.batch_exports.retry_run(export.id, done.id)
    assert _backfill(client, export.id, backfill_id).progress.total_runs == 1


def test_runs_seeded_just_after_the_hour_are_not_in_the_future():
    # CI once seeded at hh:00:30: the running run's start fell after "now", so no list showed it
    now = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
    rng = random.Random(1)
    export = emulated._seeded_export(rng, now, 1, *emulated._SEED[0][1])
    runs = emulated._seeded_runs(rng, export, now)
    assert runs[0]["status"] == "Running" and runs[0]["data_interval_end"] == now
    assert max(r["created_at"] for r in runs) <= now


def test_backfill_rules_before_sending():
    now = datetime(2026, 5, 10, 12, tzinfo=UTC)
    day = {"interval": "day", "now": now}
    assert backfill_problems(start=date(2026, 5, 2), end=date(2026, 5, 1), **day) == {
        "end_at": "The end must be after the start."
    }
    assert (
        "future" in backfill_problems(start=date(2026, 5, 2), end=date(2026, 6, 1), **day)["end_at"]
    )
    assert (
        "whole days" in backfill_problems(start=now - timedelta(days=2), end=now, **day)["start_at"]
    )
    naive = datetime(2026, 5, 1, 3)
    hour = {"interval": "hour", "now": now}
    assert "timezone" in backfill_problems(start=naive, end=now, **hour)["start_at"]
    assert backfill_problems(start=now - timedelta(hours=5), end=now, **hour) == {}
    assert "start_at" in backfill_problems(start=None, end=now, **hour)
    assert backfill_problems(start=None, end=now, allow_no_start=True, **hour) == {}


def test_backfills_create_progress_cancel_and_server_rules(client, emulator):
    export = _export(client, "Postgres analytics")  # daily
    today = datetime.now(UTC).date()
    with pytest.raises(e.ValidationFailed, match="date component"):
        client.batch_exports.create_backfill(
            export.id, start_at=datetime.now(UTC) - timedelta(days=3), end_at=today
        )
    with pytest.raises(e.ValidationFailed, match="before 'end_at'"):
        client.batch_exports.create_backfill(
            export.id, start_at=today - timedelta(days=1), end_at=today - timedelta(days=2)
        )
    with pytest.raises(e.ValidationFailed, match="future"):
        client.batch_exports.create_backfill(
            export.id, start_at=today - timedelta(days=1), end_at=today + timedelta(days=3)
        )
    backfill_id = client.batch_exports.create_backfill(
        export.id, start_at=today - timedelta(days=20), end_at=today
    )
    assert _last_body(emulator, "POST", "backfills") == {
        "start_at": (today - timedelta(days=20)).isoformat(),
        "end_at": today.isoformat(),
    }
    backfill = _backfill(client, export.id, backfill_id)
    assert backfill.is_running and backfill.progress.total_runs == 20
    client.batch_exports.cancel_backfill(export.id, backfill_id)
    assert _backfill(client, export.id, backfill_id).status == "Cancelled"
    with pytest.raises(e.ValidationFailed, match="Cancelled"):
        client.batch_exports.cancel_backfill(export.id, backfill_id)


def test_too_many_backfills_is_its_own_error_and_does_not_slow_the_client(client, emulator):
    emulator.max_concurrent_backfills = 1  # the seeded running backfill already counts
    export = _export(client, "Events to S3")
    now = datetime.now(UTC).replace(microsecond=0)
    with pytest.raises(e.TooManyBackfills) as err:
        client.batch_exports.create_backfill(
            export.id, start_at=now - timedelta(hours=3), end_at=now
        )
    assert "already has 1" in str(err.value)
    assert sum(1 for r in emulator.requests if r.method == "POST") == 1  # not retried
    assert client.batch_exports.get(export.id).name  # no rate-limit pause afterwards


def test_backfill_list_pages_by_cursor(client, emulator):
    export = _export(client, "Events to S3")
    emulator.max_concurrent_backfills = 100
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for hours in range(1, 56):
        client.batch_exports.create_backfill(
            export.id,
            start_at=now - timedelta(hours=hours + 1),
            end_at=now - timedelta(hours=hours),
        )
    backfills = client.batch_exports.backfills(export.id)
    assert len(backfills) == 56 and len({b.id for b in backfills}) == 56
    pages = [r for r in emulator.requests if r.method == "GET" and r.path.endswith("backfills/")]
    assert len(pages) == 2 and "cursor" in pages[1].query


def test_scopes_for_batch_exports(client_for, emulator):
    readonly = client_for(emulator.readonly_key)
    export = _export(readonly, "Events to S3")
    with pytest.raises(e.MissingScope) as err:
        readonly.batch_exports.pause(export.id)
    assert err.value.scope == "batch_export:write"
    scoped = client_for(emulator.scoped_key)
    with pytest.raises(e.PermissionDenied, match="does not support Personal API Key"):
        scoped.batch_exports.logs(export.id)


def test_app_metrics_for_a_plugin_and_an_export(client):
    configs = client.app_metrics.plugin_configs()
    assert {c.name for c in configs} >= {"GeoIP", "Salesforce"}
    salesforce = next(c for c in configs if c.name == "Salesforce")
    metrics = client.app_metrics.get(salesforce.id, category="onEvent", date_from="-7d")
    series = metrics.metrics
    assert len(series.dates) == 8 and len(series.dates[0]) == 10
    assert series.totals["failures"] == sum(series.failures) > 0
    assert metrics.errors and metrics.errors[0].count > 0
    hourly = client.app_metrics.get(salesforce.id, date_from="-24h")
    assert len(hourly.metrics.dates[0]) == 19  # hourly labels below two days
    samples = client.app_metrics.error_details(
        salesforce.id, error_type=metrics.errors[0].error_type, category="onEvent"
    )
    assert samples and samples[0].error_details["error"]["stack"]
    with pytest.raises(e.ValidationFailed):
        client.app_metrics.error_details(salesforce.id, error_type="")
    with pytest.raises(ValueError):
        client.app_metrics.get(salesforce.id, category="nope")
    export = _export(client, "Snowflake warehouse")
    by_export = client.app_metrics.get(export.id)
    assert by_export.errors is None and by_export.metrics.totals["failures"] >= 10
    assert by_export.metrics.totals["successes_on_retry"] == 0


def test_historical_exports(client):
    s3 = next(c for c in client.app_metrics.plugin_configs() if c.name.startswith("S3 Export"))
    jobs = client.app_metrics.historical_exports(s3.id)
    assert {j.status for j in jobs} == {"success", "fail", "not_finished"}
    detail = client.app_metrics.historical_export(s3.id, jobs[0].job_id)
    assert detail.summary.job_id == jobs[0].job_id and detail.metrics.dates
    geoip = next(c for c in client.app_metrics.plugin_configs() if c.name == "GeoIP")
    assert client.app_metrics.historical_exports(geoip.id) == []
    with pytest.raises(e.NotFound):
        client.app_metrics.historical_export(s3.id, "nope")


def test_config_problems_are_found_for_every_field_at_once():
    from services.batch_exports import config_problems

    found = config_problems("HTTP", {"url": "ftp://files.example", "token": "  "}, editing=False)
    assert set(found) == {"config.url", "config.token"}
    assert (
        config_problems("HTTP", {"url": "https://h.example/x", "token": "t"}, editing=False) == {}
    )
    assert config_problems("Postgres", {"port": 0}, editing=True)["config.port"].startswith(
        "A port is"
    )
    # editing: a blank secret keeps the stored one; only spaces is refused
    assert "config.password" not in config_problems("Postgres", {"password": ""}, editing=True)
    assert "config.password" in config_problems("Postgres", {"password": " "}, editing=True)
