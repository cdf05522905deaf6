"""The favorite star of one insight, on its page and under the list: favoriting is immediate
(an operator may do it) and undone by unfavoriting."""

from __future__ import annotations

import streamlit as st

from components.insights import actions
from components.shared.actions import blocked_reason, request
from services import PostHogClient
from services.analytics_models import Insight


def render(client: PostHogClient, insight: Insight, *, key: str) -> None:
    action = actions.UNFAVORITE if insight.favorited else actions.FAVORITE
    blocked = blocked_reason(action)
    if st.button(
        "Unfavorite" if insight.favorited else "Favorite",
        key=f"{key}_favorite_{insight.id}",
        icon=":material/star:" if insight.favorited else ":material/star_border:",
        disabled=blocked is not None,
        help=blocked or "Favorites are found with the Favorites only filter, here and in PostHog.",
    ):
        request(client, action, actions.target(insight))
