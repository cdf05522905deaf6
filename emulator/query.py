"""The query API (posthog-api.md §7): `POST /api/projects/{id}/query/` with a `HogQLQuery`,
executed over the emulator's own hog function metrics.

The HogQL subset the console sends (one SELECT over `app_metrics` with column expressions,
aliases, aggregates such as `sum`, `sumIf`, `countIf` and `count()`, `toStartOfHour`,
`toStartOfDay`, `now()`, `today()`, `INTERVAL n DAY|HOUR`, `toIntervalDay(n)`, WHERE with
AND/OR/comparisons/IN/LIKE, GROUP BY, HAVING, ORDER BY, LIMIT and OFFSET) is parsed here and
translated into SQLite. SQLite runs it over an in-memory `app_metrics` table holding one row
per function, hour and metric name, built from the same deterministic hourly counts that
`/hog_functions/{id}/metrics/` serves (`hog_functions.model.hourly_counts`). Only the hours the
query can see are built: from the query's lower `timestamp` bound (or the 90 days PostHog
keeps) to its upper bound or now.

PostHog's quirks kept: a SELECT without LIMIT returns at most 100 rows with `hasMore`
(PostHog fetches 101, and resets any OFFSET to 0); an explicit LIMIT is capped at 50,000 and
then `hasMore`, `limit` and `offset` are null; rows are always the project's own (PostHog
adds the team filter); metrics of soft-deleted functions are still there; bad syntax, an
unknown table, column or function is a 400 with a HogQL-like message. Newest PostHog refuses
OFFSET on personal-API-key queries unless the organization is allow-listed: set
`emulator.query_offset_allowed = False` to get that 400.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from emulator import seed as demo
from emulator.errors import ApiError, iso
from emulator.hog_functions import model as hf
from emulator.routing import JSON, Request

DEFAULT_RETURNED_ROWS = 100
MAX_SELECT_RETURNED_ROWS = 50_000
RETENTION_DAYS = 90
OFFSET_NOT_ALLOWED = (
    "OFFSET is not supported on queries made with a personal API key. For pagination, use "
    "keyset pagination on the `timestamp` column, e.g. `WHERE timestamp > :last_seen_timestamp "
    "ORDER BY timestamp LIMIT N`. For bulk data extraction, use batch exports: "
    "https://posthog.com/docs/cdp/batch-exports"
)
MODIFIERS = {
    "bounceRatePageViewMode": "count_pageviews",
    "convertToProjectTimezone": True,
    "inCohortVia": "auto",
    "materializationMode": "legacy_null_as_null",
    "optimizeJoinedFilters": False,
    "personsArgMaxVersion": "auto",
    "personsOnEventsMode": "person_id_override_properties_on_events",
    "propertyGroupsMode": "optimized",
    "sessionTableVersion": "auto",
    "useMaterializedViews": True,
}
TABLE = "app_metrics"
HOUR = 3600
DAY = 86400
INTERVAL_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": HOUR, "DAY": DAY, "WEEK": 7 * DAY}


class QueryError(Exception):
    """A query PostHog would refuse with a 400 and this message."""


# --- handler ---------------------------------------------------------------------------------


def run_query(req: Request) -> tuple:
    """`POST /query/`: run a HogQLQuery for the request's project."""
    sql = _hogql_text(req.body)
    started = time.perf_counter()
    try:
        payload = run(req.emu, req.team, sql)
    except QueryError as err:
        raise ApiError.validation(str(err)) from None
    payload["timings"].append({"k": ".", "t": round(time.perf_counter() - started, 6)})
    return 200, payload, JSON


def _hogql_text(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("query"), dict):
        raise ApiError.validation("This field is required.", "query", "required")
    query = body["query"]
    kind = query.get("kind")
    if kind != "HogQLQuery":
        raise ApiError.validation(
            f"The emulator runs only HogQLQuery, not {kind!r}.", "query__kind", "invalid_choice"
        )
    if not isinstance(query.get("query"), str) or not query["query"].strip():
        raise ApiError.validation("This field is required.", "query__query", "required")
    return query["query"]


def run(emu, team: int, sql: str) -> dict:
    """Execute `sql` for project `team` and answer as PostHog's CachedHogQLQueryResponse."""
    timings = []
    tick = time.perf_counter()
    select = Parser(sql).parse()
    if select.offset is not None and not getattr(emu, "query_offset_allowed", True):
        raise QueryError(OFFSET_NOT_ALLOWED)
    timings.append({"k": "./parse_select", "t": round(time.perf_counter() - tick, 6)})
    tz_name = next((p.get("timezone") for p in demo.PROJECTS if p["id"] == team), None) or "UTC"
    now = datetime.now(UTC)
    compiler = Compiler(select, tz_name=tz_name, now=int(now.timestamp()))
    statement, out_types = compiler.statement()
    if select.limit is None:
        # PostHog's paginator: fetch one row more than the default, and start at 0
        limit, offset, fetch = DEFAULT_RETURNED_ROWS, 0, DEFAULT_RETURNED_ROWS + 1
    else:
        limit, offset = min(select.limit, MAX_SELECT_RETURNED_ROWS), select.offset or 0
        fetch = limit
    tick = time.perf_counter()
    scratch = _connection(tz_name)
    try:
        low, high = compiler.window(scratch)
        scratch.execute(f"EXPLAIN {statement}")  # refuse a bad query before building anything
    except sqlite3.Error as exc:
        raise QueryError(_sqlite_message(str(exc))) from None
    finally:
        scratch.close()
    table = _table(emu, team, tz_name, low, high, now)
    timings.append({"k": "./materialize_app_metrics", "t": round(time.perf_counter() - tick, 6)})
    tick = time.perf_counter()
    with table.lock:
        try:
            sql = f"{statement} LIMIT {int(fetch)} OFFSET {int(offset)}"
            rows = table.conn.execute(sql).fetchall()
        except sqlite3.Error as exc:
            raise QueryError(_sqlite_message(str(exc))) from None
    timings.append({"k": "./execute", "t": round(time.perf_counter() - tick, 6)})
    has_more = None
    if select.limit is None:
        has_more = len(rows) > DEFAULT_RETURNED_ROWS
        rows = rows[:DEFAULT_RETURNED_ROWS]
    zone = ZoneInfo(tz_name)
    results = [
        [_output(value, t, zone) for value, t in zip(row, out_types, strict=True)] for row in rows
    ]
    printed = compiler.hogql(limit=limit if select.limit is not None else fetch, offset=offset)
    return {
        "cache_key": "cache_" + hashlib.sha256(f"{team}|{sql}".encode()).hexdigest()[:32],
        "clickhouse": None,
        "columns": compiler.column_names(),
        "error": None,
        "explain": None,
        "hasMore": has_more,
        "hogql": printed,
        "is_cached": False,
        "last_refresh": iso(now),
        "limit": limit if select.limit is None else None,
        "metadata": None,
        "modifiers": dict(MODIFIERS),
        "next_allowed_client_refresh": iso(now + timedelta(minutes=1)),
        "offset": offset if select.limit is None else None,
        "query": sql,
        "query_status": None,
        "results": results,
        "timezone": tz_name,
        "timings": timings,
        "types": [[name, t.ch] for name, t in zip(compiler.column_names(), out_types, strict=True)],
    }


def _sqlite_message(message: str) -> str:
    if "misuse of aggregate" in message:
        name = message.split(":")[-1].strip()
        return f"Aggregate function {name} is found in WHERE or in another aggregate."
    return f"Illegal query: {message}."


# --- the app_metrics table -------------------------------------------------------------------


_memo_lock = threading.Lock()
MEMO_MAX_HOURS = 2_000_000
TABLES_KEPT = 2


@dataclass
class _Table:
    conn: sqlite3.Connection
    lock: threading.Lock


def _table(emu, team: int, tz_name: str, low: int, high: int, now: datetime) -> _Table:
    """The app_metrics table for a window, kept while no function's state changes (PostHog's
    ClickHouse has its rows ready too; only the emulator computes them)."""
    with emu.lock:
        functions = [dict(fn) for fn in emu.functions.values() if fn["team_id"] == team]
    key = (team, tz_name, low, high, tuple((fn["id"], _signature(fn)) for fn in functions))
    tables = emu.__dict__.setdefault("_query_tables", {})
    with _memo_lock:
        table = tables.pop(key, None)
        if table is not None:
            tables[key] = table  # most recently used last
            return table
    conn = _connection(tz_name, shared=True)
    _materialize(emu, conn, team, functions, low, high, now)
    table = _Table(conn, threading.Lock())
    with _memo_lock:
        tables[key] = table
        while len(tables) > TABLES_KEPT:
            tables.pop(next(iter(tables)))  # closed when no request uses it any more
    return table


def _connection(tz_name: str, *, shared: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", check_same_thread=not shared)
    conn.execute("PRAGMA case_sensitive_like = ON")  # ClickHouse LIKE is case-sensitive
    conn.execute(
        f"CREATE TABLE {TABLE} (team_id INTEGER, app_source TEXT, app_source_id TEXT, "
        "instance_id TEXT, timestamp INTEGER, metric_name TEXT, metric_kind TEXT, count INTEGER)"
    )
    zone = ZoneInfo(tz_name)

    def start_of(epoch, unit):
        if epoch is None:
            return None
        local = datetime.fromtimestamp(int(epoch), UTC).astimezone(zone)
        if unit == "minute":
            local = local.replace(second=0)
        elif unit == "hour":
            local = local.replace(minute=0, second=0)
        else:
            local = local.replace(hour=0, minute=0, second=0)
            if unit == "week":  # toStartOfWeek mode 0: Sunday
                local -= timedelta(days=(local.weekday() + 1) % 7)
            elif unit == "monday":
                local -= timedelta(days=local.weekday())
            elif unit == "month":
                local = local.replace(day=1)
            local = local.replace(tzinfo=None).replace(tzinfo=zone)  # the day's own offset
        return int(local.timestamp())

    conn.create_function("ph_start_of", 2, start_of, deterministic=True)
    return conn


def _signature(fn: dict) -> tuple:
    """What `hourly_counts` depends on besides the hour: a change drops the memo."""
    return (fn["type"], fn["disabled_at"], fn["profile"], fn["state"], bool(fn["masking"]))


def _materialize(emu, conn, team: int, functions: list, low: int, high: int, now) -> None:
    """One row per function, hour in [low, high] and metric name, for project `team`,
    soft-deleted functions included. Past hours are memoized per function state."""
    memo = emu.__dict__.setdefault("_query_metric_memo", {})
    now_epoch = now.timestamp()
    rows = []
    for fn in functions:
        signature = _signature(fn)
        with _memo_lock:
            entry = memo.get(fn["id"])
            if entry is None or entry[0] != signature:
                entry = memo[fn["id"]] = (signature, {})
        hours = entry[1]
        fid = fn["id"]
        for hour in range(low, high + 1, HOUR):
            counts = hours.get(hour)
            if counts is None:
                moment = datetime.fromtimestamp(hour, UTC)
                counts = tuple(hf.hourly_counts(fn, moment).items())
                if hour <= now_epoch:  # a future hour gets its counts once it has started
                    hours[hour] = counts
            for name, count in counts:
                rows.append(
                    (
                        team,
                        "hog_function",
                        fid,
                        "",
                        hour,
                        name,
                        hf.METRIC_KINDS.get(name, "other"),
                        count,
                    )
                )
    with _memo_lock:
        if sum(len(entry[1]) for entry in memo.values()) > MEMO_MAX_HOURS:
            memo.clear()
    conn.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


# --- parsing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Ident:
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Star:
    pass


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple
    distinct: bool = False


@dataclass(frozen=True)
class Interval:
    value: Any
    unit: str


@dataclass(frozen=True)
class Op:
    op: str
    args: tuple


@dataclass(frozen=True)
class Case:
    whens: tuple
    default: Any


@dataclass
class Select:
    columns: list
    distinct: bool
    table: str
    table_alias: str | None
    where: Any
    group_by: list
    having: Any
    order_by: list
    limit: int | None
    offset: int | None


KEYWORDS = {
    "SELECT", "DISTINCT", "FROM", "AS", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "ASC",
    "DESC", "LIMIT", "OFFSET", "AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL",
    "TRUE", "FALSE", "INTERVAL", "BETWEEN", "CASE", "WHEN", "THEN", "ELSE", "END", "NULLS",
    "FIRST", "LAST", "JOIN", "LEFT", "RIGHT", "INNER", "FULL", "CROSS", "ARRAY", "UNION",
    "WITH", "ON", "USING", "PREWHERE", "SAMPLE", "FINAL", "SETTINGS", "WINDOW", "QUALIFY",
    "EXCEPT", "INTERSECT", "TIES",
}  # fmt: skip
UNSUPPORTED_CLAUSES = {
    "JOIN": "JOIN", "LEFT": "JOIN", "RIGHT": "JOIN", "INNER": "JOIN", "FULL": "JOIN",
    "CROSS": "JOIN", "ARRAY": "ARRAY JOIN", "UNION": "UNION", "WITH": "WITH",
    "PREWHERE": "PREWHERE", "SAMPLE": "SAMPLE", "FINAL": "FINAL", "SETTINGS": "SETTINGS",
    "WINDOW": "WINDOW", "QUALIFY": "QUALIFY", "EXCEPT": "EXCEPT", "INTERSECT": "INTERSECT",
}  # fmt: skip
UNITS = {"SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}
TOKEN = re.compile(
    r"""(?P<ws>\s+|--[^\n]*|/\*.*?\*/)
    |(?P<number>\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?)
    |(?P<string>'(?:[^'\\]|\\.|'')*')
    |(?P<qident>`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*")
    |(?P<ident>[A-Za-z_$][A-Za-z0-9_$]*)
    |(?P<op><=|>=|!=|<>|==|\|\||[-+*/%=<>(),.;\[\]])""",
    re.S | re.X,
)
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f"}
# HogQL's function forms of the operators
OP_FUNCTIONS = {
    "plus": "+", "minus": "-", "multiply": "*", "divide": "/", "modulo": "%",
    "equals": "=", "notEquals": "!=", "less": "<", "lessOrEquals": "<=", "greater": ">",
    "greaterOrEquals": ">=", "and": "and", "or": "or", "not": "not", "negate": "neg",
    "like": "like", "ilike": "ilike", "notLike": "not like", "notILike": "not ilike",
    "in": "in", "notIn": "not in", "isNull": "is null", "isNotNull": "is not null",
    "concat": "||",
}  # fmt: skip
OP_NAMES = {op: name for name, op in OP_FUNCTIONS.items()}


def _unquote(text: str) -> str:
    body, quote = text[1:-1], text[0]
    out, i = [], 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            out.append(ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        elif char == quote and body[i + 1 : i + 2] == quote:
            out.append(quote)
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


class Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[tuple[str, Any, int]] = []
        pos = 0
        while pos < len(text):
            match = TOKEN.match(text, pos)
            if not match:
                self._fail(pos, f"unexpected character {text[pos]!r}")
            kind = match.lastgroup
            value = match.group()
            if kind == "number":
                number = float(value) if any(c in value for c in ".eE") else int(value)
                self.tokens.append(("number", number, pos))
            elif kind == "string":
                self.tokens.append(("string", _unquote(value), pos))
            elif kind == "qident":
                self.tokens.append(("ident", _unquote(value), pos))
            elif kind == "ident":
                upper = value.upper()
                self.tokens.append(("kw" if upper in KEYWORDS else "ident", value, pos))
            elif kind == "op":
                self.tokens.append(("op", "!=" if value == "<>" else value, pos))
            pos = match.end()
        self.tokens.append(("eof", None, len(text)))
        self.i = 0

    # --- token helpers ---

    def _fail(self, pos: int, message: str):
        line = self.text.count("\n", 0, pos) + 1
        column = pos - (self.text.rfind("\n", 0, pos) + 1)
        raise QueryError(f"Syntax error at line {line}, column {column}: {message}")

    def peek(self, ahead: int = 0):
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def next(self):
        token = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return token

    def is_kw(self, *words: str, ahead: int = 0) -> bool:
        kind, value, _ = self.peek(ahead)
        return kind == "kw" and value.upper() in words

    def is_op(self, *ops: str) -> bool:
        kind, value, _ = self.peek()
        return kind == "op" and value in ops

    def accept_kw(self, *words: str) -> bool:
        if self.is_kw(*words):
            self.next()
            return True
        return False

    def accept_op(self, *ops: str) -> str | None:
        if self.is_op(*ops):
            return self.next()[1]
        return None

    def expect_kw(self, word: str) -> None:
        if not self.accept_kw(word):
            self._unexpected(f"expecting {word}")

    def expect_op(self, op: str) -> None:
        if not self.accept_op(op):
            self._unexpected(f"expecting '{op}'")

    def _unexpected(self, expecting: str = ""):
        kind, value, pos = self.peek()
        shown = "<EOF>" if kind == "eof" else repr(value if kind != "string" else f"'{value}'")
        self._fail(pos, f"mismatched input {shown}" + (f" {expecting}" if expecting else ""))

    def _unsupported_clause(self):
        kind, value, pos = self.peek()
        if kind == "kw" and value.upper() in UNSUPPORTED_CLAUSES:
            raise QueryError(
                f"The emulator's HogQL does not support {UNSUPPORTED_CLAUSES[value.upper()]}: "
                "send one SELECT over app_metrics."
            )

    # --- grammar ---

    def parse(self) -> Select:
        self._unsupported_clause()
        self.expect_kw("SELECT")
        distinct = self.accept_kw("DISTINCT")
        columns = [self.select_item()]
        while self.accept_op(","):
            columns.append(self.select_item())
        self._unsupported_clause()
        if not self.accept_kw("FROM"):
            self._unexpected("expecting FROM (the emulator has only the app_metrics table)")
        if self.is_op("("):
            raise QueryError("The emulator's HogQL does not support subqueries.")
        kind, table, pos = self.next()
        if kind != "ident":
            self._fail(pos, f"mismatched input {table!r} expecting a table name")
        while self.accept_op("."):
            kind, part, pos = self.next()
            if kind != "ident":
                self._fail(pos, f"mismatched input {part!r} expecting an identifier")
            table = f"{table}.{part}"
        if table != TABLE:
            raise QueryError(f"Unknown table `{table}`.")
        alias = None
        if self.accept_kw("AS") or self.peek()[0] == "ident":
            kind, alias, pos = self.next()
            if kind != "ident":
                self._fail(pos, f"mismatched input {alias!r} expecting an alias")
        self._unsupported_clause()
        where = self.expr() if self.accept_kw("WHERE") else None
        group_by: list = []
        if self.accept_kw("GROUP"):
            self.expect_kw("BY")
            group_by = [self.expr()]
            while self.accept_op(","):
                group_by.append(self.expr())
        having = self.expr() if self.accept_kw("HAVING") else None
        order_by: list = []
        if self.accept_kw("ORDER"):
            self.expect_kw("BY")
            order_by = [self.order_item()]
            while self.accept_op(","):
                order_by.append(self.order_item())
        limit = offset = None
        if self.accept_kw("LIMIT"):
            first = self.integer("LIMIT")
            if self.accept_op(","):
                offset, limit = first, self.integer("LIMIT")
            else:
                limit = first
            if self.is_kw("BY"):
                raise QueryError("The emulator's HogQL does not support LIMIT BY.")
            if self.is_kw("WITH"):
                raise QueryError("The emulator's HogQL does not support LIMIT WITH TIES.")
        if self.accept_kw("OFFSET"):
            offset = self.integer("OFFSET")
        self._unsupported_clause()
        self.accept_op(";")
        if self.peek()[0] != "eof":
            self._unexpected("expecting <EOF>")
        return Select(
            columns, distinct, table, alias, where, group_by, having, order_by, limit, offset
        )

    def integer(self, clause: str) -> int:
        kind, value, pos = self.next()
        if kind != "number" or not isinstance(value, int):
            self._fail(pos, f"{clause} expects a whole number, got {value!r}")
        return value

    def select_item(self):
        if self.is_op("*"):
            self.next()
            return Star(), None
        node = self.expr()
        alias = None
        if self.accept_kw("AS"):
            kind, alias, pos = self.next()
            if kind not in ("ident", "string"):
                self._fail(pos, f"mismatched input {alias!r} expecting an alias")
        elif self.peek()[0] == "ident":
            alias = self.next()[1]
        return node, alias

    def order_item(self):
        node = self.expr()
        desc = False
        if self.accept_kw("DESC"):
            desc = True
        else:
            self.accept_kw("ASC")
        if self.accept_kw("NULLS") and not self.accept_kw("FIRST", "LAST"):
            self._unexpected("expecting FIRST or LAST")
        return node, desc

    def expr(self):
        return self.or_expr()

    def or_expr(self):
        args = [self.and_expr()]
        while self.accept_kw("OR"):
            args.append(self.and_expr())
        return args[0] if len(args) == 1 else Op("or", tuple(args))

    def and_expr(self):
        args = [self.not_expr()]
        while self.accept_kw("AND"):
            args.append(self.not_expr())
        return args[0] if len(args) == 1 else Op("and", tuple(args))

    def not_expr(self):
        if self.accept_kw("NOT"):
            return Op("not", (self.not_expr(),))
        return self.comparison()

    def comparison(self):
        left = self.concat()
        op = self.accept_op("=", "==", "!=", "<", "<=", ">", ">=")
        if op:
            return Op("=" if op == "==" else op, (left, self.concat()))
        negated = False
        if self.is_kw("NOT") and self.is_kw("IN", "LIKE", "ILIKE", "BETWEEN", ahead=1):
            self.next()
            negated = True
        if self.accept_kw("IN"):
            return Op("not in" if negated else "in", (left, *self.in_list()))
        if self.is_kw("LIKE", "ILIKE"):
            word = self.next()[1].lower()
            return Op(f"not {word}" if negated else word, (left, self.concat()))
        if self.accept_kw("BETWEEN"):
            low = self.concat()
            self.expect_kw("AND")
            high = self.concat()
            node = Op("and", (Op(">=", (left, low)), Op("<=", (left, high))))
            return Op("not", (node,)) if negated else node
        if self.accept_kw("IS"):
            negated = self.accept_kw("NOT")
            self.expect_kw("NULL")
            return Op("is not null" if negated else "is null", (left,))
        return left

    def in_list(self) -> tuple:
        if self.is_op("(") and self.is_kw("SELECT", ahead=1):
            raise QueryError("The emulator's HogQL does not support subqueries.")
        close = {"(": ")", "[": "]"}.get(self.peek()[1]) if self.peek()[0] == "op" else None
        if close is None:
            return (self.concat(),)
        self.next()
        items = [self.expr()]
        while self.accept_op(","):
            items.append(self.expr())
        self.expect_op(close)
        return tuple(items)

    def concat(self):
        node = self.additive()
        while self.accept_op("||"):
            node = Op("||", (node, self.additive()))
        return node

    def additive(self):
        node = self.term()
        while op := self.accept_op("+", "-"):
            node = Op(op, (node, self.term()))
        return node

    def term(self):
        node = self.unary()
        while op := self.accept_op("*", "/", "%"):
            node = Op(op, (node, self.unary()))
        return node

    def unary(self):
        if self.accept_op("-"):
            operand = self.unary()
            if isinstance(operand, Lit) and isinstance(operand.value, (int, float)):
                return Lit(-operand.value)
            return Op("neg", (operand,))
        self.accept_op("+")
        return self.primary()

    def primary(self):
        kind, value, pos = self.peek()
        if kind == "number" or kind == "string":
            self.next()
            return Lit(value)
        if kind == "kw":
            word = value.upper()
            if word in ("NULL", "TRUE", "FALSE"):
                self.next()
                return Lit({"NULL": None, "TRUE": True, "FALSE": False}[word])
            if word == "INTERVAL":
                self.next()
                amount = self.primary()
                unit_kind, unit, unit_pos = self.next()
                if unit_kind not in ("ident", "kw") or unit.upper() not in UNITS:
                    self._fail(unit_pos, f"mismatched input {unit!r} expecting an interval unit")
                return Interval(amount, unit.upper())
            if word == "CASE":
                self.next()
                return self.case()
            if word == "SELECT":
                raise QueryError("The emulator's HogQL does not support subqueries.")
            if word in ("AND", "OR", "NOT", "IN", "LIKE", "ILIKE") and self.peek(1)[1] == "(":
                self.next()
                return self.call(word.lower())
            self._unexpected()
        if kind == "op" and value == "(":
            self.next()
            if self.is_kw("SELECT"):
                raise QueryError("The emulator's HogQL does not support subqueries.")
            node = self.expr()
            self.expect_op(")")
            return node
        if kind == "ident":
            self.next()
            if self.is_op("("):
                return self.call(value)
            parts = [value]
            while self.accept_op("."):
                part_kind, part, part_pos = self.next()
                if part_kind not in ("ident", "kw"):
                    self._fail(part_pos, f"mismatched input {part!r} expecting an identifier")
                parts.append(part)
            return Ident(tuple(parts))
        self._unexpected()

    def call(self, name: str):
        self.expect_op("(")
        distinct = self.accept_kw("DISTINCT")
        args: list = []
        if not self.is_op(")"):
            while True:
                if self.is_op("*"):
                    self.next()
                    args.append(Star())
                else:
                    args.append(self.expr())
                if not self.accept_op(","):
                    break
        self.expect_op(")")
        if self.is_op("("):
            raise QueryError(
                f"The emulator's HogQL does not support parametric `{name}(...)(...)`."
            )
        if name in OP_FUNCTIONS and not distinct:
            op = OP_FUNCTIONS[name]
            if op in ("not", "neg", "is null", "is not null") and len(args) != 1:
                raise QueryError(f"Function '{name}' expects 1 argument, found {len(args)}.")
            return Op(op, tuple(args))
        return Call(name, tuple(args), distinct)

    def case(self):
        whens = []
        while self.accept_kw("WHEN"):
            condition = self.expr()
            self.expect_kw("THEN")
            whens.append((condition, self.expr()))
        if not whens:
            self._unexpected("expecting WHEN")
        default = self.expr() if self.accept_kw("ELSE") else None
        self.expect_kw("END")
        return Case(tuple(whens), default)


# --- types and translation -------------------------------------------------------------------


@dataclass(frozen=True)
class T:
    kind: str  # int, float, str, datetime, date, interval, bool, null
    ch: str  # ClickHouse's name, for `types`


INT, UINT, U8 = T("int", "Int64"), T("int", "UInt64"), T("int", "UInt8")
FLOAT, STR, DATE = T("float", "Float64"), T("str", "String"), T("date", "Date")
NULL, BOOL = T("null", "Nullable(Nothing)"), T("bool", "Bool")
INTERVAL_T = T("interval", "IntervalSecond")
AGGREGATES = {
    "count", "countIf", "sum", "sumIf", "avg", "avgIf", "min", "minIf", "max", "maxIf",
    "uniq", "uniqExact", "any",
}  # fmt: skip
CASE_INSENSITIVE = {
    "count", "sum", "avg", "min", "max", "coalesce", "if", "lower", "upper", "length",
    "round", "abs", "greatest", "least", "concat", "ifnull", "nullif",
}  # fmt: skip
START_OF = {
    "toStartOfMinute": "minute",
    "toStartOfHour": "hour",
    "toStartOfDay": "day",
    "toStartOfWeek": "week",
    "toMonday": "monday",
    "toStartOfMonth": "month",
}
COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}
TIME_KINDS = ("datetime", "date")


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _is_aggregate(node) -> bool:
    return isinstance(node, Call) and _canonical(node.name) in AGGREGATES


def _canonical(name: str) -> str:
    lowered = name.lower()
    if lowered in CASE_INSENSITIVE:
        return {"ifnull": "ifNull", "nullif": "nullIf"}.get(lowered, lowered)
    return name


def _children(node) -> tuple:
    if isinstance(node, (Call, Op)):
        return node.args
    if isinstance(node, Interval):
        return (node.value,)
    if isinstance(node, Case):
        flat = [part for pair in node.whens for part in pair]
        return tuple(flat + ([node.default] if node.default is not None else []))
    return ()


def _contains(node, test) -> bool:
    return test(node) or any(_contains(child, test) for child in _children(node))


class Compiler:
    """Translates one parsed SELECT into SQLite over the `app_metrics` table."""

    def __init__(self, select: Select, *, tz_name: str, now: int):
        self.select = select
        self.tz_name = tz_name
        self.zone = ZoneInfo(tz_name)
        self.utc = tz_name in ("UTC", "Etc/UTC", "GMT")
        self.now = now
        self.datetime = T("datetime", f"DateTime('{tz_name}')")
        self.columns = {
            "team_id": INT,
            "app_source": STR,
            "app_source_id": STR,
            "instance_id": STR,
            "timestamp": T("datetime", f"DateTime64(6, '{tz_name}')"),
            "metric_name": STR,
            "metric_kind": STR,
            "count": INT,
        }
        items = []
        for node, alias in select.columns:
            if isinstance(node, Star):
                items.extend((Ident((name,)), None) for name in self.columns)
            else:
                items.append((node, alias))
        self.items = items
        self.aliases = {alias: node for node, alias in items if alias}
        self._resolving: list[str] = []

    # --- the statement ---

    def statement(self) -> tuple[str, list[T]]:
        select = self.select
        parts, types = [], []
        for index, (node, alias) in enumerate(self.items):
            sql, t = self._aliased(node, alias)
            parts.append(f"{sql} AS c{index}")
            types.append(t)
        statement = "SELECT " + ("DISTINCT " if select.distinct else "") + ", ".join(parts)
        statement += f" FROM {TABLE}"
        if select.where is not None:
            if _contains(self._expand(select.where), _is_aggregate):
                raise QueryError("Aggregate function is found in WHERE. Use HAVING instead.")
            statement += f" WHERE {self.condition(select.where)}"
        grouped = bool(select.group_by) or any(
            _contains(self._expand(node, (alias,) if alias else ()), _is_aggregate)
            for node, alias in self.items
        )
        if select.group_by:
            statement += " GROUP BY " + ", ".join(self.expr(node)[0] for node in select.group_by)
        if grouped:
            keys = {self._expand(node) for node in select.group_by}
            for node, alias in self.items:
                self._grouped(self._expand(node, (alias,) if alias else ()), keys)
            for node, _ in select.order_by:
                self._grouped(self._expand(node), keys)
            if select.having is not None:
                self._grouped(self._expand(select.having), keys)
        if select.having is not None:
            statement += f" HAVING {self.condition(select.having)}"
        if select.order_by:
            order = []
            for node, desc in select.order_by:
                order.append(f"{self.expr(node)[0]}{' DESC' if desc else ''}")
            statement += " ORDER BY " + ", ".join(order)
        return statement, types

    def column_names(self) -> list[str]:
        return [alias or _print(node) for node, alias in self.items]

    def hogql(self, *, limit: int, offset: int) -> str:
        select = self.select
        columns = ", ".join(
            f"{_print(node)} AS {alias}" if alias else _print(node)
            for node, alias in select.columns
        )
        text = "SELECT " + ("DISTINCT " if select.distinct else "") + columns + f" FROM {TABLE}"
        if select.table_alias:
            text += f" AS {select.table_alias}"
        if select.where is not None:
            text += f" WHERE {_print(select.where)}"
        if select.group_by:
            text += " GROUP BY " + ", ".join(_print(node) for node in select.group_by)
        if select.having is not None:
            text += f" HAVING {_print(select.having)}"
        if select.order_by:
            text += " ORDER BY " + ", ".join(
                _print(node) + (" DESC" if desc else " ASC") for node, desc in select.order_by
            )
        text += f" LIMIT {limit}"
        if offset:
            text += f" OFFSET {offset}"
        return text

    # --- the window the table needs ---

    def window(self, conn) -> tuple[int, int]:
        """The hours to build: from the query's lower `timestamp` bound (at most the 90 days
        PostHog keeps) to its upper bound or the current hour."""
        now_hour = self.now - self.now % HOUR
        oldest = self.now - RETENTION_DAYS * DAY
        oldest -= oldest % HOUR
        low, high = oldest, now_hour
        for conjunct in self._conjuncts(self.select.where):
            bound = self._bound(conjunct, conn)
            if bound is None:
                continue
            side, value = bound
            if side == "low":
                low = max(low, value - value % HOUR)
            else:
                high = min(high, value - value % HOUR)
        return low, high

    def _conjuncts(self, node):
        if node is None:
            return []
        if isinstance(node, Op) and node.op == "and":
            return [part for arg in node.args for part in self._conjuncts(arg)]
        return [node]

    def _bound(self, node, conn):
        if not isinstance(node, Op) or node.op not in (">", ">=", "<", "<="):
            return None
        left, right = node.args
        op = node.op
        if self._is_timestamp(right) and not self._is_timestamp(left):
            left, right = right, left
            op = {">": "<", ">=": "<=", "<": ">", "<=": ">="}[op]
        if not self._is_timestamp(left) or _contains(right, lambda n: isinstance(n, Ident)):
            return None
        if _contains(right, _is_aggregate):
            return None
        try:
            sql, t = self._comparable(right, self.columns["timestamp"])
            value = conn.execute(f"SELECT {sql}").fetchone()[0]
        except (QueryError, sqlite3.Error):
            return None
        if t.kind not in TIME_KINDS or not isinstance(value, (int, float)):
            return None
        return ("low" if op in (">", ">=") else "high", int(value))

    def _is_timestamp(self, node) -> bool:
        return (
            isinstance(node, Ident)
            and self._column_name(node) == "timestamp"
            and not self._is_alias(node)
        )

    # --- aliases and grouping ---

    def _is_alias(self, node) -> bool:
        return (
            isinstance(node, Ident)
            and len(node.parts) == 1
            and node.parts[0] in self.aliases
            and node.parts[0] not in self._resolving
        )

    def _expand(self, node, seen=()):
        """`node` with aliases replaced by their expressions (for structural checks)."""
        if isinstance(node, Ident) and len(node.parts) == 1:
            name = node.parts[0]
            if name in self.aliases and name not in seen:
                return self._expand(self.aliases[name], (*seen, name))
            return node
        if isinstance(node, Ident):
            return Ident((self._column_name(node),))
        if isinstance(node, Call):
            return Call(node.name, tuple(self._expand(a, seen) for a in node.args), node.distinct)
        if isinstance(node, Op):
            return Op(node.op, tuple(self._expand(a, seen) for a in node.args))
        if isinstance(node, Interval):
            return Interval(self._expand(node.value, seen), node.unit)
        if isinstance(node, Case):
            whens = tuple((self._expand(c, seen), self._expand(v, seen)) for c, v in node.whens)
            default = self._expand(node.default, seen) if node.default is not None else None
            return Case(whens, default)
        return node

    def _aliased(self, node, alias):
        if alias:
            self._resolving.append(alias)
        try:
            return self.expr(node)
        finally:
            if alias:
                self._resolving.pop()

    def _grouped(self, node, keys: set) -> None:
        """ClickHouse refuses a column outside an aggregate that is not a GROUP BY key."""
        if node in keys or isinstance(node, (Lit, Star)) or _is_aggregate(node):
            return
        if isinstance(node, Ident):
            raise QueryError(
                f"Column `{node.parts[-1]}` is not under aggregate function and not in GROUP BY "
                "keys."
            )
        for child in _children(node):
            self._grouped(child, keys)

    # --- expressions ---

    def condition(self, node) -> str:
        sql, t = self.expr(node)
        if t.kind == "str":
            raise QueryError("Illegal type String of a filter: use a comparison.")
        return sql

    def _column_name(self, node: Ident) -> str:
        parts = node.parts
        if len(parts) == 2 and parts[0] in (TABLE, self.select.table_alias):
            return parts[1]
        if len(parts) == 1:
            return parts[0]
        raise QueryError(f"Unable to resolve field: {'.'.join(parts)}")

    def expr(self, node) -> tuple[str, T]:
        if isinstance(node, Lit):
            return self._literal(node.value)
        if isinstance(node, Ident):
            if self._is_alias(node):
                name = node.parts[0]
                self._resolving.append(name)
                try:
                    sql, t = self.expr(self.aliases[name])
                finally:
                    self._resolving.pop()
                return f"({sql})", t
            name = self._column_name(node)
            if name not in self.columns:
                raise QueryError(f"Unable to resolve field: {name}")
            return f'"{name}"', self.columns[name]
        if isinstance(node, Star):
            raise QueryError("Syntax error: `*` is allowed only as a whole column or in count(*).")
        if isinstance(node, Interval):
            return self._interval(node.value, node.unit)
        if isinstance(node, Op):
            return self._op(node)
        if isinstance(node, Case):
            parts = ["CASE"]
            result_t = NULL
            for condition, value in node.whens:
                value_sql, value_t = self.expr(value)
                result_t = value_t if result_t.kind == "null" else result_t
                parts.append(f"WHEN {self.condition(condition)} THEN {value_sql}")
            if node.default is not None:
                parts.append(f"ELSE {self.expr(node.default)[0]}")
            parts.append("END")
            return "(" + " ".join(parts) + ")", result_t
        if isinstance(node, Call):
            return self._call(node)
        raise QueryError("Unsupported expression.")

    def _literal(self, value) -> tuple[str, T]:
        if value is None:
            return "NULL", NULL
        if isinstance(value, bool):
            return ("1" if value else "0"), BOOL
        if isinstance(value, int):
            return str(value), (U8 if 0 <= value < 256 else INT)
        if isinstance(value, float):
            return repr(value), FLOAT
        return _sql_string(value), STR

    def _interval(self, amount, unit: str) -> tuple[str, T]:
        if unit not in INTERVAL_SECONDS:
            raise QueryError(
                f"The emulator's HogQL supports INTERVAL units SECOND to WEEK, not {unit}."
            )
        sql, t = self.expr(amount)
        if t.kind not in ("int", "float"):
            if isinstance(amount, Lit) and isinstance(amount.value, str):
                try:
                    sql = str(int(amount.value))
                except ValueError:
                    raise QueryError(f"Cannot parse interval amount {amount.value!r}.") from None
            else:
                raise QueryError(f"Illegal type {t.ch} of an INTERVAL amount.")
        return f"({sql} * {INTERVAL_SECONDS[unit]})", T("interval", f"Interval{unit.title()}")

    def _parse_time(self, text: str, *, date_only: bool = False) -> int:
        try:
            moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise QueryError(f"Cannot parse DateTime from String {text!r}.") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        if date_only:
            moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return int(moment.timestamp())

    def _comparable(self, node, other: T) -> tuple[str, T]:
        """A string literal compared with a time is parsed as one (as ClickHouse does)."""
        sql, t = self.expr(node)
        if other.kind in TIME_KINDS and isinstance(node, Lit) and isinstance(node.value, str):
            return str(self._parse_time(node.value)), other
        return sql, t

    def _op(self, node: Op) -> tuple[str, T]:
        op, args = node.op, node.args
        if op in ("and", "or"):
            if len(args) < 2:
                raise QueryError(f"Function '{op}' expects at least 2 arguments.")
            joined = f" {op.upper()} ".join(self.condition(a) for a in args)
            return f"({joined})", U8
        if op == "not":
            return f"(NOT {self.condition(args[0])})", U8
        if op == "neg":
            sql, t = self.expr(args[0])
            return f"(-{sql})", t
        if op in ("is null", "is not null"):
            return f"({self.expr(args[0])[0]} IS {'NOT ' if op == 'is not null' else ''}NULL)", U8
        if len(args) != 2 and op not in ("in", "not in"):
            raise QueryError(f"Function '{OP_NAMES.get(op, op)}' expects 2 arguments.")
        if op in COMPARISONS:
            left_sql, left_t = self.expr(args[0])
            right_sql, right_t = self.expr(args[1])
            if left_t.kind in TIME_KINDS:
                right_sql, right_t = self._comparable(args[1], left_t)
            elif right_t.kind in TIME_KINDS:
                left_sql, left_t = self._comparable(args[0], right_t)
            self._check_comparable(left_t, right_t)
            return f"({left_sql} {op} {right_sql})", U8
        if op in ("in", "not in"):
            if len(args) < 2:
                raise QueryError("IN expects a list of values.")
            left_sql, left_t = self.expr(args[0])
            items = [self._comparable(item, left_t)[0] for item in args[1:]]
            word = "NOT IN" if op == "not in" else "IN"
            return f"({left_sql} {word} ({', '.join(items)}))", U8
        if op in ("like", "not like", "ilike", "not ilike"):
            left_sql, _ = self.expr(args[0])
            right_sql, _ = self.expr(args[1])
            if "ilike" in op:
                left_sql, right_sql = f"lower({left_sql})", f"lower({right_sql})"
            word = "NOT LIKE" if op.startswith("not") else "LIKE"
            return f"({left_sql} {word} {right_sql})", U8
        if op == "||":
            left_sql, _ = self.expr(args[0])
            right_sql, _ = self.expr(args[1])
            return f"(CAST({left_sql} AS TEXT) || CAST({right_sql} AS TEXT))", STR
        return self._arithmetic(op, *args)

    def _check_comparable(self, left: T, right: T) -> None:
        kinds = {left.kind, right.kind} - {"null"}
        numeric = {"int", "float", "bool"}
        if len(kinds) <= 1 or kinds <= numeric or kinds <= {"datetime", "date"}:
            return
        raise QueryError(f"Illegal types {left.ch} and {right.ch} of arguments of a comparison.")

    def _arithmetic(self, op: str, a, b) -> tuple[str, T]:
        left_sql, left_t = self.expr(a)
        right_sql, right_t = self.expr(b)
        kinds = (left_t.kind, right_t.kind)
        if op in ("+", "-") and "interval" in kinds:
            if op == "-" and kinds[0] == "interval":
                raise QueryError("Illegal types of arguments: an interval minus a time.")
            time_t, interval_t = (right_t, left_t) if kinds[0] == "interval" else (left_t, right_t)
            if time_t.kind == "date" and interval_t.ch not in ("IntervalDay", "IntervalWeek"):
                time_t = self.datetime
            if time_t.kind not in TIME_KINDS:
                raise QueryError(f"Illegal types {left_t.ch} and {right_t.ch} of arguments.")
            return f"({left_sql} {op} {right_sql})", time_t
        if op == "-" and kinds[0] in TIME_KINDS and kinds[1] in TIME_KINDS:
            return f"({left_sql} - {right_sql})", INT
        if "str" in kinds or any(k in TIME_KINDS for k in kinds):
            raise QueryError(
                f"Illegal types {left_t.ch} and {right_t.ch} of arguments of function "
                f"{OP_NAMES[op]}."
            )
        if op == "/":
            return f"(CAST({left_sql} AS REAL) / {right_sql})", FLOAT
        result = FLOAT if "float" in kinds else INT
        return f"({left_sql} {op} {right_sql})", result

    def _call(self, node: Call) -> tuple[str, T]:
        name = _canonical(node.name)
        args = node.args
        compiled = [self.expr(a) if not isinstance(a, Star) else ("*", NULL) for a in args]

        def arity(*allowed: int) -> None:
            if len(args) not in allowed:
                expected = " or ".join(map(str, allowed))
                raise QueryError(
                    f"Function '{node.name}' expects {expected} arguments, found {len(args)}."
                )

        if name in AGGREGATES:
            if any(_contains(a, _is_aggregate) for a in args):
                raise QueryError(f"Aggregate function {node.name} is found inside another one.")
            return self._aggregate(name, node, compiled, arity)
        if node.distinct:
            raise QueryError(f"DISTINCT is allowed only in aggregate functions, not {node.name}.")
        if name == "now":
            arity(0)
            return str(self.now), self.datetime
        if name in ("today", "yesterday"):
            arity(0)
            local = datetime.fromtimestamp(self.now, UTC).astimezone(self.zone)
            day = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
            if name == "yesterday":
                day -= timedelta(days=1)
            return str(int(day.replace(tzinfo=self.zone).timestamp())), DATE
        if name in START_OF:
            arity(1, 2)
            sql, t = compiled[0]
            if t.kind not in TIME_KINDS:
                if isinstance(args[0], Lit) and isinstance(args[0].value, str):
                    sql, t = str(self._parse_time(args[0].value)), self.datetime
                else:
                    raise QueryError(f"Illegal type {t.ch} of argument of function {node.name}.")
            unit = START_OF[name]
            result_t = self.datetime if unit in ("minute", "hour", "day") else DATE
            if self.utc and unit in ("minute", "hour", "day"):
                size = {"minute": 60, "hour": HOUR, "day": DAY}[unit]
                return f"(({sql} / {size}) * {size})", result_t
            return f"ph_start_of({sql}, '{unit}')", result_t
        if name == "toDate":
            arity(1)
            sql, t = compiled[0]
            if isinstance(args[0], Lit) and isinstance(args[0].value, str):
                return str(self._parse_time(args[0].value, date_only=True)), DATE
            if t.kind not in TIME_KINDS:
                raise QueryError(f"Illegal type {t.ch} of argument of function toDate.")
            return f"ph_start_of({sql}, 'day')", DATE
        if name in ("toDateTime", "toDateTime64", "parseDateTimeBestEffort"):
            arity(1, 2, 3)
            sql, t = compiled[0]
            if isinstance(args[0], Lit) and isinstance(args[0].value, str):
                return str(self._parse_time(args[0].value)), self.datetime
            if t.kind in ("int", "float", "datetime", "date"):
                return f"CAST({sql} AS INTEGER)", self.datetime
            raise QueryError(f"Illegal type {t.ch} of argument of function {node.name}.")
        if name.startswith("toInterval") and name[len("toInterval") :].upper() in UNITS:
            arity(1)
            return self._interval(args[0], name[len("toInterval") :].upper())
        if name == "if":
            arity(3)
            return (
                f"(CASE WHEN {self.condition(args[0])} THEN {compiled[1][0]} "
                f"ELSE {compiled[2][0]} END)",
                compiled[1][1] if compiled[1][1].kind != "null" else compiled[2][1],
            )
        if name in ("coalesce", "ifNull"):
            arity(*range(2, 20))
            first = next((t for _, t in compiled if t.kind != "null"), NULL)
            return f"coalesce({', '.join(sql for sql, _ in compiled)})", first
        if name in ("lower", "upper", "length", "abs"):
            arity(1)
            result = compiled[0][1] if name == "abs" else (UINT if name == "length" else STR)
            return f"{name}({compiled[0][0]})", result
        if name == "round":
            arity(1, 2)
            digits = compiled[1][0] if len(args) == 2 else "0"
            t = compiled[0][1]
            return f"round({compiled[0][0]}, {digits})", FLOAT if t.kind == "float" else t
        if name in ("greatest", "least"):
            arity(*range(2, 20))
            fn = "max" if name == "greatest" else "min"
            return f"{fn}({', '.join(sql for sql, _ in compiled)})", compiled[0][1]
        if name == "concat":
            arity(*range(2, 20))
            return "(" + " || ".join(f"CAST({sql} AS TEXT)" for sql, _ in compiled) + ")", STR
        if name in ("toString",):
            arity(1)
            return f"CAST({compiled[0][0]} AS TEXT)", STR
        if name in ("toInt64", "toInt32", "toUInt64", "toUInt32", "toInt", "intDiv"):
            if name == "intDiv":
                arity(2)
                return f"(CAST({compiled[0][0]} AS INTEGER) / {compiled[1][0]})", INT
            arity(1)
            return f"CAST({compiled[0][0]} AS INTEGER)", INT
        if name in ("toFloat", "toFloat64"):
            arity(1)
            return f"CAST({compiled[0][0]} AS REAL)", FLOAT
        raise QueryError(f"Unsupported function call `{node.name}(...)`")

    def _aggregate(self, name, node, compiled, arity) -> tuple[str, T]:
        distinct = "DISTINCT " if node.distinct else ""
        if name == "count":
            arity(0, 1)
            if not compiled or compiled[0][0] == "*":
                return "COUNT(*)", UINT
            return f"COUNT({distinct}{compiled[0][0]})", UINT
        if name in ("uniq", "uniqExact"):
            arity(1)
            return f"COUNT(DISTINCT {compiled[0][0]})", UINT
        if name == "countIf":
            arity(1)
            return f"COUNT(CASE WHEN {self.condition(node.args[0])} THEN 1 END)", UINT
        if name.endswith("If"):
            arity(2)
            base = name[:-2]
            value, t = compiled[0]
            condition = self.condition(node.args[1])
            if base == "sum":
                return f"coalesce(SUM(CASE WHEN {condition} THEN {value} ELSE 0 END), 0)", (
                    FLOAT if t.kind == "float" else INT
                )
            sql = f"{base.upper()}(CASE WHEN {condition} THEN {value} END)"
            return sql, (FLOAT if base == "avg" else t)
        arity(1)
        value, t = compiled[0]
        if name == "sum":
            if t.kind not in ("int", "float", "bool"):
                raise QueryError(f"Illegal type {t.ch} of argument for aggregate function sum.")
            return f"coalesce(SUM({distinct}{value}), 0)", FLOAT if t.kind == "float" else INT
        if name == "avg":
            return f"AVG({distinct}{value})", FLOAT
        if name == "any":
            return f"MIN({value})", t
        return f"{name.upper()}({distinct}{value})", t


def _print(node) -> str:
    """HogQL's printed form of an expression (also the name of an unaliased column)."""
    if isinstance(node, Lit):
        value = node.value
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(node, Ident):
        return ".".join(node.parts)
    if isinstance(node, Star):
        return "*"
    if isinstance(node, Interval):
        return f"toInterval{node.unit.title()}({_print(node.value)})"
    if isinstance(node, Call):
        inner = ", ".join(_print(a) for a in node.args)
        return f"{node.name}({'DISTINCT ' if node.distinct else ''}{inner})"
    if isinstance(node, Op):
        return f"{OP_NAMES.get(node.op, node.op)}({', '.join(_print(a) for a in node.args)})"
    if isinstance(node, Case):
        whens = " ".join(f"WHEN {_print(c)} THEN {_print(v)}" for c, v in node.whens)
        default = f" ELSE {_print(node.default)}" if node.default is not None else ""
        return f"CASE {whens}{default} END"
    return "?"


def _output(value, t: T, zone: ZoneInfo):
    """A SQLite value as PostHog's JSON shows it."""
    if value is None:
        return None
    if t.kind == "datetime":
        moment = datetime.fromtimestamp(int(value), UTC).astimezone(zone)
        text = moment.isoformat(timespec="seconds")
        return text.replace("+00:00", "Z")
    if t.kind == "date":
        return datetime.fromtimestamp(int(value), UTC).astimezone(zone).date().isoformat()
    if t.kind == "bool":
        return bool(value)
    if t.kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value
