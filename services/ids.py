"""Ids checked before they reach a path. An id from a URL, a form or a response is never put
into a request path unchecked: `../../users/@me` as a function id would otherwise read
another endpoint with the operator's key."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

from services.errors import InvalidId

SHORT_ID = re.compile(r"^[A-Za-z0-9]{8}$")  # an insight's short id, as in PostHog's URLs
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def segment(value: object) -> str:
    """One path segment, percent-encoded whatever the caller passes (a `/` becomes `%2F`)."""
    return quote(str(value), safe="")


def uuid_id(value: object, what: str) -> str:
    """A UUID (hog functions, batch exports, runs, backfills, users)."""
    try:
        return str(uuid.UUID(str(value).strip()))
    except (ValueError, TypeError, AttributeError):
        raise InvalidId(what) from None


def int_id(value: object, what: str) -> int:
    """A positive integer (dashboards, insights, plugin configs, projects)."""
    text = str(value).strip()
    if isinstance(value, bool) or not text.isascii() or not text.isdigit() or int(text) <= 0:
        raise InvalidId(what)
    return int(text)


def insight_ref(value: object) -> int | str:
    """An insight's numeric id or its 8-character short id."""
    text = str(value).strip()
    if text.isascii() and text.isdigit():
        return int_id(text, "insight")
    if SHORT_ID.match(text):
        return text
    raise InvalidId("insight")


def metrics_target(value: object) -> int | str:
    """Legacy app metrics belong to a plugin config (an integer) or a batch export (a UUID)."""
    text = str(value).strip()
    if text.isascii() and text.isdigit():
        return int_id(text, "plugin config")
    return uuid_id(text, "plugin config or batch export")


def job_id(value: object) -> str:
    text = str(value).strip()
    if not JOB_ID.match(text):
        raise InvalidId("historical export")
    return text
