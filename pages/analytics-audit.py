import streamlit as st

from components.analytics import audit as analytics_audit
from components.shared.connection import get_client
from components.shared.feedback import show_error
from components.shared.shell import require_navigation
from services.errors import PostHogError

require_navigation()

client = get_client()
st.title("Audit")
st.caption("Insights nobody uses, and everything anyone can see without logging in.")
# the sharing audit reads every insight's sharing: only when its tab is opened
unused, shared = st.tabs(["Unused insights", "Shared publicly"], key="audit_tab", on_change="rerun")
try:
    with unused:
        analytics_audit.render_unused(client)
    if shared.open:
        with shared:
            analytics_audit.render_shared(client)
except PostHogError as exc:
    show_error(exc)
