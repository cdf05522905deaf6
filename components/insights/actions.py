"""Every write the console makes to insights, declared once (see components.shared.actions).
Only this module calls an insight service write."""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.shared import conflict, data
from components.shared.actions import Action, Confirm, Target, declare
from components.shared.feedback import explain
from components.shared.text import plain
from services.analytics_models import Insight
from services.errors import NotFound, PostHogError, ValidationFailed
from services.insights import EDITABLE, current_values
from services.roles import Role

# tiles show insights, so dashboards read them too
STALE = ("insights", "dashboards")
# the shared-publicly audit shows names and drops deleted items
STALE_SHARED = (*STALE, "shared_publicly_item")
DELETED = "ins_deleted_here"  # what this session deleted, by the id in the URL
NOT_ON_DASHBOARDS = (
    "Restoring brings the insight back, but not onto the dashboards it was on: add it to "
    "them again on its Dashboards tab."
)


def target(insight: Insight) -> Target:
    return Target("insight", insight.id, insight.display_name, insight)


def dashboard_name(names: dict, dashboard_id: int) -> str:
    # names kept in the journal for an undo have their ids as text
    return names.get(dashboard_id) or names.get(str(dashboard_id)) or f"Dashboard {dashboard_id}"


def _where_it_is(client, t: Target) -> tuple[list[int], dict[int, str]]:
    """The dashboards the insight is on now, and every dashboard's name (for the dialogs,
    which may be opened from the Journal without the insight loaded)."""
    try:
        on = data.insight(client, t.id).dashboard_ids
    except PostHogError:
        on = t.obj.dashboard_ids if t.obj is not None else []
    try:
        names = {d.id: d.display_name for d in data.dashboards(client)}
    except PostHogError as exc:
        st.warning(plain(f"Dashboard names could not be loaded: {explain(exc)}"))
        names = {}
    return on, names


# --- edit ----------------------------------------------------------------------------------


def _field_error(form: str, error: Exception, fields: tuple[str, ...], failed: str) -> None:
    """A refused field's reason, shown next to it (`components.shared.feedback.field_error`)."""
    if isinstance(error, ValidationFailed):
        field = error.attr if error.attr in fields else "form"
        st.session_state[f"{form}_errors"] = {field: f"{failed}: {error.detail or error}"}


def _edit_refused(t: Target, p: dict, error: Exception) -> None:
    """Keep the operator's draft: after a conflict, on the version it was made on."""
    conflict.refused("insight", t.id, t.obj, error)
    _field_error(p["form"], error, EDITABLE, "Not saved")


def _edited(t: Target, p: dict, _result: Any) -> None:
    conflict.saved("insight", t.id)
    st.session_state.pop(f"{p['form']}_errors", None)


def saved_words(changes: dict) -> str:
    """What an edit saved, in words (never a raw field name such as `saved`)."""
    fields = [f for f in ("name", "description", "tags") if f in changes]
    words = ", ".join(fields[:-1]) + " and " + fields[-1] if len(fields) > 1 else "".join(fields)
    said = [f"Saved the new {words}."] if fields else []
    if "saved" in changes:
        said.append(
            "It is now a saved insight." if changes["saved"] else "It is no longer a saved insight."
        )
    return " ".join(said) or "Saved."


EDIT = declare(
    key="insight.edit",
    words="Edit insight",
    resource="insight",
    role=Role.ADMIN,
    call=lambda client, t, p: client.insights.update_if_unchanged(
        t.id, changes=p["changes"], loaded_updated_at=p["loaded_updated_at"]
    ),
    stale=STALE_SHARED,
    done=lambda _t, p, _r: saved_words(p["changes"]),
    failed="Not saved",
    changes=lambda t, p: {
        field: {"before": current_values(t.obj)[field], "after": value}
        for field, value in p["changes"].items()
    },
    on_done=_edited,
    on_refused=_edit_refused,
)


# --- favorite ------------------------------------------------------------------------------


def _already_favorite(favorited: bool):
    """A bulk item is left alone when the insight is already (not) a favorite."""

    def skip(t: Target, _params: dict) -> str | None:
        if t.obj is not None and t.obj.favorited is favorited:
            return "Already a favorite" if favorited else "Not a favorite"
        return None

    return skip


FAVORITE = declare(
    key="insight.favorite",
    words="Favorite insight",
    resource="insight",
    role=Role.OPERATOR,
    call=lambda client, t, _p: client.insights.favorite(t.id),
    stale=STALE,
    done="Added {name} to favorites.",
    undo="insight.unfavorite",
    changes=lambda _t, _p: {"favorited": {"before": False, "after": True}},
    will="Added to favorites",
    skip=_already_favorite(True),
    reread=lambda client, t: client.insights.get(t.id),
)

UNFAVORITE = declare(
    key="insight.unfavorite",
    words="Unfavorite insight",
    resource="insight",
    role=Role.OPERATOR,
    call=lambda client, t, _p: client.insights.favorite(t.id, False),
    stale=STALE,
    done="Removed {name} from favorites.",
    undo="insight.favorite",
    changes=lambda _t, _p: {"favorited": {"before": True, "after": False}},
    will="Removed from favorites",
    skip=_already_favorite(False),
    reread=lambda client, t: client.insights.get(t.id),
)


# --- tags ------------------------------------------------------------------------------------


def tag_typed(text: str) -> str:
    """A tag as PostHog stores it: trimmed, in lower case."""
    return text.strip().lower()


def _tag_action(add: bool) -> Action:
    """Add or take off the tag `tag`. The call sends the insight's tags as they are now (read
    first), so a tag someone added since the list loaded is kept; PostHog saves any insight it
    updates, so a draft is told it stays one."""

    def call(client, t: Target, p: dict) -> Insight:
        now = client.insights.get(t.id)
        tags = [tag for tag in now.tags if tag != p["tag"]] + ([p["tag"]] if add else [])
        return client.insights.update(
            now.id, tags=tags, saved=False if now.saved is False else None
        )

    def skip(t: Target, p: dict) -> str | None:
        if not p.get("tag"):
            return "No tag typed: type one next to the bulk actions"
        if t.obj is not None and (p["tag"] in t.obj.tags) is add:
            return "Already has the tag" if add else "Does not have the tag"
        return None

    return declare(
        key="insight.add_tag" if add else "insight.remove_tag",
        words="Add tag to insight" if add else "Remove tag from insight",
        resource="insight",
        role=Role.ADMIN,  # as editing the insight
        call=call,
        stale=STALE,
        done="Tagged {name} “{tag}”." if add else "Took the tag “{tag}” off {name}.",
        failed="Could not tag {name} “{tag}”" if add else "Could not untag {name} “{tag}”",
        undo="insight.remove_tag" if add else "insight.add_tag",
        undo_params=lambda _t, p, _r: {"tag": p["tag"]},
        changes=lambda _t, p: (
            {"tags": {"before": None, "after": p["tag"]}}
            if add
            else {"tags": {"before": p["tag"], "after": None}}
        ),
        will=lambda _t, p, _r: f"Tag “{p.get('tag')}” {'added' if add else 'removed'}",
        skip=skip,
    )


ADD_TAG = _tag_action(True)
REMOVE_TAG = _tag_action(False)


# --- dashboards ------------------------------------------------------------------------------


def _dashboard_of(p: dict) -> str:
    return dashboard_name(p.get("names") or {}, p["dashboard_id"])


def _membership_done(action_done: str):
    """The outcome names every dashboard it is on now, and never hides one PostHog dropped
    that should have stayed (`keeps`: the others it was on)."""

    def text(_t: Target, p: dict, updated: Insight) -> str:
        names = p.get("names") or {}
        done = action_done.format(dashboard=_dashboard_of(p))
        lost = [d for d in p.get("keeps") or () if d not in updated.dashboard_ids]
        if lost:
            gone = ", ".join(dashboard_name(names, d) for d in lost)
            return f"{done} But PostHog no longer lists it on {gone}: check those dashboards."
        if updated.dashboard_ids:
            on = ", ".join(dashboard_name(names, d) for d in updated.dashboard_ids)
            return f"{done} It is on: {on}."
        return f"{done} It is on no dashboard now."

    return text


def _ask_remove(client, t: Target, p: dict) -> dict:
    on, names = _where_it_is(client, t)
    keeps = [d for d in on if d != p["dashboard_id"]]
    st.markdown(
        f"**{plain(t.name)}** will be taken off the dashboard "
        f"**{plain(dashboard_name(names, p['dashboard_id']))}**. The insight itself is kept."
    )
    if keeps:
        st.markdown(plain(f"It stays on: {', '.join(dashboard_name(names, d) for d in keeps)}."))
    else:
        st.markdown("It will then be on no dashboard.")
    return {"keeps": keeps, "names": names}


def _on_dashboard(p: dict, *, on: bool) -> dict:
    name = _dashboard_of(p)
    return {"dashboard": {"before": None, "after": name} if on else {"before": name, "after": None}}


def _same_dashboard(_t: Target, p: dict, _r: Any) -> dict:
    return {"dashboard_id": p["dashboard_id"], "names": p.get("names") or {}}


ADD_TO_DASHBOARD = declare(
    key="insight.add_to_dashboard",
    words="Add insight to a dashboard",
    resource="insight",
    role=Role.ADMIN,
    # re-reads the current set and sends it whole: PostHog replaces it
    call=lambda client, t, p: client.insights.add_to_dashboard(t.id, p["dashboard_id"]),
    stale=STALE,
    done=_membership_done("Added to {dashboard}."),
    failed=lambda _t, p, _r: f"Not added to {_dashboard_of(p)}",
    undo="insight.remove_from_dashboard",
    undo_params=_same_dashboard,
    changes=lambda _t, p: _on_dashboard(p, on=True),
)

REMOVE_FROM_DASHBOARD = declare(
    key="insight.remove_from_dashboard",
    words="Remove insight from a dashboard",
    resource="insight",
    role=Role.ADMIN,
    call=lambda client, t, p: client.insights.remove_from_dashboard(t.id, p["dashboard_id"]),
    stale=STALE,
    done=_membership_done("Removed from {dashboard}."),
    failed=lambda _t, p, _r: f"Not removed from {_dashboard_of(p)}",
    confirm=Confirm(
        title="Remove from a dashboard?",
        body="",
        button="Remove",
        keep="Keep it there",
        extra=_ask_remove,
        keys=("ins_confirm_remove", "ins_cancel_remove"),
    ),
    undo="insight.add_to_dashboard",
    undo_params=_same_dashboard,
    changes=lambda _t, p: _on_dashboard(p, on=False),
)


# --- delete and restore ----------------------------------------------------------------------


def _ask_delete(client, t: Target, _p: dict) -> dict:
    on, names = _where_it_is(client, t)
    boards = [dashboard_name(names, d) for d in on]
    if boards:
        word = "dashboard" if len(boards) == 1 else f"{len(boards)} dashboards"
        st.markdown(plain(f"It is taken off {word}: {', '.join(boards)}."))
    st.markdown(f"Its alerts are deleted too. {NOT_ON_DASHBOARDS}")
    return {"was_on": boards}


def _remember_deleted(t: Target, p: dict, _r: Any) -> None:
    """The detail page keeps showing what was deleted, with Restore (PostHog hides it)."""
    st.session_state.setdefault(DELETED, {})[p.get("ident") or str(t.id)] = {
        "id": t.id,
        "name": t.name,
        "dashboards": p.get("was_on") or [],
    }


def _no_longer_deleted(t: Target, p: dict, _r: Any) -> None:
    st.session_state.get(DELETED, {}).pop(p.get("ident") or str(t.id), None)


def _why_not_restored(error: Exception) -> str:
    if isinstance(error, NotFound):
        return "No insight with this id, deleted or not, in this project: nothing to restore."
    return explain(error)


DELETE = declare(
    key="insight.delete",
    words="Delete insight",
    resource="insight",
    role=Role.ADMIN,
    call=lambda client, t, _p: client.insights.delete(t.id),  # soft: `deleted: true`
    stale=STALE_SHARED,
    done="Deleted {name}.",
    confirm=Confirm(
        title="Delete this insight?",
        body=lambda t, _p, _r: f"**{plain(t.name)}** will be deleted.",
        button="Delete",
        keep="Keep it",
        typed_name="insight",
        extra=_ask_delete,
        keys=("ins_confirm_delete", "ins_cancel_delete"),
    ),
    undo="insight.restore",
    changes=lambda _t, _p: {"deleted": {"before": False, "after": True}},
    on_done=_remember_deleted,
    will="Deleted, and taken off its dashboards (restorable from the Journal)",
)

RESTORE = declare(
    key="insight.restore",
    words="Restore insight",
    resource="insight",
    role=Role.ADMIN,
    call=lambda client, t, _p: client.insights.restore(t.id),
    # it may come back shared publicly
    stale=(*STALE_SHARED, "sharing"),
    done=lambda _t, _p, restored: (
        f"Restored {restored.display_name}. It is on no dashboard: add it again if needed."
    ),
    changes=lambda _t, _p: {"deleted": {"before": True, "after": False}},
    why=_why_not_restored,
    on_done=_no_longer_deleted,
    will="Restored (on no dashboard)",
)


# --- create --------------------------------------------------------------------------------


def _open_created(_t: Target, p: dict, created: Insight) -> None:
    form = p["form"]
    for field in ("name", "description", "tags", "errors"):
        st.session_state.pop(f"{form}_{field}", None)
    st.query_params["id"] = str(created.id)


def _create_refused(_t: Target, p: dict, error: Exception) -> None:
    _field_error(p["form"], error, ("name", "description", "tags", "query"), "Not created")


CREATE = declare(
    key="insight.create",
    words="Create insight",
    resource="insight",
    role=Role.ADMIN,
    # the target's name is the new insight's name
    call=lambda client, t, p: client.insights.create(
        name=t.name, query=p["query"], description=p["description"] or None, tags=p["tags"]
    ),
    stale=STALE,
    done=lambda _t, _p, created: f"Created {created.display_name}.",
    failed="Not created",
    changes=lambda t, p: {
        field: {"before": None, "after": value}
        for field, value in (
            ("name", t.name),
            ("description", p["description"]),
            ("tags", p["tags"]),
        )
        if value
    },
    on_done=_open_created,
    on_refused=_create_refused,
)


# --- views and calculations ------------------------------------------------------------------

MARK_VIEWED = declare(
    key="insight.mark_viewed",
    words="Mark insight as viewed",
    resource="insight",
    role=Role.OPERATOR,
    call=lambda client, t, _p: client.insights.mark_viewed([t.id]),
    stale=STALE,
    done="Marked {name} as viewed.",
    failed="Not marked as viewed",
)

CANCEL_QUERY = declare(
    key="insight.cancel_query",
    words="Cancel insight calculation",
    resource="insight",
    role=Role.OPERATOR,
    call=lambda client, _t, p: client.insights.cancel_query(p["query_id"]),
    stale=STALE,
    done="Asked PostHog to cancel the calculation.",
    failed="Not cancelled",
)
