"""What the copy tests look for in every request body: a `{"secret": ...}` marker."""

from __future__ import annotations


def secret_markers(value) -> list:
    """Every `{"secret": ...}` marker anywhere in a request body."""
    if isinstance(value, dict):
        if "secret" in value and set(value) <= {"secret", "value"}:
            return [value]
        return [m for item in value.values() for m in secret_markers(item)]
    if isinstance(value, list):
        return [m for item in value for m in secret_markers(item)]
    return []
