"""The Overview's cards: a count, its change against the previous window, and a link to the
filtered list. A card whose source is still loading or failed says so instead."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from components.shared.text import plain


@dataclass(frozen=True)
class Card:
    title: str
    link: str  # the filtered list
    count: int | None = None  # None while loading or failed
    previous: int | None = None  # the previous window's count, when it can be known
    help: str = ""
    problem: str | None = None  # why the count is missing: "Loading…" or the error


PER_ROW = 3  # long enough titles, readable on a laptop


def render(cards: list[Card]) -> None:
    columns = [c for _ in range(0, len(cards), PER_ROW) for c in st.columns(PER_ROW)]
    for column, card in zip(columns, cards, strict=False):
        with column.container(border=True):
            # the same elements in every state: the card is redrawn in place as sources arrive
            if card.count is None:
                st.metric(card.title, "–", help=card.help)
                st.caption(plain(card.problem or "Loading…"))
            else:
                delta = None if card.previous is None else card.count - card.previous
                st.metric(
                    card.title,
                    card.count,
                    delta=delta,
                    delta_color="inverse",  # more problems is worse
                    help=card.help,
                )
                st.caption(
                    "No earlier window to compare."
                    if delta is None
                    else f"{card.previous:,} in the previous window."
                )
            st.markdown(f"[Open the list]({card.link})")


def to_frame(cards: list[Card]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Card": c.title,
                "Count": c.count,
                "Previous window": c.previous,
                "Change": None if c.count is None or c.previous is None else c.count - c.previous,
                "Problem": c.problem or "",
                "Link": c.link,
            }
            for c in cards
        ]
    ).astype({"Count": "Int64", "Previous window": "Int64", "Change": "Int64"})
