"""The hog functions table: one row per function with its health."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services import health_of
from services.models import HogFunction


def to_frame(functions: list[HogFunction]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Name": f.name,
                "Type": (f.type or "").replace("_", " "),
                "Health": health_of(f),
                "Enabled": f.enabled,
                "Updated": f.updated_at,
            }
            for f in functions
        ],
        columns=["Name", "Type", "Health", "Enabled", "Updated"],
    )


def render(functions: list[HogFunction], *, key: str = "hog_function_table") -> None:
    st.dataframe(
        to_frame(functions),
        hide_index=True,
        key=key,
        column_config={"Updated": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )


def example() -> None:
    render([HogFunction(id="f1", name="Slack #alerts", type="destination", enabled=True)])
