"""Dashboards (posthog-api.md §4): list, edit, restriction level, collaborators, tiles,
sharing, soft delete and restore.

Traps handled here: PATCH `filters: {}` does not clear filters (PostHog applies them only when
truthy), so the client refuses to send an empty value rather than pretend; `tiles` is an
upsert (tiles not sent are untouched), so removing one tile sends only that tile with
`deleted: true`; `restriction_level` is sent only by `set_restriction` (never by `update`),
because PostHog refuses the field from anyone but the owner or a project admin even when
the value is unchanged, so callers send it only when the level changes;
collaborators come back as a plain array; restoring needs a body of exactly
`{"deleted": false}`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel

from services import errors
from services.analytics_models import (
    EVERYONE_CAN_EDIT,
    ONLY_COLLABORATORS_CAN_EDIT,
    RESTRICTION_LABELS,
    Collaborator,
    Dashboard,
    Insight,
    SharingConfiguration,
)
from services.concurrency import DEADLINE, fetch_concurrently
from services.ids import int_id, segment, uuid_id
from services.insights import parse_sharing
from services.models import User, UserBasic
from services.transport import Transport

RESTRICTION_EXPLAINED = {
    EVERYONE_CAN_EDIT: "Everyone in the project can edit this dashboard.",
    ONLY_COLLABORATORS_CAN_EDIT: (
        "Only the owner, project admins and the collaborators invited below can edit it; "
        "everyone else in the project can still view it."
    ),
}
# PostHog's refusals around collaborators and restriction, in plain words.
REFUSALS = {
    "lowest restriction level": (
        "This dashboard lets everyone in the project edit it, so there is nobody to invite. "
        "Switch it to “Only collaborators can edit” first."
    ),
    "Only edit access": "Collaborators can only be given edit access.",
    "User does not exist": "That user no longer exists in PostHog.",
    "no access to the project": "That user is not a member of this project.",
    "inherent access": (
        "That user can already edit: they own the dashboard or administer the project."
    ),
    "already is a collaborator": "That user is already a collaborator.",
    "edit permissions for this dashboard": (
        "You can view this dashboard but not edit it: ask its owner or a project admin to "
        "invite you."
    ),
    "restriction rights": (
        "Only the dashboard's owner and project admins can change who may edit it."
    ),
}


# What the settings form edits: the rest (filters, tiles, restriction) has its own path.
EDITABLE = ("name", "description", "tags", "pinned")


def settings_of(dashboard: Dashboard) -> dict[str, Any]:
    """The editable fields as the form shows them (tags in order, so equal sets compare)."""
    return {
        "name": dashboard.name or "",
        "description": dashboard.description or "",
        "tags": sorted(dashboard.tags),
        "pinned": dashboard.pinned,
    }


def changes_for(dashboard: Dashboard, edited: dict[str, Any]) -> dict[str, Any]:
    """The PATCH body for an edit: only the edited fields that differ from the dashboard
    (never filters or tiles, which PostHog would upsert or ignore)."""
    current = settings_of(dashboard)
    out = {}
    for field, value in edited.items():
        if field not in EDITABLE or (sorted(value) if field == "tags" else value) == current[field]:
            continue  # an untouched name keeps even edge spaces PostHog stored
        out[field] = value.strip() if field == "name" else value
    return out


def explain_refusal(error: Exception) -> str:
    """A plain sentence for PostHog's collaborator and restriction refusals."""
    detail = getattr(error, "detail", None) or str(error)
    for needle, sentence in REFUSALS.items():
        if needle in detail:
            return sentence
    return detail


class Dashboards:
    def __init__(self, transport: Transport, base: str):
        self._t = transport
        self._path = f"{base}/dashboards/"

    def _item(self, dashboard_id: int) -> str:
        return f"{self._path}{segment(int_id(dashboard_id, 'dashboard'))}/"

    # --- reads --------------------------------------------------------------------------

    def _list_path(self, tags: Iterable[str] | None) -> str:
        """`tags` is repeatable (`?tags=a&tags=b`, any of them); the transport would join a
        list with commas, so the tags go into the path's query string."""
        tags = [t for t in tags or [] if t]
        return f"{self._path}?{urlencode([('tags', t) for t in tags])}" if tags else self._path

    def iter(
        self,
        *,
        search: str | None = None,
        tags: Iterable[str] | None = None,
        page_size: int = 100,
    ) -> Iterator[Dashboard]:
        """Every dashboard (deleted and unlisted ones excluded), following `next`."""
        params = {"search": _search(search), "limit": page_size}
        for row in self._t.iter_results(self._list_path(tags), params):
            yield Dashboard.model_validate(row)

    def list(self, **filters: Any) -> list[Dashboard]:
        return list(self.iter(**filters))

    def get(self, dashboard_id: int, *, refresh: str = "force_cache") -> Dashboard:
        """The dashboard with its tiles (PostHog bumps `last_accessed_at`). Tile results
        follow `refresh`: cached only by default, so they may be None."""
        data = self._t.get(
            self._item(dashboard_id), refresh=None if refresh == "force_cache" else refresh
        )
        return Dashboard.model_validate(data)

    def collaborators(self, dashboard_id: int) -> list[Collaborator]:
        """The invited editors (a plain array: PostHog does not page it)."""
        rows = self._t.get(f"{self._item(dashboard_id)}collaborators/") or []
        return [Collaborator.model_validate(row) for row in rows]

    def sharing(self, dashboard_id: int) -> SharingConfiguration:
        """Public sharing; needs the `sharing_configuration:read` scope."""
        return parse_sharing(self._t.get(f"{self._item(dashboard_id)}sharing/"))

    # --- writes (each one names the operator's intent) -----------------------------------

    def create(
        self,
        *,
        name: str,
        description: str | None = None,
        tags: Iterable[str] | None = None,
        pinned: bool | None = None,
        restriction_level: int | None = None,
        copy_from: int | None = None,
    ) -> Dashboard:
        """A blank dashboard, or with `copy_from` a copy showing the same insights."""
        body: dict[str, Any] = {"name": name}
        if description is not None:
            body["description"] = description
        if tags is not None:
            body["tags"] = list(tags)
        if pinned is not None:
            body["pinned"] = pinned
        if restriction_level is not None:
            body["restriction_level"] = _level(restriction_level)
        if copy_from is not None:
            body["use_dashboard"] = int(copy_from)
        return Dashboard.model_validate(self._t.write("POST", self._path, body))

    def update(
        self,
        dashboard_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        tags: Iterable[str] | None = None,
        pinned: bool | None = None,
        filters: dict[str, Any] | None = None,
    ) -> Dashboard:
        """PATCH only the fields given (None leaves a field alone). PostHog cannot clear
        `filters` (an empty value is ignored), so an empty dict is refused here."""
        if filters is not None and not filters:
            raise ValueError("PostHog ignores empty dashboard filters; they cannot be cleared")
        changes = {
            "name": name,
            "description": description,
            "tags": list(tags) if tags is not None else None,
            "pinned": pinned,
            "filters": filters,
        }
        return self._patch(dashboard_id, {k: v for k, v in changes.items() if v is not None})

    def update_if_unchanged(
        self, dashboard_id: int, *, changes: dict[str, Any], loaded: Dashboard
    ) -> Dashboard:
        """PATCH `changes` unless someone changed the dashboard's settings since `loaded` was
        read: then `Conflict`, with the dashboard as it is now. PostHog's dashboards carry no
        `updated_at` (posthog-api.md §4.1), so the editable fields themselves are compared."""
        current = self.get(dashboard_id)
        if settings_of(current) != settings_of(loaded):
            raise errors.Conflict.changed_since("dashboard", None, current=current)
        return self.update(dashboard_id, **changes)

    def _patch(self, dashboard_id: int, changes: dict[str, Any]) -> Dashboard:
        if not changes:
            raise ValueError("nothing to change")
        return Dashboard.model_validate(self._t.write("PATCH", self._item(dashboard_id), changes))

    def pin(self, dashboard_id: int, pinned: bool = True) -> Dashboard:
        return self._patch(dashboard_id, {"pinned": pinned})

    def set_restriction(self, dashboard_id: int, level: int) -> Dashboard:
        """21: everyone in the project can edit; 37: only collaborators. Only the owner and
        project admins may change it (403 otherwise)."""
        return self._patch(dashboard_id, {"restriction_level": _level(level)})

    def update_tiles(self, dashboard_id: int, tiles: list[dict[str, Any]]) -> Dashboard:
        """Upsert: each item is matched by `id` and only its display fields are written;
        tiles not listed are left as they are."""
        if not tiles or any("id" not in tile and "text" not in tile for tile in tiles):
            raise ValueError("every tile needs its id")
        return self._patch(dashboard_id, {"tiles": tiles})

    def remove_tile(self, dashboard_id: int, tile_id: int) -> Dashboard:
        return self.update_tiles(dashboard_id, [{"id": int(tile_id), "deleted": True}])

    def add_collaborator(
        self, dashboard_id: int, user_uuid: str, *, level: int = ONLY_COLLABORATORS_CAN_EDIT
    ) -> Collaborator:
        """Invite a project member as an editor (PostHog accepts only level 37)."""
        body = {"user_uuid": str(user_uuid), "level": level}
        data = self._t.write("POST", f"{self._item(dashboard_id)}collaborators/", body)
        return Collaborator.model_validate(data)

    def remove_collaborator(self, dashboard_id: int, user_uuid: str) -> None:
        self._t.write(
            "DELETE",
            f"{self._item(dashboard_id)}collaborators/{segment(uuid_id(user_uuid, 'user'))}/",
        )

    def set_sharing(self, dashboard_id: int, *, enabled: bool) -> SharingConfiguration:
        """Turn the public link on or off; needs `sharing_configuration:write`."""
        body = {"enabled": bool(enabled)}
        return parse_sharing(self._t.write("PATCH", f"{self._item(dashboard_id)}sharing/", body))

    def rotate_share_link(self, dashboard_id: int) -> SharingConfiguration:
        return parse_sharing(self._t.write("POST", f"{self._item(dashboard_id)}sharing/refresh/"))

    def delete(self, dashboard_id: int, *, delete_insights: bool = False) -> Dashboard:
        """Soft delete (PostHog refuses DELETE with 405). `delete_insights` also deletes the
        insights that are on no other dashboard."""
        body: dict[str, Any] = {"deleted": True}
        if delete_insights:
            body["delete_insights"] = True
        return self._patch(dashboard_id, body)

    def restore(self, dashboard_id: int) -> Dashboard:
        """Undelete: its tiles, and insights deleted with it, come back too."""
        return self._patch(dashboard_id, {"deleted": False})


def _search(search: str | None) -> str | None:
    return (search or "").strip() or None


def _level(level: int) -> int:
    if level not in RESTRICTION_LABELS:
        raise ValueError("restriction level must be 21 (everyone) or 37 (only collaborators)")
    return int(level)


# --- helpers for operators ---------------------------------------------------------------


def filter_dashboards(
    dashboards: Iterable[Dashboard],
    *,
    pinned: bool | None = None,
    shared: bool | None = None,
    restriction_level: int | None = None,
    created_by: int | None = None,
) -> list[Dashboard]:
    """The filters PostHog's own dashboards list applies in the browser."""
    return [
        d
        for d in dashboards
        if (pinned is None or d.pinned == pinned)
        and (shared is None or d.is_shared == shared)
        and (restriction_level is None or d.restriction_level == restriction_level)
        and (created_by is None or (d.created_by and d.created_by.id == created_by))
    ]


def project_members(*groups: Iterable[Any], collaborators: Iterable[Collaborator] = ()) -> list:
    """Users seen in the project (creators of insights and dashboards, and collaborators),
    by name: the people a collaborator can be picked from. PostHog's member list is not part
    of the insights and dashboards API."""
    seen: dict[str, UserBasic] = {}
    users = [getattr(item, "created_by", None) for group in groups for item in group]
    users += [c.user for c in collaborators]
    for user in users:
        if user is not None and user.uuid:
            seen.setdefault(user.uuid, user)
    return sorted(seen.values(), key=lambda u: u.display_name.lower())


# OrganizationMembership.Level: 1 member, 8 admin, 15 owner. Admins and owners administer every
# project of the organisation, so they edit every dashboard without an invitation.
ORGANIZATION_ADMIN = 8


def inherent_editors(dashboard: Dashboard, key_user: User | None = None) -> dict[str, str]:
    """Who edits this dashboard without an invitation, as far as the API says, by uuid:
    "owner" (its creator) or "admin" (the key's own user, when `users/@me` gives them an
    organisation level of admin or owner). PostHog gives that level for the key's user only,
    so other admins are only known when PostHog refuses to invite them."""
    editors: dict[str, str] = {}
    organization = key_user.organization if key_user else None
    level = getattr(organization, "membership_level", None)
    if key_user and key_user.uuid and isinstance(level, int) and level >= ORGANIZATION_ADMIN:
        editors[key_user.uuid] = "admin"
    if dashboard.created_by and dashboard.created_by.uuid:
        editors[dashboard.created_by.uuid] = "owner"
    return editors


class SharedItem(BaseModel):
    kind: str  # "insight" or "dashboard"
    id: int
    name: str
    shared_since: datetime | None = None
    access_token: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class SharingAudit:
    """The items shared publicly, and those whose sharing could not be read (by (kind, id)):
    a PostHog that fails or throttles part-way still shows what was checked."""

    items: list[SharedItem]
    unchecked: dict[tuple[str, int], Exception]

    def with_rechecked(self, again: SharingAudit) -> SharingAudit:
        """This audit completed by `again`, a read of its unchecked items only."""
        return SharingAudit(self.items + again.items, again.unchecked)


def shared_publicly(
    insights_service: Any,
    dashboards_service: Any,
    *,
    insights: Iterable[Insight],
    dashboards: Iterable[Dashboard],
    host: str,
    only: Iterable[tuple[str, int]] | None = None,
    max_workers: int = 8,
    on_progress: Callable[[int, int], None] | None = None,
    deadline: float | None = DEADLINE,
) -> SharingAudit:
    """Dashboards and insights with public sharing on. Dashboards say so in the list
    (`is_shared`); insights need one sharing read each, done concurrently (`only`: just these
    (kind, id) items). A refusal (a missing `sharing_configuration:read` scope) is raised;
    items deleted meanwhile are skipped; other failures are returned as `unchecked`. PostHog
    allows 240 insight requests a minute per key, so a large project takes minutes:
    `on_progress(done, total)` reports each read, and `deadline` bounds the wait."""
    dashboards = [d for d in dashboards if d.is_shared]
    insights = [i for i in insights if not i.deleted]
    jobs = [("dashboard", d.id) for d in dashboards] + [("insight", i.id) for i in insights]
    if only is not None:
        wanted = set(only)
        jobs = [job for job in jobs if job in wanted]
    names = {("dashboard", d.id): d.display_name for d in dashboards}
    names.update({("insight", i.id): i.display_name for i in insights})

    def fetch(job: tuple[str, int]) -> SharingConfiguration:
        kind, item_id = job
        service = dashboards_service if kind == "dashboard" else insights_service
        return service.sharing(item_id)

    results = fetch_concurrently(
        jobs, fetch, max_workers=max_workers, on_progress=on_progress, deadline=deadline
    )
    out = []
    unchecked: dict[tuple[str, int], Exception] = {}
    for (kind, item_id), config in results.items():
        if isinstance(config, errors.NotFound):
            continue
        if isinstance(config, errors.PermissionDenied):
            raise config
        if isinstance(config, Exception):
            unchecked[(kind, item_id)] = config
            continue
        if config.enabled:
            out.append(
                SharedItem(
                    kind=kind,
                    id=item_id,
                    name=names[(kind, item_id)],
                    shared_since=config.created_at,
                    access_token=config.access_token,
                    url=config.public_url(host),
                )
            )
    return SharingAudit(out, unchecked)
