"""PostHog's error envelope and small shared helpers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta


class ApiError(Exception):
    """An HTTP error answer. `body=None` means an empty body (e.g. 405 on DELETE)."""

    def __init__(self, status: int, body: dict | None, headers: dict | None = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}

    @classmethod
    def envelope(cls, status, type_, code, detail, attr=None, headers=None):
        return cls(status, {"type": type_, "code": code, "detail": detail, "attr": attr}, headers)

    @classmethod
    def validation(cls, detail, attr=None, code="invalid_input"):
        return cls.envelope(400, "validation_error", code, detail, attr)

    @classmethod
    def not_found(cls):
        return cls.envelope(404, "invalid_request", "not_found", "Not found.")

    @classmethod
    def permission(cls, detail):
        return cls.envelope(403, "authentication_error", "permission_denied", detail)

    @classmethod
    def throttled(cls, seconds):
        return cls.envelope(
            429,
            "throttled_error",
            "throttled",
            f"Request was throttled. Expected available in {seconds} seconds.",
        )


def iso(moment: datetime | None, *, micro: bool = False) -> str | None:
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat(timespec="microseconds" if micro else "seconds")
    return text.replace("+00:00", "Z")


_RELATIVE = re.compile(r"^-(\d+)([hdwmy])$")


def parse_when(value: str | None, now: datetime, attr: str) -> datetime:
    """`-7d`, `-24h` or an ISO date/datetime (UTC when naive)."""
    value = (value or "").strip()
    match = _RELATIVE.match(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        days = {"h": amount / 24, "d": amount, "w": 7 * amount, "m": 30 * amount, "y": 365 * amount}
        return now - timedelta(days=days[unit])
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError.validation("Invalid date.", attr) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
