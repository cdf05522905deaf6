"""Bulk actions: one declared action (components.shared.actions) run over many objects.

A list offers its choices in a `selection_bar`; the operator's pick opens a preview listing
every item (what will change, what is skipped and why, with counts) which they trim and
confirm as a whole. The batch then runs item by item in `run`, drawn above the page: each item
goes through the same checks, journal and write as a single action (`actions.send`), all of a
batch's entries sharing one batch id. The run ends in a per-item result table with its CSV.

Streamlit stops a script (Stop, a closed tab) only where it draws or reads session state, and
an item's journal entry, write and record have neither between them. So a stopped run leaves
every item either sent and journaled, or not sent; a run cut off anyway takes the item's
outcome from the journal (`_catch_up`) rather than sending or noting it again.

app.py calls `run(client)` before the page and `ask(client)` after it.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from components.shared.actions import (
    ACTIONS,
    PENDING,
    Action,
    Outcome,
    Target,
    _rerun_outside_callback,
    blocked_reason,
    forget_stale,
    journal,
    note_skipped,
    send,
    write_button,
)
from components.shared.feedback import explain
from components.shared.tables import download_csv, picked_row_actions
from components.shared.text import plain
from services import PostHogClient
from services.errors import UNKNOWN_OUTCOME, PostHogError
from services.journal import JournalUnavailable

PREVIEW = "bulk_preview"
RUN = "bulk_run"
PREVIEW_WIDGETS = ("bulk_preview_items", "bulk_preview_count")

RESULT_WORDS = {
    "done": "done",
    "tested": "done",
    "refused": "refused",
    "unknown": "unknown outcome",
    "blocked": "not sent",
    "not_journaled": "not sent",
    "skipped": "skipped",
    "stopped": "not sent (stopped)",
}


@dataclass(frozen=True)
class Item:
    """One object of a batch: the action to run on it, and why it is left alone, if it is."""

    action: str
    target: Target
    params: dict = field(default_factory=dict)
    skip: str | None = None
    undoes: int | None = None

    def will(self) -> str:
        action = ACTIONS[self.action]
        if callable(action.will):
            return action.will(self.target, self.params, None)
        return action.will or action.words


@dataclass(frozen=True)
class Choice:
    """A bulk action a list offers: its button, the action, fixed params, and `options`, which
    draws more into the preview (say, resume's backfill) and returns params to add."""

    label: str
    action: str
    params: dict = field(default_factory=dict)
    icon: str | None = None
    options: Callable[[list[Target]], dict] | None = None


@dataclass
class _Preview:
    title: str
    items: list[Item]
    options: Callable[[list[Target]], dict] | None = None
    typed_count: bool = False


@dataclass
class _Run:
    batch_id: str
    title: str
    items: list[Item]
    results: list[dict] = field(default_factory=list)
    phase: str = "running"  # running, stopped, finished
    stop_asked: bool = False


# --- planning ----------------------------------------------------------------------------------


def plan(client: PostHogClient, action: Action | str, targets: list[Target], **params) -> list:
    """Every target as an item of `action`: skipped, with the reason, when this session may not
    run it, the object is already in that state, or a limit across the batch would be passed."""
    action = ACTIONS[action] if isinstance(action, str) else action
    blocked = blocked_reason(action)
    skips = {}
    for t in targets:
        reason = blocked or (action.skip(t, params) if action.skip else None)
        if reason:
            skips[t] = reason
    if action.limit and not blocked:
        limited = action.limit(client, [t for t in targets if t not in skips], params)
        skips.update({t: limited[t.id] for t in targets if t.id in limited and t not in skips})
    return [Item(action.key, t, dict(params), skips.get(t)) for t in targets]


def offer(
    client: PostHogClient,
    action: Action | str,
    targets: list[Target],
    *,
    options: Callable[[list[Target]], dict] | None = None,
    **params: Any,
) -> None:
    """Open the preview of `action` over `targets` (on this run, after the page)."""
    action = ACTIONS[action] if isinstance(action, str) else action
    items = plan(client, action, targets, **params)
    offer_items(
        f"{action.words}: {len(items)} selected",
        items,
        options=options,
        typed_count=bool(action.confirm and action.confirm.typed_name),
    )


def offer_items(
    title: str,
    items: list[Item],
    *,
    options: Callable[[list[Target]], dict] | None = None,
    typed_count: bool = False,
) -> None:
    """Open the preview of items already planned (say, the undo of a journal batch)."""
    st.session_state.pop(PENDING, None)  # one question at a time
    for widget in PREVIEW_WIDGETS:  # a new preview starts with every item ticked, nothing typed
        st.session_state.pop(widget, None)
    st.session_state[PREVIEW] = _Preview(title, items, options, typed_count)
    _rerun_outside_callback()


# --- the selection bar under a list ---------------------------------------------------------


def selection_bar(
    client: PostHogClient,
    *,
    selected: list[Target],
    matching: Sequence[Target],
    choices: list[Choice],
    noun: str,
    key: str,
) -> None:
    """What the rows picked in a list (or every row matching its filters) can have done to
    them at once. Each choice opens the preview; nothing is sent from here."""
    with st.container(border=True, key=f"{key}_bulk"):
        cols = st.columns([3, *([1] * len(choices))], vertical_alignment="center")
        use_all = False
        if len(matching) > len(selected):
            use_all = cols[0].checkbox(
                f"Select all {len(matching)} matching the filters", key=f"{key}_bulk_all"
            )
        targets = matching if use_all else selected  # a lazy `matching` loads on a click
        cols[0].caption(f"{len(targets)} {noun} selected for a bulk action")
        for col, choice in zip(cols[1:], choices, strict=True):
            if write_button(
                choice.label,
                choice.action,
                key=f"{key}_bulk_{choice.action.split('.')[-1]}_{choice.label}",
                where=col,
                disabled=not len(targets),
                help=f"Preview {choice.label.lower()} of the {noun} selected before anything "
                "is sent.",
                icon=choice.icon,
                width="stretch",
            ):
                offer(client, choice.action, list(targets), options=choice.options, **choice.params)


@dataclass(frozen=True)
class ListOffer:
    """What a list offers under its table: each object's target and name, the hint shown
    while no row is picked, and the bulk choices over the objects (`noun`)."""

    target: Callable[[Any], Target]
    name: Callable[[Any], str]
    hint: str
    choices: list[Choice]
    noun: str


def under_list(
    client: PostHogClient,
    frame: pd.DataFrame,
    picked: list,
    objects: dict,
    offer_: ListOffer,
    *,
    switch: Callable[[Any], None],
    key: str,
) -> None:
    """What goes under a list: the one picked row's own actions with its `switch(object)` (or
    the hint), then the bulk bar over the picked rows or every row shown, as sorted."""
    picked_row_actions(
        frame,
        picked,
        key=key,
        hint=offer_.hint,
        describe=lambda i: (offer_.name(objects[i]), lambda: switch(objects[i])),
    )
    selection_bar(
        client,
        selected=[offer_.target(objects[i]) for i in picked],
        matching=[offer_.target(objects[i]) for i in frame["id"]],
        choices=offer_.choices,
        noun=offer_.noun,
        key=key,
    )


# --- the preview ---------------------------------------------------------------------------------


def ask(client: PostHogClient) -> None:
    """After the page: the preview waiting for the operator's confirmation, if any."""
    preview: _Preview | None = st.session_state.get(PREVIEW)
    if preview is None:
        return
    show = st.dialog(preview.title, width="large", on_dismiss=_drop_preview)
    show(_preview)(client, preview)


def _drop_preview() -> None:
    st.session_state.pop(PREVIEW, None)


def counts_line(items: list[Item]) -> str:
    """ "**9** will change · **3** skipped: Already disabled (2), Needs the admin role (1)"."""
    changing = sum(1 for i in items if not i.skip)
    reasons = Counter(i.skip for i in items if i.skip)
    line = f"**{changing}** will change"
    if reasons:
        why = ", ".join(f"{plain(r.rstrip('.'))} ({n})" for r, n in reasons.most_common())
        line += f" · **{sum(reasons.values())}** skipped: {why}"
    return line


def _preview(client: PostHogClient, preview: _Preview) -> None:
    items = preview.items
    st.markdown(counts_line(items))
    changing = [i for i in items if not i.skip]
    skipped = [i for i in items if i.skip]
    included = changing
    if changing:
        table = pd.DataFrame(
            {
                "Include": [True] * len(changing),
                "Name": [i.target.name for i in changing],
                "What will change": [i.will() for i in changing],
            }
        )
        edited = st.data_editor(
            table,
            hide_index=True,
            key="bulk_preview_items",
            disabled=["Name", "What will change"],
            column_config={
                "Include": st.column_config.CheckboxColumn(
                    help="Untick to leave this one out of the batch", width="small"
                )
            },
            width="stretch",
        )
        included = [i for i, keep in zip(changing, edited["Include"], strict=True) if keep]
    if skipped:
        st.markdown("**Skipped**, nothing is sent for these:")
        st.dataframe(
            pd.DataFrame(
                {
                    "Name": [i.target.name for i in skipped],
                    "Why": [i.skip for i in skipped],
                }
            ),
            hide_index=True,
            key="bulk_preview_skipped",
            width="stretch",
        )
    params = preview.options([i.target for i in included]) if preview.options else {}
    ready = bool(included)
    if preview.typed_count and included:
        typed = st.text_input(
            f"Type {len(included)} to confirm deleting {len(included)} items",
            key="bulk_preview_count",
        )
        if typed.strip() and typed.strip() != str(len(included)):
            st.caption(f":red[Type the number of items, {len(included)}, to confirm.]")
        ready = typed.strip() == str(len(included))
    words = {ACTIONS[i.action].words for i in included}
    go, keep = st.columns(2)
    if go.button(
        f"{words.pop() if len(words) == 1 else 'Run'}: {len(included)} "
        f"item{'s' if len(included) != 1 else ''}",
        type="primary",
        key="bulk_preview_confirm",
        disabled=not ready,
    ):
        left_out = [i for i in changing if i not in included]
        batch = [
            Item(i.action, i.target, {**i.params, **params}, None, i.undoes) for i in included
        ] + [Item(i.action, i.target, i.params, "Left out in the preview") for i in left_out]
        st.session_state[RUN] = _Run(uuid.uuid4().hex, preview.title, batch + skipped)
        _drop_preview()
        st.rerun()
    if keep.button("Cancel", key="bulk_preview_cancel"):
        _drop_preview()
        st.rerun()


# --- the run and its results -------------------------------------------------------------------


def run(client: PostHogClient) -> None:
    """Before the page: a batch being sent (with its progress and Stop), or the result table of
    the last one until the operator dismisses it."""
    batch: _Run | None = st.session_state.get(RUN)
    if batch is None:
        return
    with st.container(border=True, key="bulk_run"):
        st.markdown(f"**{plain(batch.title)}**")
        if batch.phase != "finished":
            _catch_up(batch)
        if batch.phase == "running" and not batch.stop_asked:
            _send_all(client, batch)
        if batch.phase != "finished":  # Stop was pressed: the rest is not sent
            batch.phase = "stopped"
            # each item noted and recorded in turn, so a rerun here resumes, never repeats
            for item in batch.items[len(batch.results) :]:
                outcome = _note(client, batch, item, STOPPED)
                batch.results.append(_result(item, "stopped", outcome))
        _results(batch)


STOPPED = "Stopped before it was sent"
CUT_OFF = (
    "The run was interrupted while this was being sent: PostHog may or may not have applied "
    "it. Reload to check."
)


def _catch_up(batch: _Run) -> None:
    """Where a run was interrupted after an item's journal entry was begun but before its
    result was kept here, the journal says how it went: the item is never sent or noted
    twice."""
    if len(batch.results) >= len(batch.items):
        return
    try:
        entries = journal().entries(batch_id=batch.batch_id, limit=len(batch.items) + 1)
    except JournalUnavailable:
        return
    by_object = {e.object_id: e for e in reversed(entries)}  # the newest wins
    while len(batch.results) < len(batch.items):
        item = batch.items[len(batch.results)]
        entry = by_object.get(None if item.target.id is None else str(item.target.id))
        if entry is None:
            return
        status = {"pending": "unknown", "skipped": "skipped"}.get(entry.outcome, entry.outcome)
        if entry.outcome == "skipped" and entry.reason == STOPPED:
            status = "stopped"
        reason = CUT_OFF if entry.outcome == "pending" else entry.reason
        batch.results.append(
            _result(item, status, Outcome(status, entry_id=entry.id, reason=reason))
        )


def _send_all(client: PostHogClient, batch: _Run) -> None:
    st.button("Stop", key="bulk_stop", icon=":material/stop:", on_click=_ask_stop, args=(batch,))
    bar = st.progress(0.0)
    total = len(batch.items)
    # a rerun (another click) resumes where the last run was interrupted
    for index in range(len(batch.results), total):
        item = batch.items[index]
        _wait_out_rate_limit(client, bar, index / total, batch)
        # drawing is where Streamlit stops a run: only ever between two items
        bar.progress(index / total, text=f"{index + 1} of {total}: {item.target.name}")
        if batch.stop_asked:
            return
        if item.skip:
            outcome = _note(client, batch, item, item.skip)
            batch.results.append(_result(item, "skipped", outcome))
            continue
        action = ACTIONS[item.action]
        outcome = send(
            client, action, item.target, item.params, undoes=item.undoes, batch_id=batch.batch_id
        )
        batch.results.append(_result(item, outcome.status, outcome))  # before anything yields
        if outcome.may_have_changed:
            forget_stale(client, action, item.target)
    batch.phase = "finished"
    st.rerun()  # the page below draws from the caches the batch made stale


def _wait_out_rate_limit(client: PostHogClient, bar, done: float, batch: _Run) -> None:
    """PostHog asked us to wait (a 429): count the wait down before the next item rather than
    send items it would refuse. Stop still works during it."""
    while (left := client.rate_limit_pause()) > 0 and not batch.stop_asked:
        bar.progress(done, text=f"PostHog asked us to wait: the next item goes in {left:.0f} s")
        time.sleep(min(1.0, left))


def _note(client: PostHogClient, batch: _Run, item: Item, reason: str) -> Outcome:
    action = ACTIONS.get(item.action)
    if action is None:  # an entry of an action this console no longer declares
        return Outcome("skipped", reason=reason)
    return note_skipped(
        client,
        action,
        item.target,
        item.params,
        reason=reason,
        batch_id=batch.batch_id,
    )


def _ask_stop(batch: _Run) -> None:
    batch.stop_asked = True


def _result(item: Item, status: str, outcome: Outcome | None) -> dict:
    reason = None
    if outcome is not None:
        if outcome.verdict:  # a lost answer, and what a re-read told
            reason = outcome.verdict
        elif outcome.error is not None:
            reason = _why(outcome.error)
        elif outcome.reason:
            reason = outcome.reason
    return {
        "Name": item.target.name,
        "id": "" if item.target.id is None else str(item.target.id),
        "Action": ACTIONS[item.action].words if item.action in ACTIONS else item.action,
        "Outcome": RESULT_WORDS.get(status, status),
        "Reason": reason or "",
        "Journal entry": f"#{outcome.entry_id}" if outcome and outcome.entry_id else "",
    }


def _why(error: Exception) -> str:
    if isinstance(error, PostHogError) and error.outcome_unknown:
        cause = str(error).removesuffix(UNKNOWN_OUTCOME).strip()
        return f"PostHog may or may not have applied this. {cause} Reload to check.".strip()
    return explain(error)


def _results(batch: _Run) -> None:
    frame = pd.DataFrame(
        batch.results, columns=["Name", "id", "Action", "Outcome", "Reason", "Journal entry"]
    )
    counts = Counter(frame["Outcome"])
    summary = " · ".join(f"{word}: **{n}**" for word, n in counts.most_common())
    ended = "Stopped" if batch.phase == "stopped" else "Finished"
    st.markdown(f"{ended}. {summary}")
    st.dataframe(frame, hide_index=True, key="bulk_results", width="stretch")
    csv, journal, dismiss = st.columns(3)
    download_csv(csv, frame, file_name=f"bulk-{batch.batch_id[:8]}.csv", key="bulk_results_csv")
    if journal.button(
        "Open in the Journal",
        key="bulk_journal",
        icon=":material/history:",
        help="This batch's entries, where the whole batch can be undone.",
    ):
        st.switch_page("pages/journal.py", query_params={"batch": batch.batch_id})
    if dismiss.button("Dismiss", key="bulk_dismiss", icon=":material/close:"):
        st.session_state.pop(RUN, None)
        st.rerun()
