"""Write controls the insight and sharing views share: a button that runs one declared action,
and the favorite star (on an insight's page and under the list)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.insights import actions
from components.shared.actions import Action, blocked_reason, request
from services import PostHogClient
from services.analytics_models import Insight


def write_button(
    where: Any,
    action: Action,
    label: str,
    *,
    key: str,
    help: str | None = None,
    disabled: bool = False,
    **options,
) -> bool:
    """A button for `action`, disabled with the reason as its help while this session may
    not run it (audit mode, role); `where` is `st` or a column."""
    blocked = blocked_reason(action)
    return where.button(
        label, key=key, disabled=disabled or blocked is not None, help=blocked or help, **options
    )


def favorite(client: PostHogClient, insight: Insight, *, key: str) -> None:
    """Favoriting is immediate (an operator may do it), and undone by unfavoriting."""
    action = actions.UNFAVORITE if insight.favorited else actions.FAVORITE
    if write_button(
        st,
        action,
        "Unfavorite" if insight.favorited else "Favorite",
        key=f"{key}_favorite_{insight.id}",
        icon=":material/star:" if insight.favorited else ":material/star_border:",
        help="Favorites are found with the Favorites only filter, here and in PostHog.",
    ):
        request(client, action, actions.target(insight))
