"""The pieces every resource uses, each in a small script of its own: the typed-name guard,
tables, date ranges, error sentences, and the sidebar's audit mode."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.markdown import unescape


def _script(body: str) -> AppTest:
    return AppTest.from_string(body, default_timeout=30)


# --- detail_page -----------------------------------------------------------------------------

TYPED = """
import streamlit as st
from components.shared.detail_page import back_to_list, name_typed
back_to_list("All exports", key="back")
ready = name_typed("Nightly export", what="export", key="typed")
st.button("Delete", disabled=not ready, key="delete")
"""


def test_delete_stays_disabled_until_the_exact_name_is_typed():
    at = _script(TYPED).run()
    assert at.button(key="delete").disabled
    at.text_input(key="typed").input("nightly export").run()
    assert at.button(key="delete").disabled  # case matters
    at.text_input(key="typed").input("Nightly export").run()
    assert not at.button(key="delete").disabled


def test_back_to_list_drops_the_id():
    at = _script(TYPED)
    at.query_params["id"] = "abc"
    at.run()
    at.button(key="back").click().run()
    assert "id" not in at.query_params


# --- tables ------------------------------------------------------------------------------------

TABLES = """
import pandas as pd
import streamlit as st
from components.shared.tables import current_page, download_csv, page_controls, pick_row
rows = st.session_state.get("rows", [{"id": "a", "Name": "Only row"}])
frame = pd.DataFrame(rows)
download_csv(st, frame, file_name="rows.csv", key="csv")
st.session_state["picked"] = pick_row(frame, key="table")
page = current_page("pages")
st.session_state["page"] = page
page_controls(page, 3, key="pages")
"""


def test_a_table_of_one_row_selects_it_and_pages_step_within_bounds():
    at = _script(TABLES).run()
    assert at.session_state["picked"] == "a"
    assert at.button(key="pages_prev").disabled
    at.button(key="pages_next").click().run()
    at.button(key="pages_next").click().run()
    assert at.session_state["page"] == 3
    assert at.button(key="pages_next").disabled


def test_a_table_of_several_rows_selects_nothing_by_itself():
    at = _script(TABLES)
    at.session_state["rows"] = [{"id": "a", "Name": "A"}, {"id": "b", "Name": "B"}]
    at.run()
    assert at.session_state["picked"] is None


# --- date_range --------------------------------------------------------------------------------

RANGE = """
import streamlit as st
from components.shared.date_range import render
st.session_state["range"] = render("r", presets=("Last 24 hours", "Last 7 days"),
                                   default="Last 7 days")
"""


def test_preset_gives_seven_days_and_a_reversed_custom_range_is_refused():
    at = _script(RANGE).run()
    start, end = at.session_state["range"]
    assert round((end - start).total_seconds() / 86400) == 7
    at.selectbox(key="r_range").select("Custom").run()
    to = at.date_input(key="r_to").value
    at.date_input(key="r_from").set_value(to).run()
    assert at.session_state["range"] is None
    assert "start must be before the end" in at.error[0].value


# --- feedback ----------------------------------------------------------------------------------

ERRORS = """
from services.errors import MissingScope, ValidationFailed
from components.shared.feedback import show_error
show_error(MissingScope(403, {"type": "authentication_error", "code": "permission_denied",
    "detail": "API key missing required scope 'hog_function:write'", "attr": None}))
show_error(ValidationFailed(400, {"type": "validation_error", "code": "invalid_input",
    "detail": "Enter a valid URL.", "attr": "inputs__url"}))
show_error(RuntimeError("secret internals"))
"""


def test_errors_are_one_sentence_each_naming_the_scope_or_field():
    at = _script(ERRORS).run()
    texts = [unescape(e.value) for e in at.error]
    assert "hog_function:write" in texts[0]
    assert texts[1] == "inputs__url: Enter a valid URL."
    assert "secret internals" not in texts[2] and "Nothing was changed" in texts[2]


# --- sidebar: audit mode -----------------------------------------------------------------------

SIDEBAR = """
import streamlit as st
from components.console.sidebar import render_audit_mode
from components.shared.connection import get_client
render_audit_mode()
st.session_state["read_only"] = get_client().transport.read_only
"""


def test_audit_mode_switch_locks_this_session_and_the_transport(monkeypatch):
    at = _script(SIDEBAR).run()
    assert at.session_state["read_only"] is False
    at.toggle(key="audit_mode_switch").set_value(True).run()
    assert at.session_state["read_only"] is True
    assert "Audit mode is on" in at.sidebar.info[0].value


def test_forced_audit_mode_cannot_be_switched_off(monkeypatch):
    monkeypatch.setenv("POSTHOG_CONSOLE_READ_ONLY", "1")
    at = _script(SIDEBAR).run()
    switch = at.toggle(key="audit_mode_switch")
    assert switch.value is True and switch.disabled
    assert at.session_state["read_only"] is True


def test_csv_cells_that_would_start_a_formula_are_text():
    import csv
    import io

    import pandas as pd

    from components.shared.tables import csv_bytes

    frame = pd.DataFrame(
        {
            "Name": ['=HYPERLINK("http://x")', "+1+2", "-cmd", "@SUM(A1)", "\tTab", "Plain"],
            "Failed": [-3, 1, 2, 3, 4, 5],
        }
    )
    rows = list(csv.DictReader(io.StringIO(csv_bytes(frame).decode())))
    assert [r["Name"] for r in rows] == [
        '\'=HYPERLINK("http://x")',
        "'+1+2",
        "'-cmd",
        "'@SUM(A1)",
        "'\tTab",
        "Plain",
    ]
    assert rows[0]["Failed"] == "-3"  # numbers stay numbers
    assert frame["Name"][0].startswith("=")  # the table shown is untouched
