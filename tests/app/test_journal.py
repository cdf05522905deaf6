"""The journal under AppTest against the emulator: a disable from the list writes one row,
the Journal page shows it, Undo re-enables the function through the runner, secrets never
reach the database, and a journal that cannot be written stops the write before PostHog."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from services.journal import Entry, Journal
from tests.markdown import unescape

LIST = """
from components.hog_functions import function_list as hog_function_list
from components.shared.connection import get_client
hog_function_list.render(get_client())
"""
JOURNAL = """
from components.console import journal
from components.shared.connection import get_client
journal.render(get_client())
"""


def _journal() -> Journal:
    return Journal(os.environ["POSTHOG_CONSOLE_JOURNAL_URL"])


def _record(
    host: str, outcome: str, reason: str | None = None, *, url: str | None = None, **fields
) -> int:
    """A journal entry as the runner leaves it (a disable unless told otherwise), in this
    test's journal or the one at `url`."""
    values = {
        "user": "local",
        "project_id": "1",
        "action": "Disable function",
        "action_key": "hog_function.disable",
        "resource": "hog_function",
        **fields,
    }
    book = Journal(url) if url else _journal()
    entry_id = book.begin(Entry(host=host, **values))
    book.complete(entry_id, outcome=outcome, reason=reason)
    book.dispose()
    return entry_id


def _patches(emulator) -> list:
    return [r for r in emulator.requests if r.method == "PATCH"]


def _secret_values(emulator) -> set[str]:
    """Every secret input value of every seeded function, as the text it would be stored as."""
    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and len(value) >= 6:
            found.add(value)

    for project in (1, 2):
        for fn in emulator.stored_hog_functions(project):
            walk(fn["secret_inputs"])
    assert len(found) > 10  # the seed has secrets to leak
    return found


def _enabled_function_with_secret(emulator) -> dict:
    """An enabled destination with a secret set, whose name typed into the list's search
    finds only itself."""
    stored = [f for f in emulator.stored_hog_functions(1) if not f["deleted"]]
    for fn in stored:
        if fn["enabled"] and fn["type"] == "destination" and fn["secret_inputs"]:
            needle = fn["name"].lower()
            if (
                "<" not in needle
                and sum(needle in f"{g['name']} {g['description']}".lower() for g in stored) == 1
            ):
                return fn
    raise AssertionError("no searchable enabled destination with a secret")


def _disable_from_the_list(emulator, run_script, fn: dict) -> AppTest:
    at = run_script(LIST)
    at.text_input(key="hf_list_search").input(fn["name"]).run()
    switch = next(t for t in at.toggle if t.key.startswith(f"hf_list_switch_{fn['id']}"))
    emulator.clear_requests()
    switch.set_value(False).run()
    at.button(key="hf_confirm_disable").click().run()
    assert not at.exception
    return at


def _assert_one_done_disable(emulator, fn: dict) -> Entry:
    entries = _journal().entries()
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.outcome, entry.user, entry.action_key) == (
        "done",
        "local",
        "hog_function.disable",
    )
    assert (entry.host, entry.project_id) == (emulator.url, str(emulator.project_id))
    assert (entry.method, entry.path) == ("PATCH", f"/api/projects/1/hog_functions/{fn['id']}/")
    assert (entry.resource, entry.object_id, entry.object_name) == (
        "hog_function",
        fn["id"],
        fn["name"],
    )
    assert entry.changes == {"enabled": {"before": True, "after": False}}
    return entry


def _table(at: AppTest):
    return at.dataframe[0].value


def _select_entry(at: AppTest, entry_id: int) -> AppTest:
    table = at.dataframe[0]
    row = list(table.value["id"]).index(entry_id)
    at.session_state[table.key] = {"selection": {"rows": [row], "columns": []}}
    return at.run()


def _panel(at: AppTest) -> str:
    return unescape(" ".join(m.value for m in [*at.markdown, *at.caption]))


# --- disable from the list: one journal row, shown on the page, no secret ---------------------


def test_disable_from_the_list_writes_one_done_row_the_journal_page_shows(
    connect_env, run_script, own_journal
):
    fn = _enabled_function_with_secret(connect_env)
    _disable_from_the_list(connect_env, run_script, fn)
    assert [p.json for p in _patches(connect_env)] == [{"enabled": False}]
    entry = _assert_one_done_disable(connect_env, fn)

    page = run_script(JOURNAL)
    assert not page.exception and not page.error
    frame = _table(page)
    assert list(frame["id"]) == [entry.id]
    row = frame.iloc[0]
    assert (row["User"], row["Action"], row["Name"], row["Outcome"]) == (
        "local",
        "Disable function",
        fn["name"],
        "done",
    )
    assert row["Object"] == f"/hog-functions?id={fn['id']}"
    assert row["Request"] == f"PATCH /api/projects/1/hog_functions/{fn['id']}/"

    # no secret of any seeded function anywhere in the database's files (WAL included)
    path = Path(own_journal.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in path.parent.glob(f"{path.name}*"))
    assert fn["name"].encode() in stored  # the right files were read
    leaked = [s for s in _secret_values(connect_env) if s.encode() in stored]
    assert leaked == []


def test_disable_is_journaled_in_a_real_postgresql(
    connect_env, run_script, monkeypatch, fresh_postgres_url
):
    monkeypatch.setenv("POSTHOG_CONSOLE_JOURNAL_URL", fresh_postgres_url)
    fn = _enabled_function_with_secret(connect_env)
    _disable_from_the_list(connect_env, run_script, fn)
    assert connect_env.stored_hog_function(fn["id"])["enabled"] is False
    entry = _assert_one_done_disable(connect_env, fn)

    page = run_script(JOURNAL)
    assert list(_table(page)["id"]) == [entry.id]
    assert "postgresql+psycopg://console@127.0.0.1" in " ".join(c.value for c in page.caption)

    engine = create_engine(fresh_postgres_url)
    with engine.connect() as conn:
        dump = "\n".join(
            conn.execute(text("SELECT row_to_json(j)::text FROM console_journal j")).scalars()
        )
    engine.dispose()
    assert fn["id"] in dump
    assert [s for s in _secret_values(connect_env) if s in dump] == []


# --- undo from the Journal page ------------------------------------------------------------------


def test_undo_from_the_journal_re_enables_and_journals_the_undo(connect_env, run_script):
    fn = _enabled_function_with_secret(connect_env)
    _disable_from_the_list(connect_env, run_script, fn)
    first = _journal().entries()[0]

    page = run_script(JOURNAL)
    assert page.button(key="journal_open").label == "Open hog function"
    undo = page.button(key="journal_undo")
    assert undo.label == "Undo: Enable function" and not undo.disabled
    connect_env.clear_requests()
    undo.click().run()
    assert not page.exception
    assert [p.json for p in _patches(connect_env)] == [{"enabled": True}]
    assert connect_env.stored_hog_function(fn["id"])["enabled"] is True

    newest, disabled = _journal().entries()
    assert disabled.id == first.id
    assert (newest.action_key, newest.outcome, newest.undoes) == (
        "hog_function.enable",
        "done",
        first.id,
    )
    assert newest.object_id == fn["id"] and newest.user == "local"

    frame = _table(page)
    assert list(frame["id"]) == [newest.id, first.id]
    assert list(frame["Outcome"]) == ["done", "done (undone)"]
    assert list(frame["Undoes"]) == [f"#{first.id}", ""]
    # the selection stayed on the undone entry, not on the row now first
    assert f"#{first.id}" in _panel(page)
    undo = page.button(key="journal_undo")
    assert undo.disabled and undo.help == "Already undone."

    # the undo can itself be undone: disabling asks first, as it does from the list
    _select_entry(page, newest.id)
    undo = page.button(key="journal_undo")
    assert undo.label == "Undo: Disable function" and not undo.disabled
    connect_env.clear_requests()
    undo.click().run()
    assert not _patches(connect_env)  # asked, not sent
    page.button(key="hf_confirm_disable").click().run()
    assert [p.json for p in _patches(connect_env)] == [{"enabled": False}]
    assert _journal().entries()[0].undoes == newest.id


def test_undo_is_refused_for_another_project_and_absent_for_a_refused_write(
    connect_env, run_script
):
    elsewhere = _record("https://eu.posthog.com", "done", object_id="abc", object_name="Far away")
    refused = _record(
        connect_env.url,
        "refused",
        "Needs the hog_function:write scope.",
        object_id="def",
        object_name="Refused one",
    )
    page = run_script(JOURNAL)
    _select_entry(page, elsewhere)
    undo = page.button(key="journal_undo")
    assert undo.disabled and "another PostHog project" in undo.help
    _select_entry(page, refused)
    assert not [b for b in page.button if b.key == "journal_undo"]
    assert "cannot be undone" in _panel(page)
    assert "Needs the hog_function:write scope." in list(_table(page)["Reason"])


# --- fail closed ---------------------------------------------------------------------------------


def _read_only_sqlite(tmp_path) -> str:
    path = tmp_path / "kept.sqlite3"
    _record("h", "done", url=f"sqlite:///{path}")
    # SQLite's read-only open: root ignores file modes, this works for everyone
    return f"sqlite:///file:{path}?mode=ro&uri=true"


@pytest.mark.parametrize("journal", ["bad URL", "read-only file"])
def test_a_journal_that_cannot_be_written_stops_the_write_before_posthog(
    connect_env, run_script, monkeypatch, tmp_path, journal
):
    url = "notadb://x" if journal == "bad URL" else _read_only_sqlite(tmp_path)
    monkeypatch.setenv("POSTHOG_CONSOLE_JOURNAL_URL", url)
    fn = _enabled_function_with_secret(connect_env)
    at = _disable_from_the_list(connect_env, run_script, fn)
    assert not _patches(connect_env)
    assert [r.method for r in connect_env.requests if r.method != "GET"] == []
    assert connect_env.stored_hog_function(fn["id"])["enabled"] is True
    # said at once, as the dialog closes, not on the operator's next click
    assert at.error, "the refusal is not shown after confirming"
    message = unescape(at.error[0].value)
    assert "nothing was sent to PostHog" in message
    assert "journal cannot be written" in message
    assert fn["name"] in message

    page = run_script(JOURNAL)
    assert not page.exception
    if journal == "bad URL":
        assert "The journal cannot be opened" in unescape(page.error[0].value)
        assert not page.dataframe
    else:  # still readable: the entries it holds are shown, the file's place too
        assert len(_table(page)) == 1
        assert str(tmp_path / "kept.sqlite3") in " ".join(c.value for c in page.caption)


# --- the page: filters, CSV, links, location ------------------------------------------------------


def _seed_page(host: str) -> dict[str, int]:
    rows = [
        ("ana", "hog_function", "Disable function", "hog_function.disable", "f-1", "done"),
        ("bo", "batch_export", "Pause export", "batch_export.pause", "e-2", "refused"),
        ("ana", "insight", "Rename insight", "insight.update", "17", "unknown"),
        ("cy", "dashboard", "Pin dashboard", "dashboard.pin", "5", "done"),
    ]
    return {
        object_id: _record(
            host,
            outcome,
            user=user,
            resource=resource,
            action=words,
            action_key=key,
            object_id=object_id,
            object_name=f"{resource} {object_id}",
        )
        for user, resource, words, key, object_id, outcome in rows
    }


def test_the_page_filters_links_each_entry_offers_csv_and_says_where_it_is_kept(
    connect_env, run_script, own_journal
):
    ids = _seed_page(connect_env.url)
    page = run_script(JOURNAL)
    assert not page.exception
    frame = _table(page)
    assert list(frame["id"]) == [ids["5"], ids["17"], ids["e-2"], ids["f-1"]]  # newest first
    assert dict(zip(frame["id"], frame["Object"], strict=True)) == {
        ids["f-1"]: "/hog-functions?id=f-1",
        ids["e-2"]: "/batch-exports?id=e-2",
        ids["17"]: "/insights?id=17",
        ids["5"]: "/dashboards?id=5",
    }
    assert page.get("download_button")
    where = own_journal.removeprefix("sqlite:///")
    assert where in " ".join(c.value for c in page.caption)

    page.multiselect(key="journal_user").set_value(["ana"]).run()
    assert list(_table(page)["id"]) == [ids["17"], ids["f-1"]]
    page.multiselect(key="journal_outcome").set_value(["done"]).run()
    assert list(_table(page)["id"]) == [ids["f-1"]]
    page.multiselect(key="journal_user").set_value([]).run()
    assert list(_table(page)["id"]) == [ids["5"], ids["f-1"]]
    page.multiselect(key="journal_res").set_value(["dashboard"]).run()
    assert list(_table(page)["id"]) == [ids["5"]]
    page.multiselect(key="journal_res").set_value([]).run()
    page.multiselect(key="journal_outcome").set_value([]).run()
    page.multiselect(key="journal_action").set_value(["Pause export"]).run()
    assert list(_table(page)["id"]) == [ids["e-2"]]
    page.multiselect(key="journal_action").set_value([]).run()

    today = datetime.now(UTC).date()
    page.date_input(key="journal_dates").set_value(
        (today - timedelta(days=60), today - timedelta(days=31))
    ).run()
    assert not page.dataframe
    assert "No change matches" in page.info[0].value
    page.date_input(key="journal_dates").set_value((today, today)).run()
    assert len(_table(page)) == 4


def test_the_page_says_when_it_shows_only_the_newest_entries(connect_env, run_script, monkeypatch):
    monkeypatch.setattr("components.console.journal.SHOWN", 3)
    ids = _seed_page(connect_env.url)
    page = run_script(JOURNAL)
    assert list(_table(page)["id"]) == [ids["5"], ids["17"], ids["e-2"]]
    assert "newest 3 matching changes" in " ".join(c.value for c in page.caption)
    page.multiselect(key="journal_user").set_value(["ana"]).run()
    assert len(_table(page)) == 2
    assert "newest" not in " ".join(c.value for c in page.caption)


def test_an_unset_value_reads_as_unset_not_none(connect_env, run_script):
    _record(
        connect_env.url,
        "done",
        action="Save transformation order",
        action_key="hog_function.rearrange",
        object_name="Transformation order",
        changes={"GeoIP: execution order": {"before": None, "after": 1}},
    )
    page = run_script(JOURNAL)
    (changes,) = page.dataframe[0].value["Changes"]
    assert changes == "GeoIP: execution order: unset → 1"
