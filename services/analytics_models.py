"""Models of PostHog insights, dashboards, collaborators, sharing and activity.

Like `services.models`, every model keeps unknown fields and every field is optional unless
the console cannot work without it. Several insight fields are untyped in PostHog's schema
(`result`, `columns`, `query_status`, `types`…) and are kept as they come.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from services.models import Page, PostHogModel, UserBasic

EVERYONE_CAN_EDIT = 21
ONLY_COLLABORATORS_CAN_EDIT = 37
RESTRICTION_LABELS = {
    EVERYONE_CAN_EDIT: "Everyone in the project can edit",
    ONLY_COLLABORATORS_CAN_EDIT: "Only collaborators can edit",
}
_SOURCE_KINDS = {
    "TrendsQuery": "TRENDS",
    "FunnelsQuery": "FUNNELS",
    "RetentionQuery": "RETENTION",
    "PathsQuery": "PATHS",
    "StickinessQuery": "STICKINESS",
    "LifecycleQuery": "LIFECYCLE",
}
_WRAPPERS = ("InsightVizNode", "DataTableNode", "DataVisualizationNode")


def _tag_names(value: Any) -> Any:
    """PostHog's schema allows any item in `tags` (its example is `[null]`): keep names."""
    if isinstance(value, list):
        return [str(tag) for tag in value if tag is not None]
    return value


def _text_id(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Tags = Annotated[list[str], BeforeValidator(_tag_names)]
TextId = Annotated[str | None, BeforeValidator(_text_id)]


class DashboardTileBasic(PostHogModel):
    id: int
    dashboard_id: int
    deleted: bool | None = None


class Insight(PostHogModel):
    id: int
    short_id: str | None = None
    name: str | None = None
    derived_name: str | None = None
    description: str | None = None
    query: dict[str, Any] | None = None
    filters: dict[str, Any] | None = None
    deleted: bool = False
    dashboards: list[int] = Field(default_factory=list)
    dashboard_tiles: list[DashboardTileBasic] = Field(default_factory=list)
    tags: Tags = Field(default_factory=list)
    favorited: bool = False
    saved: bool | None = None
    created_at: datetime | None = None
    created_by: UserBasic | None = None
    updated_at: datetime | None = None
    last_modified_at: datetime | None = None
    last_modified_by: UserBasic | None = None
    last_viewed_at: datetime | None = None
    last_refresh: datetime | None = None
    result: Any = None
    columns: Any = None
    hasMore: Any = None  # PostHog spells it this way
    is_cached: bool | None = None
    query_status: dict[str, Any] | None = None
    hogql: str | None = None
    types: Any = None
    timezone: str | None = None
    effective_restriction_level: int | None = None
    effective_privilege_level: int | None = None
    user_access_level: str | None = None

    @property
    def display_name(self) -> str:
        """The name, or PostHog's derived name when there is none."""
        return self.name or self.derived_name or "Untitled insight"

    @property
    def kind(self) -> str:
        """PostHog's insight type: TRENDS, FUNNELS, …, SQL or JSON (the `insight=` filter)."""
        query = self.query
        if not query:
            return str((self.filters or {}).get("insight") or "TRENDS")
        source = query.get("source") if isinstance(query.get("source"), dict) else {}
        if query.get("kind") in _WRAPPERS:
            if source.get("kind") == "HogQLQuery":
                return "SQL"
            if query.get("kind") == "InsightVizNode" and source.get("kind") in _SOURCE_KINDS:
                return _SOURCE_KINDS[source["kind"]]
        return "JSON"

    @property
    def dashboard_ids(self) -> list[int]:
        """Dashboards it is on: from `dashboard_tiles` (newer) or `dashboards` (deprecated)."""
        from_tiles = [t.dashboard_id for t in self.dashboard_tiles if not t.deleted]
        return sorted(set(from_tiles or self.dashboards))

    @property
    def query_running(self) -> bool:
        status = self.query_status or {}
        return bool(status) and not status.get("complete") and not status.get("error")


class TextTile(PostHogModel):
    id: int | None = None
    body: str | None = None


class DashboardTile(PostHogModel):
    id: int
    insight: Insight | None = None
    text: TextTile | None = None
    color: str | None = None
    layouts: dict[str, Any] | None = None
    filters_overrides: dict[str, Any] | None = None
    order: int | None = None
    last_refresh: datetime | None = None
    is_cached: bool | None = None


class Dashboard(PostHogModel):
    """A dashboard from the list (basic fields) or the detail (plus filters and tiles)."""

    id: int
    name: str | None = None
    description: str | None = ""
    pinned: bool = False
    created_at: datetime | None = None
    created_by: UserBasic | None = None
    last_accessed_at: datetime | None = None
    last_viewed_at: datetime | None = None
    is_shared: bool = False
    deleted: bool = False
    creation_mode: str | None = None
    tags: Tags = Field(default_factory=list)
    restriction_level: int = EVERYONE_CAN_EDIT
    effective_restriction_level: int | None = None
    effective_privilege_level: int | None = None
    user_access_level: str | None = None
    filters: dict[str, Any] | None = None
    variables: dict[str, Any] | None = None
    tiles: list[DashboardTile] | None = None

    @property
    def display_name(self) -> str:
        return self.name or "Untitled dashboard"

    @property
    def restriction_label(self) -> str:
        return RESTRICTION_LABELS.get(self.restriction_level, f"Level {self.restriction_level}")

    @property
    def can_edit(self) -> bool:
        """Whether the key's user may edit (PostHog's effective privilege level)."""
        level = self.effective_privilege_level
        return level is None or level >= ONLY_COLLABORATORS_CAN_EDIT

    @property
    def insight_tiles(self) -> list[DashboardTile]:
        return [t for t in self.tiles or [] if t.insight is not None]


class Collaborator(PostHogModel):
    id: TextId = None
    dashboard_id: int | None = None
    user: UserBasic
    level: int = ONLY_COLLABORATORS_CAN_EDIT
    added_at: datetime | None = None
    updated_at: datetime | None = None


class SharingConfiguration(PostHogModel):
    """`created_at` and `access_token` are null until sharing is first changed."""

    created_at: datetime | None = None
    enabled: bool = False
    access_token: str | None = None
    settings: dict[str, Any] | None = None
    password_required: bool | None = None
    share_passwords: list[Any] | None = None

    def public_url(self, host: str) -> str | None:
        """The public link PostHog serves for this configuration, when sharing is on."""
        if not self.enabled or not self.access_token:
            return None
        return f"{host.rstrip('/')}/shared/{self.access_token}"


class ActivityChange(PostHogModel):
    type: str | None = None
    action: str | None = None
    field: str | None = None
    before: Any = None
    after: Any = None


class ActivityDetail(PostHogModel):
    name: str | None = None
    short_id: str | None = None
    type: str | None = None
    changes: list[ActivityChange] | None = None
    trigger: Any = None


class ActivityEntry(PostHogModel):
    id: TextId = None
    user: UserBasic | None = None
    activity: str = ""
    scope: str | None = None
    item_id: TextId = None
    detail: ActivityDetail | None = None
    created_at: datetime | None = None
    is_system: bool | None = None

    @property
    def changes(self) -> list[ActivityChange]:
        return list((self.detail.changes if self.detail else None) or [])


class ActivityPage(BaseModel):
    """One page of an activity log: 1-based `page`, `total_count` entries in all."""

    results: list[ActivityEntry]
    page: int
    limit: int
    next: str | None = None
    previous: str | None = None
    total_count: int | None = None

    @property
    def page_count(self) -> int | None:
        if self.total_count is None:
            return None
        return max(1, -(-self.total_count // self.limit))


# Named pages: Streamlit's cache pickles results, and `Page[Insight]` has no importable name.
class InsightPage(Page[Insight]):
    pass


class DashboardPage(Page[Dashboard]):
    pass
