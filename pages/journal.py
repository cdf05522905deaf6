import streamlit as st

from components.console import journal
from components.shared.connection import get_client
from components.shared.shell import require_navigation

require_navigation()

st.title("Journal")
journal.render(get_client())
