"""Execution order of the enabled transformations: reorder, preview, save only what moved."""

from __future__ import annotations

import streamlit as st

from components.hog_functions import actions
from components.shared import data
from components.shared.actions import request, write_button
from components.shared.text import plain
from services import PostHogClient
from services.hog_functions import MAX_ENABLED_TRANSFORMATIONS as MAX_ENABLED
from services.models import HogFunction


def enabled_in_order(functions: list[HogFunction]) -> list[HogFunction]:
    """Enabled transformations as PostHog runs them: lowest order first, unset last. The sort
    is stable, so ties keep PostHog's list order (newest update first)."""
    enabled = [f for f in functions if f.type == "transformation" and f.enabled]
    return sorted(enabled, key=lambda f: (f.execution_order is None, f.execution_order or 0))


def changed_orders(functions: list[HogFunction], draft: list[str]) -> dict[str, int]:
    """{id: new 1-based position} for the functions whose stored order differs from their
    place in the draft. Empty when the operator moved nothing, even if stored orders have gaps
    (left by disabled functions), so Save stays off until something moved."""
    if draft == [f.id for f in functions]:
        return {}
    stored = {f.id: f.execution_order for f in functions}
    return {fid: pos for pos, fid in enumerate(draft, start=1) if stored[fid] != pos}


def render(client: PostHogClient, *, key: str = "hf_order") -> None:
    draft_key = f"{key}_draft"
    functions = enabled_in_order(data.hog_functions(client))
    count = f"{len(functions)} of {MAX_ENABLED} enabled transformations"
    if len(functions) >= MAX_ENABLED:
        st.warning(
            f"{count}: PostHog's limit. Disable one before enabling another.",
            icon=":material/warning:",
        )
    else:
        st.caption(f"{count}. They run on every event in this order, top first.")
    if not functions:
        return
    by_id = {f.id: f for f in functions}
    draft = st.session_state.get(draft_key)
    if draft is not None and set(draft) != set(by_id):
        # Someone enabled, disabled or deleted one meanwhile: a stale draft would lose it.
        st.info("The enabled transformations changed since you started; your draft was reset.")
        draft = None
    if draft is None:
        draft = st.session_state[draft_key] = [f.id for f in functions]
    _rows(draft, by_id, key)
    orders = changed_orders(functions, draft)
    if orders:
        st.info(
            "Will change:\n"
            + "\n".join(
                f"- {plain(by_id[fid].name)}: {_order_text(by_id[fid].execution_order)} → {new}"
                for fid, new in orders.items()
            ),
            icon=":material/swap_vert:",
        )
    save, reset = st.columns([1, 1])
    if write_button(
        "Save order",
        actions.REARRANGE,
        where=save,
        type="primary",
        key=f"{key}_save",
        disabled=not orders,
        help="Sends only the orders that changed.",
    ):
        # once saved, the re-read order equals the draft, so nothing shows as moved
        with st.spinner(f"Saving the order of {len(orders)} transformations…"):
            request(client, actions.REARRANGE, actions.transformations(functions), orders=orders)
    if reset.button("Reset", key=f"{key}_reset", disabled=not orders):
        st.session_state.pop(draft_key, None)
        st.rerun()


def _rows(draft: list[str], by_id: dict[str, HogFunction], key: str) -> None:
    """A numbered row per function with up/down buttons that swap it in the draft."""
    last = len(draft) - 1
    for position, function_id in enumerate(draft):
        number, name, up, down = st.columns([1, 10, 1, 1], vertical_alignment="center")
        number.markdown(f"**{position + 1}.**")
        name.markdown(plain(by_id[function_id].name))
        for column, step, icon, label in (
            (up, -1, ":material/arrow_upward:", "Move up"),
            (down, 1, ":material/arrow_downward:", "Move down"),
        ):
            other = position + step
            if column.button(
                "",
                icon=icon,
                help=label,
                key=f"{key}_{'up' if step < 0 else 'down'}_{function_id}",
                disabled=not 0 <= other <= last,
            ):
                draft[position], draft[other] = draft[other], draft[position]
                st.rerun()


def _order_text(order: int | None) -> str:
    return "unset" if order is None else str(order)
