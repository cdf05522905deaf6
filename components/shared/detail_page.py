"""Pieces every detail view shares: the way back to its list, and the typed-name check that
guards a delete."""

from __future__ import annotations

import streamlit as st

from components.shared.text import plain


def back_to_list(label: str, *, key: str) -> None:
    """A button that leaves the detail (`?id=`) for the list."""
    if st.button(label, icon=":material/arrow_back:", key=key):
        st.query_params.pop("id", None)
        st.rerun()


def name_typed(name: str, *, what: str, key: str) -> bool:
    """Ask for the name before a delete; True once it is typed exactly."""
    st.markdown(f"Type the {what}'s name to delete **{plain(name)}**.")
    typed = st.text_input(f"{what.capitalize()} name", key=key)
    return typed == name
