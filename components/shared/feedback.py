"""One sentence for every failure: what happened and what to do. Never a traceback."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st

from components.shared.text import plain
from services.errors import CircuitOpen, NotLoaded, PostHogError, ValidationFailed


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


def missing_words(failed: Mapping[object, Exception], noun: str) -> str:
    """One message for the items of a fan-out that did not arrive: the cause said once (the
    first failure that is not the console's own stop), then the breaker and the deadline."""
    errors = list(failed.values())
    stopped = next((e for e in errors if isinstance(e, CircuitOpen)), None)
    causes = [e for e in errors if not isinstance(e, (CircuitOpen, NotLoaded))]
    if stopped and stopped.cause is not None:
        causes.append(stopped.cause)
    parts = [f"{len(errors)} {noun} not loaded."]
    if causes:
        parts.append(explain(causes[0]))
    if stopped:
        parts.append(stopped.stop)
    late = [e for e in errors if isinstance(e, NotLoaded)]
    if late:
        parts.append(f"{len(late)} did not answer within {late[0].deadline:g} s.")
    return " ".join(parts)


def offer_retry(
    failed: Mapping[object, Exception], *, noun: str, retry: Callable[[], None], key: str
) -> None:
    """Say which items of a fan-out are missing and why, with "Retry the missing ones" (the
    rest stays as it arrived)."""
    if not failed:
        return
    with st.container(border=True, key=key):
        st.warning(plain(missing_words(failed, noun)), icon=":material/warning:")
        st.button(
            "Retry the missing ones",
            key=f"{key}_retry",
            icon=":material/refresh:",
            on_click=retry,
            help="Asks PostHog again for these only; what arrived is kept.",
        )
