"""Dashboards: the list, one dashboard's detail, the create form and collaborators."""
