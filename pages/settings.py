import streamlit as st

from components import settings_form
from components.shell import require_navigation

require_navigation()

st.title("Settings")
settings_form.render()
