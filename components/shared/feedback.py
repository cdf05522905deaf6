"""One sentence for every failure: what happened and what to do. Never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


def record_write(
    flash_key: str,
    action: Callable[[], Any],
    *,
    done: str | Callable[[Any], str],
    failed: str,
    why: Callable[[Exception], str] = explain,
) -> bool:
    """Run one write and leave its outcome for `show_flash(flash_key)` on the next run:
    `done` (or `done(result)`) when it worked, "`failed`: why" when PostHog refused or the
    outcome is unknown. True when it worked."""
    try:
        result = action()
    except PostHogError as exc:
        st.session_state[flash_key] = ("error", f"{failed}: {why(exc)}")
        return False
    st.session_state[flash_key] = ("success", done(result) if callable(done) else done)
    return True


def show_flash(state_key: str) -> None:
    """Show, once, the outcome a callback or dialog left in session state as (kind, text)."""
    flash = st.session_state.pop(state_key, None)
    if not flash:
        return
    kind, message = flash
    if kind == "error":
        st.error(plain(message), icon=":material/error:")
    else:
        st.toast(plain(message), icon=":material/check:")
