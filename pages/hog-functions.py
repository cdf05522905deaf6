import streamlit as st

from components import hog_function_detail, hog_function_list, template_gallery
from components.connection import get_client
from components.feedback import show_error
from components.shell import require_navigation
from components.transformation_order import render as render_order
from services.errors import PostHogError

require_navigation()

client = get_client()
function_id = st.query_params.get("id")
if function_id:
    hog_function_detail.render(client, function_id)
else:
    st.title("Hog functions")
    st.caption("Destinations, transformations, site apps and webhooks of this project.")
    functions, order, templates, deleted = st.tabs(
        ["Functions", "Transformation order", "Templates", "Deleted here"]
    )
    try:
        with functions:
            hog_function_list.render(client)
        with order:
            render_order(client)
        with templates:
            template_gallery.render(client)
        with deleted:
            hog_function_detail.render_deleted_here(client)
    except PostHogError as exc:
        show_error(exc)
