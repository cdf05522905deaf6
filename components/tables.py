"""Tables an operator picks a row from, and their CSV download."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st


def download_csv(target: Any, frame: pd.DataFrame, *, file_name: str, key: str) -> None:
    target.download_button(
        "Download CSV",
        frame.to_csv(index=False).encode(),
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
    event = st.dataframe(
        frame,
        hide_index=True,
        key=key,
        on_select="rerun",
        selection_mode="single-row",
        column_order=[c for c in frame.columns if c not in hidden],
        column_config=column_config,
    )
    rows = event.selection.rows if event and event.selection else []
    if rows:
        return frame.iloc[rows[0]]["id"]
    return frame.iloc[0]["id"] if len(frame) == 1 else None


def example() -> None:
    frame = pd.DataFrame({"id": ["a"], "Name": ["Only row"]})
    download_csv(st, frame, file_name="example.csv", key="example_csv")
    st.write(f"Picked: {pick_row(frame, key='example_table')}")
