import streamlit as st

from components import app_metrics_view
from components.connection import get_client
from components.shell import require_navigation

require_navigation()

st.title("App metrics")
st.caption(
    "Delivery of legacy plugins and batch exports: successes, retries and failures over time, "
    "error samples and historical exports."
)
app_metrics_view.render(get_client())
