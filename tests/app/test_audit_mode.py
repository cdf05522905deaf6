"""Audit mode (read-only) under AppTest, the whole app against the emulator: forced by the
deployment, every page and detail view clicked through sends PostHog nothing, and every write
control is shown disabled saying why. Chosen in the sidebar, it holds for that session only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError

from components.shared.actions import OUTCOME
from components.shared.console_config import AUDIT_MODE
from services import PostHogClient
from services.journal import Entry, Journal
from tests.app.ticks import tick
from tests.markdown import unescape

AUDIT = "Audit mode is on"
UNKNOWN_ID = "999999"


def _ids(emulator) -> dict[str, str]:
    client = PostHogClient(host=emulator.url, api_key=emulator.demo_key, project_id=1)
    function = next(
        f
        for f in emulator.stored_hog_functions(1)
        if f["enabled"] and not f["deleted"] and f["type"] == "destination" and f["secret_inputs"]
    )
    return {
        "hog_function": function["id"],
        "batch_export": client.batch_exports.list()[0].id,
        "insight": str(next(client.insights.iter()).id),
        "dashboard": str(client.dashboards.list()[0].id),
        "unknown": UNKNOWN_ID,
    }


# (page, which object's ?id=, the write controls it must show disabled saying why: patterns of
# their keys with ids as "#")
VIEWS = [
    ("overview", None, [r"ov_attention_(disable|pause)"]),
    (
        "hog-functions",
        None,
        [r"hf_list_switch_#_#", r"hf_order_save", r"FormSubmitter:tpl_create_.+"],
    ),
    (
        "hog-functions",
        "hog_function",
        [
            r"hf_detail_switch_#_#",
            r"hf_detail_form_.+_save",
            r"hf_detail_test_run",
            r"hf_detail_backfills",
            r"hf_detail_delete",
        ],
    ),
    ("hog-functions", "unknown", []),
    ("batch-exports", None, [r"be_list_pause_.+", r"be_create_submit", r"be_create_test"]),
    (
        "batch-exports",
        "batch_export",
        [
            r"be_detail_pause_.+",
            r"be_detail_edit_#_#_save",
            r"be_detail_runs_retry",
            r"be_detail_runs_cancel",
            r"be_detail_steps_run",
            r"be_detail_backfills_new_go",
            r"be_detail_delete",
        ],
    ),
    ("batch-exports", "unknown", []),
    ("insights", None, [r"ins_list_favorite_#", r"ins_create_submit"]),
    (
        "insights",
        "insight",
        [
            r"ins_detail_favorite_#",
            r"ins_detail_viewed",
            r"ins_detail_#_#_save",
            r"ins_detail_remove_#",
            r"ins_detail_add",
            r"share_on_insight_#",
            r"ins_detail_delete",
        ],
    ),
    ("insights", "unknown", [r"ins_detail_restore"]),
    ("dashboards", None, [r"dash_list_pin_.+", r"dash_create_submit"]),
    (
        "dashboards",
        "dashboard",
        [
            r"dash_detail_edit_#_#_save",
            r"dash_detail_tiles_#_remove_tile",
            r"dash_detail_collab_#_add",
            r"dash_detail_collab_#_remove",
            r"dash_detail_restriction_#_#",
            r"share_on_dashboard_#",
            r"dash_detail_delete",
        ],
    ),
    ("dashboards", "unknown", []),
    ("analytics-audit", None, []),
    ("app-metrics", None, []),
    ("journal", None, [r"journal_undo"]),
    ("settings", None, []),
]


@dataclass
class Walk:
    """What clicking through one view found."""

    exceptions: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)  # control -> a non-GET request
    refused: list[str] = field(default_factory=list)  # enabled control refused by audit mode
    clicked: list[str] = field(default_factory=list)
    write_controls: dict[str, tuple[bool, str]] = field(default_factory=dict)  # disabled, help
    outcomes: list[str] = field(default_factory=list)


def _open(at: AppTest, page: str, object_id: str | None) -> AppTest:
    at.switch_page(f"pages/{page}.py")
    at.query_params.clear()
    if object_id is not None:
        at.query_params["id"] = object_id
    at.run()
    # pick the first row of every table that offers a row's actions
    picked = False
    for table in at.dataframe:
        if table.key and table.proto.selection_mode and len(table.value):
            at.session_state[table.key] = {"selection": {"rows": [0], "columns": []}}
            picked = True
    if picked:
        at.run()
    # a draft edit, which shows the forms' save buttons (never sent: they must be disabled)
    names = [t for t in at.text_input if t.label in ("Name", "Name *") and not t.proto.disabled]
    for name in names:
        name.input(f"{name.value or ''} (audit)")
    return at.run() if names else at


def _controls(at: AppTest) -> list:
    found = []
    for kind in ("button", "toggle", "checkbox", "radio", "selectbox"):
        found.extend(at.get(kind))
    return found


def _name(control) -> str:
    """One name per kind of control: ids in keys (uuids, numbers) collapse, so the walk
    clicks one switch of a list, not all three hundred."""
    key = control.key or f"{control.type}:{control.label}"
    return re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|\d+", "#", key)


def _writes(emulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emulator.requests if r.method != "GET"]


def _refusals(at: AppTest) -> list[str]:
    return [unescape(e.value) for e in at.error if AUDIT in unescape(e.value)]


def _walk(at: AppTest, emulator, page: str, object_id: str | None, wanted: list[str]) -> Walk:
    walk = Walk()
    _open(at, page, object_id)
    done: set[str] = set()
    for _step in range(80):
        for control in _controls(at):
            if any(re.fullmatch(w, _name(control)) for w in wanted):
                walk.write_controls[_name(control)] = (
                    bool(control.proto.disabled),
                    getattr(control, "help", "") or "",
                )
        if at.exception:
            walk.exceptions.append(f"{page}?id={object_id}: {at.exception[0].value}")
            break
        todo = [
            c
            for c in _controls(at)
            if not c.proto.disabled
            and _name(c) not in done
            and c.key != "audit_mode_switch"
            and c.type in ("button", "toggle", "checkbox")
        ]
        if not todo:
            break
        control = todo[0]
        done.add(_name(control))
        walk.clicked.append(_name(control))
        before = len(_writes(emulator))
        if control.type == "button":
            control.click()
        else:
            control.set_value(not control.value)
        at.run()
        if len(_writes(emulator)) > before:
            walk.writes.append(f"{_name(control)}: {_writes(emulator)[before:]}")
        # refused by the runner (its message waits in the session) or by the transport
        if OUTCOME in at.session_state:
            walk.outcomes.append(f"{_name(control)}: {at.session_state[OUTCOME][1]}")
            del at.session_state[OUTCOME]
        walk.refused.extend(f"{_name(control)}: {r}" for r in _refusals(at))
        # a click that left the view (a back button, Open details) comes back to it
        if (at.query_params.get("id") or [None])[0] != object_id or not at.title:
            _open(at, page, object_id)
    return walk


def _journal_a_disable(emulator, function_id: str) -> None:
    """A done disable on this emulator, so the Journal page offers its Undo."""
    import os

    book = Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"])
    entry_id = book.begin(
        Entry(
            user="local",
            host=emulator.url,
            project_id=str(emulator.project_id),
            action="Disable function",
            action_key="hog_function.disable",
            resource="hog_function",
            object_id=function_id,
            object_name="Some function",
        )
    )
    book.complete(entry_id, outcome="done", method="PATCH", path="/x/")
    book.dispose()


@pytest.mark.parametrize(
    "page,which,wanted",
    VIEWS,
    ids=[f"{page}{'?id=' + which if which else ''}" for page, which, _ in VIEWS],
)
def test_forced_audit_mode_sends_nothing_and_every_write_control_says_why(
    app, connect_env, monkeypatch, page, which, wanted
):
    monkeypatch.setenv("POSTHOG_CONSOLE_READ_ONLY", "1")
    ids = _ids(connect_env)
    _journal_a_disable(connect_env, ids["hog_function"])
    at = app.run()
    assert AUDIT in at.sidebar.info[0].value
    switch = at.toggle(key="audit_mode_switch")
    assert switch.value is True and switch.disabled
    connect_env.clear_requests()

    walk = _walk(at, connect_env, page, ids[which] if which else None, wanted)

    assert walk.exceptions == []
    assert _writes(connect_env) == [], walk.writes
    # an enabled control that is refused only once clicked: it should have been disabled
    assert walk.refused == []
    assert [o for o in walk.outcomes if AUDIT in o] == []
    missing = [w for w in wanted if not any(re.fullmatch(w, k) for k in walk.write_controls)]
    assert missing == [], f"write controls not found: {missing}"
    not_disabled = {
        k: help_ for k, (disabled, help_) in walk.write_controls.items() if not disabled
    }
    assert not_disabled == {}
    unexplained = {
        k: help_ for k, (_disabled, help_) in walk.write_controls.items() if AUDIT not in help_
    }
    assert unexplained == {}


# --- how audit mode is switched on ---------------------------------------------------------------
# AppTest reruns a switched-to page's own script, without app.py's sidebar, so the sidebar is
# checked on the app's first run, and the session switch in a script built like app.py.

SESSION = """
from components.console.sidebar import render_audit_mode
from components.hog_functions import function_list
from components.shared import actions
from components.shared.connection import get_client
render_audit_mode()
client = get_client()
actions.show_outcome()
function_list.render(client)
actions.ask_pending(client)
"""


def _list_switch(at: AppTest):
    """The first function's switch on the hog functions list ("/" is the Overview)."""
    if any(t.value == "Overview" for t in at.title):
        at.switch_page("pages/hog-functions.py")
        at.run()
    tick(at, "hf_list_table", at.dataframe[0].value, [0])
    return next(t for t in at.toggle if t.key.startswith("hf_list_switch_"))


def test_the_sidebar_switch_turns_audit_mode_on_for_this_session_only(connect_env):
    at = AppTest.from_string(SESSION, default_timeout=60).run()
    assert not at.sidebar.info
    assert not _list_switch(at).disabled
    at.toggle(key="audit_mode_switch").set_value(True).run()
    assert AUDIT in at.sidebar.info[0].value
    switch = _list_switch(at)
    assert switch.disabled and AUDIT in switch.help

    other = AppTest.from_string(SESSION, default_timeout=60).run()  # another browser session
    assert not other.sidebar.info
    assert not _list_switch(other).disabled

    at.toggle(key="audit_mode_switch").set_value(False).run()
    assert not at.sidebar.info
    assert not _list_switch(at).disabled


def test_the_environment_forces_audit_mode_and_locks_the_switch(app, connect_env, monkeypatch):
    monkeypatch.setenv("POSTHOG_CONSOLE_READ_ONLY", "1")
    at = app.run()
    switch = at.toggle(key="audit_mode_switch")
    assert switch.value is True and switch.disabled
    assert "deployment" in switch.help
    assert AUDIT in at.sidebar.info[0].value
    listed = _list_switch(at)
    assert listed.disabled and AUDIT in listed.help

    session = AppTest.from_string(SESSION, default_timeout=60).run()
    with pytest.raises(AppTestError):  # disabled: no one can click it off
        session.toggle(key="audit_mode_switch").set_value(False)
    session.session_state[AUDIT_MODE] = False  # even this session's own choice forged "off" …
    session.run()
    assert AUDIT in session.sidebar.info[0].value  # … leaves it on
    assert _list_switch(session).disabled


def test_secrets_toml_forces_audit_mode(app, connect_env):
    app.secrets["console"] = {"read_only": True}
    at = app.run()
    switch = at.toggle(key="audit_mode_switch")
    assert switch.value is True and switch.disabled
    assert AUDIT in at.sidebar.info[0].value
    listed = _list_switch(at)
    assert listed.disabled and AUDIT in listed.help
