"""Bulk actions of the batch exports, insights and dashboards lists under AppTest against the
emulator: the preview counts what changes and what is skipped and why, the batch sends exactly
one write per changing item with the right body and nothing for the skipped ones, and the
journal holds them as one batch."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from emulator.analytics import live_insights, stored_dashboards
from services.journal import Journal
from tests.markdown import unescape

EXPORTS = """
from components.batch_exports import export_list
from components.shared.connection import get_client
export_list.render(get_client())
"""
INSIGHTS = """
from components.insights import insight_list
from components.shared.connection import get_client
insight_list.render(get_client())
"""
DASHBOARDS = """
from components.dashboards import dashboard_list
from components.shared.connection import get_client
dashboard_list.render(get_client())
"""


def _entries() -> list:
    return Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries()


def _one_batch(entries: list) -> str:
    """The batch id every entry shares (there is exactly one, and it is set)."""
    batches = {e.batch_id for e in entries}
    assert len(batches) == 1 and None not in batches, batches
    return batches.pop()


def _table(at, column: str):
    """The table that has `column` (AppTest does not expose a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _counts(at) -> str:
    """The preview's line of counts ("**9** will change · **3** skipped: …")."""
    return next(unescape(m.value) for m in at.markdown if "will change" in m.value)


def _writes(emulator, since: int) -> list:
    return [r for r in emulator.requests[since:] if r.method != "GET"]


def _preview(at, key: str, choice: str):
    """Tick "Select all N matching the filters" under list `key` and open `choice`'s preview;
    nothing is sent before the operator confirms."""
    if at.checkbox(key=f"{key}_bulk_all").value is False:
        at.checkbox(key=f"{key}_bulk_all").check().run()
    at.button(key=f"{key}_bulk_{choice}").click().run()
    assert at.get("dialog"), "the preview opens"
    return at


# --- batch exports ---------------------------------------------------------------------------


def _exports(emulator) -> list[dict]:
    return [x for x in emulator.batch_exports.values() if x["team_id"] == 1 and not x["deleted"]]


def _ended(export: dict) -> bool:
    return export["end_at"] is not None and export["end_at"] <= datetime.now(UTC)


def test_bulk_pause_sends_one_pause_per_running_export_and_none_for_paused_ones(
    connect_env, run_script
):
    exports = _exports(connect_env)
    running = {x["id"] for x in exports if not x["paused"]}
    paused = len(exports) - len(running)
    assert running and paused
    at = run_script(EXPORTS)
    before = len(connect_env.requests)
    _preview(at, "be_list", "pause_Pause")
    assert not _writes(connect_env, before)
    assert _counts(at) == (
        f"**{len(running)}** will change · **{paused}** skipped: Already paused ({paused})"
    )
    assert set(_table(at, "What will change")["What will change"]) == {
        "Running → paused: stops exporting at the next interval"
    }
    at.button(key="bulk_preview_confirm").click().run()

    writes = _writes(connect_env, before)
    assert all(w.method == "POST" and w.path.endswith("/pause/") for w in writes)
    assert sorted(w.path.split("/")[-3] for w in writes) == sorted(running)
    assert all(x["paused"] for x in _exports(connect_env))
    results = _table(at, "Journal entry")
    assert sorted(results["Outcome"]) == sorted(["done"] * len(running) + ["skipped"] * paused)
    entries = _entries()
    _one_batch(entries)
    assert {e.object_id for e in entries} == running
    assert {(e.action_key, e.outcome) for e in entries} == {("batch_export.pause", "done")}


def test_bulk_resume_skips_running_and_ended_exports_and_backfills_when_asked(
    connect_env, run_script
):
    exports = _exports(connect_env)
    ended = [x for x in exports if _ended(x)]
    resumable = {x["id"] for x in exports if x["paused"] and not _ended(x)}
    running = [x for x in exports if not x["paused"] and not _ended(x)]
    assert ended and resumable and running
    at = run_script(EXPORTS)
    before = len(connect_env.requests)
    _preview(at, "be_list", "resume_Resume")
    assert _counts(at) == (
        f"**{len(resumable)}** will change · **{len(running) + len(ended)}** skipped: "
        f"Not paused ({len(running)}), The export has ended ({len(ended)})"
    )
    skipped = _table(at, "Why")
    assert set(skipped[skipped["Why"] == "The export has ended"]["Name"]) == {
        x["name"] for x in ended
    }
    changing = _table(at, "What will change")["What will change"]
    assert all(w.startswith("Paused → running from the next interval") for w in changing)
    assert any("missed while paused" in w for w in changing)
    backfill = at.checkbox(key="be_bulk_resume_backfill")
    assert "missed while paused by these" in backfill.label
    backfill.check().run()
    assert not _writes(connect_env, before)
    at.button(key="bulk_preview_confirm").click().run()

    writes = _writes(connect_env, before)
    assert sorted(w.path.split("/")[-3] for w in writes if w.path.endswith("/unpause/")) == sorted(
        resumable
    )
    assert all(w.json == {"backfill": True} for w in writes if w.path.endswith("/unpause/"))
    assert not [w for w in writes if not w.path.endswith("/unpause/")]
    assert not [x for x in _exports(connect_env) if x["id"] in resumable and x["paused"]]
    entries = _entries()
    _one_batch(entries)
    assert {e.object_id for e in entries} == resumable
    assert all(e.changes["backfill_missed_intervals"]["after"] is True for e in entries)


def test_bulk_delete_of_exports_asks_for_the_count(connect_env, run_script):
    at = run_script(EXPORTS)
    at.multiselect(key="be_list_states").set_value(["Paused"]).run()
    paused = {x["id"] for x in _exports(connect_env) if x["paused"] and not _ended(x)}
    before = len(connect_env.requests)
    _preview(at, "be_list", "delete_Delete")
    assert "cannot be undone" in _table(at, "What will change")["What will change"].iloc[0]
    assert at.button(key="bulk_preview_confirm").disabled
    at.text_input(key="bulk_preview_count").input(str(len(paused))).run()
    at.button(key="bulk_preview_confirm").click().run()
    writes = _writes(connect_env, before)
    assert sorted((w.method, w.path.split("/")[-2]) for w in writes) == sorted(
        ("DELETE", i) for i in paused
    )
    assert len(_entries()) == len(paused)
