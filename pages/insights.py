import streamlit as st

from components.insights import activity as insight_activity
from components.insights import insight_detail, insight_form, insight_list
from components.shared.connection import get_client
from components.shared.feedback import show_error
from components.shared.shell import require_navigation
from services.errors import PostHogError

require_navigation()

client = get_client()
insight_id = st.query_params.get("id")
try:
    if insight_id:
        insight_detail.render(client, insight_id)
    else:
        st.title("Insights")
        st.caption("Find, rename, tag and share insights, and see who changed what.")
        insights, create, activity = st.tabs(["Insights", "New insight", "Activity"])
        with insights:
            insight_list.render(client)
        with create:
            insight_form.render_create(client)
        with activity:
            insight_activity.render(client)
except PostHogError as exc:
    show_error(exc)
