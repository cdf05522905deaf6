"""Copy to project… under AppTest against the emulator: the question lists the key's other
projects and every secret the copy needs, Copy stays disabled until each required one is
typed, and the copy lands switched off in project 3, journaled without a secret value."""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

from components.shared.actions import AUDIT_MODE_REASON
from emulator.batch_exports import stored_export
from services.journal import Journal
from tests.app.conftest import AFTER, BEFORE
from tests.app.test_signin import signed_in
from tests.markdown import unescape
from tests.secret_markers import secret_markers

FUNCTION = """
import streamlit as st
from components.hog_functions import function_detail
from components.shared.connection import get_client
function_detail.render(get_client(), st.session_state["function_id"])
"""
EXPORT = """
import streamlit as st
from components.batch_exports import export_detail
from components.shared.connection import get_client
export_detail.render(get_client(), st.session_state["export_id"])
"""
SANDBOX = "Hedgebox (sandbox) (project 3)"


def _journal():
    return Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()


def _journal_bytes() -> bytes:
    path = Path(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"].removeprefix("sqlite:///"))
    return b"".join(f.read_bytes() for f in [path, *path.parent.glob(f"{path.name}-*")])


def _writes(emulator) -> list:
    return [r for r in emulator.requests if r.method not in ("GET", "HEAD")]


def _with_required_secret(emulator) -> dict:
    return next(
        f
        for f in emulator.stored_hog_functions(1)
        if f["type"] == "destination"
        and not f["deleted"]
        and any(i.get("secret") and i["required"] for i in f["inputs_schema"])
    )


def _pick_sandbox(at, prefix: str):
    project = at.selectbox(key=f"{prefix}_project")
    assert project.options == ["Hedgebox (staging) (project 2)", SANDBOX]  # not project 1
    project.select_index(1).run()


def _link_urls(at) -> list[str]:
    return [e.proto.url for e in at.get("link_button")]


def test_a_function_copy_waits_for_its_secrets_then_lands_disabled_in_project_3(
    connect_env, run_script
):
    fn = _with_required_secret(connect_env)
    secrets = [i for i in fn["inputs_schema"] if i.get("secret")]
    prefix = f"copy_hog_function_{fn['id']}"
    at = run_script(FUNCTION, function_id=fn["id"])
    at.button(key="hf_detail_copy").click().run()
    _pick_sandbox(at, prefix)
    assert at.text_input(key=f"{prefix}_name").value == f"{fn['name']} (copy)"
    fields = {i["key"]: at.text_input(key=f"{prefix}_secret_{i['key']}") for i in secrets}
    assert {f.label for f in fields.values()} == {
        f"{i['label']} ({'required' if i['required'] else 'optional'})" for i in secrets
    }
    assert at.button(key="hf_confirm_copy").disabled
    required = [i for i in secrets if i["required"]]
    assert [unescape(e.value) for e in at.error] == [
        f"{i['label']} is required: type its value for Hedgebox (sandbox)." for i in required
    ]

    typed = {i["key"]: f"typed-{i['key']}-9c1" for i in required}
    for key, value in typed.items():
        at.text_input(key=f"{prefix}_secret_{key}").input(value).run()
    assert not at.button(key="hf_confirm_copy").disabled
    assert not _writes(connect_env)
    at.button(key="hf_confirm_copy").click().run()
    assert not at.exception

    (copy,) = connect_env.stored_hog_functions(3)
    assert copy["enabled"] is False and copy["name"] == f"{fn['name']} (copy)"
    assert copy["secret_inputs"] == {k: {"value": v} for k, v in typed.items()}
    (sent,) = _writes(connect_env)
    assert sent.path == "/api/projects/3/hog_functions/" and secret_markers(sent.json) == []

    (entry,) = _journal()
    assert (entry.action_key, entry.outcome, entry.project_id) == ("hog_function.copy", "done", "1")
    assert (entry.object_id, entry.method, entry.path) == (
        fn["id"],
        "POST",
        "/api/projects/3/hog_functions/",
    )
    assert entry.changes["copied from"]["after"] == (
        f"project 1 · Hedgebox (production) · {fn['name']} ({fn['id']})"
    )
    assert entry.changes["copied to"]["after"] == (  # with the id PostHog gave the copy
        f"project 3 · Hedgebox (sandbox) · {fn['name']} (copy) ({copy['id']})"
    )
    assert entry.changes["enabled"] == {"before": None, "after": False}
    assert {k for k, v in entry.changes.items() if v == {"before": None, "after": "set"}} == {
        f"secret {k}" for k in typed
    }
    assert not any(v.encode() in _journal_bytes() for v in typed.values())
    assert any("project 3 · Hedgebox" in unescape(t.value) for t in at.toast)
    assert _link_urls(at) == [f"{connect_env.url}/project/3/functions/{copy['id']}"]


def test_a_slack_copy_asks_for_the_target_projects_workspace_never_the_sources(
    connect_env, run_script
):
    fn = next(
        f
        for f in connect_env.stored_hog_functions(1)
        if (f["template"] or {}).get("id") == "template-slack" and not f["deleted"]
    )
    assert fn["inputs"]["slack_workspace"]["value"] == 23  # project 1's workspace
    prefix = f"copy_hog_function_{fn['id']}"
    at = run_script(FUNCTION, function_id=fn["id"])
    at.button(key="hf_detail_copy").click().run()
    _pick_sandbox(at, prefix)
    picker = at.selectbox(key=f"{prefix}_integration_slack_workspace")
    assert picker.options == ["Hedgebox sandbox workspace (#52)"]  # project 3's own
    assert at.button(key="hf_confirm_copy").disabled  # a required workspace, not picked yet
    picker.set_value(52).run()
    assert not at.button(key="hf_confirm_copy").disabled
    at.button(key="hf_confirm_copy").click().run()
    assert not at.exception and not at.error

    (copy,) = connect_env.stored_hog_functions(3)
    assert copy["inputs"]["slack_workspace"]["value"] == 52
    assert copy["inputs"]["channel"]["value"] == fn["inputs"]["channel"]["value"]
    (entry,) = _journal()
    assert entry.changes["integration slack_workspace"] == {"before": None, "after": "#52"}


def test_a_secret_of_only_spaces_is_refused_at_its_field(connect_env, run_script):
    fn = _with_required_secret(connect_env)
    prefix = f"copy_hog_function_{fn['id']}"
    key = next(i["key"] for i in fn["inputs_schema"] if i.get("secret") and i["required"])
    at = run_script(FUNCTION, function_id=fn["id"])
    at.button(key="hf_detail_copy").click().run()
    at.text_input(key=f"{prefix}_secret_{key}").input("   ").run()
    assert any("cannot be only spaces" in unescape(e.value) for e in at.error)
    assert at.button(key="hf_confirm_copy").disabled
    at.button(key="hf_cancel_copy").click().run()
    assert not _writes(connect_env) and not _journal()


def test_an_export_copy_lands_paused_in_project_3(connect_env, run_script):
    export = next(
        x
        for x in connect_env.batch_exports.values()
        if x["destination"]["type"] == "Snowflake" and x["team_id"] == 1 and not x["deleted"]
    )
    prefix = f"copy_batch_export_{export['id']}"
    at = run_script(EXPORT, export_id=export["id"])
    at.button(key="be_detail_copy").click().run()
    _pick_sandbox(at, prefix)
    assert at.text_input(key=f"{prefix}_secret_user").label == "User (required)"
    assert at.text_input(key=f"{prefix}_secret_password").label == "Password (optional)"
    assert at.button(key="be_confirm_copy").disabled
    at.text_input(key=f"{prefix}_secret_user").input("sandbox_loader").run()
    at.button(key="be_confirm_copy").click().run()
    assert not at.exception

    (copy_id,) = [
        i for i, x in connect_env.batch_exports.items() if x["team_id"] == 3 and not x["deleted"]
    ]
    copy = stored_export(connect_env, copy_id)
    assert copy["paused"] is True and copy["name"] == f"{export['name']} (copy)"
    assert copy["destination"]["config"]["user"] == "sandbox_loader"
    assert "password" not in copy["destination"]["config"]  # left empty: not sent
    (entry,) = _journal()
    assert (entry.action_key, entry.outcome, entry.object_id) == (
        "batch_export.copy",
        "done",
        export["id"],
    )
    assert entry.changes["paused"] == {"before": None, "after": True}
    assert entry.changes["secret user"] == {"before": None, "after": "set"}
    assert b"sandbox_loader" not in _journal_bytes()
    assert _link_urls(at) == [f"{connect_env.url}/project/3/pipeline/batch-exports/{copy_id}"]


def test_copy_is_disabled_with_the_reason_in_audit_mode_and_for_an_operator(
    connect_env, run_script, monkeypatch
):
    fn = _with_required_secret(connect_env)
    operator = signed_in(
        AppTest.from_string(BEFORE + FUNCTION + AFTER, default_timeout=60), "bob@acme.test"
    )
    operator.session_state["function_id"] = fn["id"]
    button = operator.run().button(key="hf_detail_copy")
    assert button.disabled and button.help == "Needs the admin role."

    monkeypatch.setenv("POSTHOG_CONSOLE_READ_ONLY", "1")
    button = run_script(FUNCTION, function_id=fn["id"]).button(key="hf_detail_copy")
    assert button.disabled and button.help == AUDIT_MODE_REASON
    assert not _writes(connect_env)
