"""Health badges: the same words and colours everywhere a function's health shows."""

from __future__ import annotations

import streamlit as st

# symbols from basic fonts (emoji fonts are often missing on servers and kiosks)
BADGES = {
    "Active": ("✓", "green"),
    "Degraded": ("▲", "orange"),
    "Disabled by PostHog": ("✕", "red"),
    "Unknown": ("?", "gray"),
    "Paused": ("‖", "gray"),
}
EXPLANATIONS = {
    "Active": "Running as expected.",
    "Degraded": "Slow or failing requests: PostHog moved it to a slower lane.",
    "Disabled by PostHog": "PostHog stopped it after too many failures. Saving it re-enables it.",
    "Unknown": "Not enough recent invocations for PostHog to rate it.",
    "Paused": "Switched off by an operator.",
}


def label(health: str) -> str:
    """Text for tables: an icon and the word, so colour is never the only signal."""
    icon, _ = BADGES.get(health, BADGES["Unknown"])
    return f"{icon} {health}"


def render(health: str) -> None:
    _, colour = BADGES.get(health, BADGES["Unknown"])
    st.badge(health, color=colour, help=EXPLANATIONS.get(health))
