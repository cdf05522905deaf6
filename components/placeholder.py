"""A page that is not built yet says in one line what it will do, and shows no data."""

from __future__ import annotations

import streamlit as st


def render(title: str, will_do: str) -> None:
    st.title(title)
    st.info(f"Coming next: {will_do}", icon=":material/construction:")


def example() -> None:
    render("Batch exports", "pause, resume and backfill batch exports.")
