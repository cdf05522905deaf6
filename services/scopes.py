"""The scope PostHog requires of a personal API key for each write the console sends.

PostHog checks a scope per viewset (posthog-api.md §0.4): `<object>:write` for create, update
and delete, `<object>:read` for reads, and `:write` implies `:read`. A sharing sub-route is
checked against `sharing_configuration`, whichever object it is on, and recording a view of
insights needs only `insight:read` (POST /insights/viewed/). A test invocation and a
destination check are writes of their resource (`hog_function:write`, `batch_export:write`).
"""

from __future__ import annotations

from collections.abc import Iterable

# One table: an action's resource gives its scope, unless its verb has its own.
WRITE_SCOPES = {
    "hog_function": "hog_function:write",
    "batch_export": "batch_export:write",
    "insight": "insight:write",
    "dashboard": "dashboard:write",
    "share_publicly": "sharing_configuration:write",
    "turn_off_public_sharing": "sharing_configuration:write",
    "replace_public_link": "sharing_configuration:write",
    "mark_viewed": "insight:read",
}


def scope_for(action_key: str) -> str | None:
    """The scope PostHog checks for the action `<resource>.<verb>` (None: unknown resource)."""
    resource, _, verb = action_key.partition(".")
    return WRITE_SCOPES.get(verb) or WRITE_SCOPES.get(resource)


def lacking(needed: str | None, missing: Iterable[str]) -> str | None:
    """Which of the scopes PostHog said the key lacks rules out `needed`: the same scope, or
    its object's read scope for a write (a key that had `:write` would have `:read` too)."""
    if needed is None:
        return None
    missing = set(missing)
    if needed in missing:
        return needed
    obj, _, access = needed.partition(":")
    if access == "write" and f"{obj}:read" in missing:
        return f"{obj}:read"
    return None
