"""Hog functions: the list, one function's detail, its configuration form, switch, metrics,
tests, transformation order and templates."""
