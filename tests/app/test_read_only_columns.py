"""The lists' yes/no columns are text, not checkboxes that look clickable but do nothing:
insights' Favorite, hog functions' Enabled, templates' Free, dashboards' Pinned, Shared and You
can edit. The CSV download holds the same words as the grid."""

from __future__ import annotations

import io

import pandas as pd

from components.shared.tables import csv_bytes
from emulator.analytics import stored_dashboards
from tests.app.test_bulk_lists import DASHBOARDS, INSIGHTS
from tests.app.test_hog_functions import LIST as FUNCTIONS


def _grid(run_script, script: str) -> pd.DataFrame:
    at = run_script(script)
    assert not at.exception
    return at.dataframe[0].value


def _no_bool_columns(frame: pd.DataFrame) -> None:
    assert not [c for c in frame.columns if pd.api.types.is_bool_dtype(frame[c])]


def test_insight_favorites_are_a_star(connect_env, run_script):
    frame = _grid(run_script, INSIGHTS)
    _no_bool_columns(frame)
    assert set(frame["Favorite"]) == {"★", ""}
    csv = pd.read_csv(io.BytesIO(csv_bytes(frame)), keep_default_na=False)
    assert list(csv["Favorite"]) == list(frame["Favorite"])


def test_hog_functions_enabled_is_on_or_off(connect_env, run_script):
    frame = _grid(run_script, FUNCTIONS)
    _no_bool_columns(frame)
    assert set(frame["Enabled"]) == {"On", "Off"}


def test_dashboard_flags_are_yes_or_no(connect_env, run_script):
    frame = _grid(run_script, DASHBOARDS)
    _no_bool_columns(frame)
    for column in ("Pinned", "Shared", "You can edit"):
        assert set(frame[column]) == {"Yes", "No"}, column
    pinned = {d["name"] for d in stored_dashboards(connect_env) if d["pinned"] and not d["deleted"]}
    assert set(frame.loc[frame["Pinned"] == "Yes", "Name"]) == pinned


GALLERY = """
from components.hog_functions import template_gallery
from components.shared.connection import get_client
template_gallery.render(get_client())
"""


def test_template_gallery_free_is_yes_or_no(connect_env, run_script):
    frame = _grid(run_script, GALLERY)
    _no_bool_columns(frame)
    assert set(frame["Free"]) == {"Yes", "No"}
