import streamlit as st

from components import data, hog_function_table
from components.connection import get_client
from components.feedback import show_error
from components.shell import require_navigation
from services.errors import PostHogError

require_navigation()

st.title("Hog functions")
st.caption("Destinations, transformations, site apps and webhooks of this project.")
client = get_client()
try:
    with st.spinner("Loading hog functions…"):
        functions = data.hog_functions(client)
except PostHogError as exc:
    show_error(exc)
else:
    st.caption(f"{len(functions)} functions")
    hog_function_table.render(functions)
