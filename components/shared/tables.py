"""Tables an operator picks a row from, their CSV download, and page controls for lists
that PostHog pages on the server."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from components.shared.feedback import show_error
from components.shared.text import plain
from services.errors import PostHogError

# A spreadsheet runs a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _formula_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # a leading quote makes the cell text
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as CSV that a spreadsheet opens as data: text cells that would start a
    formula (names from PostHog can) are prefixed with a quote; numbers are left alone."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(_formula_safe)
    return safe.to_csv(index=False).encode()


# Streamlit's own "Download as CSV" in every grid's toolbar writes cells as they are, formula
# starts included, and st.dataframe has no switch for it: hidden, so the one CSV an operator
# gets is `download_csv`'s.
_NO_GRID_CSV = (
    '<style>[data-testid="stElementToolbar"] button[aria-label="Download as CSV"]'
    "{display: none !important}</style>"
)


def hide_grid_csv_download() -> None:
    """Once per page run, before any grid (app.py)."""
    st.html(_NO_GRID_CSV)


def download_csv(target: Any, frame: pd.DataFrame, *, file_name: str, key: str) -> None:
    target.download_button(
        "Download CSV",
        csv_bytes(frame),
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
    )


def pick_row(
    frame: pd.DataFrame,
    *,
    key: str,
    hidden: tuple[str, ...] = ("id",),
    column_config: dict[str, Any] | None = None,
) -> str | None:
    """Show the table with single-row selection; the `id` of the chosen row. A table of one
    row (say, after a search) selects it."""
    picked = _table(frame, key, hidden, column_config, "single-row")
    if picked:
        return frame.iloc[picked[0]]["id"]
    return frame.iloc[0]["id"] if len(frame) == 1 else None


def pick_rows(
    frame: pd.DataFrame,
    *,
    key: str,
    hidden: tuple[str, ...] = ("id",),
    column_config: dict[str, Any] | None = None,
) -> list:
    """Show the table with multi-row selection (for bulk actions); the `id`s of the rows
    ticked, in table order."""
    rows = pick_positions(frame, key=key, hidden=hidden, column_config=column_config)
    return [frame.iloc[r]["id"] for r in rows]


def pick_positions(
    frame: pd.DataFrame,
    *,
    key: str,
    hidden: tuple[str, ...] = ("id",),
    column_config: dict[str, Any] | None = None,
) -> list[int]:
    """Like `pick_rows`, the positions of the rows ticked (where ids alone are ambiguous).
    Streamlit keeps a table's ticks by row number: the table starts afresh when its rows
    change, so a tick never moves to another object."""
    return _table(frame, multi_row_key(key, frame["id"]), hidden, column_config, "multi-row")


def multi_row_key(key: str, ids) -> str:
    """The widget key of a multi-row table showing these ids, in this order."""
    return f"{key}_{zlib.crc32(','.join(map(str, ids)).encode()):08x}"


def picked_row_actions(
    frame: pd.DataFrame,
    picked: list,
    *,
    key: str,
    hint: str,
    describe: Callable[[Any], tuple[str, Callable[[], None] | None]],
) -> None:
    """Under a multi-row table: the one picked row's actions (`describe(id)` gives its name
    and switch), a table of one row counting as picked; otherwise `hint`."""
    single = picked[0] if len(picked) == 1 else (frame.iloc[0]["id"] if len(frame) == 1 else None)
    if single is None:
        st.caption(hint)
        return
    name, switch = describe(single)
    row_actions(name, single, key=key, switch=switch)


def _table(frame, key, hidden, column_config, mode: str) -> list[int]:
    event = st.dataframe(
        frame,
        hide_index=True,
        key=key,
        on_select="rerun",
        selection_mode=mode,
        column_order=[c for c in frame.columns if c not in hidden],
        column_config=column_config,
    )
    rows = event.selection.rows if event and event.selection else []
    return sorted(r for r in rows if r < len(frame))


def row_actions(name: str, object_id: object, *, key: str, switch=None) -> None:
    """Under a table, the picked row: its name, an optional switch (a function drawing it)
    and "Open details", which opens the detail view (`?id=`)."""
    with st.container(border=True, key=f"{key}_actions"):
        label, toggle, open_ = st.columns([5, 2, 2], vertical_alignment="center")
        label.markdown(f"**{plain(name)}**")
        if switch is not None:
            with toggle:
                switch()
        if open_.button("Open details", key=f"{key}_open", icon=":material/open_in_new:"):
            st.query_params["id"] = str(object_id)
            st.rerun()


def download_all_csv(
    target: Any,
    shown: pd.DataFrame,
    load_all: Callable[[], pd.DataFrame],
    *,
    complete: bool,
    total: int,
    what: str,
    file_name: str,
    key: str,
) -> None:
    """A CSV of every row matching the filters: the rows shown when they are `complete`,
    otherwise all `total` are fetched only when the operator asks. `what` names the
    filters, so changing them asks again."""
    if complete:
        download_csv(target, shown, file_name=file_name, key=f"{key}_csv")
        return
    if st.session_state.get(f"{key}_csv_for") != what:
        target.button(
            f"Prepare CSV of all {total}",
            key=f"{key}_csv_prepare",
            icon=":material/download:",
            on_click=lambda: st.session_state.update({f"{key}_csv_for": what}),
        )
        return
    try:
        with st.spinner(f"Loading all {total} rows…"):
            frame = load_all()
    except PostHogError as exc:
        show_error(exc)
        return
    download_csv(target, frame, file_name=file_name, key=f"{key}_csv")


def current_page(key: str) -> int:
    """The 1-based page the operator is on (before the page is fetched)."""
    return max(1, int(st.session_state.get(f"{key}_page", 1)))


def reset_page(key: str) -> None:
    """Back to the first page: a callback for the filters of a paged list."""
    st.session_state[f"{key}_page"] = 1


def _step(key: str, delta: int) -> None:
    st.session_state[f"{key}_page"] = current_page(key) + delta


def page_controls(page: int, page_count: int, *, key: str) -> None:
    """Previous, the page number and Next under a server-paged table. Call after the page
    is fetched, with the page shown; `current_page(key)` reads the choice on the next run."""
    page_count = max(1, page_count)
    st.session_state[f"{key}_page"] = min(page, page_count)
    back, number, forward = st.columns([1, 1, 1], vertical_alignment="bottom")
    back.button(
        "Previous",
        key=f"{key}_prev",
        icon=":material/chevron_left:",
        disabled=page <= 1,
        on_click=_step,
        args=(key, -1),
    )
    number.number_input(f"Page (of {page_count})", 1, page_count, step=1, key=f"{key}_page")
    forward.button(
        "Next",
        key=f"{key}_next",
        icon=":material/chevron_right:",
        disabled=page >= page_count,
        on_click=_step,
        args=(key, 1),
    )
