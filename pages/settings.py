import streamlit as st

from components.console import settings_form
from components.shared.shell import require_navigation

require_navigation()

st.title("Settings")
settings_form.render()
