"""One dashboard: its settings (a PATCH of only what changed, never its filters or tiles, and
refused when it changed in PostHog since the form opened), who may edit it, its tiles linking
to the insights (each can be taken off), public sharing, and soft delete (with its own
insights if asked) after typing its name, and restore. Every write goes through
components.dashboards.actions."""

from __future__ import annotations

import streamlit as st

from components.analytics import sharing
from components.dashboards import actions, collaborators
from components.dashboards.dashboard_list import restore_button, restriction_short
from components.shared import data
from components.shared.actions import blocked_reason, request, write_button
from components.shared.detail_page import back_to_list
from components.shared.feedback import field_error, show_error
from components.shared.text import plain
from services import PostHogClient
from services.analytics_models import (
    EVERYONE_CAN_EDIT,
    ONLY_COLLABORATORS_CAN_EDIT,
    RESTRICTION_LABELS,
    Dashboard,
    DashboardTile,
)
from services.dashboards import RESTRICTION_EXPLAINED, changes_for, settings_of
from services.errors import InvalidId, NotFound, PostHogError
from services.ids import int_id


def render(client: PostHogClient, dashboard_id: str, *, key: str = "dash_detail") -> None:
    back_to_list("All dashboards", key=f"{key}_back")
    try:
        number = int_id(dashboard_id, "dashboard")
    except InvalidId as exc:
        st.error(plain(str(exc)), icon=":material/link_off:")
        return
    deleted = st.session_state.get(actions.DELETED_HERE, {})
    try:
        dashboard = data.dashboard(client, number)
    except NotFound:
        if number in deleted:
            st.info(plain(f"{deleted[number]} was deleted in this session."))
            restore_button(client, number, deleted[number], key=f"{key}_restore")
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
        render_tiles(client, dashboard, key=f"{key}_tiles")
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


def render_edit(client: PostHogClient, dashboard: Dashboard, *, key: str = "dash_edit") -> None:
    if not dashboard.can_edit:
        st.info(
            "You can view this dashboard but not edit it: ask its owner or a project admin to "
            "invite you as a collaborator.",
            icon=":material/lock:",
        )
    version = st.session_state.get(f"{key}_version", 0)
    field = f"{key}_{dashboard.id}_{version}"  # fields follow the server after a save
    loaded = _loaded(dashboard, field, key)
    name = st.text_input("Name *", value=loaded.name or "", key=f"{field}_name", max_chars=400)
    field_error(key, "name")
    description = st.text_area(
        "Description", value=loaded.description or "", key=f"{field}_description"
    )
    field_error(key, "description")
    known = sorted({t for d in data.dashboards(client) for t in d.tags} | set(dashboard.tags))
    tags = st.multiselect(
        "Tags",
        known,
        default=list(loaded.tags),
        key=f"{field}_tags",
        accept_new_options=True,
        placeholder="Pick or type a tag",
    )
    field_error(key, "tags")
    pinned = st.checkbox("Pinned", value=loaded.pinned, key=f"{field}_pinned")
    field_error(key, "pinned")
    st.caption(
        "Saving sends only the fields you changed: the dashboard's filters and tiles are never "
        "touched from here. If someone changed it in PostHog since it was loaded, nothing is "
        "saved and you are asked to reload."
    )
    if write_button(
        "Save changes",
        actions.EDIT,
        why_not=actions.view_only(dashboard),
        type="primary",
        key=f"{field}_save",
    ):
        edited = {
            "name": name,
            "description": description,
            "tags": [t.strip() for t in tags if t.strip()],
            "pinned": pinned,
        }
        if not name.strip():
            st.session_state[f"{key}_errors"] = {"name": "Give the dashboard a name."}
            st.rerun()
        st.session_state.pop(f"{key}_errors", None)
        changes = changes_for(loaded, edited)
        if not changes:
            st.info("Nothing changed.")
            return
        request(client, actions.EDIT, actions.target(loaded), changes=changes, form=key)


def _loaded(dashboard: Dashboard, field: str, key: str) -> Dashboard:
    """The dashboard as it was when the form's fields were made. Saving compares against it,
    so a change made in PostHog since is refused rather than overwritten by a stale field."""
    kept = st.session_state.get(f"{key}_loaded")
    if kept is None or kept[0] != field:
        kept = st.session_state[f"{key}_loaded"] = (field, dashboard)
    loaded = kept[1]
    was, now = settings_of(loaded), settings_of(dashboard)
    moved = [name for name in was if was[name] != now[name]]
    if moved:
        st.warning(
            plain(
                f"Changed in PostHog since you opened this form: {', '.join(moved)}. Saving "
                "is refused until you load the latest version, which replaces your edits here."
            ),
            icon=":material/sync_problem:",
        )
        st.button(
            "Load the latest version",
            key=f"{key}_reload",
            icon=":material/refresh:",
            on_click=actions.new_form_version,
            args=(key,),
        )
    return loaded


# --- who can edit ----------------------------------------------------------------------------


def render_restriction(
    client: PostHogClient, dashboard: Dashboard, *, key: str = "dash_restriction"
) -> None:
    levels = [EVERYONE_CAN_EDIT, ONLY_COLLABORATORS_CAN_EDIT]
    widget = f"{key}_{dashboard.id}_{dashboard.restriction_level}"
    reason = blocked_reason(actions.SET_RESTRICTION)
    chosen = st.radio(
        "Who can edit",
        levels,
        index=levels.index(dashboard.restriction_level)
        if dashboard.restriction_level in levels
        else 0,
        format_func=RESTRICTION_LABELS.get,
        key=widget,
        horizontal=True,
        disabled=reason is not None,
        help=reason,
    )
    st.caption(RESTRICTION_EXPLAINED.get(chosen, ""))
    owner = dashboard.created_by.display_name if dashboard.created_by else "its owner"
    st.caption(f"Only the owner ({plain(owner)}) and project admins can change this.")
    if chosen != dashboard.restriction_level:
        write_button(
            "Change who can edit",
            actions.SET_RESTRICTION,
            type="primary",
            key=f"{widget}_save",
            on_click=_change_restriction,
            args=(client, dashboard, widget),
        )


def _change_restriction(client: PostHogClient, dashboard: Dashboard, widget: str) -> None:
    outcome = request(
        client, actions.SET_RESTRICTION, actions.target(dashboard), level=st.session_state[widget]
    )
    if not outcome.ok:
        st.session_state.pop(widget, None)  # the choice goes back to the stored level


# --- tiles -----------------------------------------------------------------------------------


def insight_link(tile: DashboardTile) -> str:
    insight = tile.insight
    assert insight is not None
    return f"[{plain(insight.display_name)}](insights?id={insight.id})"


def tile_name(tile: DashboardTile) -> str:
    if tile.insight is not None:
        return tile.insight.display_name
    return "Text tile" if tile.text is not None else "A tile the console cannot show"


def render_tiles(client: PostHogClient, dashboard: Dashboard, *, key: str = "dash_tiles") -> None:
    tiles = dashboard.tiles or []
    if not tiles:
        st.caption("This dashboard has no tiles.")
        return
    st.caption(
        f"{len(dashboard.insight_tiles)} insights and "
        f"{len(tiles) - len(dashboard.insight_tiles)} other tiles, in layout order. Removing a "
        "tile takes it off this dashboard only: its insight stays."
    )
    for tile in tiles:
        shown, remove = st.columns([8, 2], vertical_alignment="center")
        with shown:
            _tile(dashboard, tile)
        if write_button(
            "Remove…",
            actions.REMOVE_TILE,
            why_not=actions.view_only(dashboard),
            key=f"{key}_{tile.id}_remove_tile",
            icon=":material/remove_circle_outline:",
            help="Asks first.",
            where=remove,
        ):
            request(
                client,
                actions.REMOVE_TILE,
                actions.target(dashboard),
                tile_id=tile.id,
                tile_name=tile_name(tile),
            )


def _tile(dashboard: Dashboard, tile: DashboardTile) -> None:
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


def _danger_zone(client: PostHogClient, dashboard: Dashboard, key: str) -> None:
    st.markdown(
        "Deleting hides the dashboard everywhere in PostHog. Its insights stay unless you ask "
        "to delete them too. It can be restored from **Deleted in this session** on the list "
        "page, from this page's link while this browser session lasts, or with Undo on the "
        "Journal page."
    )
    if write_button(
        "Delete dashboard…",
        actions.DELETE,
        why_not=actions.view_only(dashboard),
        key=f"{key}_delete",
        icon=":material/delete:",
        help="Asks for its name first.",
    ):
        request(client, actions.DELETE, actions.target(dashboard))
