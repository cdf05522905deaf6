"""PostHog Admin Console: entry point, connection bootstrap, navigation and sidebar."""

import streamlit as st

from components.connection import current_connection, get_client
from components.sidebar import render_connection

st.set_page_config(page_title="PostHog Admin Console", page_icon=":material/hub:", layout="wide")


def _page(script: str, title: str, icon: str, url_path: str, **options) -> st.Page:
    return st.Page(
        f"pages/{script}", title=title, icon=f":material/{icon}:", url_path=url_path, **options
    )


PAGES = {
    "Pipelines": [
        _page("hog_functions.py", "Hog functions", "bolt", "hog-functions", default=True),
        _page("batch_exports.py", "Batch exports", "cloud_upload", "batch-exports"),
    ],
    "Product analytics": [
        _page("insights.py", "Insights", "insights", "insights"),
        _page("dashboards.py", "Dashboards", "dashboard", "dashboards"),
    ],
    "Legacy": [_page("app_metrics.py", "App metrics", "monitoring", "app-metrics")],
    "Settings": [_page("settings.py", "Settings", "settings", "settings")],
}

page = st.navigation(PAGES)
render_connection(current_connection(), get_client())
page.run()
