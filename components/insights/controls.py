"""Write controls the insight and sharing views share: a button that runs one declared action,
and the favorite star (on an insight's page and under the list)."""

from __future__ import annotations

from components.insights import actions
from components.shared.actions import request, write_button
from services import PostHogClient
from services.analytics_models import Insight


def favorite(client: PostHogClient, insight: Insight, *, key: str) -> None:
    """Favoriting is immediate (an operator may do it), and undone by unfavoriting."""
    action = actions.UNFAVORITE if insight.favorited else actions.FAVORITE
    if write_button(
        "Unfavorite" if insight.favorited else "Favorite",
        action,
        key=f"{key}_favorite_{insight.id}",
        icon=":material/star:" if insight.favorited else ":material/star_border:",
        help="Favorites are found with the Favorites only filter, here and in PostHog.",
    ):
        request(client, action, actions.target(insight))
