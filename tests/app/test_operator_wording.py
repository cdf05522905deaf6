"""Words an operator reads: no raw field names, no "None" where there is no value."""

from __future__ import annotations

import io

import pandas as pd

from components.insights.actions import saved_words
from components.shared.tables import csv_bytes

LIST = """
from components.hog_functions import function_list
from components.shared.connection import get_client
function_list.render(get_client())
"""


def test_a_function_without_an_order_shows_a_blank_order_in_the_list_and_its_csv(
    connect_env, run_script
):
    at = run_script(LIST)
    assert not at.exception
    frame = at.dataframe[0].value
    unordered = frame[frame["Type"] == "Destinations"]
    # a number column: Streamlit draws a missing number blank, a missing object as "None"
    assert frame["Order"].dtype != object
    assert len(unordered) and unordered["Order"].isna().all()
    assert frame["Order"].notna().any()  # transformations keep their number
    csv = pd.read_csv(io.BytesIO(csv_bytes(frame)), dtype=str, keep_default_na=False)
    assert set(csv.loc[frame["Type"] == "Destinations", "Order"]) == {""}  # blank, not "None"


def test_an_insight_edit_says_what_it_saved_in_words():
    assert saved_words({"saved": True}) == "It is now a saved insight."
    assert saved_words({"name": "x", "saved": False}) == (
        "Saved the new name. It is no longer a saved insight."
    )
    assert saved_words({"name": "x", "description": "y", "tags": []}) == (
        "Saved the new name, description and tags."
    )
