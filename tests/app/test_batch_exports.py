"""Batch exports under AppTest against the emulator: list, detail tabs, pause and resume,
editing without losing secrets, create with test steps, backfills, runs, delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streamlit.testing.v1 import AppTest

from emulator.batch_exports import stored_export

LIST = """
from components.batch_exports import export_list as batch_export_list
from components.shared.connection import get_client
batch_export_list.render(get_client())
"""
DETAIL = """
import streamlit as st
from components.batch_exports import export_detail as batch_export_detail
from components.shared.connection import get_client
batch_export_detail.render(get_client(), st.session_state["export_id"])
"""
CREATE = """
from components.batch_exports import export_form as batch_export_form
from components.shared.connection import get_client
batch_export_form.render_create(get_client(), key="new")
"""


def _export(emulator, prefix: str) -> dict:
    return next(
        x
        for x in emulator.batch_exports.values()
        if x["name"].startswith(prefix) and x["team_id"] == 1
    )


def _writes(emulator, method: str | None = None) -> list:
    return [
        r
        for r in emulator.requests
        if r.method in ((method,) if method else ("POST", "PATCH", "PUT", "DELETE"))
    ]


def _button(at: AppTest, suffix: str):
    return next(b for b in at.button if (b.key or "").endswith(suffix))


def _text(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "error", "warning", "info", "success", "caption")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def test_list_shows_every_export_with_status_and_failures(connect_env, run_script):
    at = run_script(LIST)
    assert not at.exception
    frame = at.dataframe[0].value
    visible = [
        x
        for x in connect_env.batch_exports.values()
        if x["team_id"] == 1 and x["destination"]["type"] != "Workflows"
    ]
    assert len(frame) == len(visible)
    first = frame.iloc[0]  # sorted by failed runs
    assert first["Name"] in ("Snowflake warehouse (prod)", "Webhook to CRM")
    assert first["Failed of latest"] == "10 of 10"
    assert set(frame["Status"]) == {"✓ Active", "‖ Paused", "■ Ended"}
    at.multiselect(key="be_list_states").select("Paused").run()
    paused = at.dataframe[0].value
    assert sorted(paused["Name"]) == ["Legacy S3 export (2023)", "Redshift BI"]
    at.text_input(key="be_list_search").input("redshift").run()
    assert list(at.dataframe[0].value["Name"]) == ["Redshift BI"]
    assert at.toggle[0].label == "Running"  # one row found: its actions show


def test_detail_shows_header_warning_and_every_tab(connect_env, run_script):
    export = _export(connect_env, "Snowflake warehouse")
    at = run_script(DETAIL, export_id=export["id"])
    assert not at.exception
    assert at.header[0].value == "Snowflake warehouse (prod)"
    assert "10 of the latest 10 runs failed" in at.warning[0].value
    assert "SnowflakeAuthenticationError" in at.warning[0].value
    labels = [t.label for t in at.tabs]
    assert labels == ["Overview", "Runs", "Logs", "Test steps", "Backfills", "Danger zone"]
    runs = next(d.value for d in at.dataframe if "Interval end" in d.value.columns)
    assert len(runs) > 100 and (runs["Status"] == "✕ Failed").sum() >= 10
    logs = next(d.value for d in at.dataframe if "Message" in getattr(d.value, "columns", []))
    assert len(logs) > 0
    assert not [r for r in connect_env.requests if r.method != "GET"]


def test_pause_asks_first_and_the_server_agrees(connect_env, run_script):
    export = _export(connect_env, "Events to S3")
    at = run_script(DETAIL, export_id=export["id"])
    at.toggle[0].set_value(False).run()
    assert not _writes(connect_env)  # nothing until confirmed
    assert "will stop exporting" in _text(at)
    _button(at, "be_confirm_pause").click().run()
    assert not at.exception
    assert connect_env.batch_exports[export["id"]]["paused"] is True
    assert [r.path.rsplit("/", 2)[-2] for r in _writes(connect_env)] == ["pause"]


def test_resume_with_a_backfill_of_the_gap(connect_env, run_script):
    export = _export(connect_env, "Redshift BI")
    at = run_script(DETAIL, export_id=export["id"])
    at.toggle[0].set_value(True).run()
    backfill = next(c for c in at.checkbox if c.key == "be_resume_backfill")
    assert "missed while paused" in backfill.label
    backfill.check().run()
    _button(at, "be_confirm_resume").click().run()
    assert not at.exception
    unpause = _writes(connect_env)[-1]
    assert unpause.path.endswith("/unpause/") and unpause.json == {"backfill": True}
    assert connect_env.batch_exports[export["id"]]["paused"] is False
    assert any(
        b["batch_export"] == export["id"] and b["status"] is None
        for b in connect_env.backfills.values()
    )


def test_renaming_sends_only_the_name_and_keeps_secrets(connect_env, run_script):
    export = _export(connect_env, "Postgres analytics")
    before = stored_export(connect_env, export["id"])["destination"]["config"]
    at = run_script(DETAIL, export_id=export["id"])
    name = next(t for t in at.text_input if t.key.endswith("_name") and t.value == export["name"])
    name.input("Postgres replica (renamed)").run()
    _button(at, "_save").click().run()
    assert not _writes(connect_env)
    assert any("Postgres replica (renamed)" in str(t.value) for t in at.table)
    _button(at, "_confirm").click().run()
    assert not at.exception
    patch = _writes(connect_env, "PATCH")
    assert len(patch) == 1 and patch[0].json == {"name": "Postgres replica (renamed)"}
    after = stored_export(connect_env, export["id"])
    assert after["name"] == "Postgres replica (renamed)"
    assert after["destination"]["config"] == before


def test_bad_filters_json_is_explained_next_to_the_field_and_nothing_is_sent(
    connect_env, run_script
):
    export = _export(connect_env, "Postgres analytics")
    at = run_script(DETAIL, export_id=export["id"])
    next(t for t in at.text_area if t.key.endswith("_filters")).input("[{oops").run()
    _button(at, "_save").click().run()
    assert any("Not valid JSON" in e.value for e in at.error)
    assert not _writes(connect_env)


def test_create_checks_fields_tests_the_config_then_creates(connect_env, run_script):
    at = run_script(CREATE)
    at.selectbox(key="new_type").select("Postgres").run()
    _button(at, "new_submit").click().run()
    errors = " ".join(e.value for e in at.error)
    assert "Give the export a name" in errors and "Host is required" in errors
    assert not _writes(connect_env)
    at.text_input(key="new_name").input("Warehouse copy").run()
    for field, value in {
        "host": "wrong.example.com",
        "database": "d",
        "schema": "s",
        "table_name": "t",
        "user": "u",
        "password": "pw-123",
    }.items():
        at.text_input(key=f"new_cfg_{field}").input(value).run()
    at.number_input(key="new_cfg_port").set_value(5432).run()
    _button(at, "new_test").click().run()
    assert any("Verify Postgres connection" in e.value and "Failed" in e.value for e in at.error)
    assert any("Skipped" in i.value for i in at.info)
    assert not _writes(connect_env, "PATCH") and not [
        r for r in _writes(connect_env, "POST") if r.path.endswith("/batch_exports/")
    ]
    at.text_input(key="new_cfg_host").input("db.example.com").run()
    _button(at, "new_test").click().run()
    assert sum("Passed" in s.value for s in at.success) == 3
    _button(at, "new_submit").click().run()
    assert not at.exception
    created = [r for r in _writes(connect_env, "POST") if r.path.endswith("/batch_exports/")]
    assert len(created) == 1 and created[0].json["paused"] is True
    stored = next(x for x in connect_env.batch_exports.values() if x["name"] == "Warehouse copy")
    assert stored["destination"]["config"]["password"] == "pw-123"
    assert at.query_params["id"] == [stored["id"]] or at.query_params["id"] == stored["id"]


def test_server_rejection_shows_next_to_its_field(connect_env, run_script):
    connect_env.inject_fault("status", method="POST", path_contains="/batch_exports", status=400)
    at = run_script(CREATE)
    at.selectbox(key="new_type").select("NoOp").run()
    at.text_input(key="new_name").input("Fault").run()
    _button(at, "new_submit").click().run()
    assert any("Injected validation error" in e.value for e in at.error)


def test_backfill_end_before_start_is_refused_without_sending(connect_env, run_script):
    export = _export(connect_env, "Postgres analytics")  # daily
    at = run_script(DETAIL, export_id=export["id"])
    today = datetime.now(UTC).date()
    at.date_input(key="be_detail_backfills_new_sd").set_value(today - timedelta(days=2)).run()
    at.date_input(key="be_detail_backfills_new_ed").set_value(today - timedelta(days=5)).run()
    _button(at, "be_detail_backfills_new_go").click().run()
    assert any("The end must be after the start" in e.value for e in at.error)
    assert not _writes(connect_env)


def test_backfill_is_created_shows_progress_and_is_cancelled(connect_env, run_script):
    export = _export(connect_env, "Postgres analytics")
    at = run_script(DETAIL, export_id=export["id"])
    today = datetime.now(UTC).date()
    at.date_input(key="be_detail_backfills_new_sd").set_value(today - timedelta(days=30)).run()
    _button(at, "be_detail_backfills_new_go").click().run()
    assert not at.exception
    post = _writes(connect_env, "POST")[-1]
    assert post.json == {
        "start_at": (today - timedelta(days=30)).isoformat(),
        "end_at": today.isoformat(),
    }
    assert any("Backfill started" in s.value for s in at.success)
    table = next(d.value for d in at.dataframe if "Progress" in d.value.columns)
    mine = table[table["Runs"].str.endswith("of 30")]
    assert len(mine) == 1 and mine.iloc[0]["Status"] in ("↻ Running", "↻ Starting")
    new_id = mine.iloc[0]["id"]
    at.selectbox(key="be_detail_backfills_pick").select(new_id).run()
    _button(at, "be_detail_backfills_cancel").click().run()
    assert not [r for r in _writes(connect_env) if r.path.endswith("/cancel/")]
    _button(at, "be_detail_backfills_confirm_cancel").click().run()
    assert connect_env.backfills[new_id]["status"] == "Cancelled"
    assert any("Cancelled the backfill" in s.value for s in at.success)


def test_saved_export_checks_run_with_stored_secrets(connect_env, run_script):
    export = _export(connect_env, "Postgres analytics")
    at = run_script(DETAIL, export_id=export["id"])
    _button(at, "be_detail_steps_run").click().run()
    assert sum("Passed" in s.value for s in at.success) == 3
    sent = [r.json for r in _writes(connect_env) if r.path.endswith("/run_test_step/")]
    assert len(sent) == 3 and all(body["destination"]["config"] == {} for body in sent)


def test_retry_a_run_after_confirmation(connect_env, run_script):
    export = _export(connect_env, "Snowflake warehouse")
    at = run_script(DETAIL, export_id=export["id"])
    failed = next(r for r in connect_env.export_runs[export["id"]] if r["status"] == "Failed")
    at.selectbox(key="be_detail_runs_pick").select(failed["id"]).run()
    _button(at, "be_detail_runs_retry").click().run()
    assert not _writes(connect_env)
    _button(at, "be_detail_runs_go").click().run()
    retry = _writes(connect_env, "POST")
    assert len(retry) == 1 and retry[0].path.endswith(f"/runs/{failed['id']}/retry/")
    assert any("Retry scheduled" in s.value for s in at.success)


def test_delete_needs_the_name_and_sends_delete(connect_env, run_script):
    export = _export(connect_env, "MinIO")
    at = run_script(DETAIL, export_id=export["id"])
    _button(at, "be_detail_delete").click().run()
    confirm = _button(at, "be_confirm_delete")
    assert confirm.disabled
    at.text_input(key="be_delete_name").input("MinIO on-prem").run()
    _button(at, "be_confirm_delete").click().run()
    assert [r.method for r in _writes(connect_env)] == ["DELETE"]
    assert connect_env.batch_exports[export["id"]]["deleted"] is True
