"""One dashboard: its settings (a PATCH of only what changed, never its filters or tiles),
who may edit it, its tiles linking to the insights, public sharing, and soft delete (with its
own insights if asked) after typing its name, and restore."""

from __future__ import annotations

import streamlit as st

from components.analytics import sharing
from components.dashboards import collaborators
from components.dashboards.dashboard_list import (
    DELETED_HERE,
    failed_write,
    refusal,
    restore,
    restriction_short,
)
from components.shared import data
from components.shared.detail_page import back_to_list, name_typed
from components.shared.feedback import explain, field_error, show_error
from components.shared.text import plain
from services import PostHogClient
from services.analytics_models import (
    EVERYONE_CAN_EDIT,
    ONLY_COLLABORATORS_CAN_EDIT,
    RESTRICTION_LABELS,
    Dashboard,
    DashboardTile,
)
from services.dashboards import RESTRICTION_EXPLAINED
from services.errors import NotFound, PostHogError

PENDING_DELETE = "dash_pending_delete"
EDITABLE = ("name", "description", "tags", "pinned")


def render(client: PostHogClient, dashboard_id: str, *, key: str = "dash_detail") -> None:
    back_to_list("All dashboards", key=f"{key}_back")
    if not str(dashboard_id).isdigit():
        st.error(plain(f"“{dashboard_id}” is not a dashboard id: dashboard ids are numbers."))
        return
    number = int(dashboard_id)
    deleted = st.session_state.get(DELETED_HERE, {})
    try:
        dashboard = data.dashboard(client, number)
    except NotFound:
        if number in deleted:
            st.info(plain(f"{deleted[number]} was deleted in this session."))
            if st.button("Restore", key=f"{key}_restore", icon=":material/restore:"):
                restore(client, number, deleted[number])
        else:
            st.error("No dashboard with this id in this project: it may have been deleted.")
        return
    except PostHogError as exc:
        show_error(exc)
        return
    _header(dashboard)
    names = ["Settings", "Tiles", "Who can edit", "Sharing", "Danger zone"]
    settings, tiles, editors, share, danger = st.tabs(names)
    with settings:
        render_edit(client, dashboard, key=f"{key}_edit")
    with tiles:
        render_tiles(dashboard)
    with editors:
        render_restriction(client, dashboard, key=f"{key}_restriction")
        st.subheader("Collaborators", divider="gray", anchor=False)
        collaborators.render(client, dashboard, key=f"{key}_collab")
    with share:
        sharing.render(client, "dashboard", dashboard.id, dashboard.display_name)
    with danger:
        _danger_zone(client, dashboard, key)


def _header(dashboard: Dashboard) -> None:
    st.header(plain(dashboard.display_name), anchor=False)
    if dashboard.description:
        st.caption(plain(dashboard.description))
    badges = []
    if dashboard.pinned:
        badges.append(":blue-badge[:material/push_pin: Pinned]")
    badges.append(f":gray-badge[{restriction_short(dashboard.restriction_level)}]")
    if dashboard.is_shared:
        badges.append(":green-badge[:material/public: Shared publicly]")
    if not dashboard.can_edit:
        badges.append(":orange-badge[:material/lock: You can view, not edit]")
    badges += [f":violet-badge[{plain(tag)}]" for tag in dashboard.tags]
    st.markdown(" ".join(badges))


# --- settings --------------------------------------------------------------------------------


def changes_for(dashboard: Dashboard, edited: dict) -> dict:
    """The edited fields that differ from the dashboard (and nothing else: never filters or
    tiles, which PostHog would upsert or ignore)."""
    current = {
        "name": dashboard.name or "",
        "description": dashboard.description or "",
        "tags": list(dashboard.tags),
        "pinned": dashboard.pinned,
    }
    out = {}
    for field in EDITABLE:
        if field not in edited:
            continue
        same = (
            sorted(edited[field]) == sorted(current[field])
            if field == "tags"
            else edited[field] == current[field]
        )
        if not same:
            out[field] = edited[field]
    return out


def render_edit(client: PostHogClient, dashboard: Dashboard, *, key: str = "dash_edit") -> None:
    if not dashboard.can_edit:
        st.info(
            "You can view this dashboard but not edit it: ask its owner or a project admin to "
            "invite you as a collaborator.",
            icon=":material/lock:",
        )
    version = st.session_state.get(f"{key}_version", 0)
    form = f"{key}_{dashboard.id}_{version}"  # fields follow the server after a save
    name = st.text_input("Name *", value=dashboard.name or "", key=f"{form}_name", max_chars=400)
    field_error(form, "name")
    description = st.text_area(
        "Description", value=dashboard.description or "", key=f"{form}_description"
    )
    field_error(form, "description")
    known = sorted({t for d in data.dashboards(client) for t in d.tags} | set(dashboard.tags))
    tags = st.multiselect(
        "Tags",
        known,
        default=list(dashboard.tags),
        key=f"{form}_tags",
        accept_new_options=True,
        placeholder="Pick or type a tag",
    )
    field_error(form, "tags")
    pinned = st.checkbox("Pinned", value=dashboard.pinned, key=f"{form}_pinned")
    st.caption(
        "Saving sends only the fields you changed: the dashboard's filters and tiles are never "
        "touched from here."
    )
    field_error(form, "form")
    if st.button(
        "Save changes", type="primary", key=f"{form}_save", disabled=not dashboard.can_edit
    ):
        edited = {
            "name": name.strip(),
            "description": description,
            "tags": [t.strip() for t in tags if t.strip()],
            "pinned": pinned,
        }
        if not edited["name"]:
            st.session_state[f"{form}_errors"] = {"name": "Give the dashboard a name."}
            st.rerun()
        body = changes_for(dashboard, edited)
        if not body:
            st.session_state.pop(f"{form}_errors", None)
            st.info("Nothing changed.")
            return
        _save(client, dashboard, body, form, key)


def _save(client: PostHogClient, dashboard: Dashboard, body: dict, form: str, key: str) -> None:
    try:
        current = client.dashboards.get(dashboard.id)
    except PostHogError as exc:
        st.session_state[f"{form}_errors"] = {"form": f"Not saved: {explain(exc)}"}
        st.rerun()
    moved = [f for f in body if getattr(current, f) != getattr(dashboard, f)]
    if moved:
        st.session_state[f"{form}_errors"] = {
            "form": "Not saved: someone changed "
            + ", ".join(moved)
            + " since you opened this dashboard. Reload to see their version, then edit again."
        }
        data.forget_dashboard(client, dashboard.id)
        st.rerun()
    try:
        client.dashboards.update(dashboard.id, **body)
    except PostHogError as exc:
        failed_write(form, exc, EDITABLE, "Not saved")
    st.session_state.pop(f"{form}_errors", None)
    st.session_state[f"{key}_version"] = st.session_state.get(f"{key}_version", 0) + 1
    data.forget_dashboard(client, dashboard.id)
    st.toast(plain(f"Saved {body.get('name', dashboard.display_name)}."), icon=":material/check:")
    st.rerun()


# --- who can edit ----------------------------------------------------------------------------


def render_restriction(
    client: PostHogClient, dashboard: Dashboard, *, key: str = "dash_restriction"
) -> None:
    error = st.session_state.pop(f"{key}_error", None)
    levels = [EVERYONE_CAN_EDIT, ONLY_COLLABORATORS_CAN_EDIT]
    widget = f"{key}_{dashboard.id}_{dashboard.restriction_level}"
    chosen = st.radio(
        "Who can edit",
        levels,
        index=levels.index(dashboard.restriction_level)
        if dashboard.restriction_level in levels
        else 0,
        format_func=RESTRICTION_LABELS.get,
        key=widget,
        horizontal=True,
    )
    st.caption(RESTRICTION_EXPLAINED.get(chosen, ""))
    owner = dashboard.created_by.display_name if dashboard.created_by else "its owner"
    st.caption(f"Only the owner ({plain(owner)}) and project admins can change this.")
    if error:
        st.error(plain(error), icon=":material/error:")
    if chosen != dashboard.restriction_level and st.button(
        "Change who can edit", type="primary", key=f"{widget}_save"
    ):
        try:
            client.dashboards.set_restriction(dashboard.id, chosen)
        except PostHogError as exc:
            st.session_state[f"{key}_error"] = f"Not changed: {refusal(exc)}"
            st.session_state.pop(widget, None)  # the choice goes back to the stored level
        else:
            st.toast(
                plain(f"{dashboard.display_name}: {RESTRICTION_LABELS[chosen].lower()}."),
                icon=":material/check:",
            )
        data.forget_dashboard(client, dashboard.id)
        st.rerun()


# --- tiles -----------------------------------------------------------------------------------


def insight_link(tile: DashboardTile) -> str:
    insight = tile.insight
    assert insight is not None
    return f"[{plain(insight.display_name)}](insights?id={insight.id})"


def render_tiles(dashboard: Dashboard) -> None:
    tiles = dashboard.tiles or []
    if not tiles:
        st.caption("This dashboard has no tiles.")
        return
    st.caption(
        f"{len(dashboard.insight_tiles)} insights and "
        f"{len(tiles) - len(dashboard.insight_tiles)} other tiles, in layout order."
    )
    for tile in tiles:
        if tile.insight is not None:
            others = [d for d in tile.insight.dashboard_ids if d != dashboard.id]
            plural = "s" if len(others) > 1 else ""
            where = f" · also on {len(others)} other dashboard{plural}" if others else ""
            cached = "cached result" if tile.insight.result is not None else "no cached result"
            st.markdown(
                f"- :material/insights: {insight_link(tile)} · {tile.insight.kind.lower()} · "
                f"{cached}{where}"
            )
        elif tile.text is not None:
            st.markdown(":material/notes: Text tile:")
            st.text((tile.text.body or "").strip() or "(empty)")
        else:
            st.markdown("- :material/widgets: A tile the console cannot show (button or widget)")


# --- delete ----------------------------------------------------------------------------------


def own_insights(dashboard: Dashboard) -> list:
    """Insights on this dashboard only: the ones PostHog deletes with it when asked."""
    return [
        t.insight
        for t in dashboard.insight_tiles
        if t.insight is not None and t.insight.dashboard_ids in ([dashboard.id], [])
    ]


def _danger_zone(client: PostHogClient, dashboard: Dashboard, key: str) -> None:
    st.markdown(
        "Deleting hides the dashboard everywhere in PostHog. Its insights stay unless you ask "
        "to delete them too. It can be restored from **Deleted in this session** on the list "
        "page, or from this page's link, while this browser session lasts."
    )
    error = st.session_state.pop("dash_delete_error", None)
    if error:
        st.error(plain(error), icon=":material/error:")
    if st.button(
        "Delete dashboard…",
        key=f"{key}_delete",
        icon=":material/delete:",
        disabled=not dashboard.can_edit,
    ):
        st.session_state[PENDING_DELETE] = dashboard
    pending = st.session_state.get(PENDING_DELETE)
    if pending is not None and pending.id == dashboard.id:
        _confirm_delete(client, pending)


def _forget_delete() -> None:
    st.session_state.pop(PENDING_DELETE, None)


@st.dialog("Delete this dashboard?", on_dismiss=_forget_delete)
def _confirm_delete(client: PostHogClient, dashboard: Dashboard) -> None:
    own = own_insights(dashboard)
    ready = name_typed(dashboard.display_name, what="dashboard", key="dash_delete_name")
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
    if st.button(
        "Delete",
        type="primary",
        key="dash_confirm_delete",
        disabled=not ready,
    ):
        _forget_delete()
        try:
            client.dashboards.delete(dashboard.id, delete_insights=also)
        except PostHogError as exc:
            st.session_state["dash_delete_error"] = f"Not deleted: {refusal(exc)}"
            data.forget_dashboard(client, dashboard.id)
            st.rerun()
        st.session_state.setdefault(DELETED_HERE, {})[dashboard.id] = dashboard.display_name
        data.forget_dashboard(client, dashboard.id)
        st.query_params.pop("id", None)
        st.toast(
            plain(f"Deleted {dashboard.display_name}. Restore it from the list page."),
            icon=":material/delete:",
        )
        st.rerun()


def example() -> None:
    from components.shared.connection import get_client

    client = get_client()
    dashboard = next(d for d in data.dashboards(client) if d.name == "Product overview")
    render(client, str(dashboard.id), key="example_dash_detail")
