"""Execution order of the enabled transformations: reorder, preview, save only what moved."""

from __future__ import annotations

import streamlit as st

from components import data
from components.feedback import show_error
from components.text import plain
from services import PostHogClient
from services.errors import PostHogError

MAX_ENABLED = 20  # PostHog's cap on enabled transformations per project


def render(client: PostHogClient, *, key: str = "hf_order") -> None:
    enabled = sorted(
        (f for f in data.hog_functions(client) if f.type == "transformation" and f.enabled),
        key=lambda f: (f.execution_order is None, f.execution_order or 0, f.name),
    )
    count = f"{len(enabled)} of {MAX_ENABLED} enabled transformations"
    if len(enabled) >= MAX_ENABLED:
        st.warning(f"{count}: PostHog allows no more until one is disabled.")
    else:
        st.caption(f"{count}. They run on every event in this order, lowest first.")
    if not enabled:
        return
    by_id = {f.id: f for f in enabled}
    draft_key = f"{key}_draft"
    if set(st.session_state.get(draft_key, [])) != set(by_id):
        st.session_state[draft_key] = [f.id for f in enabled]
    draft: list[str] = st.session_state[draft_key]
    for position, function_id in enumerate(draft):
        row = st.columns([1, 8, 1, 1], vertical_alignment="center")
        row[0].markdown(f"**{position + 1}**")
        row[1].markdown(plain(by_id[function_id].name))
        if row[2].button("↑", key=f"{key}_up_{function_id}", disabled=position == 0):
            draft[position - 1], draft[position] = draft[position], draft[position - 1]
            st.rerun()
        if row[3].button("↓", key=f"{key}_down_{function_id}", disabled=position == len(draft) - 1):
            draft[position + 1], draft[position] = draft[position], draft[position + 1]
            st.rerun()
    orders = {
        function_id: position + 1
        for position, function_id in enumerate(draft)
        if by_id[function_id].execution_order != position + 1
    }
    if orders:
        moves = ", ".join(
            f"{by_id[fid].name}: {by_id[fid].execution_order} → {order}"
            for fid, order in orders.items()
        )
        st.info(plain(f"Will change: {moves}"))
    save, reset = st.columns([1, 1])
    if save.button("Save order", type="primary", key=f"{key}_save", disabled=not orders):
        try:
            client.hog_functions.rearrange(orders)
        except PostHogError as exc:
            show_error(exc)
            return
        for function_id in orders:
            data.forget_hog_function(client, function_id)
        st.session_state.pop(draft_key, None)
        st.toast("Order saved.", icon=":material/check:")
        st.rerun()
    if reset.button("Reset", key=f"{key}_reset", disabled=not orders):
        st.session_state.pop(draft_key, None)
        st.rerun()


def example() -> None:
    from components.connection import get_client

    render(get_client(), key="example_order")
