"""PostHog Admin Console: entry point, connection bootstrap, navigation and sidebar."""

import streamlit as st

from components.console.sidebar import render_audit_mode, render_connection, render_identity
from components.console.signin import gate
from components.shared import actions, bulk
from components.shared.connection import current_connection, get_client
from components.shared.tables import hide_grid_csv_download

st.set_page_config(page_title="PostHog Admin Console", page_icon=":material/hub:", layout="wide")
hide_grid_csv_download()  # every CSV comes from a formula-safe Download CSV button


def _page(script: str, title: str, icon: str, url_path: str, **options) -> st.Page:
    return st.Page(
        f"pages/{script}", title=title, icon=f":material/{icon}:", url_path=url_path, **options
    )


HOG_FUNCTIONS = _page("hog-functions.py", "Hog functions", "bolt", "hog-functions")
OVERVIEW = _page("overview.py", "Overview", "space_dashboard", "overview")


def _home() -> None:
    # The default page is served only at "/", so no real page is the default: that keeps
    # /hog-functions?id=… deep links routable. "/" goes to the Overview.
    st.switch_page(OVERVIEW, query_params=st.query_params.to_dict())


PAGES = {
    "": [
        st.Page(_home, title="Home", url_path="home", default=True, visibility="hidden"),
        OVERVIEW,
    ],
    "Pipelines": [
        HOG_FUNCTIONS,
        _page("batch-exports.py", "Batch exports", "cloud_upload", "batch-exports"),
    ],
    "Product analytics": [
        _page("insights.py", "Insights", "insights", "insights"),
        _page("dashboards.py", "Dashboards", "dashboard", "dashboards"),
        _page("analytics-audit.py", "Audit", "fact_check", "analytics-audit"),
    ],
    "Legacy": [_page("app-metrics.py", "App metrics", "monitoring", "app-metrics")],
    "Console": [
        _page("journal.py", "Journal", "history", "journal"),
        _page("settings.py", "Settings", "settings", "settings"),
    ],
}

gate()  # with [auth]: nobody without a role gets past here, and nothing is read before it
page = st.navigation(PAGES)
render_identity()
render_audit_mode()  # before the client, which follows it
client = get_client()
project_problem = render_connection(current_connection(), client)
actions.show_outcome()  # what the last write did, above the page
bulk.run(client)  # a bulk run in progress, or its results, above the page
if project_problem and page.url_path not in ("settings", "journal"):
    # instead of a page whose every read would blame a deleted object
    st.error(project_problem, icon=":material/error:")
else:
    page.run()
actions.ask_pending(client)  # a question waiting for an answer, drawn after the page
bulk.ask(client)  # a bulk action's preview waiting for its confirmation
