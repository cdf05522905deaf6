"""PostHog Admin Console: entry point, connection bootstrap, navigation and sidebar."""

import streamlit as st

from components.connection import current_connection, get_client
from components.sidebar import render_connection

st.set_page_config(page_title="PostHog Admin Console", page_icon=":material/hub:", layout="wide")

PAGES = {
    "Pipelines": [
        st.Page(
            "pages/hog_functions.py",
            title="Hog functions",
            icon=":material/bolt:",
            url_path="hog-functions",
            default=True,
        ),
        st.Page(
            "pages/batch_exports.py",
            title="Batch exports",
            icon=":material/cloud_upload:",
            url_path="batch-exports",
        ),
    ],
    "Product analytics": [
        st.Page(
            "pages/insights.py", title="Insights", icon=":material/insights:", url_path="insights"
        ),
        st.Page(
            "pages/dashboards.py",
            title="Dashboards",
            icon=":material/dashboard:",
            url_path="dashboards",
        ),
    ],
    "Legacy": [
        st.Page(
            "pages/app_metrics.py",
            title="App metrics",
            icon=":material/monitoring:",
            url_path="app-metrics",
        ),
    ],
    "Settings": [
        st.Page(
            "pages/settings.py", title="Settings", icon=":material/settings:", url_path="settings"
        ),
    ],
}

page = st.navigation(PAGES)
render_connection(current_connection(), get_client())
page.run()
