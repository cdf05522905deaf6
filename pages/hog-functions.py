import streamlit as st

from components.hog_functions import failing as failing_functions
from components.hog_functions import function_detail as hog_function_detail
from components.hog_functions import function_list as hog_function_list
from components.hog_functions import template_gallery
from components.hog_functions.transformation_order import render as render_order
from components.shared.connection import get_client
from components.shared.feedback import show_error
from components.shared.shell import require_navigation
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
            failing_functions.render(client)
        with order:
            render_order(client)
        with templates:
            template_gallery.render(client)
        with deleted:
            hog_function_detail.render_deleted_here(client)
    except PostHogError as exc:
        show_error(exc)
