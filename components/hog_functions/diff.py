"""The table of an edit's changes, field by field: under the form while editing, and in the
question asked before saving. Secrets never show their value."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from services.hog_functions import describe_changes
from services.models import HogFunction


def show(function: HogFunction, changes: dict, *, key: str) -> None:
    rows = describe_changes(function, changes)
    st.dataframe(
        pd.DataFrame(
            [(f, _cell(b), _cell(a)) for f, b, a in rows], columns=["Field", "Before", "After"]
        ),
        hide_index=True,
        key=key,
    )


def count(function: HogFunction, changes: dict, *, noun: str = "change") -> str:
    """How many rows the table has, in words: "1 change", "3 changes"."""
    n = len(describe_changes(function, changes))
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "" if value is None else str(value)
