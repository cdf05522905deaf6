import streamlit as st

from components.overview import view as overview
from components.shared.connection import get_client
from components.shared.shell import require_navigation

require_navigation()

client = get_client()
st.title("Overview")
st.caption("What needs attention now across hog functions, batch exports and legacy plugins.")
overview.render(client)
