"""Who may edit one dashboard besides its owner and the project admins: the invited
collaborators, adding one from the project's members with "can edit", and removing one after
a confirmation. PostHog's refusals (say, on a dashboard everyone can already edit) are put
in plain words."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.dashboards import actions
from components.dashboards.actions import refusal
from components.shared import data
from components.shared.actions import request, write_button
from components.shared.text import plain
from services import PostHogClient
from services.analytics_models import EVERYONE_CAN_EDIT, Collaborator, Dashboard
from services.dashboards import REFUSALS, inherent_editors, project_members
from services.errors import PostHogError
from services.models import User, UserBasic

EVERYONE_NOTE = REFUSALS["lowest restriction level"]


def _label(user: UserBasic) -> str:
    return f"{user.display_name} ({user.email})" if user.email else user.display_name


def to_frame(collaborators: list[Collaborator]) -> pd.DataFrame:
    rows = [
        {
            "Name": c.user.display_name,
            "Email": c.user.email or "",
            "Level": "Can edit",
            "Added": c.added_at,
        }
        for c in collaborators
    ]
    return pd.DataFrame(rows, columns=["Name", "Email", "Level", "Added"])


def _key_user(client: PostHogClient) -> User | None:
    """The key's own user (with their organisation level), read once per key in this
    session; None when PostHog will not say, and then nobody is known to be an admin."""
    memo = f"dash_collab_key_user_{client.transport.key_fingerprint}"
    if memo not in st.session_state:
        try:
            st.session_state[memo] = client.users.me()
        except PostHogError:
            st.session_state[memo] = None
    return st.session_state[memo]


def candidates(
    client: PostHogClient, dashboard: Dashboard, current: list[Collaborator]
) -> tuple[list[UserBasic], list[UserBasic]]:
    """Members seen in the project (creators of dashboards and insights, collaborators) who
    may be invited, without the owner and those already collaborating; and the organisation
    admins left out, who can already edit."""
    members = project_members(
        data.dashboards(client), data.all_insights(client), collaborators=current
    )
    editors = inherent_editors(dashboard, _key_user(client))
    taken = {c.user.uuid for c in current}
    invitable = [m for m in members if m.uuid not in taken and m.uuid not in editors]
    admins = [m for m in members if editors.get(m.uuid) == "admin"]
    return invitable, admins


def render(client: PostHogClient, dashboard: Dashboard, *, key: str = "dash_collab") -> None:
    owner = dashboard.created_by.display_name if dashboard.created_by else "its creator"
    st.caption(
        f"The owner ({plain(owner)}) and project admins can always edit. "
        "Collaborators are the people invited to edit as well."
    )
    try:
        current = data.collaborators(client, dashboard.id)
    except PostHogError as exc:
        st.error(
            plain(f"Could not load the collaborators: {refusal(exc)}"), icon=":material/error:"
        )
        return
    if current:
        st.dataframe(
            to_frame(current),
            hide_index=True,
            key=f"{key}_table",
            column_config={"Added": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
        )
    else:
        st.caption("Nobody has been invited.")
    if dashboard.restriction_level == EVERYONE_CAN_EDIT:
        st.info(EVERYONE_NOTE, icon=":material/group:")
    _add(client, dashboard, current, key)
    if current:
        _remove(client, dashboard, current, key)


def _add(client: PostHogClient, dashboard: Dashboard, current: list[Collaborator], key) -> None:
    try:
        people, admins = candidates(client, dashboard, current)
    except PostHogError as exc:
        st.error(plain(f"Could not list project members: {refusal(exc)}"), icon=":material/error:")
        return
    if admins:
        names = ", ".join(u.display_name for u in admins)
        st.caption(f"Not offered, as organization admins can already edit: {plain(names)}.")
    if not people:
        st.caption("Everyone seen in this project already collaborates or can edit.")
        return
    by_uuid = {u.uuid: u for u in people}
    pick, level, add = st.columns([4, 2, 2], vertical_alignment="bottom")
    chosen = pick.selectbox(
        "Invite a project member",
        list(by_uuid),
        format_func=lambda u: _label(by_uuid[u]),
        key=f"{key}_{dashboard.id}_user",
        help="Members seen in this project: creators of dashboards and insights, and "
        "collaborators.",
    )
    # PostHog invites editors only, so there is no level to choose.
    level.markdown(
        "Access: **can edit**",
        help="PostHog only lets you invite editors: everyone in the project can view.",
    )
    if write_button(
        "Add collaborator",
        actions.ADD_COLLABORATOR,
        key=f"{key}_{dashboard.id}_add",
        icon=":material/person_add:",
        help="They can edit at once; the Journal can take it back.",
        where=add,
    ):
        who = actions.collaborator(by_uuid[chosen])
        request(client, actions.ADD_COLLABORATOR, actions.target(dashboard), **who)


def _remove(
    client: PostHogClient, dashboard: Dashboard, current: list[Collaborator], key: str
) -> None:
    by_uuid = {c.user.uuid: c for c in current}
    pick, remove = st.columns([4, 2], vertical_alignment="bottom")
    chosen = pick.selectbox(
        "Remove a collaborator",
        list(by_uuid),
        index=None,  # nobody is picked for removal until the operator picks them
        format_func=lambda u: _label(by_uuid[u].user),
        key=f"{key}_{dashboard.id}_remove_user",
        placeholder="Pick a collaborator",
    )
    if write_button(
        "Remove…",
        actions.REMOVE_COLLABORATOR,
        key=f"{key}_{dashboard.id}_remove",
        icon=":material/person_remove:",
        help="Asks first.",
        why_not=None if chosen else "Pick the collaborator to remove first.",
        where=remove,
    ):
        who = actions.collaborator(by_uuid[chosen].user, by_uuid[chosen].level)
        request(client, actions.REMOVE_COLLABORATOR, actions.target(dashboard), **who)
