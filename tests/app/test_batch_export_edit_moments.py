"""A batch export's start and end under AppTest against the emulator: shown as the exact stored
moment, kept to the second by an edit that does not touch them (a date widget once turned
T23:00Z into T00:00Z), replaced only when the operator types a new one, checked before sending."""

from __future__ import annotations

from datetime import UTC, datetime

from streamlit.testing.v1 import AppTest

from emulator.batch_exports import stored_export

DETAIL = """
import streamlit as st
from components.batch_exports import export_detail
from components.shared.connection import get_client
export_detail.render(get_client(), st.session_state["export_id"])
"""
END = "2031-01-31T23:00:00Z"


def _export_ending_late(emulator) -> dict:
    export = next(
        x
        for x in emulator.batch_exports.values()
        if x["name"].startswith("Postgres analytics") and x["team_id"] == 1
    )
    export["end_at"] = datetime(2031, 1, 31, 23, tzinfo=UTC)
    return export


def _field(at: AppTest, suffix: str):
    return next(t for t in at.text_input if t.key.endswith(suffix))


def _save(at: AppTest) -> None:
    next(b for b in at.button if (b.key or "").endswith("_save")).click().run()
    next(b for b in at.button if (b.key or "").endswith("_confirm")).click().run()


def _stored_end(emulator, export: dict) -> datetime:
    return datetime.fromisoformat(stored_export(emulator, export["id"])["end_at"])


def _patches(emulator) -> list:
    return [r.json for r in emulator.requests if r.method == "PATCH"]


def test_a_rename_keeps_the_end_to_the_second(connect_env, run_script):
    export = _export_ending_late(connect_env)
    at = run_script(DETAIL, export_id=export["id"])
    assert _field(at, "_end").value == END
    _field(at, "_name").input("Postgres (renamed)").run()
    _save(at)
    assert not at.exception
    assert _patches(connect_env) == [{"name": "Postgres (renamed)"}]
    assert _stored_end(connect_env, export) == datetime(2031, 1, 31, 23, tzinfo=UTC)


def test_a_typed_end_replaces_it_with_its_time(connect_env, run_script):
    export = _export_ending_late(connect_env)
    at = run_script(DETAIL, export_id=export["id"])
    _field(at, "_end").input("2031-05-01T18:30:00+02:00").run()
    _save(at)
    assert not at.exception
    assert _patches(connect_env) == [{"end_at": "2031-05-01T18:30:00+02:00"}]


def test_an_unreadable_end_is_explained_next_to_it_and_nothing_is_sent(connect_env, run_script):
    export = _export_ending_late(connect_env)
    at = run_script(DETAIL, export_id=export["id"])
    _field(at, "_end").input("next tuesday").run()
    next(b for b in at.button if (b.key or "").endswith("_save")).click().run()
    assert any("Give a date like 2026-03-01" in e.value for e in at.error)
    assert not _patches(connect_env)
    assert _stored_end(connect_env, export) == datetime(2031, 1, 31, 23, tzinfo=UTC)
