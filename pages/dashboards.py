import streamlit as st

from components.dashboards import dashboard_detail, dashboard_form, dashboard_list
from components.shared.connection import get_client
from components.shared.feedback import show_error
from components.shared.shell import require_navigation
from services.errors import PostHogError

require_navigation()

client = get_client()
dashboard_id = st.query_params.get("id")
try:
    if dashboard_id:
        dashboard_detail.render(client, dashboard_id)
    else:
        st.title("Dashboards")
        st.caption("Who can edit each dashboard, what is pinned and what is shared publicly.")
        dashboards, create = st.tabs(["Dashboards", "New dashboard"])
        with dashboards:
            dashboard_list.render(client)
        with create:
            dashboard_form.render_create(client)
except PostHogError as exc:
    show_error(exc)
