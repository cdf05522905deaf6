"""Typed errors: one class per situation an operator must tell apart.

Every error carries `hint`, one plain sentence of what happened and what to do. No error
message ever contains the API key (the transport never puts it in a URL or a message).
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any


class PostHogError(Exception):
    """Base class for everything the client raises."""

    hint = "PostHog could not be reached or answered unexpectedly."

    def __init__(self, message: str | None = None, *, method: str = "", path: str = ""):
        self.method = method
        self.path = path
        super().__init__(message or self.hint)

    @property
    def is_write(self) -> bool:
        return self.method not in ("", "GET", "HEAD", "OPTIONS")

    @property
    def outcome_unknown(self) -> bool:
        """True when a write may or may not have been applied by PostHog."""
        return False

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} {UNKNOWN_OUTCOME}" if self.outcome_unknown else text


UNKNOWN_OUTCOME = (
    "The change may or may not have been applied: reload to check before trying again."
)


class ReadOnlyMode(PostHogError):
    hint = "Audit mode is on: nothing can be changed, so nothing was sent."


class InvalidId(PostHogError):
    """An id that cannot be PostHog's (from a crafted link, say): no request is sent."""

    def __init__(self, what: str):
        self.what = what
        super().__init__(
            f"This link does not point to a valid {what}: nothing was requested from PostHog."
        )


# --- transport-level failures (no usable HTTP answer) -----------------------------------


class CircuitOpen(PostHogError):
    """Reads failed `failures` times in a row: the console stops asking for a while. Nothing
    was sent."""

    hint = "PostHog keeps failing, so the console stopped asking it for a while."

    def __init__(
        self,
        *,
        failures: int,
        retry_in: float,
        cause: Exception | None = None,
        method: str = "",
        path: str = "",
    ):
        self.failures = failures
        self.retry_in = retry_in
        self.cause = cause  # the last failure: what the operator needs to know first
        wait = f"{retry_in:.0f} s" if retry_in >= 1 else "a moment"
        self.stop = (
            f"PostHog failed {failures} requests in a row, so the console stopped asking it "
            f"for now: try again in {wait}."
        )
        words = f"{cause} {self.stop}" if cause is not None else self.stop
        super().__init__(words, method=method, path=path)


class NotLoaded(PostHogError):
    """A read of a fan-out that had not answered when its deadline passed."""

    def __init__(self, *, deadline: float):
        self.deadline = deadline
        super().__init__(f"Not loaded within {deadline:g} s.")


class ConnectionFailed(PostHogError):
    hint = "Could not reach PostHog. Check the host address and your network, then retry."

    @property
    def outcome_unknown(self) -> bool:
        return self.is_write


class RequestTimedOut(PostHogError):
    hint = "PostHog did not answer in time."

    @property
    def outcome_unknown(self) -> bool:
        return self.is_write


class UnreadableResponse(PostHogError):
    hint = "PostHog sent an answer the console could not read. Check the host is a PostHog API."

    @property
    def outcome_unknown(self) -> bool:
        return self.is_write


# --- HTTP error statuses -------------------------------------------------------------------


class APIStatusError(PostHogError):
    """PostHog answered with an error status and (usually) its error envelope."""

    status = 0

    def __init__(
        self,
        status: int,
        body: Any = None,
        *,
        method: str = "",
        path: str = "",
    ):
        self.status = status
        self.body = body
        self.method, self.path = method, path  # _message() may need them
        envelope = body if isinstance(body, dict) else {}
        self.type = envelope.get("type")
        self.code = envelope.get("code")
        self.attr = envelope.get("attr")
        detail = envelope.get("detail") or envelope.get("error")
        if detail is None and envelope:
            detail = _first_field_error(envelope)
        self.detail = str(detail) if detail is not None else None
        super().__init__(self._message(), method=method, path=path)

    def _message(self) -> str:
        if self.detail:
            return self.detail
        return f"PostHog answered {self.status}."


class ValidationFailed(APIStatusError):
    """400: PostHog rejected the input. `attr` names the field (`inputs__url`)."""

    hint = "PostHog rejected the input."

    @property
    def field(self) -> str | None:
        """The form field the error belongs to: `inputs__url` → `url` in the inputs group."""
        return self.attr

    def _message(self) -> str:
        detail = self.detail or "The input was rejected."
        return f"{self.attr}: {detail}" if self.attr else detail


class NotAuthenticated(APIStatusError):
    hint = (
        "PostHog did not accept the API key. Check that it is a personal API key (phx_…) "
        "for this PostHog host (US and EU Cloud keys are different)."
    )

    def _message(self) -> str:
        return f"{self.hint} (PostHog said: {self.detail or 'not authenticated'})"


class PermissionDenied(APIStatusError):
    hint = "PostHog refused this action for this API key or user."


class MissingScope(PermissionDenied):
    """403 because the key lacks a scope; `scope` names it (`hog_function:write`)."""

    @property
    def scope(self) -> str | None:
        match = re.search(r"scope '([^']+)'", self.detail or "")
        return match.group(1) if match else None

    def _message(self) -> str:
        if self.scope:
            return (
                f"The API key lacks the scope `{self.scope}`: create a key with that scope in "
                "PostHog → Settings → Personal API keys."
            )
        return f"The API key is not allowed to do this: {self.detail}"


class NoProjectAccess(PermissionDenied):
    def _message(self) -> str:
        return (
            "The API key has no access to this project. Pick another project or use a key "
            f"that includes it. (PostHog said: {self.detail})"
        )


class NotFound(APIStatusError):
    hint = "Not found: it may have been deleted, or it belongs to another project."

    def _message(self) -> str:
        return self.hint


class MethodNotAllowed(APIStatusError):
    hint = "PostHog does not allow this action on this object."

    def _message(self) -> str:
        return self.detail or self.hint


class Conflict(APIStatusError):
    hint = "Someone else changed this in the meantime. Reload before saving again."

    changed_by: str | None = None  # who changed it, when PostHog says (never its creator)
    changed_at: Any = None
    current: Any = None

    @classmethod
    def changed_since(cls, what: str, changed_at: Any, *, by: str | None = None, current=None):
        """Raised by `update_if_unchanged` when the object moved since it was loaded;
        `current` is the object as it is now, for the operator to compare. `by` names who
        changed it, only when PostHog says so; without a name the message says when."""
        when = at_words(changed_at)
        who = f" by {by}" if by else ""
        error = cls(
            409,
            {
                "type": "conflict",
                "code": "changed_since_loaded",
                "detail": f"This {what} was changed in PostHog{who}{when} after you opened "
                "it. Reload it to see the latest version before saving again.",
                "attr": None,
            },
        )
        error.current, error.changed_by, error.changed_at = current, by, changed_at
        return error


def at_words(moment: Any) -> str:
    """` at 2026-03-01 10:02 UTC`, or nothing when the moment is unknown."""
    if not moment:
        return ""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return f" at {moment:%Y-%m-%d %H:%M} UTC"


class RateLimited(APIStatusError):
    """429. PostHog sends no Retry-After: the wait is parsed from the detail text."""

    hint = "PostHog is rate limiting this API key."

    @property
    def wait_seconds(self) -> float | None:
        return parse_wait_seconds(self.detail)

    @classmethod
    def still_waiting(cls, seconds: float, *, method: str, path: str) -> RateLimited:
        """PostHog's earlier 429 on this key still holds for `seconds`: not sent."""
        detail = f"Request was throttled. Expected available in {max(1, round(seconds))} seconds."
        return cls(429, {"detail": detail}, method=method, path=path)

    def _message(self) -> str:
        if self.wait_seconds:
            return (
                f"PostHog asked us to wait {self.wait_seconds:.0f} s: it is rate limiting this "
                "API key. Nothing more is sent until then."
            )
        return "PostHog is rate limiting this API key. Try again in a minute."


class TooManyBackfills(APIStatusError):
    """429 `too_many_concurrent_backfills`: a cap on running backfills, not a rate limit, so
    the transport neither waits nor slows down for it."""

    hint = "This project already has as many backfills running as PostHog allows."

    def _message(self) -> str:
        return (
            f"{self.detail or self.hint} Wait for a running backfill to finish, or cancel one, "
            "then try again."
        )


class ServerError(APIStatusError):
    hint = "PostHog had an internal error."

    @property
    def outcome_unknown(self) -> bool:
        return self.is_write

    def _message(self) -> str:
        if self.status == 503:
            return "PostHog is temporarily unavailable (503). Try again in a few minutes."
        if self.status in (502, 504):
            return (
                f"PostHog, or a proxy in front of it, did not answer properly ({self.status}). "
                "Try again in a few minutes."
            )
        return f"PostHog had an internal error ({self.status})."


_WAIT_RE = re.compile(r"available in (\d+(?:\.\d+)?) second", re.IGNORECASE)


def parse_wait_seconds(detail: str | None) -> float | None:
    """`Request was throttled. Expected available in 37 seconds.` → 37.0"""
    match = _WAIT_RE.search(detail or "")
    return float(match.group(1)) if match else None


def _first_field_error(body: dict) -> str | None:
    """Raw DRF errors (`{"configuration": {"hog": ["…"]}}`) → the first message."""
    for key, value in body.items():
        while isinstance(value, dict) and value:
            key, value = next(iter(value.items()))
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, str):
            return f"{key}: {value}"
    return None


def error_for_status(status: int, body: Any, *, method: str, path: str) -> APIStatusError:
    """Map an HTTP error status and PostHog's envelope to the typed error."""
    detail = str(body.get("detail", "")) if isinstance(body, dict) else ""
    if status == 400:
        cls: type[APIStatusError] = ValidationFailed
    elif status == 401:
        cls = NotAuthenticated
    elif status == 403:
        if "missing required scope" in detail:
            cls = MissingScope
        elif "access to the requested project" in detail or "access to the project" in detail:
            cls = NoProjectAccess
        else:
            cls = PermissionDenied
    elif status == 404:
        cls = NotFound
    elif status == 405:
        cls = MethodNotAllowed
    elif status == 409:
        cls = Conflict
    elif status == 429:
        code = body.get("code") if isinstance(body, dict) else None
        cls = TooManyBackfills if code == "too_many_concurrent_backfills" else RateLimited
    elif status >= 500:
        cls = ServerError
    else:
        cls = APIStatusError
    return cls(status, body, method=method, path=path)
