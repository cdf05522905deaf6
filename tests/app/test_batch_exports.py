"""Batch exports under AppTest against the emulator: list, detail tabs, pause and resume,
editing without losing secrets, create with test steps, backfills, runs, delete."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from components.batch_exports import actions
from components.batch_exports.fields import field_words
from emulator.batch_exports import stored_export
from services.batch_exports import DESTINATION_FIELDS
from services.journal import Journal
from tests.markdown import unescape

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


TYPED_NAME = "typed_batch_export.delete"


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


def _journal() -> list:
    """This test's journal, newest first."""
    return Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()


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
    created, *checks = _journal()
    assert [c.outcome for c in checks] == ["tested", "tested"]
    assert (created.action, created.outcome, created.object_id) == (
        "Create export",
        "done",
        stored["id"],
    )
    assert created.changes["config.password"] == "changed"
    assert created.changes["config.host"] == {"before": None, "after": "db.example.com"}
    assert "pw-123" not in repr([e.changes for e in _journal()])
    assert at.query_params["id"] == [stored["id"]] or at.query_params["id"] == stored["id"]


def test_bad_url_port_and_blank_secret_are_each_explained_and_nothing_is_sent(
    connect_env, run_script
):
    at = run_script(CREATE)
    at.selectbox(key="new_type").select("HTTP").run()
    at.text_input(key="new_name").input("Webhook copy").run()
    at.text_input(key="new_cfg_url").input("hooks.example.com/ingest").run()
    at.text_input(key="new_cfg_token").input("   ").run()
    _button(at, "new_submit").click().run()
    errors = unescape(" ".join(e.value for e in at.error))
    assert "full address starting with https://" in errors
    assert "cannot be only spaces" in errors  # both fields at once, each its own message
    at.selectbox(key="new_type").select("Postgres").run()
    at.number_input(key="new_cfg_port").set_value(70000).run()
    _button(at, "new_submit").click().run()
    assert "A port is a number from 1 to 65,535" in " ".join(e.value for e in at.error)
    assert not _writes(connect_env)


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


def test_backfill_with_the_start_cleared_asks_for_one_and_sends_nothing(connect_env, run_script):
    export = _export(connect_env, "Events to S3")  # hourly: its form has dates and times
    at = run_script(DETAIL, export_id=export["id"])
    at.date_input(key="be_detail_backfills_new_sd").set_value(None).run()
    _button(at, "be_detail_backfills_new_go").click().run()
    assert any("Choose a date" in e.value for e in at.error)  # no window assumed
    assert not _writes(connect_env)


def test_backfill_is_created_shows_progress_and_is_cancelled(connect_env, run_script):
    export = _export(connect_env, "Postgres analytics")
    at = run_script(DETAIL, export_id=export["id"])
    today = datetime.now(UTC).date()
    at.date_input(key="be_detail_backfills_new_sd").set_value(today - timedelta(days=30)).run()
    _button(at, "be_detail_backfills_new_go").click().run()
    assert not _writes(connect_env)  # the whole window is said first
    window = f"{(today - timedelta(days=30)).isoformat()} → {today.isoformat()}"
    assert window in _text(at)
    _button(at, "be_confirm_start_backfill").click().run()
    assert not at.exception
    post = _writes(connect_env, "POST")[-1]
    assert post.json == {
        "start_at": (today - timedelta(days=30)).isoformat(),
        "end_at": today.isoformat(),
    }
    assert any("Backfill started" in t.value for t in at.toast)
    table = next(d.value for d in at.dataframe if "Progress" in d.value.columns)
    mine = table[table["Runs"].str.endswith("of 30")]
    assert len(mine) == 1 and mine.iloc[0]["Status"] in ("↻ Running", "↻ Starting")
    new_id = mine.iloc[0]["id"]
    at.selectbox(key="be_detail_backfills_pick").select(new_id).run()
    _button(at, "be_detail_backfills_cancel").click().run()
    assert not [r for r in _writes(connect_env) if r.path.endswith("/cancel/")]
    assert "of 30 runs" in _text(at)
    _button(at, "be_confirm_cancel_backfill").click().run()
    assert connect_env.backfills[new_id]["status"] == "Cancelled"
    assert any("Cancelled the backfill" in t.value for t in at.toast)
    started, cancelled = reversed(_journal())
    assert (started.action, started.outcome) == ("Start backfill", "done")
    assert (cancelled.action, cancelled.outcome) == ("Cancel backfill", "done")
    assert cancelled.path.endswith(f"/backfills/{new_id}/cancel/")


def test_saved_export_checks_run_with_stored_secrets(connect_env, run_script):
    export = _export(connect_env, "Postgres analytics")
    at = run_script(DETAIL, export_id=export["id"])
    _button(at, "be_detail_steps_run").click().run()
    assert sum("Passed" in s.value for s in at.success) == 3
    sent = [r.json for r in _writes(connect_env) if r.path.endswith("/run_test_step/")]
    assert len(sent) == 3 and all(body["destination"]["config"] == {} for body in sent)
    [entry] = _journal()  # one entry for the three checks, which change nothing
    assert (entry.action, entry.outcome) == ("Check export", "tested")
    assert entry.path.endswith(f"/{export['id']}/run_test_step/")
    assert any("3 of 3 checks passed" in t.value for t in at.toast)


def test_retry_a_run_after_confirmation(connect_env, run_script):
    export = _export(connect_env, "Snowflake warehouse")
    at = run_script(DETAIL, export_id=export["id"])
    failed = next(r for r in connect_env.export_runs[export["id"]] if r["status"] == "Failed")
    at.selectbox(key="be_detail_runs_pick").select(failed["id"]).run()
    _button(at, "be_detail_runs_retry").click().run()
    assert not _writes(connect_env)
    assert "It uses the current settings" in _text(at)
    _button(at, "be_confirm_retry_run").click().run()
    retry = _writes(connect_env, "POST")
    assert len(retry) == 1 and retry[0].path.endswith(f"/runs/{failed['id']}/retry/")
    assert any("Retry scheduled" in t.value for t in at.toast)
    [entry] = _journal()
    assert (entry.action, entry.outcome, entry.method) == ("Retry run", "done", "POST")


def test_delete_needs_the_typed_name_says_it_cannot_be_undone_and_sends_delete(
    connect_env, run_script
):
    export = _export(connect_env, "MinIO")
    at = run_script(DETAIL, export_id=export["id"])
    _button(at, "be_detail_delete").click().run()
    assert "no restore for batch exports" in _text(at)
    assert _button(at, "be_confirm_delete").disabled
    at.text_input(key=TYPED_NAME).input("MinIO").run()  # not the whole name
    assert _button(at, "be_confirm_delete").disabled
    assert not _writes(connect_env)
    at.text_input(key=TYPED_NAME).input(export["name"]).run()
    _button(at, "be_confirm_delete").click().run()
    assert not at.exception
    assert [r.method for r in _writes(connect_env)] == ["DELETE"]
    assert connect_env.batch_exports[export["id"]]["deleted"] is True
    assert any(f"Deleted {export['name']}" in t.value for t in at.toast)
    [entry] = _journal()
    assert (entry.action, entry.outcome, entry.method) == ("Delete export", "done", "DELETE")
    assert entry.action_key == actions.DELETE.key and actions.DELETE.undo is None


# --- the journal, undo, conflicts, refusals and audit mode ----------------------------------

JOURNAL_PAGE = """
from components.console import journal
from components.shared.connection import get_client
journal.render(get_client())
"""


def test_pause_and_resume_from_the_list_each_write_one_journal_row(connect_env, run_script):
    export = _export(connect_env, "Events to S3")
    at = run_script(LIST)
    at.text_input(key="be_list_search").input("events to s3 data").run()
    at.toggle[0].set_value(False).run()
    assert not _writes(connect_env) and not _journal()  # nothing before the answer
    _button(at, "be_confirm_pause").click().run()
    assert not at.exception
    [paused] = _journal()
    assert (paused.outcome, paused.user, paused.action) == ("done", "local", "Pause export")
    assert paused.changes == {"paused": {"before": False, "after": True}}
    assert (paused.resource, paused.object_id) == ("batch_export", export["id"])
    assert paused.method == "POST" and paused.path.endswith(f"/{export['id']}/pause/")
    assert at.toggle[0].value is False  # the switch follows the server
    at.toggle[0].set_value(True).run()
    # paused a moment ago: no interval was missed, so no backfill is offered
    assert not [c for c in at.checkbox if c.key == "be_resume_backfill"]
    assert "nothing to backfill" in _text(at)
    _button(at, "be_confirm_resume").click().run()
    resumed, _ = _journal()
    assert (resumed.outcome, resumed.action) == ("done", "Resume export")
    assert resumed.changes == {"paused": {"before": True, "after": False}}
    assert _writes(connect_env)[-1].json == {"backfill": False}
    assert connect_env.batch_exports[export["id"]]["paused"] is False


def test_undo_of_a_pause_from_the_journal_resumes_and_is_journaled(connect_env, run_script):
    export = _export(connect_env, "Events to S3")
    at = run_script(DETAIL, export_id=export["id"])
    at.toggle[0].set_value(False).run()
    _button(at, "be_confirm_pause").click().run()
    [paused] = _journal()
    at = run_script(JOURNAL_PAGE)
    _button(at, "journal_undo").click().run()
    assert "will run again" in _text(at)  # the resume question, built without the object
    _button(at, "be_confirm_resume").click().run()
    assert not at.exception
    assert connect_env.batch_exports[export["id"]]["paused"] is False
    undo, _ = _journal()
    assert (undo.action, undo.outcome, undo.undoes) == ("Resume export", "done", paused.id)


def test_an_edit_journals_a_replaced_secret_as_changed_and_stores_no_secret_value(
    connect_env, run_script, own_journal
):
    export = _export(connect_env, "Postgres analytics")
    secret = "n3w-Pa55word-that-must-stay-secret"
    at = run_script(DETAIL, export_id=export["id"])
    next(t for t in at.text_input if t.key.endswith("_cfg_password")).input(secret).run()
    next(t for t in at.text_input if t.key.endswith("_cfg_table_name")).input("events_v2").run()
    _button(at, "_save").click().run()
    review = " ".join(str(t.value) for t in at.table)
    assert "(new secret)" in review and secret not in review
    _button(at, "be_save_confirm").click().run()
    assert not at.exception
    [patch] = _writes(connect_env, "PATCH")
    assert patch.json == {
        "destination": {
            "type": "Postgres",
            "config": {"password": secret, "table_name": "events_v2"},
        }
    }
    [entry] = _journal()
    assert (entry.action, entry.outcome, entry.method) == ("Edit export", "done", "PATCH")
    assert entry.changes["config.password"] == "changed"
    assert entry.changes["config.user"] == "kept"  # left blank: PostHog keeps the stored one
    assert entry.changes["config.table_name"]["after"] == "events_v2"
    database = Path(own_journal.removeprefix("sqlite:///"))
    files = list(database.parent.glob(database.name + "*"))  # the file and its WAL
    assert database in files
    assert not any(secret.encode() in f.read_bytes() for f in files)
    assert stored_export(connect_env, export["id"])["destination"]["config"]["password"] == secret


def test_a_save_after_someone_else_changed_the_export_is_refused_and_nothing_is_patched(
    connect_env, run_script, client
):
    export = _export(connect_env, "Postgres analytics")
    at = run_script(DETAIL, export_id=export["id"])
    name = next(t for t in at.text_input if t.key.endswith("_name") and t.value == export["name"])
    name.input("My new name").run()
    _button(at, "_save").click().run()
    client.batch_exports.update(export["id"], {"name": "Their new name"})  # someone else
    patches_before = len(_writes(connect_env, "PATCH"))
    _button(at, "be_save_confirm").click().run()
    assert not at.exception
    assert len(_writes(connect_env, "PATCH")) == patches_before
    assert connect_env.batch_exports[export["id"]]["name"] == "Their new name"
    assert any("changed in PostHog" in e.value for e in at.error)
    warning = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "Ada Okafor changed this batch export in PostHog at" in warning and "(name)" in warning
    # the draft is kept as typed, and saving it is refused until the operator reloads
    assert any(t.key.endswith("_name") and t.value == "My new name" for t in at.text_input)
    assert _button(at, "_save").disabled
    assert at.header[0].value == "Their new name"  # the page shows their version
    [entry] = _journal()
    assert (entry.action, entry.outcome) == ("Edit export", "refused")
    assert "changed in PostHog" in entry.reason and entry.method is None


def test_too_many_running_backfills_is_explained_and_journaled_as_refused(connect_env, run_script):
    connect_env.max_concurrent_backfills = 1  # BigQuery marketing's backfill is running
    export = _export(connect_env, "Postgres analytics")
    at = run_script(DETAIL, export_id=export["id"])
    _button(at, "be_detail_backfills_new_go").click().run()
    _button(at, "be_confirm_start_backfill").click().run()
    message = " ".join(e.value for e in at.error)
    assert "already has 1" in message and "Backfills tab" in message
    assert message.count("Wait for") == 1, message  # the advice is said once
    [entry] = _journal()
    assert (entry.action, entry.outcome) == ("Start backfill", "refused")


def test_audit_mode_disables_every_write_control_and_sends_nothing(connect_env, run_script):
    export = _export(connect_env, "BigQuery marketing")  # a running run and backfill
    at = run_script(DETAIL, export_id=export["id"], audit_mode=True)
    running = next(r for r in connect_env.export_runs[export["id"]] if r["status"] == "Running")
    at.selectbox(key="be_detail_runs_pick").select(running["id"]).run()
    assert not at.exception
    controls = [
        at.toggle[0],
        _button(at, "_save"),
        _button(at, "be_detail_delete"),
        _button(at, "be_detail_backfills_new_go"),
        _button(at, "be_detail_backfills_cancel"),
        _button(at, "be_detail_runs_retry"),
        _button(at, "be_detail_runs_cancel"),
        _button(at, "be_detail_steps_run"),
    ]
    for control in controls:
        assert control.disabled, control.key
        assert control.help.startswith("Audit mode is on"), control.key
    at = run_script(CREATE, audit_mode=True)
    for key in ("new_test", "new_submit"):
        assert _button(at, key).disabled and "Audit mode is on" in _button(at, key).help
    at = run_script(LIST, audit_mode=True)
    at.text_input(key="be_list_search").input("bigquery").run()
    assert at.toggle[0].disabled and "Audit mode is on" in at.toggle[0].help
    assert not _writes(connect_env) and not _journal()


def test_status_badges_and_run_labels_name_every_status(run_script):
    at = run_script(
        """
import streamlit as st
from components.batch_exports import status
for name in status.EXPORT_BADGES:
    status.badge(name)
st.write(" | ".join(status.run_label(s) for s in status.RUN_BADGES))
"""
    )
    assert not at.exception
    *badges, labels = [m.value for m in at.markdown]
    assert badges == [":green-badge[Active]", ":gray-badge[Paused]", ":gray-badge[Ended]"]
    assert "✕ Failed (will retry)" in labels and "✕ Failed (billing limit)" in labels
    assert "✓ Completed" in labels and "■ Cancelled" in labels


def test_every_destination_field_has_words_on_screen(connect_env, run_script):
    at = run_script(CREATE)
    for destination in DESTINATION_FIELDS:
        at.selectbox(key="new_type").select(destination).run()
        labels = [w.label.removesuffix(" *") for w in (*at.text_input, *at.number_input)]
        labels += [w.label for w in (*at.checkbox, *at.selectbox)]
        shown = {f.key for f in DESTINATION_FIELDS[destination]} & set(labels)
        assert not shown, f"{destination} shows raw keys {shown}"
        for field in DESTINATION_FIELDS[destination]:
            assert field_words(destination, field.key)[0] in labels
