import streamlit as st

from components.batch_exports import export_detail as batch_export_detail
from components.batch_exports import export_form as batch_export_form
from components.batch_exports import export_list as batch_export_list
from components.shared.connection import get_client
from components.shared.feedback import show_error
from components.shared.shell import require_navigation
from services.errors import PostHogError

require_navigation()

client = get_client()
export_id = st.query_params.get("id")
try:
    if export_id:
        batch_export_detail.render(client, export_id)
    else:
        st.title("Batch exports")
        st.caption("Scheduled exports of events, persons and sessions to warehouses and storage.")
        exports, create = st.tabs(["Exports", "New export"])
        with exports:
            batch_export_list.render(client)
        with create:
            batch_export_form.render_create(client)
except PostHogError as exc:
    show_error(exc)
