"""Hog function writes through the declared-actions runner, under AppTest against the emulator:
what the journal records (never a secret value), the questions asked first, refusals that keep
the operator's work, and audit mode, where every write control is disabled and nothing is sent."""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

from components.hog_functions import health
from services.journal import Entry, Journal

DETAIL = """
import streamlit as st
from components.hog_functions import function_detail
from components.shared.connection import get_client
function_detail.render(get_client(), st.session_state["function_id"])
"""
FORM = """
import streamlit as st
from components.shared import data
from components.hog_functions import config_form
from components.shared.connection import get_client
client = get_client()
config_form.render(client, data.hog_function(client, st.session_state["function_id"]), key="f")
"""
TEST = """
import streamlit as st
from components.hog_functions import invocation_test
from components.shared.connection import get_client
invocation_test.render(
    get_client(),
    function_id=st.session_state["function_id"],
    configuration={"type": "transformation", "name": "Echo", "hog": "return event"},
    function_type="transformation",
    key="t",
)
"""
GALLERY = """
from components.hog_functions import template_gallery
from components.shared.connection import get_client
template_gallery.render(get_client())
"""
ORDER = """
from components.hog_functions import transformation_order
from components.shared.connection import get_client
transformation_order.render(get_client(), key="o")
"""
DELETED_HERE = """
from components.hog_functions import function_detail
from components.shared.connection import get_client
function_detail.render_deleted_here(get_client())
"""
JOURNAL = """
from components.console import journal
from components.shared.connection import get_client
journal.render(get_client())
"""
HEALTH = """
from components.hog_functions import health
for state in ("Active", "Degraded", "Disabled by PostHog", "Unknown", "Paused", "Odd"):
    health.render(state)
"""
AUDIT = "Audit mode is on"


def _journal() -> list[Entry]:
    return Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()


def _journal_bytes() -> bytes:
    """Every byte the journal database keeps on disk (SQLite's WAL file included)."""
    path = Path(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"].removeprefix("sqlite:///"))
    files = [path, *path.parent.glob(f"{path.name}-*")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def _writes(emulator) -> list:
    return [r for r in emulator.requests if r.method not in ("GET", "HEAD")]


def _widget(elements, suffix: str):
    return next(e for e in elements if (e.key or "").endswith(suffix))


def _edit(at: AppTest, input_key: str, value: str) -> None:
    _widget(at.text_input, f"_in_{input_key}").input(value).run()


def _save_and_confirm(at: AppTest) -> None:
    _widget(at.button, "_save").click().run()
    at.button(key="hf_confirm_save").click().run()


# --- configuration edit -------------------------------------------------------------------------


def test_edit_writes_one_journal_row_and_no_secret_value_anywhere(
    connect_env, function_with_secret, run_script
):
    fn = function_with_secret(connect_env)
    secret, *others = fn["secret_inputs"]
    plain_key = next(k for k, v in fn["inputs"].items() if isinstance(v.get("value"), str))
    new_secret = "rotated-Secret-Value-7f3a91"
    at = run_script(FORM, function_id=fn["id"])
    _edit(at, plain_key, "https://hooks.example.com/journaled")
    _widget(at.checkbox, f"_in_{secret}_replace").check().run()
    _edit(at, secret, new_secret)
    _save_and_confirm(at)
    assert not at.exception
    assert connect_env.stored_hog_function(fn["id"])["secret_inputs"][secret] == {
        "value": new_secret
    }  # it was sent, so it could have leaked

    (entry,) = _journal()
    assert (entry.action, entry.action_key, entry.outcome) == (
        "Edit configuration",
        "hog_function.edit",
        "done",
    )
    assert (entry.user, entry.resource, entry.object_id) == ("local", "hog_function", fn["id"])
    assert entry.object_name == fn["name"]
    assert entry.method == "PATCH" and entry.path.endswith(f"/hog_functions/{fn['id']}/")
    assert entry.changes == {
        f"inputs.{plain_key}": {
            "before": fn["inputs"][plain_key]["value"],
            "after": "https://hooks.example.com/journaled",
        },
        f"inputs.{secret}": "changed",
        **{f"inputs.{other}": "kept" for other in others},
    }
    stored = _journal_bytes()
    assert b"hooks.example.com/journaled" in stored  # the file is readable as it is
    assert new_secret.encode() not in stored
    for kept in fn["secret_inputs"].values():
        assert str(kept["value"]).encode() not in stored
    assert any(t.value.replace("\\", "") == f"Saved {fn['name']}." for t in at.toast)


def test_edit_with_an_unknown_outcome_says_so_and_keeps_the_draft(
    connect_env, function_with_secret, run_script
):
    fn = function_with_secret(connect_env)
    at = run_script(FORM, function_id=fn["id"])
    _widget(at.text_input, "_name").input("Maybe saved").run()
    connect_env.inject_fault("status", status=502, method="PATCH")
    _save_and_confirm(at)
    message = at.error[0].value.replace("\\", "")
    assert "PostHog may or may not have applied this" in message and "Could not" not in message
    assert _widget(at.text_input, "_name").value == "Maybe saved"
    (entry,) = _journal()
    assert entry.outcome == "unknown" and entry.method == "PATCH"


def test_cancelling_the_question_sends_nothing_and_keeps_the_draft(
    connect_env, function_with_secret, run_script
):
    fn = function_with_secret(connect_env)
    at = run_script(FORM, function_id=fn["id"])
    _widget(at.text_input, "_name").input("Not yet").run()
    _widget(at.button, "_save").click().run()
    at.button(key="hf_cancel_save").click().run()
    assert not _writes(connect_env) and not _journal()
    assert _widget(at.text_input, "_name").value == "Not yet"


# --- delete, restore ----------------------------------------------------------------------------


def test_delete_needs_the_typed_name_is_journaled_and_undone_from_the_journal(
    connect_env, run_script
):
    fn = next(f for f in connect_env.stored_hog_functions(1) if f["type"] == "transformation")
    at = run_script(DETAIL, function_id=fn["id"])
    at.button(key="hf_detail_delete").click().run()
    at.text_input(key="typed_hog_function.delete").input(fn["name"] + " (not it)").run()
    assert at.button(key="hf_confirm_delete").disabled
    assert not _writes(connect_env)
    at.text_input(key="typed_hog_function.delete").input(fn["name"]).run()
    at.button(key="hf_confirm_delete").click().run()
    assert connect_env.stored_hog_function(fn["id"])["deleted"] is True
    (entry,) = _journal()
    assert (entry.action, entry.outcome, entry.object_id) == ("Delete function", "done", fn["id"])
    assert entry.changes == {"deleted": {"before": False, "after": True}}

    # undo from the Journal page: the restore works from the journal row alone
    page = run_script(JOURNAL)
    undo = page.button(key="journal_undo")
    assert undo.label == "Undo: Restore function" and not undo.disabled
    undo.click().run()
    assert connect_env.stored_hog_function(fn["id"])["deleted"] is False
    restored = _journal()[0]
    assert (restored.action, restored.outcome, restored.undoes) == (
        "Restore function",
        "done",
        entry.id,
    )


# --- create, order, backfills, test runs --------------------------------------------------------


def test_create_is_journaled_with_the_new_id_and_no_secret_value(connect_env, run_script):
    at = run_script(GALLERY)
    at.text_input(key="tpl_search").input("Discord").run()
    secret = next(t for t in at.text_input if "webhook" in t.label.lower())
    secret.input("https://discord.example/hook-Secret-93c1")
    at.text_input[1].input("Discord journaled")
    at.form_submit_button[0].click().run()
    created = next(
        f for f in connect_env.stored_hog_functions(1) if f["name"] == "Discord journaled"
    )
    (entry,) = _journal()
    assert (entry.action, entry.outcome, entry.object_id) == (
        "Create function",
        "done",
        created["id"],
    )
    assert entry.method == "POST"
    assert entry.changes["inputs.webhookUrl"] == "changed"
    assert entry.changes["enabled"] == {"before": False, "after": False}
    assert b"hook-Secret-93c1" not in _journal_bytes()


def test_required_template_input_is_asked_for_before_sending(connect_env, run_script):
    at = run_script(GALLERY)
    at.text_input(key="tpl_search").input("Discord").run()
    at.form_submit_button[0].click().run()
    assert "This field is required." in [e.value for e in at.error]
    assert not _writes(connect_env) and not _journal()


def test_order_save_is_journaled_function_by_function(connect_env, run_script):
    at = run_script(ORDER)
    first, second = list(at.session_state["o_draft"])[:2]
    at.button(key=f"o_up_{second}").click().run()
    at.button(key="o_save").click().run()
    (entry,) = _journal()
    assert (entry.action, entry.outcome, entry.method) == (
        "Save transformation order",
        "done",
        "PATCH",
    )
    name = {f["id"]: f["name"] for f in connect_env.stored_hog_functions(1)}
    assert entry.changes[f"{name[second]}: execution order"]["after"] == 1
    assert entry.changes[f"{name[first]}: execution order"]["after"] == 2


def test_enable_backfills_is_journaled(connect_env, run_script):
    fn = next(
        f
        for f in connect_env.stored_hog_functions(1)
        if f["type"] == "destination" and not f["batch_export_id"] and not f["deleted"]
    )
    at = run_script(DETAIL, function_id=fn["id"])
    at.button(key="hf_detail_backfills").click().run()
    export_id = connect_env.stored_hog_function(fn["id"])["batch_export_id"]
    assert any(export_id in t.value for t in at.toast)
    (entry,) = _journal()
    assert (entry.action, entry.outcome, entry.method) == ("Enable backfills", "done", "POST")


def test_a_test_run_is_journaled_as_tested_and_its_result_shown(connect_env, run_script):
    fn = next(f for f in connect_env.stored_hog_functions(1) if f["type"] == "transformation")
    at = run_script(TEST, function_id=fn["id"])
    at.toggle(key="t_mock").set_value(False).run()
    at.button(key="t_run").click().run()
    assert "Success" in at.success[0].value
    (entry,) = _journal()
    assert (entry.action, entry.outcome, entry.method) == ("Test function", "tested", "POST")
    assert entry.changes == {"async calls": "really sent"}


# --- audit mode ----------------------------------------------------------------------------------


def _blocked(element) -> bool:
    return element.disabled and AUDIT in (element.help or "")


def test_audit_mode_disables_every_write_control_and_sends_nothing(connect_env, run_script):
    fn = next(
        f
        for f in connect_env.stored_hog_functions(1)
        if f["type"] == "destination" and f["enabled"] and not f["batch_export_id"]
    )
    at = run_script(DETAIL, function_id=fn["id"], audit_mode=True)
    _widget(at.text_input, "_name").input("Audited").run()
    controls = {
        "switch": next(t for t in at.toggle if "switch" in t.key),
        "save": _widget(at.button, "_save"),
        "delete": at.button(key="hf_detail_delete"),
        "test": at.button(key="hf_detail_test_run"),
        "backfills": at.button(key="hf_detail_backfills"),
    }
    assert {name: _blocked(c) for name, c in controls.items()} == dict.fromkeys(controls, True)

    gallery = run_script(GALLERY, audit_mode=True)
    gallery.text_input(key="tpl_search").input("Discord").run()
    assert _blocked(gallery.form_submit_button[0])

    order = run_script(ORDER, audit_mode=True)
    order.button(key=f"o_up_{list(order.session_state['o_draft'])[1]}").click().run()
    assert _blocked(order.button(key="o_save"))

    restore = run_script(DELETED_HERE, audit_mode=True, hf_deleted_here={fn["id"]: fn["name"]})
    assert _blocked(restore.button(key=f"hf_deleted_{fn['id']}"))

    assert not _writes(connect_env)
    assert not _journal()


def test_a_click_from_a_page_drawn_before_audit_mode_sends_nothing(connect_env, run_script):
    fn = next(f for f in connect_env.stored_hog_functions(1) if f["type"] == "transformation")
    at = run_script(DETAIL, function_id=fn["id"])
    assert not at.button(key="hf_detail_delete").disabled
    at.session_state["audit_mode"] = True  # e.g. from the sidebar in another run
    at.button(key="hf_detail_delete").click().run()
    assert not [b for b in at.button if b.key == "hf_confirm_delete"]  # never asked
    assert _blocked(at.button(key="hf_detail_delete"))
    assert not _writes(connect_env) and not _journal()


# --- health badges --------------------------------------------------------------------------------


def test_health_badges_say_the_state_in_words_and_colour():
    at = AppTest.from_string(HEALTH).run()
    shown = {m.value: m.help for m in at.markdown}
    assert list(shown) == [
        ":green-badge[Active]",
        ":orange-badge[Degraded]",
        ":red-badge[Disabled by PostHog]",
        ":gray-badge[Unknown]",
        ":gray-badge[Paused]",
        ":gray-badge[Odd]",  # a state PostHog adds later still shows, in gray
    ]
    assert "too many failures" in shown[":red-badge[Disabled by PostHog]"]
    assert "operator" in shown[":gray-badge[Paused]"]
    assert not shown[":gray-badge[Odd]"]
    assert health.label("Degraded") == "▲ Degraded" and health.label("Odd") == "? Odd"
