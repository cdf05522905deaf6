"""PostHog's project activity log (`/activity_log/`, scope `activity_log:read`): who changed an
object and when, for objects that do not say it themselves (hog functions, batch exports)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.analytics_models import ActivityEntry
from services.errors import PostHogError
from services.models import UserBasic
from services.transport import Transport


class ActivityLog:
    def __init__(self, transport: Transport, base: str):
        self._t = transport
        self._path = f"{base}/activity_log/"

    def last_change(self, *, scope: str, item_id: str) -> tuple[UserBasic | None, datetime | None]:
        """Who made the newest logged change of one object (`scope` is PostHog's model name,
        e.g. "HogFunction") and when; (None, None) when nothing is logged. PostHog's pages are
        newest first, so the first entry of the first page is the one."""
        data = self._t.get(self._path, scope=scope, item_id=str(item_id))
        rows = data.get("results") if isinstance(data, dict) else None
        if not rows:
            return None, None
        entry = ActivityEntry.model_validate(rows[0])
        return entry.user, entry.created_at

    def changed_by(self, *, scope: str, item_id: str, changed_at: datetime | None) -> str | None:
        """The name of who made the change PostHog stamped `changed_at`, or None when the log
        cannot tell: the key lacks `activity_log:read`, the read failed, PostHog itself made the
        change, or the newest entry is older than it (a change PostHog did not log). A conflict
        is reported either way: without a name it says only when."""
        try:
            who, when = self.last_change(scope=scope, item_id=item_id)
        except (PostHogError, ValueError):  # ValueError: an entry of an unexpected shape
            return None
        if who is None or when is None or changed_at is None:
            return None
        # PostHog logs a change just after saving it: its entry is never older than the save
        if _utc(when) < _utc(changed_at):
            return None
        return who.display_name


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
