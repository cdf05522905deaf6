"""The journal on SQLite and on a real PostgreSQL: schema on first use, pending then
completed entries, filters, undo links, no secret values, several writers, fail closed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from services.journal import Entry, Journal, JournalUnavailable, secret_change

ROOT = Path(__file__).resolve().parents[2]


def _entry(**fields) -> Entry:
    values = {
        "user": "local",
        "host": "https://eu.posthog.com",
        "project_id": "1",
        "action": "Disable function",
        "action_key": "hog_function.disable",
        "resource": "hog_function",
        "object_id": "0190-abc",
        "object_name": "Webhook to Slack",
    }
    values.update(fields)
    return Entry(**values)


@pytest.fixture
def book(journal_url):
    journal = Journal(journal_url)
    yield journal
    journal.dispose()


def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


# --- schema, begin and complete ---------------------------------------------------------------


def test_schema_is_created_on_first_use(journal_url):
    if journal_url.startswith("sqlite"):
        assert not Path(journal_url.removeprefix("sqlite:///")).parent.exists()
    else:
        assert "console_journal" not in _tables(journal_url)
    book = Journal(journal_url)
    assert book.entries() == []
    book.dispose()
    assert "console_journal" in _tables(journal_url)


def test_an_entry_is_pending_until_completed_and_keeps_every_field(book):
    before = datetime.now(UTC)
    changes = {"name": {"before": "Old “name”", "after": "Новое имя ✓"}, "filters": [1, {"a": 2}]}
    entry_id = book.begin(
        _entry(changes=changes, batch_id="batch-1", undo_params={"version": 3}, object_name="✓ x")
    )
    pending = book.get(entry_id)
    assert pending.outcome == "pending" and pending.method is None
    assert pending.at.tzinfo is not None and pending.at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= pending.at <= datetime.now(UTC) + timedelta(seconds=1)
    assert pending.changes == changes
    assert (pending.user, pending.host, pending.project_id) == (
        "local",
        "https://eu.posthog.com",
        "1",
    )
    assert (pending.resource, pending.object_id, pending.object_name) == (
        "hog_function",
        "0190-abc",
        "✓ x",
    )
    assert (pending.batch_id, pending.undo_params) == ("batch-1", {"version": 3})

    book.complete(
        entry_id, outcome="done", method="PATCH", path="/api/projects/1/hog_functions/0190-abc/"
    )
    done = book.get(entry_id)
    assert (done.outcome, done.method, done.path) == (
        "done",
        "PATCH",
        "/api/projects/1/hog_functions/0190-abc/",
    )
    assert done.at == pending.at  # completing does not move the entry in time


def test_an_action_that_sent_several_requests_records_them_all(book):
    """The runner joins every method and path an action sent; PostgreSQL enforces lengths."""
    entry_id = book.begin(_entry(action="Remove tile", object_name="x" * 5000))
    methods = "PATCH; POST; DELETE; PUT"
    paths = "; ".join(f"/api/projects/1/dashboards/{n}/tiles/{n * 7}/" for n in range(40))
    book.complete(entry_id, outcome="done", method=methods, path=paths)
    entry = book.get(entry_id)
    assert (entry.method, entry.path, len(entry.object_name)) == (methods, paths, 5000)


@pytest.mark.parametrize("outcome", ["refused", "unknown", "tested"])
def test_every_ending_is_recorded_with_its_reason(book, outcome):
    entry_id = book.begin(_entry())
    book.complete(entry_id, outcome=outcome, reason=f"why it was {outcome}")
    entry = book.get(entry_id)
    assert (entry.outcome, entry.reason) == (outcome, f"why it was {outcome}")


def test_a_created_object_gets_its_id_when_completed_and_an_unknown_outcome_is_refused(book):
    entry_id = book.begin(_entry(action="Create dashboard", object_id=None, object_name="New"))
    book.complete(entry_id, outcome="done", object_id=42, object_name="New (1)")
    entry = book.get(entry_id)
    assert (entry.object_id, entry.object_name) == ("42", "New (1)")
    with pytest.raises(ValueError):
        book.complete(entry_id, outcome="finished")
    assert book.get(entry_id).outcome == "done"
    assert book.get(entry_id + 1000) is None


# --- reading: filters, order, undo --------------------------------------------------------------


def _seed(book) -> dict[str, int]:
    ids = {}
    ids["a"] = book.begin(_entry(user="ana"))
    book.complete(ids["a"], outcome="done")
    ids["b"] = book.begin(
        _entry(
            user="bo",
            resource="batch_export",
            action="Pause export",
            action_key="batch_export.pause",
            batch_id="bulk-7",
        )
    )
    book.complete(ids["b"], outcome="refused", reason="no scope")
    ids["c"] = book.begin(_entry(user="ana", resource="insight", action="Rename insight"))
    book.complete(ids["c"], outcome="unknown")
    ids["d"] = book.begin(_entry(user="cy", batch_id="bulk-7"))
    return ids


def test_filters_and_newest_first(book):
    ids = _seed(book)

    def seen(**filters) -> list[int]:
        return [e.id for e in book.entries(**filters)]

    assert seen() == [ids["d"], ids["c"], ids["b"], ids["a"]]
    assert seen(users=["ana"]) == [ids["c"], ids["a"]]
    assert seen(users=["ana", "bo"]) == [ids["c"], ids["b"], ids["a"]]
    assert seen(resources=["batch_export"]) == [ids["b"]]
    assert seen(actions=["Disable function"]) == [ids["d"], ids["a"]]
    assert seen(outcomes=["pending"]) == [ids["d"]]
    assert seen(outcomes=["done", "unknown"]) == [ids["c"], ids["a"]]
    assert seen(batch_id="bulk-7") == [ids["d"], ids["b"]]
    assert seen(users=["ana"], outcomes=["refused"]) == []
    assert seen(limit=2) == [ids["d"], ids["c"]]
    assert book.distinct("user") == ["ana", "bo", "cy"]
    assert book.distinct("resource") == ["batch_export", "hog_function", "insight"]


def test_date_range_is_compared_in_utc_whatever_zone_it_is_given_in(book):
    first = book.begin(_entry())
    time.sleep(0.05)
    at = book.get(first).at
    second = book.begin(_entry())
    assert [e.id for e in book.entries(since=at)] == [second, first]  # since is inclusive
    assert [e.id for e in book.entries(until=at)] == []  # until is exclusive
    assert [e.id for e in book.entries(since=at + timedelta(microseconds=1))] == [second]
    # the same moment seen from UTC+05:30 and as a naive UTC time
    india = timezone(timedelta(hours=5, minutes=30))
    assert [e.id for e in book.entries(since=at.astimezone(india))] == [second, first]
    assert [e.id for e in book.entries(since=at.replace(tzinfo=None))] == [second, first]
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert book.entries(since=tomorrow) == []
    assert len(book.entries(since=at - timedelta(days=1), until=tomorrow)) == 2


def test_an_entry_is_undone_only_by_an_undo_that_was_not_refused(book):
    first = book.begin(_entry())
    book.complete(first, outcome="done")
    other = book.begin(_entry(object_id="other"))
    book.complete(other, outcome="done")
    refused = book.begin(_entry(action="Enable function", undoes=first))
    book.complete(refused, outcome="refused", reason="no scope")
    assert book.undone([first, other]) == set()
    undo = book.begin(_entry(action="Enable function", undoes=first))
    assert book.undone([first, other]) == {first}  # already pending counts: no second undo
    book.complete(undo, outcome="done")
    assert book.undone([first, other]) == {first}
    assert book.get(undo).undoes == first
    assert book.undone([]) == set()


# --- secrets ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field,value",
    [
        ("changes", {"inputs": {"api_key": {"before": {"secret": True}, "after": "x"}}}),
        ("changes", {"inputs": {"api_key": {"secret": True, "value": "sk-live-1"}}}),
        ("changes", {"payload": {"secret_inputs": {"api_key": "sk-live-1"}}}),
        ("undo_params", {"config": [{"secret": True, "value": "sk-live-1"}]}),
    ],
)
def test_begin_refuses_a_secret_marker_and_writes_nothing(book, field, value):
    with pytest.raises(ValueError, match="secret"):
        book.begin(_entry(**{field: value}))
    assert book.entries() == []


def test_complete_refuses_secret_undo_params_and_secrets_are_kept_or_changed(book):
    entry_id = book.begin(_entry(changes={"api_key": secret_change(replaced=False)}))
    with pytest.raises(ValueError, match="secret"):
        book.complete(entry_id, outcome="done", undo_params={"secret_inputs": {"k": "v"}})
    assert book.get(entry_id).outcome == "pending"
    assert book.get(entry_id).changes == {"api_key": "kept"}
    assert secret_change(replaced=True) == "changed"
    assert secret_change(replaced=False) == "kept"


# --- several processes -------------------------------------------------------------------------

WRITER = """
import sys, time
from services.journal import Entry, Journal
url, who, count, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
time.sleep(max(0.0, start - time.time()))  # every process starts writing at the same moment
book = Journal(url)
for i in range(count):
    entry_id = book.begin(Entry(user=who, host="h", project_id="1", action="Disable function",
                                action_key="hog_function.disable", resource="hog_function",
                                object_id=f"{who}-{i}", object_name=f"{who} {i}"))
    book.complete(entry_id, outcome="done", method="PATCH", path=f"/x/{who}-{i}/")
book.dispose()
"""


def test_four_processes_writing_at_once_on_a_new_journal_lose_no_entry(journal_url):
    processes, count = 4, 25
    start = time.time() + 2.0
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, journal_url, f"p{n}", str(count), str(start)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    book = Journal(journal_url)
    entries = book.entries(limit=10_000)
    book.dispose()
    assert len(entries) == processes * count
    assert {e.object_id for e in entries} == {
        f"p{n}-{i}" for n in range(processes) for i in range(count)
    }
    assert {e.outcome for e in entries} == {"done"}
    assert len({e.id for e in entries}) == processes * count


# --- fail closed -------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "url",
    [
        "notadb://x",
        "definitely not a url",
        "postgresql+psycopg://console:s3cret-Pa55@127.0.0.1:{port}/journal",
        "sqlite:///{tmp}/no-such-dir/journal.sqlite3?mode=ro&uri=true",
    ],
)
def test_a_journal_that_cannot_be_opened_says_why_in_one_line_without_the_password(url, tmp_path):
    url = url.format(port=_free_port(), tmp=tmp_path)
    url = url.replace("sqlite:///", "sqlite:///file:") if "uri=true" in url else url
    book = Journal(url)
    with pytest.raises(JournalUnavailable) as raised:
        book.begin(_entry())
    reason = raised.value.reason
    assert reason and "\n" not in reason
    assert "s3cret-Pa55" not in reason and "s3cret-Pa55" not in str(raised.value)
    assert "s3cret-Pa55" not in book.where
    with pytest.raises(JournalUnavailable):
        book.check()
    with pytest.raises(JournalUnavailable):
        book.entries()


def test_a_read_only_sqlite_journal_refuses_to_begin(tmp_path):
    path = tmp_path / "journal.sqlite3"
    writable = Journal(f"sqlite:///{path}")
    kept = writable.begin(_entry())
    writable.dispose()
    book = Journal(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert book.where == str(path)
    with pytest.raises(JournalUnavailable) as raised:
        book.begin(_entry())
    assert "readonly" in raised.value.reason.replace("-", "").replace(" ", "").lower()
    assert not (tmp_path / "file:").exists()  # the URI form names a file, not a folder
    book.dispose()
    assert [e.id for e in Journal(f"sqlite:///{path}").entries()] == [kept]


def _as_unprivileged_user(work) -> str:
    """Run `work()` in a forked child that, under root, first becomes `nobody` (root ignores
    file modes). Forked, not executed: the interpreter may live where `nobody` cannot read.
    Returns what `work` returned, or the error it raised, as text."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        try:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            answer = f"ok {work()}"
        except BaseException as exc:  # report everything to the parent
            answer = f"raised {type(exc).__name__}: {exc}"
        os.write(write, answer.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    return answer


def test_a_journal_file_the_console_may_not_write_refuses_to_begin():
    """chmod 0444 in a 0555 folder."""
    folder = Path(tempfile.mkdtemp(prefix="console-ro-journal-"))
    try:
        path = folder / "journal.sqlite3"
        writable = Journal(f"sqlite:///{path}")  # also loads the SQLite driver for the child
        kept = writable.begin(_entry())
        writable.dispose()
        path.chmod(0o444)
        folder.chmod(0o555)

        def write_one() -> str:
            book = Journal(f"sqlite:///{path}")
            try:
                return f"written {book.begin(_entry())}"
            except JournalUnavailable as exc:
                return f"refused {exc.reason}"

        answer = _as_unprivileged_user(write_one)
        assert answer.startswith("ok refused "), answer
        reason = answer.removeprefix("ok refused ")
        assert "\n" not in reason
        assert "readonly" in reason or "unable to open" in reason, reason
        assert [e.id for e in Journal(f"sqlite:///{path}").entries()] == [kept]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_where_names_the_file_or_the_server_without_its_password(tmp_path):
    assert Journal(f"sqlite:///{tmp_path}/j.sqlite3").where == f"{tmp_path}/j.sqlite3"
    where = Journal("postgresql+psycopg://ops:hunter2@db.internal:5432/console").where
    assert where == "postgresql+psycopg://ops:***@db.internal:5432/console"
