"""One sentence for every failure: what happened and what to do. Never a traceback."""

from __future__ import annotations

import streamlit as st

from components.shared.text import plain
from services.errors import PostHogError, ValidationFailed


def explain(error: Exception) -> str:
    if isinstance(error, PostHogError):
        return str(error)
    return f"Something unexpected went wrong ({type(error).__name__}). Nothing was changed."


def show_error(error: Exception, *, container=None) -> None:
    """Render an error. Validation errors name their field; writes with an unknown outcome
    say so explicitly."""
    target = container or st
    message = explain(error)
    if isinstance(error, ValidationFailed) and error.attr:
        message = f"{error.attr}: {error.detail}"
    target.error(plain(message), icon=":material/error:")


def field_error(key: str, field: str) -> None:
    """The error a form left for one field in `st.session_state[f"{key}_errors"]`, shown
    next to that field."""
    message = st.session_state.get(f"{key}_errors", {}).get(field)
    if message:
        st.error(plain(message), icon=":material/error:")
