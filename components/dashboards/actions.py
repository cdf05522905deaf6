"""Every write the console makes to dashboards, declared once (see components.shared.actions).
Only this module calls a dashboards service write.

A dashboard write makes the dashboards stale and the insights too (their dashboard
membership may change). Deleting and restoring touch the shared-publicly audit as well, and a
restored dashboard may come back shared."""

from __future__ import annotations

import streamlit as st

from components.shared.actions import Confirm, Target, declare
from components.shared.feedback import explain
from components.shared.text import plain
from services.analytics_models import (
    ONLY_COLLABORATORS_CAN_EDIT,
    RESTRICTION_LABELS,
    Dashboard,
)
from services.dashboards import explain_refusal, settings_of
from services.errors import ValidationFailed
from services.models import UserBasic
from services.roles import Role

STALE = ("dashboards", "insights")
GONE = (*STALE, "shared_publicly_item")
BACK = (*GONE, "sharing")
DELETED_HERE = "dash_deleted_here"  # {id: name} deleted in this browser session
CANNOT_REMOVE = (
    "PostHog does not remove collaborators from a dashboard everyone in the project can "
    "edit. Switch it to “Only collaborators can edit” first, then remove them."
)


VIEW_ONLY = "You can view this dashboard but not edit it."


def target(dashboard: Dashboard) -> Target:
    return Target("dashboard", dashboard.id, dashboard.display_name, dashboard)


def view_only(dashboard: Dashboard | None) -> str | None:
    """Why a write control of this dashboard is disabled beyond audit mode and the role: the
    key's user may only view it."""
    return VIEW_ONLY if dashboard is not None and not dashboard.can_edit else None


def refusal(error: Exception) -> str:
    """PostHog's collaborator and restriction refusals in plain words; anything else as
    every other failure is explained."""
    sentence = explain_refusal(error)
    raw = getattr(error, "detail", None) or str(error)
    return sentence if sentence != raw else explain(error)


def _removal_refusal(error: Exception) -> str:
    detail = getattr(error, "detail", None) or ""
    return CANNOT_REMOVE if "Cannot remove collaborators" in detail else refusal(error)


def _keep_field_error(fields: tuple[str, ...], verb: str):
    """A refusal naming one of the form's fields is shown next to it (params["form"] is the
    form's key); the form keeps everything typed."""

    def keep(_target: Target, params: dict, error: Exception) -> None:
        if isinstance(error, ValidationFailed) and error.attr in fields and params.get("form"):
            message = f"{verb}: {error.detail or error}"
            st.session_state[f"{params['form']}_errors"] = {error.attr: message}

    return keep


def new_form_version(form: str) -> None:
    """New keys for the form's fields, so they show the dashboard as PostHog has it now."""
    st.session_state.pop(f"{form}_errors", None)
    st.session_state[f"{form}_version"] = st.session_state.get(f"{form}_version", 0) + 1


def _form_saved(_target: Target, params: dict, _result) -> None:
    new_form_version(params["form"])


def _created(_target: Target, params: dict, created: Dashboard) -> None:
    st.session_state.pop(f"{params['form']}_errors", None)
    st.query_params["id"] = str(created.id)  # open it


def _deleted(target: Target, _params: dict, _result) -> None:
    st.session_state.setdefault(DELETED_HERE, {})[target.id] = target.name
    st.query_params.pop("id", None)


def _restored(target: Target, _params: dict, _result) -> None:
    st.session_state.get(DELETED_HERE, {}).pop(target.id, None)


# --- settings ------------------------------------------------------------------------------


def _edit_changes(target: Target, params: dict) -> dict:
    before = settings_of(target.obj) if target.obj is not None else {}
    return {
        field: {"before": before.get(field), "after": value}
        for field, value in params["changes"].items()
    }


EDIT = declare(
    key="dashboard.edit",
    words="Edit dashboard",
    resource="dashboard",
    role=Role.ADMIN,
    call=lambda client, t, p: client.dashboards.update_if_unchanged(
        t.id, changes=p["changes"], loaded=t.obj
    ),
    stale=STALE,
    done=lambda t, p, _r: f"Saved {p['changes'].get('name', t.name)}.",
    failed="Not saved",
    changes=_edit_changes,
    on_done=_form_saved,
    on_refused=_keep_field_error(("name", "description", "tags", "pinned"), "Not saved"),
)

PINNED = {"pinned": {"before": False, "after": True}}
UNPINNED = {"pinned": {"before": True, "after": False}}


def _not_editable(t: Target, _params: dict) -> str | None:
    """A bulk item is left alone when the key's user may only view the dashboard."""
    return view_only(t.obj)


def _already_pinned(pinned: bool):
    def skip(t: Target, params: dict) -> str | None:
        if t.obj is not None and t.obj.pinned is pinned:
            return "Already pinned" if pinned else "Not pinned"
        return _not_editable(t, params)

    return skip


PIN = declare(
    key="dashboard.pin",
    words="Pin dashboard",
    resource="dashboard",
    role=Role.ADMIN,
    call=lambda client, t, _p: client.dashboards.pin(t.id, True),
    stale=STALE,
    done="Pinned {name}.",
    failed="{name} was not pinned",
    undo="dashboard.unpin",
    changes=lambda _t, _p: PINNED,
    why=refusal,
    will="Pinned: comes first in PostHog's lists and sidebar",
    skip=_already_pinned(True),
    reread=lambda client, t: client.dashboards.get(t.id),
)

UNPIN = declare(
    key="dashboard.unpin",
    words="Unpin dashboard",
    resource="dashboard",
    role=Role.ADMIN,
    call=lambda client, t, _p: client.dashboards.pin(t.id, False),
    stale=STALE,
    done="Unpinned {name}.",
    failed="{name} was not unpinned",
    undo="dashboard.pin",
    changes=lambda _t, _p: UNPINNED,
    why=refusal,
    will="Unpinned",
    skip=_already_pinned(False),
    reread=lambda client, t: client.dashboards.get(t.id),
)

# --- who can edit --------------------------------------------------------------------------


def _level_changes(target: Target, params: dict) -> dict:
    before = target.obj.restriction_level if target.obj is not None else None
    return {
        "restriction_level": {
            "before": RESTRICTION_LABELS.get(before, before),
            "after": RESTRICTION_LABELS[params["level"]],
        }
    }


SET_RESTRICTION = declare(
    key="dashboard.set_restriction",
    words="Change who can edit",
    resource="dashboard",
    role=Role.ADMIN,
    call=lambda client, t, p: client.dashboards.set_restriction(t.id, p["level"]),
    stale=STALE,
    done=lambda t, p, _r: f"{t.name}: {RESTRICTION_LABELS[p['level']].lower()}.",
    failed="Not changed",
    changes=_level_changes,
    why=refusal,
)


def collaborator(user: UserBasic, level: int = ONLY_COLLABORATORS_CAN_EDIT) -> dict:
    """The params of a collaborator action, kept by the journal to reverse it: who, and at
    what level."""
    return {"user_uuid": user.uuid, "user_name": user.display_name, "level": level}


def _same_collaborator(_target: Target, params: dict, _result) -> dict:
    return {k: params[k] for k in ("user_uuid", "user_name", "level")}


ADD_COLLABORATOR = declare(
    key="dashboard.add_collaborator",
    words="Add collaborator",
    resource="dashboard",
    role=Role.ADMIN,
    call=lambda client, t, p: client.dashboards.add_collaborator(
        t.id, p["user_uuid"], level=p["level"]
    ),
    stale=STALE,
    done="{user_name} can now edit.",
    failed="{user_name} was not added",
    undo="dashboard.remove_collaborator",
    undo_params=_same_collaborator,
    changes=lambda _t, p: {"collaborators": {"before": None, "after": p["user_name"]}},
    why=refusal,
)

REMOVE_COLLABORATOR = declare(
    key="dashboard.remove_collaborator",
    words="Remove collaborator",
    resource="dashboard",
    role=Role.ADMIN,
    call=lambda client, t, p: client.dashboards.remove_collaborator(t.id, p["user_uuid"]),
    stale=STALE,
    done="{user_name} can no longer edit.",
    failed="{user_name} was not removed",
    confirm=Confirm(
        title="Remove this collaborator?",
        body=lambda t, p, _r: (
            f"**{plain(p['user_name'])}** will no longer be able to edit **{plain(t.name)}** "
            "(they can still view it)."
        ),
        button="Remove",
        keys=("dash_confirm_remove_collaborator", "dash_cancel_remove_collaborator"),
    ),
    undo="dashboard.add_collaborator",
    undo_params=_same_collaborator,
    changes=lambda _t, p: {"collaborators": {"before": p["user_name"], "after": None}},
    why=_removal_refusal,
)

# --- tiles -----------------------------------------------------------------------------------

REMOVE_TILE = declare(
    key="dashboard.remove_tile",
    words="Remove tile",
    resource="dashboard",
    role=Role.ADMIN,
    call=lambda client, t, p: client.dashboards.remove_tile(t.id, p["tile_id"]),
    stale=STALE,
    done="Removed {tile_name} from {name}.",
    failed="{tile_name} was not removed",
    confirm=Confirm(
        title="Remove this tile?",
        body=lambda t, p, _r: (
            f"**{plain(p['tile_name'])}** will be taken off **{plain(t.name)}**. An insight "
            "itself stays, on any other dashboard too."
        ),
        button="Remove tile",
        keys=("dash_confirm_remove_tile", "dash_cancel_remove_tile"),
    ),
    changes=lambda _t, p: {"tiles": {"before": p["tile_name"], "after": None}},
    why=refusal,
)

# --- delete, restore, create ---------------------------------------------------------------


def own_insights(dashboard: Dashboard) -> list:
    """Insights on this dashboard only: the ones PostHog deletes with it when asked."""
    return [
        t.insight
        for t in dashboard.insight_tiles
        if t.insight is not None and t.insight.dashboard_ids in ([dashboard.id], [])
    ]


def _also_its_insights(_client, target: Target, _params: dict) -> dict:
    """The delete question offers to delete the insights on no other dashboard too."""
    own = own_insights(target.obj) if target.obj is not None else []
    also = st.checkbox(
        f"Also delete its own insights ({len(own)})",
        key="dash_delete_insights",
        disabled=not own,
        help="Only insights that are on no other dashboard are deleted; insights also shown "
        "elsewhere stay. Restoring the dashboard brings them back.",
    )
    if own:
        names = ", ".join(i.display_name for i in own[:5]) + (" …" if len(own) > 5 else "")
        st.caption(plain(f"On this dashboard only: {names}"))
    return {"delete_insights": bool(also and own)}


def _delete_changes(_target: Target, params: dict) -> dict:
    changes = {"deleted": {"before": False, "after": True}}
    if params.get("delete_insights"):
        changes["its own insights"] = {"before": "kept", "after": "deleted"}
    return changes


DELETE = declare(
    key="dashboard.delete",
    words="Delete dashboard",
    resource="dashboard",
    role=Role.ADMIN,
    call=lambda client, t, p: client.dashboards.delete(
        t.id, delete_insights=bool(p.get("delete_insights"))
    ),
    stale=GONE,
    done="Deleted {name}. Restore it from the list page or the Journal.",
    failed="Not deleted",
    confirm=Confirm(
        title="Delete this dashboard?",
        body="",
        button="Delete",
        typed_name="dashboard",
        extra=_also_its_insights,
        keys=("dash_confirm_delete", "dash_cancel_delete"),
    ),
    undo="dashboard.restore",
    changes=_delete_changes,
    why=refusal,
    on_done=_deleted,
    # in bulk its insights are never deleted with it (the single delete asks)
    will="Deleted, its insights kept (restorable from the Journal)",
    skip=_not_editable,
)

RESTORE = declare(
    key="dashboard.restore",
    words="Restore dashboard",
    resource="dashboard",
    role=Role.ADMIN,
    call=lambda client, t, _p: client.dashboards.restore(t.id),
    stale=BACK,
    done="Restored {name}.",
    failed="{name} was not restored",
    changes=lambda _t, _p: {"deleted": {"before": True, "after": False}},
    on_done=_restored,
    will="Restored, with its tiles",
)

CREATE_FIELDS = ("name", "description", "tags", "use_dashboard", "restriction_level")

CREATE = declare(
    key="dashboard.create",
    words="Create dashboard",
    resource="dashboard",
    role=Role.ADMIN,
    call=lambda client, _t, p: client.dashboards.create(**p["fields"]),
    stale=STALE,
    done=lambda _t, _p, created: f"Created {created.display_name}.",
    failed="Not created",
    changes=lambda _t, p: {
        field: {"before": None, "after": value}
        for field, value in p["fields"].items()
        if value is not None
    },
    why=refusal,
    on_done=_created,
    on_refused=_keep_field_error(CREATE_FIELDS, "Not created"),
)
