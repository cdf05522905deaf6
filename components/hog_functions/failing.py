"""Disable every hog function that failed more than X % of at least N deliveries in the last
7 days: found from the fleet's 7-day totals (services.fleet.failing_more_than) and offered as
one bulk disable, which the operator trims in its preview before anything is sent. The hog
functions page and the Overview's "needs attention" table both draw it from here."""

from __future__ import annotations

import streamlit as st

from components.hog_functions import actions
from components.shared import bulk, data
from components.shared.actions import write_button
from components.shared.feedback import show_error
from components.shared.text import plain
from services import PostHogClient
from services.errors import PostHogError
from services.fleet import Thresholds, failing_more_than, known_deliveries

DAYS = 7
DEFAULTS = Thresholds()


def _rate_problem(rate: float) -> str | None:
    if not 0 <= rate < 100:
        return "Enter a share from 0 to 99 %: no function fails more than 100 %."
    return None


def _volume_problem(volume: float) -> str | None:
    if volume < 1 or volume != int(volume):
        return "Enter a whole number of deliveries, 1 or more."
    return None


def render(client: PostHogClient, *, key: str = "hf_failing") -> None:
    with st.expander(
        f"Disable every function failing more than a share of its deliveries, last {DAYS} days",
        icon=":material/block:",
    ):
        rate_col, volume_col, act = st.columns([2, 2, 3], vertical_alignment="top")
        rate = rate_col.number_input(
            "Failed more than, %",
            value=float(round(DEFAULTS.failure_rate * 100)),
            step=1.0,
            format="%g",
            key=f"{key}_rate",
            help="A function whose failed deliveries are more than this share of its "
            f"deliveries in the last {DAYS} days is listed.",
        )
        volume = volume_col.number_input(
            "Of at least, deliveries",
            value=DEFAULTS.min_volume,
            step=10,
            key=f"{key}_volume",
            help="Functions with fewer deliveries (succeeded plus failed) are left out: a few "
            "failures of a quiet function say little.",
        )
        problems = {rate_col: _rate_problem(rate), volume_col: _volume_problem(volume)}
        for col, problem in problems.items():
            if problem:
                col.error(problem, icon=":material/error:")
        if any(problems.values()):
            return
        try:
            fleet = data.fleet_totals(client, days=DAYS)
            functions = data.hog_functions(client)
        except PostHogError as exc:
            show_error(exc, container=act)
            return
        failing = failing_more_than(
            functions, known_deliveries(fleet), rate=rate / 100, min_deliveries=int(volume)
        )
        enabled = sum(1 for f in failing if f.enabled)
        act.markdown(
            f"**{len(failing)}** functions failed more than {rate:g} % of at least "
            f"{int(volume):,} deliveries; **{enabled}** of them are enabled."
        )
        if fleet.failed:
            act.caption(
                plain(f"{len(fleet.failed)} functions' totals could not be read: not counted.")
            )
        if write_button(
            "Preview disabling them…",
            actions.DISABLE,
            key=f"{key}_offer",
            where=act,
            disabled=not failing,
            help="Lists every one with what will change and what is skipped; untick any to "
            "keep it running. Nothing is sent before you confirm.",
            icon=":material/block:",
        ):
            bulk.offer(client, actions.DISABLE, [actions.target(f) for f in failing])
