"""A save refused because someone changed the object in PostHog after the form was opened
(`Conflict` from a service's `update_if_unchanged`), the same way in every edit form:

1. the form says who changed it and when (never its creator), and keeps the operator's draft,
   as typed, on the version it was made on; saving is refused until they reload;
2. "Reload the latest version" puts the draft on the latest version: the fields the operator
   changed keep what they typed, every other field shows PostHog's latest value;
3. until it is saved, the form says what differs: per field the operator changed, what they
   typed and what PostHog has now, and which fields moved in PostHog that they did not touch.
   A save then sends their changes on top of the latest version (checked against its
   `updated_at`).

A resource declares a `Versioned` once; its form calls `.draft(...)` before its widgets (it
gives the version to edit and the widget key prefix), `Draft.finish(...)` after them and
`.save(...)` to send; its actions call `refused` and `saved`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from components.shared.actions import request
from components.shared.text import plain
from services.errors import Conflict, at_words

KEPT = "conflict_drafts"  # {(resource, id): Kept}
FIRST_SHOWN = "conflict_first_shown"  # {widget prefix: {widget key: value as first shown}}
# keys under a form's prefix that are not the operator's draft
NOT_DRAFT = ("_save", "_diff", "_errors", "_reload")

Row = tuple[str, Any, Any]  # (field, what the operator typed, what PostHog has now)


@dataclass
class Kept:
    opened: Any  # the version the draft was first made on
    base: Any  # the version the draft is on now
    changed_by: str | None
    changed_at: datetime | None
    reloaded: bool = False
    generation: int = 0  # reloads so far: each gives the widgets new keys


def refused(resource: str, object_id: Any, loaded: Any, error: Exception) -> None:
    """An action's refusal hook: after a `Conflict`, keep the draft on `loaded`, the version
    it was made on."""
    if not isinstance(error, Conflict):
        return
    earlier: Kept | None = _kept(resource, object_id)
    st.session_state.setdefault(KEPT, {})[(resource, object_id)] = Kept(
        opened=earlier.opened if earlier else loaded,
        base=loaded,
        changed_by=getattr(error, "changed_by", None),
        changed_at=getattr(error, "changed_at", None),
        generation=earlier.generation if earlier else 0,
    )


def saved(resource: str, object_id: Any) -> None:
    """An action's done hook: the draft is in PostHog, nothing is kept."""
    st.session_state.get(KEPT, {}).pop((resource, object_id), None)


def _kept(resource: str, object_id: Any) -> Kept | None:
    return st.session_state.get(KEPT, {}).get((resource, object_id))


def changed_words(what: str, changed_by: str | None, changed_at: datetime | None) -> str:
    """ "Ann changed this function in PostHog at 2026-03-01 10:02 UTC", or without a name
    when PostHog does not say who."""
    when = at_words(changed_at)
    if changed_by:
        return f"{changed_by} changed this {what} in PostHog{when}"
    return f"This {what} was changed in PostHog{when}"


@dataclass
class Draft:
    """The version a form edits, and where its widgets' keys start."""

    base: Any
    prefix: str
    kept: Kept | None
    moved_since_opened: Callable[[Any, Any], list[str]]
    slot: Any = None  # where the differences go, above the widgets

    @property
    def why_not_save(self) -> str | None:
        """Why the save control is disabled: the draft is on a version PostHog no longer has."""
        if self.kept is not None and not self.kept.reloaded:
            return "Reload the latest version first: PostHog would refuse this save again."
        return None

    def finish(self, mine: Iterable[Row]) -> None:
        """After the widgets: remember how they were first shown (a reload carries only what
        the operator changed); after a reload, say what differs from the latest version."""
        _remember_first_shown(self.prefix)
        if self.kept is None or not self.kept.reloaded or self.slot is None:
            return
        mine = list(mine)
        yours = {field for field, _typed, _now in mine}
        moved = self.moved_since_opened(self.kept.opened, self.base)
        theirs = [f for f in moved if f not in yours]
        with self.slot:
            if mine:
                st.markdown("**Your changes, on top of the latest version:**")
                st.dataframe(
                    pd.DataFrame(
                        [(f, _cell(typed), _cell(now)) for f, typed, now in mine],
                        columns=["Field", "You typed", "Latest in PostHog"],
                    ),
                    hide_index=True,
                )
            else:
                st.markdown("Your draft now matches the latest version: nothing is left to save.")
            if theirs:
                st.caption(
                    plain(f"Changed in PostHog, not by you (kept as it is): {', '.join(theirs)}.")
                )


def draft(
    resource: str,
    latest: Any,
    *,
    key: str,
    what: str,
    version: Callable[[Any], datetime | None],
    moved_since_opened: Callable[[Any, Any], list[str]],
) -> Draft:
    """The version the form's draft is on (`latest` unless a save was refused), saying so."""
    kept = _kept(resource, latest.id)
    if kept is None:
        return Draft(latest, _prefix(key, latest, version), None, moved_since_opened)
    base = kept.base
    prefix = _prefix(key, base, version, kept.generation)
    slot = st.container(key=f"{key}_conflict")
    with slot:
        if kept.reloaded:
            st.info(
                plain(
                    f"{changed_words(what, kept.changed_by, kept.changed_at)} after you opened "
                    "it. Your draft is now on the latest version, as listed below: save to "
                    "send your changes."
                ),
                icon=":material/sync:",
            )
            return Draft(base, prefix, kept, moved_since_opened, slot)
        moved = moved_since_opened(base, latest)
        said = f" ({', '.join(moved)})" if moved else ""
        st.warning(
            plain(
                f"{changed_words(what, kept.changed_by, kept.changed_at)} after you opened "
                f"it{said}, so nothing was saved. Your draft below is kept as you typed it. "
                "Reload the latest version to put your changes on top of it: until then, "
                "saving is refused."
            ),
            icon=":material/sync_problem:",
        )
        if st.button("Reload the latest version", key=f"{key}_reload", icon=":material/refresh:"):
            kept.generation += 1
            _carry(prefix, _prefix(key, latest, version, kept.generation))
            kept.base, kept.reloaded = latest, True
            st.rerun()
    return Draft(base, prefix, kept, moved_since_opened)


@dataclass(frozen=True)
class Versioned:
    """How one resource's edit form meets someone else's edit, declared once per resource:
    its kind (`resource`), its words (`what`), the field PostHog moves on every save
    (`version`), and the editable fields that moved between two versions."""

    resource: str
    what: str
    version: Callable[[Any], datetime | None]
    moved_since_opened: Callable[[Any, Any], list[str]]

    def draft(self, latest: Any, *, key: str) -> Draft:
        return draft(
            self.resource,
            latest,
            key=key,
            what=self.what,
            version=self.version,
            moved_since_opened=self.moved_since_opened,
        )

    def save(self, client, action, target, changes: dict, *, base: Any, form: str) -> None:
        """Send the operator's changes on `base`, the version they edited (checked against
        its `version`), or say that nothing changed."""
        if not changes:
            st.info("Nothing changed.")
            return
        request(
            client,
            action,
            target,
            changes=changes,
            loaded_updated_at=self.version(base),
            form=form,
        )


def _prefix(key: str, obj: Any, version: Callable[[Any], Any], generation: int = 0) -> str:
    """Widget keys follow the version (fields show PostHog's values after a save) and each
    reload (the carried draft goes to widgets that were never shown)."""
    moment = version(obj)
    stamp = moment.timestamp() if moment else 0
    return f"{key}_{obj.id}_{stamp:.0f}" + (f"r{generation}" if generation else "")


def _draft_keys(prefix: str) -> dict[str, Any]:
    return {
        name: value
        for name, value in st.session_state.items()
        if name.startswith(f"{prefix}_") and not name.endswith(NOT_DRAFT)
    }


def _remember_first_shown(prefix: str) -> None:
    """The values of a prefix's widgets as first shown (before the operator touched them);
    a carried widget is left out, so it counts as typed at the next reload too."""
    shown = st.session_state.setdefault(FIRST_SHOWN, {})
    entry = shown.get(prefix)
    if isinstance(entry, dict):
        return
    carried = entry or set()
    shown[prefix] = {k: v for k, v in _draft_keys(prefix).items() if k not in carried}


def _carry(old: str, new: str) -> None:
    """Copy what the operator changed in the widgets under `old` to those under `new`; the
    others start at the latest version's values."""
    first = st.session_state.get(FIRST_SHOWN, {}).get(old)
    first = first if isinstance(first, dict) else {}
    carried = set()
    for name, value in _draft_keys(old).items():
        if name in first and first[name] == value:
            continue  # untouched
        carried.add(new + name[len(old) :])
        st.session_state[new + name[len(old) :]] = value
    st.session_state.setdefault(FIRST_SHOWN, {})[new] = carried


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return "—" if value is None or value == "" else str(value)
