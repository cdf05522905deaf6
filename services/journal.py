"""The journal: one row per write attempt the console makes, kept in any SQLAlchemy database.

An entry is written as "pending" before the request is sent and completed afterwards, so a
crash between the two still leaves a trace. SQLite (the default, one file) and PostgreSQL
(psycopg 3, for teams running several console processes) are the two supported stores.

Secret values never reach it: callers pass changes through `secret_change`, and `begin`
refuses any value shaped like a secret that slipped through.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    String,
    Text,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

OUTCOMES = ("pending", "done", "refused", "unknown", "tested", "skipped")  # skipped: in a bulk run
KEPT, CHANGED = "kept", "changed"


class JournalUnavailable(Exception):
    """The journal cannot be opened or written: the console sends nothing in that case."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "console_journal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user: Mapped[str] = mapped_column(String(320), index=True)
    host: Mapped[str] = mapped_column(String(500))
    project_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(200))  # the operator's words
    action_key: Mapped[str] = mapped_column(String(100), index=True)
    resource: Mapped[str] = mapped_column(String(60), index=True)
    object_id: Mapped[str | None] = mapped_column(String(200))
    object_name: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str | None] = mapped_column(Text)  # "PATCH; POST" when it sent several
    path: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[Any] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[str | None] = mapped_column(String(40), index=True)
    undoes: Mapped[int | None] = mapped_column(Integer, index=True)
    undo_params: Mapped[Any] = mapped_column(JSON)


@dataclass
class Entry:
    """One write attempt, as shown on the Journal page."""

    user: str
    host: str
    project_id: str
    action: str
    action_key: str
    resource: str
    object_id: str | None = None
    object_name: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    batch_id: str | None = None
    undoes: int | None = None
    undo_params: dict[str, Any] = field(default_factory=dict)
    method: str | None = None
    path: str | None = None
    outcome: str = "pending"
    reason: str | None = None
    at: datetime | None = None
    id: int | None = None


def secret_change(*, replaced: bool) -> str:
    """How a secret appears in the journal: whether it was replaced, never its value."""
    return CHANGED if replaced else KEPT


class Journal:
    """A journal in the database at `url`. The schema is created on first use."""

    def __init__(self, url: str):
        self.url = url
        self._engine: Engine | None = None

    @property
    def where(self) -> str:
        """Where it is kept, for the Journal page, with any password hidden."""
        try:
            parsed = make_url(self.url)
        except ArgumentError:
            return "an unreadable journal URL"
        path = _sqlite_path(parsed)
        if path is not None:
            return str(path.resolve())
        if parsed.get_backend_name() == "sqlite":
            return "an in-memory SQLite database (lost when the console stops)"
        return parsed.render_as_string(hide_password=True)

    def _open(self) -> Engine:
        if self._engine is not None:
            return self._engine
        password = None
        try:
            parsed = make_url(self.url)
            password = parsed.password
            engine = _engine_for(parsed)
            _create_schema(engine)
        except (SQLAlchemyError, ArgumentError, OSError, ImportError, ValueError) as exc:
            raise JournalUnavailable(_reason(exc, password)) from None
        self._engine = engine
        return engine

    @contextmanager
    def _connection(self, *, write: bool) -> Iterator[Connection]:
        """A connection (in a transaction when writing); any database error becomes
        `JournalUnavailable` with a one-line reason."""
        engine = self._open()
        try:
            with engine.begin() if write else engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise JournalUnavailable(_reason(exc, engine.url.password)) from None

    def check(self) -> None:
        """Raise `JournalUnavailable` when the journal cannot be opened."""
        self._open()

    def begin(self, entry: Entry) -> int:
        """Write `entry` as pending and return its id. Raises `JournalUnavailable`."""
        _refuse_secret_values(entry.changes)
        _refuse_secret_values(entry.undo_params)
        values = {
            "at": datetime.now(UTC),
            "user": entry.user,
            "host": entry.host,
            "project_id": str(entry.project_id),
            "action": entry.action,
            "action_key": entry.action_key,
            "resource": entry.resource,
            "object_id": None if entry.object_id is None else str(entry.object_id),
            "object_name": entry.object_name,
            "method": entry.method,
            "path": entry.path,
            "changes": _jsonable(entry.changes),
            "outcome": "pending",
            "reason": None,
            "batch_id": entry.batch_id,
            "undoes": entry.undoes,
            "undo_params": _jsonable(entry.undo_params),
        }
        with self._connection(write=True) as conn:
            result = conn.execute(insert(_Row).values(**values).returning(_Row.id))
            return int(result.scalar_one())

    def complete(
        self,
        entry_id: int,
        *,
        outcome: str,
        reason: str | None = None,
        method: str | None = None,
        path: str | None = None,
        object_id: str | None = None,
        object_name: str | None = None,
        undo_params: dict[str, Any] | None = None,
        changes: dict[str, Any] | None = None,
    ) -> None:
        """Record how the write ended: done, refused, unknown or tested; `changes`, when
        given, replaces what `begin` recorded (say, with the id PostHog gave a copy). Raises
        `JournalUnavailable`."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        values: dict[str, Any] = {"outcome": outcome, "reason": reason}
        if method:
            values.update(method=method, path=path)
        if object_id is not None:
            values["object_id"] = str(object_id)
        if object_name is not None:
            values["object_name"] = object_name
        if undo_params:
            _refuse_secret_values(undo_params)
            values["undo_params"] = _jsonable(undo_params)
        if changes is not None:
            _refuse_secret_values(changes)
            values["changes"] = _jsonable(changes)
        with self._connection(write=True) as conn:
            conn.execute(update(_Row).where(_Row.id == entry_id).values(**values))

    def entries(
        self,
        *,
        users: list[str] | None = None,
        resources: list[str] | None = None,
        actions: list[str] | None = None,
        outcomes: list[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        batch_id: str | None = None,
        limit: int = 1000,
    ) -> list[Entry]:
        """Newest first, filtered; `since` inclusive, `until` exclusive (naive times are UTC)."""
        query = select(_Row).order_by(_Row.at.desc(), _Row.id.desc()).limit(limit)
        if users:
            query = query.where(_Row.user.in_(users))
        if resources:
            query = query.where(_Row.resource.in_(resources))
        if actions:
            query = query.where(_Row.action.in_(actions))
        if outcomes:
            query = query.where(_Row.outcome.in_(outcomes))
        if since:
            query = query.where(_Row.at >= _utc(since))
        if until:
            query = query.where(_Row.at < _utc(until))
        if batch_id:
            query = query.where(_Row.batch_id == batch_id)
        with self._connection(write=False) as conn:
            return [_entry(row) for row in conn.execute(query).all()]

    def get(self, entry_id: int) -> Entry | None:
        with self._connection(write=False) as conn:
            row = conn.execute(select(_Row).where(_Row.id == entry_id)).first()
        return _entry(row) if row else None

    def undone(self, entry_ids: list[int]) -> set[int]:
        """Which of these entries a later, completed undo reversed."""
        if not entry_ids:
            return set()
        query = select(_Row.undoes).where(
            _Row.undoes.in_(entry_ids), _Row.outcome.in_(("done", "pending", "unknown"))
        )
        with self._connection(write=False) as conn:
            return {int(v) for v in conn.execute(query).scalars().all() if v is not None}

    def distinct(self, column: str) -> list[str]:
        """The values seen in one column (for the page's filter choices)."""
        col = getattr(_Row, column)
        with self._connection(write=False) as conn:
            return sorted(v for v in conn.execute(select(col).distinct()).scalars().all() if v)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _entry(row: Any) -> Entry:
    at = row.at
    if at is not None and at.tzinfo is None:  # SQLite gives naive datetimes back
        at = at.replace(tzinfo=UTC)
    return Entry(
        id=row.id,
        at=at,
        user=row.user,
        host=row.host,
        project_id=row.project_id,
        action=row.action,
        action_key=row.action_key,
        resource=row.resource,
        object_id=row.object_id,
        object_name=row.object_name,
        method=row.method,
        path=row.path,
        changes=row.changes or {},
        outcome=row.outcome,
        reason=row.reason,
        batch_id=row.batch_id,
        undoes=row.undoes,
        undo_params=row.undo_params or {},
    )


def _sqlite_path(url: URL) -> Path | None:
    """The file of an SQLite URL (also in its `file:…?mode=ro&uri=true` form), else None."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    database = url.database
    if str(url.query.get("uri", "")).lower() in ("true", "1") and database.startswith("file:"):
        database = database.removeprefix("file:").split("?")[0]
        if database.startswith("///"):  # file:///abs/path
            database = database[2:]
    return Path(database)


def _engine_for(url: URL) -> Engine:
    path = _sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.get_backend_name() == "postgresql":
        # a journal that cannot be reached must refuse the write soon, not hang the page
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    return create_engine(url, pool_pre_ping=True)


def _create_schema(engine: Engine) -> None:
    """Create the table when it is missing. Several processes may start on an empty database
    at once: the loser of that race sees "already exists" and finds the table on a retry."""
    for attempt in range(5):
        try:
            _Base.metadata.create_all(engine)
            return
        except SQLAlchemyError:
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # wait for another process's write rather than fail at once with "database is locked"
    cursor.execute("PRAGMA busy_timeout=30000")
    # WAL: readers do not block the writer, so several console processes share one file
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _utc(moment: datetime) -> datetime:
    # SQLite stores the UTC wall-clock time without its zone: compare in UTC everywhere
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _refuse_secret_values(value: Any) -> None:
    """A `{"secret": ...}` marker or a `secret_inputs` map means a payload was passed whole."""
    if isinstance(value, dict):
        if "secret" in value and set(value) <= {"secret", "value"} or "secret_inputs" in value:
            raise ValueError("secret values are never journaled: pass them as kept/changed")
        for item in value.values():
            _refuse_secret_values(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _refuse_secret_values(item)


def _reason(exc: BaseException, password: str | None = None) -> str:
    """Why the journal is unavailable, in one line, without the URL's password."""
    if isinstance(exc, ArgumentError):
        return "the journal URL is not a database URL SQLAlchemy understands"
    if isinstance(exc, ImportError):
        return f"the database driver is not installed ({exc.name})"
    lines = [line.strip() for line in str(getattr(exc, "orig", None) or exc).splitlines()]
    first = next((line for line in lines if line), type(exc).__name__)
    if password:
        first = first.replace(password, "***")
    return first[:300]
