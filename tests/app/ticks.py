"""Ticking rows of a multi-row table under AppTest, which cannot click the grid's canvas."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from components.shared.tables import multi_row_key


def tick(at: AppTest, key: str, frame: pd.DataFrame, rows: list[int]) -> AppTest:
    """Tick `rows` (by position) of the table drawn with `key` and showing `frame`, then run."""
    at.session_state[multi_row_key(key, frame["id"])] = {"selection": {"rows": rows, "columns": []}}
    return at.run()
