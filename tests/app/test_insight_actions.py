"""Insight writes through the one runner, under AppTest against the emulator: each is
journaled with who, what and how it ended, can be undone from the Journal where PostHog
allows it, and a conflict sends nothing."""

from __future__ import annotations

import os

from emulator.analytics import (
    live_insights,
    stored_dashboard,
    stored_dashboard_named,
    stored_dashboards,
    stored_insight,
)
from services.journal import Journal
from tests.markdown import unescape

DETAIL = """
import streamlit as st
from components.insights import insight_detail
from components.shared.connection import get_client
insight_detail.render(get_client(), st.session_state["ident"])
"""
CREATE = """
from components.insights import insight_form
from components.shared.connection import get_client
insight_form.render_create(get_client(), key="new")
"""
JOURNAL = """
from components.console import journal
from components.shared.connection import get_client
journal.render(get_client())
"""


def _entries() -> list:
    """The journal, oldest first."""
    return sorted(Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"]).entries(), key=lambda e: e.id)


def _writes(emulator) -> list:
    return [r for r in emulator.requests if r.method in ("POST", "PATCH", "PUT", "DELETE")]


def _named(emulator, **wanted) -> dict:
    return next(
        i
        for i in live_insights(emulator)
        if i["name"] and "<" not in i["name"] and all(i[k] == v for k, v in wanted.items())
    )


def test_favoriting_journals_one_row_and_the_journal_undoes_it(connect_env, run_script):
    target = _named(connect_env, favorited=False)
    at = run_script(DETAIL, ident=str(target["id"]))
    at.button(key=f"ins_detail_favorite_{target['id']}").click().run()
    assert not at.exception
    assert stored_insight(connect_env, target["id"])["favorited"] is True
    assert f"Added {target['name']} to favorites." in [unescape(t.value) for t in at.toast]
    (entry,) = _entries()
    assert (entry.outcome, entry.user, entry.action, entry.resource) == (
        "done",
        "local",
        "Favorite insight",
        "insight",
    )
    assert (entry.object_id, entry.object_name) == (str(target["id"]), target["name"])
    assert (entry.method, entry.path) == ("PATCH", f"/api/projects/1/insights/{target['id']}/")
    assert entry.changes == {"favorited": {"before": False, "after": True}}

    from components.console.journal import undo_of

    assert undo_of(entry) == "insight.unfavorite"
    journal = run_script(JOURNAL)
    journal.button(key="journal_undo").click().run()
    assert not journal.exception
    assert stored_insight(connect_env, target["id"])["favorited"] is False
    first, undo = _entries()
    assert (undo.action_key, undo.outcome, undo.undoes) == ("insight.unfavorite", "done", first.id)


def test_deleting_asks_for_the_typed_name_journals_and_the_journal_restores(
    connect_env, run_script
):
    target = _named(connect_env)
    at = run_script(DETAIL, ident=str(target["id"]))
    at.button(key="ins_detail_delete").click().run()
    assert "Type the insight's name" in unescape(" ".join(m.value for m in at.markdown))
    assert at.button(key="ins_confirm_delete").disabled
    at.text_input(key="typed_insight.delete").input(target["name"][:-1]).run()
    assert at.button(key="ins_confirm_delete").disabled  # almost is not enough
    assert not _writes(connect_env) and not _entries()
    at.text_input(key="typed_insight.delete").input(target["name"]).run()
    at.button(key="ins_confirm_delete").click().run()
    assert not at.exception
    assert stored_insight(connect_env, target["id"])["deleted"] is True
    (entry,) = _entries()
    assert (entry.action, entry.outcome, entry.user) == ("Delete insight", "done", "local")
    assert entry.changes == {"deleted": {"before": False, "after": True}}
    assert at.button(key="ins_detail_restore")  # the page now offers Restore

    journal = run_script(JOURNAL)
    journal.button(key="journal_undo").click().run()
    assert stored_insight(connect_env, target["id"])["deleted"] is False
    assert [e.action_key for e in _entries()] == ["insight.delete", "insight.restore"]


def test_a_conflict_on_edit_is_refused_journaled_and_nothing_is_patched(
    connect_env, run_script, client
):
    target = _named(connect_env, saved=True)
    at = run_script(DETAIL, ident=str(target["id"]))
    next(t for t in at.text_input if t.label == "Name").input("Ours")
    client.insights.update(target["id"], tags=["theirs"])  # another operator, meanwhile
    connect_env.clear_requests()
    next(b for b in at.button if (b.key or "").endswith("_save")).click().run()
    assert not at.exception
    assert not _writes(connect_env)
    assert stored_insight(connect_env, target["id"])["name"] == target["name"]
    (entry,) = _entries()
    assert (entry.action, entry.outcome) == ("Edit insight", "refused")
    assert "changed in PostHog" in entry.reason
    assert entry.changes == {"name": {"before": target["name"], "after": "Ours"}}
    text = unescape(" ".join(e.value for e in [*at.error, *at.warning]))
    # tags are not material to PostHog (last_modified_by stays): the message names nobody
    assert "Not saved" in text and "This insight was changed in PostHog at" in text
    assert "(tags)" in text


def test_a_refused_create_keeps_the_form_and_journals_why(connect_env, run_script):
    at = run_script(CREATE)
    assert at.text_input(key="new_name").max_chars == 400  # PostHog's limit, held by the field
    connect_env.inject_fault("status", status=400, method="POST", path_contains="/insights")
    at.text_input(key="new_name").input("Ops pageviews")
    at.button(key="new_submit").click().run()
    assert not at.exception
    assert at.text_input(key="new_name").value == "Ops pageviews"  # the form keeps it
    assert any("Injected validation error" in unescape(e.value) for e in at.error)
    (entry,) = _entries()
    assert (entry.action, entry.outcome, entry.object_id) == ("Create insight", "refused", None)

    at.text_input(key="new_name").input("Ops pageviews").run()
    at.button(key="new_submit").click().run()
    created = _entries()[-1]
    opened = at.query_params["id"]
    opened = opened[0] if isinstance(opened, list) else opened
    assert created.outcome == "done" and created.object_id == opened


def test_adding_to_a_dashboard_is_undone_from_the_journal_after_asking(connect_env, run_script):
    locked = stored_dashboard_named(connect_env, "Marketing attribution")["id"]
    target = next(
        i
        for i in live_insights(connect_env)
        if len(i["dashboards"]) == 1 and locked not in i["dashboards"] and i["name"]
    )
    (kept,) = target["dashboards"]
    added = next(
        d["id"]
        for d in stored_dashboards(connect_env)
        if not d["deleted"] and d["id"] not in (kept, locked)
    )
    at = run_script(DETAIL, ident=str(target["id"]))
    at.selectbox(key="ins_detail_add_choice").select(added).run()
    at.button(key="ins_detail_add").click().run()
    assert sorted(stored_insight(connect_env, target["id"])["dashboards"]) == sorted([kept, added])
    (entry,) = _entries()
    assert (entry.action, entry.outcome) == ("Add insight to a dashboard", "done")
    assert entry.undo_params["dashboard_id"] == added

    journal = run_script(JOURNAL)
    sent = len(_writes(connect_env))
    journal.button(key="journal_undo").click().run()
    assert len(_writes(connect_env)) == sent  # the removal asks first
    kept_name = stored_dashboard(connect_env, kept)["name"]
    assert f"It stays on: {kept_name}." in unescape(" ".join(m.value for m in journal.markdown))
    journal.button(key="ins_confirm_remove").click().run()
    assert stored_insight(connect_env, target["id"])["dashboards"] == [kept]
    undo = _entries()[-1]
    assert (undo.action_key, undo.outcome, undo.undoes) == (
        "insight.remove_from_dashboard",
        "done",
        entry.id,
    )
