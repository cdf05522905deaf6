"""The Overview's thresholds, set on the page with PostHog-independent defaults shown."""

from __future__ import annotations

import streamlit as st

from services.fleet import Thresholds

DEFAULTS = Thresholds()


def render(*, key: str = "ov") -> Thresholds:
    with st.expander(
        f"Thresholds: failing from {DEFAULTS.failure_rate:.0%} of at least "
        f"{DEFAULTS.min_volume:,} deliveries, paused for more than {DEFAULTS.paused_days} days "
        "(defaults)"
        if _all_default(key)
        else "Thresholds (changed from the defaults)",
        icon=":material/tune:",
    ):
        cols = st.columns(3)
        rate = cols[0].number_input(
            "Failure rate, %",
            min_value=1,
            max_value=100,
            value=round(DEFAULTS.failure_rate * 100),
            step=1,
            key=f"{key}_rate",
            help=f"A function failing at least this share of its deliveries is listed. "
            f"Default {DEFAULTS.failure_rate:.0%}.",
        )
        volume = cols[1].number_input(
            "Minimum deliveries",
            min_value=1,
            value=DEFAULTS.min_volume,
            step=10,
            key=f"{key}_volume",
            help=f"Functions with fewer deliveries in the window are not rated. "
            f"Default {DEFAULTS.min_volume:,}.",
        )
        paused = cols[2].number_input(
            "Paused for more than, days",
            min_value=1,
            value=DEFAULTS.paused_days,
            step=1,
            key=f"{key}_paused",
            help=f"Exports paused longer than this are listed. Default {DEFAULTS.paused_days}.",
        )
    return Thresholds(failure_rate=rate / 100, min_volume=int(volume), paused_days=int(paused))


def _all_default(key: str) -> bool:
    state = st.session_state
    return (
        state.get(f"{key}_rate", round(DEFAULTS.failure_rate * 100))
        == round(DEFAULTS.failure_rate * 100)
        and state.get(f"{key}_volume", DEFAULTS.min_volume) == DEFAULTS.min_volume
        and state.get(f"{key}_paused", DEFAULTS.paused_days) == DEFAULTS.paused_days
    )
