"""The configuration form's icon search under AppTest, against the emulator: PostHog is asked
once per search, not again on every rerun of the page."""

from __future__ import annotations

FORM = """
import streamlit as st
from components.shared import data
from components.hog_functions import config_form
from components.shared.connection import get_client
client = get_client()
config_form.render(client, data.hog_function(client, st.session_state["function_id"]), key="f")
"""


def _icon_searches(emulator) -> list:
    return [r for r in emulator.requests if r.method == "GET" and r.path.endswith("/icons/")]


def test_an_icon_search_is_sent_once_across_reruns(connect_env, run_script):
    function = connect_env.stored_hog_functions(1)[0]
    at = run_script(FORM, function_id=function["id"])
    connect_env.clear_requests()
    next(t for t in at.text_input if t.key.endswith("_icon_q")).input("slack").run()
    assert not at.exception
    pick = next(s for s in at.selectbox if s.key.endswith("_icon_pick"))
    assert any("slack.com" in option for option in pick.options)
    assert len(_icon_searches(connect_env)) == 1
    at.run()  # a rerun (any click elsewhere on the page) asks nothing again
    at.run()
    assert len(_icon_searches(connect_env)) == 1
    next(t for t in at.text_input if t.key.endswith("_icon_q")).input("hub").run()
    assert len(_icon_searches(connect_env)) == 2  # a new search is asked
