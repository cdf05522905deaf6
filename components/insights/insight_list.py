"""The insights list: PostHog's own server-side pages with the total, its filters (search,
type, tags, created by, favorites, saved) and orderings, a CSV of every matching row,
opening a picked row's details, and bulk tags, favorites and delete over the rows picked or
every insight matching the filters."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from components.insights import actions, controls
from components.shared import bulk, data
from components.shared.actions import Target
from components.shared.feedback import show_error
from components.shared.tables import (
    current_page,
    download_all_csv,
    page_controls,
    pick_rows,
    picked_row_actions,
    reset_page,
)
from services import PostHogClient
from services.analytics_models import Insight
from services.dashboards import project_members
from services.errors import PostHogError
from services.insights import INSIGHT_TYPES, ORDERINGS

PAGE_SIZES = (25, 50, 100)
SAVED_CHOICES: dict[str, bool | None] = {
    "Any": None,
    "Saved or on a dashboard": True,
    "Unsaved only": False,
}
TYPE_LABELS = {
    "TRENDS": "Trends",
    "FUNNELS": "Funnel",
    "RETENTION": "Retention",
    "PATHS": "Paths",
    "STICKINESS": "Stickiness",
    "LIFECYCLE": "Lifecycle",
    "SQL": "SQL",
    "JSON": "Data table (JSON)",
}
COLUMNS = [
    "id",
    "Name",
    "Short id",
    "Type",
    "Tags",
    "Favorite",
    "Dashboards",
    "Created by",
    "Last modified",
    "Last viewed",
]


def type_label(kind: str) -> str:
    return TYPE_LABELS.get(kind, kind)


def name_of(insight: Insight) -> str:
    """The name, or PostHog's derived name marked as such."""
    if insight.name:
        return insight.name
    if insight.derived_name:
        return f"{insight.derived_name} (derived)"
    return "Untitled insight"


def to_frame(insights: list[Insight]) -> pd.DataFrame:
    rows = [
        {
            "id": str(i.id),
            "Name": name_of(i),
            "Short id": i.short_id or "",
            "Type": type_label(i.kind),
            "Tags": ", ".join(i.tags),
            "Favorite": "★" if i.favorited else "",  # text: a checkbox here would look clickable
            "Dashboards": len(i.dashboard_ids),
            "Created by": i.created_by.display_name if i.created_by else "",
            "Last modified": i.last_modified_at,
            "Last viewed": i.last_viewed_at,
        }
        for i in insights
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def _choices(client: PostHogClient) -> tuple[list[str], dict[int, str]]:
    """Tags and creators to filter by, from every insight (cached); none if that fails."""
    try:
        everything = data.all_insights(client)
    except PostHogError:
        return [], {}
    tags = sorted({tag for i in everything for tag in i.tags})
    people = {u.id: u.display_name for u in project_members(everything) if u.id is not None}
    return tags, people


def filters(client: PostHogClient, key: str) -> dict[str, Any]:
    """The filter widgets; any change goes back to the first page."""
    tags, people = _choices(client)
    again = {"on_change": reset_page, "args": (key,)}
    top = st.columns([3, 2, 2, 2])
    search = top[0].text_input(
        "Search", key=f"{key}_search", placeholder="Name, description or tag", **again
    )
    kind = top[1].selectbox(
        "Type",
        [None, *INSIGHT_TYPES],
        format_func=lambda k: "Any type" if k is None else type_label(k),
        key=f"{key}_type",
        **again,
    )
    chosen_tags = top[2].multiselect(
        "Tags", tags, key=f"{key}_tags", placeholder="Any tag", help="Any of these tags.", **again
    )
    creators = top[3].multiselect(
        "Created by",
        list(people),
        format_func=lambda u: people.get(u, f"User {u}"),
        key=f"{key}_creators",
        placeholder="Anyone",
        **again,
    )
    bottom = st.columns([2, 2, 2, 2], vertical_alignment="bottom")
    saved = bottom[0].selectbox(
        "Saved",
        list(SAVED_CHOICES),
        key=f"{key}_saved",
        help="PostHog counts an insight on a dashboard as saved.",
        **again,
    )
    order = bottom[1].selectbox("Sort by", list(ORDERINGS), key=f"{key}_order", **again)
    size = bottom[2].selectbox("Rows per page", PAGE_SIZES, key=f"{key}_size", **again)
    favorited = bottom[3].toggle("Favorites only", key=f"{key}_favorites", **again)
    return {
        "search": search.strip() or None,
        "insight_type": kind,
        "tags": tuple(chosen_tags),
        "created_by": tuple(creators),
        "favorited": favorited,
        "saved": SAVED_CHOICES[saved],
        "order": ORDERINGS[order],
        "limit": size,
    }


class AllMatching(Sequence):
    """Every insight matching the filters, as bulk targets: counted by PostHog's total, and
    loaded (as the CSV loads them, cached) only when a bulk action opens over all of them."""

    def __init__(self, total: int, load: Callable[[], list[Insight]]):
        self.total, self._load, self._targets = total, load, None

    def _all(self) -> list[Target]:
        if self._targets is None:
            with st.spinner(f"Loading all {self.total} insights…"):
                self._targets = [actions.target(i) for i in self._load()]
        return self._targets

    def __len__(self) -> int:
        return self.total if self._targets is None else len(self._targets)

    def __getitem__(self, index):
        return self._all()[index]

    def __iter__(self):
        return iter(self._all())


def bulk_choices(tag: str) -> list[bulk.Choice]:
    """The tag typed next to the bulk actions goes with the tag choices, so their preview can
    say which insights already have it."""
    return [
        bulk.Choice("Add tag", actions.ADD_TAG.key, {"tag": tag}, icon=":material/sell:"),
        bulk.Choice(
            "Remove tag", actions.REMOVE_TAG.key, {"tag": tag}, icon=":material/label_off:"
        ),
        bulk.Choice("Favorite", actions.FAVORITE.key, icon=":material/star:"),
        bulk.Choice("Unfavorite", actions.UNFAVORITE.key, icon=":material/star_border:"),
        bulk.Choice("Delete", actions.DELETE.key, icon=":material/delete:"),
    ]


def bulk_bar(
    client: PostHogClient,
    shown: list[Insight],
    picked: list[str],
    matching: Sequence,
    *,
    key: str,
) -> None:
    """The bulk actions over the picked rows (or every matching insight), with the tag to add
    or remove."""
    field, hint = st.columns([2, 4], vertical_alignment="bottom")
    tag = actions.tag_typed(
        field.text_input(
            "Tag to add or remove",
            key=f"{key}_bulk_tag",
            placeholder="a tag",
            help="PostHog keeps tags in lower case.",
        )
    )
    if not tag:
        hint.caption("Type a tag here to add it to, or remove it from, the insights selected.")
    by_id = {str(i.id): i for i in shown}
    try:
        bulk.selection_bar(
            client,
            selected=[actions.target(by_id[i]) for i in picked],
            matching=matching,
            choices=bulk_choices(tag),
            noun="insights",
            key=key,
        )
    except PostHogError as exc:  # loading every matching insight failed: nothing was sent
        show_error(exc)


def render(client: PostHogClient, *, key: str = "ins_list") -> None:
    wanted = filters(client, key)
    limit = wanted.pop("limit")
    page = current_page(key)
    with st.spinner("Loading insights…"):
        result = data.insights_page(client, limit=limit, offset=(page - 1) * limit, **wanted)
        total = result.count if result.count is not None else len(result.results)
        page_count = max(1, math.ceil(total / limit))
        if page > page_count:  # fewer matches than before: show the last page
            page = page_count
            result = data.insights_page(client, limit=limit, offset=(page - 1) * limit, **wanted)
    frame = to_frame(result.results)
    first = (page - 1) * limit + 1 if result.results else 0
    summary, csv = st.columns([4, 2], vertical_alignment="bottom")
    summary.caption(
        f"Showing {first}–{first + len(result.results) - 1 if result.results else 0} "
        f"of {total} insights · page {page} of {page_count}"
    )

    def load_all() -> list[Insight]:
        return data.insights_matching(client, **wanted)

    complete = len(result.results) >= total
    download_all_csv(
        csv,
        frame,
        lambda: to_frame(load_all()),
        complete=complete,
        total=total,
        what=repr(sorted(wanted.items())),
        file_name="insights.csv",
        key=key,
    )
    picked = pick_rows(
        frame,
        key=f"{key}_table_{page}",  # a row picked on one page is not picked on the next
        column_config={
            "Name": st.column_config.TextColumn(
                width="large", help="Insights without a name show PostHog's derived name."
            ),
            "Favorite": st.column_config.TextColumn(
                width="small", help="★ marks your favorites: open the insight to change it."
            ),
            "Dashboards": st.column_config.NumberColumn(help="Dashboards it is on"),
            "Last modified": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Last viewed": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )
    page_controls(page, page_count, key=key)
    by_id = {str(i.id): i for i in result.results}
    picked_row_actions(
        frame,
        picked,
        key=key,
        hint="Select a row to open the insight; select several for a bulk action.",
        describe=lambda i: (
            f"{by_id[i].display_name} · {by_id[i].short_id or by_id[i].id}",
            lambda: controls.favorite(client, by_id[i], key=key),
        ),
    )
    if complete:
        matching: Sequence = [actions.target(i) for i in result.results]
    else:
        matching = AllMatching(total, load_all)
    bulk_bar(client, result.results, picked, matching, key=key)
