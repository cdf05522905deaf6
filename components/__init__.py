"""Streamlit pieces, one package per resource (hog_functions, batch_exports, insights,
dashboards, analytics, app_metrics), the console's own pages (console) and what they all
use (shared)."""
