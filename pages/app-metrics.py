import streamlit as st

from components.app_metrics import view as app_metrics_view
from components.shared.connection import get_client
from components.shared.shell import require_navigation

require_navigation()

st.title("App metrics")
st.caption(
    "Delivery of legacy plugins and batch exports: successes, retries and failures over time, "
    "error samples and historical exports."
)
app_metrics_view.render(get_client())
