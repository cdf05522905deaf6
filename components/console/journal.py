"""The Journal page: every write attempt, newest first, with filters, CSV, links to the objects
and Undo for the entries PostHog lets the console reverse."""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import streamlit as st

# every resource's actions, so an entry's undo can be found whichever page declared it
from components.analytics import actions as _sharing_actions  # noqa: F401
from components.batch_exports import actions as _batch_export_actions  # noqa: F401
from components.dashboards import actions as _dashboard_actions  # noqa: F401
from components.hog_functions import actions as _hog_function_actions  # noqa: F401
from components.insights import actions as _insight_actions  # noqa: F401
from components.shared import bulk
from components.shared.actions import (
    ACTIONS,
    LINKS,
    Target,
    blocked_reason,
    identity,
    journal,
    request,
)
from components.shared.tables import download_csv
from components.shared.text import plain
from services import PostHogClient
from services.journal import OUTCOMES, Entry, JournalUnavailable
from services.roles import Role

SHOWN = 1000  # entries read per page run (and in its CSV)
RESOURCE_WORDS = {
    "hog_function": "Hog function",
    "batch_export": "Batch export",
    "insight": "Insight",
    "dashboard": "Dashboard",
}


def render(client: PostHogClient, *, key: str = "journal") -> None:
    book = journal()
    where = book.where.replace("`", "'")  # shown literally in a code span
    st.caption(
        f"Kept in `{where}`. Every change is recorded here before it is sent to PostHog; "
        "times are in UTC."
    )
    try:
        book.check()
        users, resources, words = (book.distinct(c) for c in ("user", "resource", "action"))
    except JournalUnavailable as exc:
        _unavailable(exc)
        return
    who, what, action, outcome, when = st.columns([2, 2, 3, 2, 3])
    chosen_users = who.multiselect("User", users, key=f"{key}_user")
    chosen_resources = what.multiselect(
        "Resource", resources, format_func=lambda r: RESOURCE_WORDS.get(r, r), key=f"{key}_res"
    )
    chosen_actions = action.multiselect("Action", words, key=f"{key}_action")
    chosen_outcomes = outcome.multiselect("Outcome", OUTCOMES, key=f"{key}_outcome")
    today = datetime.now(UTC).date()
    span = when.date_input(
        "Date range (UTC)", value=(today - timedelta(days=30), today), key=f"{key}_dates"
    )
    since, until = _bounds(span)
    batch_id = st.query_params.get("batch")  # a bulk run's results link here
    if batch_id:
        _batch_header(client, batch_id, key=key)
    try:
        entries = book.entries(
            batch_id=batch_id,
            users=chosen_users,
            resources=chosen_resources,
            actions=chosen_actions,
            outcomes=chosen_outcomes,
            since=since,
            until=until,
            limit=SHOWN,
        )
        undone = book.undone([e.id for e in entries])
    except JournalUnavailable as exc:
        _unavailable(exc)
        return
    if not entries:
        st.info("No change matches these filters.")
        return
    if len(entries) == SHOWN:
        st.caption(f"The newest {SHOWN:,} matching changes; narrow the filters to see older ones.")
    frame = _frame(entries, undone)
    download_csv(st, frame.drop(columns=["id"]), file_name="journal.csv", key=f"{key}_csv")
    picked = _pick(frame, key=key)
    if picked is not None:
        entry = next(e for e in entries if e.id == picked)
        _entry_panel(client, entry, entry.id in undone, key=key)


def _unavailable(exc: JournalUnavailable) -> None:
    st.error(
        plain(
            f"The journal cannot be opened: {exc.reason}. Until it can, the console sends "
            "no change to PostHog. Set POSTHOG_CONSOLE_JOURNAL_URL (or `url` under "
            "[journal] in secrets.toml) to a database it can write."
        ),
        icon=":material/error:",
    )


def _pick(frame: pd.DataFrame, *, key: str) -> int | None:
    """The table with single-row selection; the id of the chosen entry. A selection follows
    its entry, not its row number: when a new entry (say, the undo just made) is added on
    top, the table starts afresh with the same entry selected where it now is."""
    ids = [int(i) for i in frame["id"]]
    remembered = st.session_state.get(f"{key}_picked")
    if remembered not in ids:
        remembered = ids[0] if len(ids) == 1 else None
    default = None if remembered is None else {"selection": {"rows": [ids.index(remembered)]}}
    rows_seen = zlib.crc32(",".join(map(str, ids)).encode())
    event = st.dataframe(
        frame,
        hide_index=True,
        key=f"{key}_table_{rows_seen:08x}",
        on_select="rerun",
        selection_mode="single-row",
        selection_default=default,
        column_order=[c for c in frame.columns if c != "id"],
        column_config={"Object": st.column_config.LinkColumn("Object", display_text="Open")},
    )
    rows = event.selection.rows if event and event.selection else []
    picked = ids[rows[0]] if rows and rows[0] < len(ids) else None
    st.session_state[f"{key}_picked"] = picked
    return picked


def _bounds(span) -> tuple[datetime | None, datetime | None]:
    if isinstance(span, date):
        span = (span,)
    span = tuple(span or ())
    since = datetime.combine(span[0], time.min, UTC) if span else None
    until = datetime.combine(span[-1] + timedelta(days=1), time.min, UTC) if span else None
    return since, until


def _frame(entries: list[Entry], undone: set[int]) -> pd.DataFrame:
    rows = []
    for e in entries:
        rows.append(
            {
                "id": e.id,
                "Entry": f"#{e.id}",
                "When": e.at.strftime("%Y-%m-%d %H:%M:%S UTC") if e.at else "",
                "User": e.user,
                "Action": e.action,
                "Resource": RESOURCE_WORDS.get(e.resource, e.resource),
                "Name": e.object_name or "",
                "Object": Target(e.resource, e.object_id, "").link,
                "Outcome": e.outcome + (" (undone)" if e.id in undone else ""),
                "Reason": e.reason or "",
                "Changes": _changes_text(e.changes),
                "Request": f"{e.method} {e.path}" if e.method else "",
                "Project": f"{e.host} #{e.project_id}",
                "Batch": e.batch_id or "",
                "Undoes": f"#{e.undoes}" if e.undoes else "",
            }
        )
    return pd.DataFrame(rows)


def _changes_text(changes: dict) -> str:
    parts = []
    for field, change in (changes or {}).items():
        if isinstance(change, dict) and set(change) == {"before", "after"}:
            parts.append(f"{field}: {_value(change['before'])} → {_value(change['after'])}")
        else:
            parts.append(f"{field}: {change}")
    return "; ".join(parts)


def _value(value) -> str:
    return "unset" if value is None else str(value)


def undo_of(entry: Entry) -> str | None:
    """The action that reverses this entry, when PostHog lets it be reversed."""
    action = ACTIONS.get(entry.action_key)
    if entry.outcome != "done" or action is None or action.undo is None:
        return None
    return action.undo


def _entry_panel(client: PostHogClient, entry: Entry, was_undone: bool, *, key: str) -> None:
    """Under the table, the picked entry: a way to its object, and its Undo."""
    with st.container(border=True, key=f"{key}_entry"):
        head, open_ = st.columns([5, 2], vertical_alignment="center")
        head.markdown(f"**#{entry.id}** {plain(entry.action)}: {plain(entry.object_name or '')}")
        page = LINKS.get(entry.resource)
        if (
            page
            and entry.object_id
            and open_.button(
                f"Open {RESOURCE_WORDS.get(entry.resource, entry.resource).lower()}",
                key=f"{key}_open",
                icon=":material/open_in_new:",
            )
        ):
            st.switch_page(f"pages/{page}.py", query_params={"id": entry.object_id})
        if entry.batch_id and not st.query_params.get("batch"):
            _batch_undo(client, entry.batch_id, key=key)
        reverse = undo_of(entry)
        if reverse is None:
            st.caption("This entry cannot be undone from the console.")
            return
        reason = _why_not_undo(client, entry, reverse, was_undone)
        if st.button(
            f"Undo: {ACTIONS[reverse].words}",
            key=f"{key}_undo",
            icon=":material/undo:",
            disabled=reason is not None,
            help=reason or "Runs the reverse action, asking first where it asks, and journals it.",
        ):
            target = Target(entry.resource, _typed_id(entry), entry.object_name or "")
            request(client, reverse, target, undoes=entry.id, **(entry.undo_params or {}))


def _batch_header(client: PostHogClient, batch_id: str, *, key: str) -> None:
    note, everything = st.columns([5, 2], vertical_alignment="center")
    note.markdown(f"Showing one bulk run only: batch `{plain(batch_id[:8])}`.")
    if everything.button("Show every entry", key=f"{key}_all_batches"):
        st.query_params.pop("batch", None)
        st.rerun()
    _batch_undo(client, batch_id, key=key)


def _batch_undo(client: PostHogClient, batch_id: str, *, key: str) -> None:
    """A bulk run's entries share a batch id: undo them all at once, through the same preview
    as the run itself (what will be reversed, what cannot be and why)."""
    try:
        book = journal()
        batch = book.entries(batch_id=batch_id)
        undone = book.undone([e.id for e in batch])
    except JournalUnavailable as exc:
        _unavailable(exc)
        return
    items = [_undo_item(client, e, e.id in undone) for e in reversed(batch)]  # oldest first
    reversible = sum(1 for i in items if not i.skip)
    if st.button(
        f"Undo the whole batch ({reversible} of {len(batch)} entries)",
        key=f"{key}_undo_batch",
        icon=":material/undo:",
        disabled=not reversible,
        help=(
            "Opens a preview of every entry of this bulk run and what reverses it; nothing is "
            "sent until you confirm."
            if reversible
            else "No entry of this batch can be undone now."
        ),
    ):
        bulk.offer_items(f"Undo batch {batch_id[:8]} ({len(batch)} entries)", items)


def _undo_item(client: PostHogClient, entry: Entry, was_undone: bool) -> bulk.Item:
    reverse = undo_of(entry)
    target = Target(entry.resource, _typed_id(entry), entry.object_name or "")
    if reverse is None:
        skip = (
            f"Nothing to undo, it was {entry.outcome}"
            if entry.outcome != "done"
            else "Cannot be undone from the console"
        )
        return bulk.Item(entry.action_key, target, skip=skip)
    reason = _why_not_undo(client, entry, reverse, was_undone)
    return bulk.Item(reverse, target, dict(entry.undo_params or {}), skip=reason, undoes=entry.id)


def _why_not_undo(
    client: PostHogClient, entry: Entry, reverse: str, was_undone: bool
) -> str | None:
    if was_undone:
        return "Already undone."
    if entry.host != client.host or str(entry.project_id) != str(client.project_id):
        return "Made on another PostHog project: connect to it in Settings to undo it."
    reason = blocked_reason(reverse)  # audit mode or too low a role says so first
    if reason is None and identity().role < Role.ADMIN and entry.user != identity().user:
        reason = "Operators can undo only their own changes."
    return reason


def _typed_id(entry: Entry):
    # dashboards and insights have integer ids
    if entry.resource in ("dashboard", "insight") and str(entry.object_id).isdigit():
        return int(entry.object_id)
    return entry.object_id
