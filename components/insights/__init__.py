"""Insights: the list, one insight's detail, the create form and the activity log."""
