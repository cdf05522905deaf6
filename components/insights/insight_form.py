"""Creating an insight: name, description, tags, and a query from a preset or typed as JSON.
The JSON is checked before anything is sent; a problem is shown next to its field and no
request is made. Editing one: only the fields the operator changed are sent, and a save
refused because someone changed it meanwhile keeps the draft (`components.shared.conflict`)."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from components.insights import actions
from components.shared import conflict, data
from components.shared.actions import Target, request, write_button
from components.shared.feedback import field_error
from services import PostHogClient
from services.analytics_models import Insight
from services.errors import PostHogError
from services.insights import changes_for, current_values


def _trend(event: str, math: str, days: int) -> dict[str, Any]:
    series = [{"kind": "EventsNode", "event": event, "name": event, "math": math}]
    source = {
        "kind": "TrendsQuery",
        "series": series,
        "interval": "day",
        "dateRange": {"date_from": f"-{days}d"},
    }
    return {"kind": "InsightVizNode", "source": source}


PRESETS: dict[str, dict[str, Any]] = {
    "Pageviews trend, last 7 days": _trend("$pageview", "total", 7),
    "Unique users by day, last 30 days": _trend("$pageview", "dau", 30),
    "Signup funnel (pageview → signed up), last 30 days": {
        "kind": "InsightVizNode",
        "source": {
            "kind": "FunnelsQuery",
            "series": [
                {"kind": "EventsNode", "event": "$pageview", "name": "$pageview"},
                {"kind": "EventsNode", "event": "signed_up", "name": "signed_up"},
            ],
            "dateRange": {"date_from": "-30d"},
        },
    },
    "Weekly retention of signups, last 8 weeks": {
        "kind": "InsightVizNode",
        "source": {
            "kind": "RetentionQuery",
            "retentionFilter": {
                "targetEntity": {"id": "signed_up", "type": "events"},
                "returningEntity": {"id": "$pageview", "type": "events"},
                "period": "Week",
                "totalIntervals": 8,
            },
        },
    },
    "Top events, last 7 days (SQL)": {
        "kind": "DataVisualizationNode",
        "source": {
            "kind": "HogQLQuery",
            "query": "SELECT event, count() AS total FROM events "
            "WHERE timestamp > now() - INTERVAL 7 DAY GROUP BY event ORDER BY total DESC",
        },
    },
}
CUSTOM = "Custom (edit the JSON below)"
WRAPPERS = ("InsightVizNode", "DataTableNode", "DataVisualizationNode")
QUERY_KINDS = (*WRAPPERS, "HogQuery")


def parse_query(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The query object, or the reason PostHog would refuse it."""
    if not text.strip():
        return None, "Give a query: pick a preset or type one as JSON."
    try:
        query = json.loads(text)
    except ValueError as exc:
        return None, f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
    if not isinstance(query, dict):
        return None, 'The query must be a JSON object, like {"kind": "InsightVizNode", …}.'
    kind = query.get("kind")
    if kind not in QUERY_KINDS:
        return None, f'"kind" must be one of {", ".join(QUERY_KINDS)} (got {kind!r}).'
    source = query.get("source")
    if kind in WRAPPERS and not (isinstance(source, dict) and source.get("kind")):
        return None, f'A {kind} needs a "source" object with its own "kind", e.g. TrendsQuery.'
    if kind == "HogQuery" and not query.get("code"):
        return None, 'A HogQuery needs its "code".'
    return query, None


def _use_preset(key: str) -> None:
    choice = st.session_state[f"{key}_preset"]
    if choice in PRESETS:
        st.session_state[f"{key}_query"] = json.dumps(PRESETS[choice], indent=2)


def known_tags(client: PostHogClient) -> list[str]:
    try:
        return sorted({tag for i in data.all_insights(client) for tag in i.tags})
    except PostHogError:
        return []


def render_create(client: PostHogClient, *, key: str = "ins_create") -> None:
    st.caption(
        "A new insight is saved in the project. PostHog computes its result the first time "
        "someone asks for it (on its page, press Compute now)."
    )
    first = next(iter(PRESETS))
    st.session_state.setdefault(f"{key}_query", json.dumps(PRESETS[first], indent=2))
    name = st.text_input("Name *", key=f"{key}_name", max_chars=400)  # PostHog's limit
    field_error(key, "name")
    description = st.text_area("Description", key=f"{key}_description", height=80)
    field_error(key, "description")
    tags = st.multiselect(
        "Tags",
        known_tags(client),
        key=f"{key}_tags",
        accept_new_options=True,
        placeholder="Pick or type tags",
    )
    field_error(key, "tags")
    st.selectbox(
        "Query preset",
        [*PRESETS, CUSTOM],
        key=f"{key}_preset",
        on_change=_use_preset,
        args=(key,),
        help="A preset fills the JSON below; edit it there if you need to.",
    )
    text = st.text_area(
        "Query (JSON)",
        key=f"{key}_query",
        height=260,
        help="A PostHog query object: InsightVizNode, DataTableNode, DataVisualizationNode "
        "or HogQuery. It is checked before anything is sent.",
    )
    field_error(key, "query")
    field_error(key, "form")
    if write_button(
        "Create insight",
        actions.CREATE,
        type="primary",
        key=f"{key}_submit",
        help="Checks the query first; nothing is sent while a field has a problem.",
    ):
        found: dict[str, str] = {}
        if not name.strip():
            found["name"] = "Give the insight a name."
        query, problem = parse_query(text)
        if problem:
            found["query"] = problem
        st.session_state[f"{key}_errors"] = found
        if found:
            st.rerun()
        request(
            client,
            actions.CREATE,
            Target("insight", None, name.strip()),
            query=query,
            description=description.strip(),
            tags=tags,
            form=key,
        )


def _moved(loaded: Insight, latest: Insight) -> list[str]:
    """The editable fields someone changed in PostHog since `loaded` was read."""
    return list(changes_for(loaded, current_values(latest)))


VERSIONED = conflict.Versioned("insight", "insight", lambda i: i.updated_at, _moved)


def render_edit(client: PostHogClient, insight: Insight, *, key: str) -> None:
    draft = VERSIONED.draft(insight, key=key)
    insight, form = draft.base, draft.prefix  # fields follow the server after a save
    for field, value in current_values(insight).items():
        st.session_state.setdefault(f"{form}_{field}", value)
    name = st.text_input(
        "Name",
        key=f"{form}_name",
        max_chars=400,  # PostHog's Insight.name max_length
        placeholder=insight.derived_name or "",
        help="Blank lets PostHog derive a name from the query.",
    )
    field_error(form, "name")
    description = st.text_area("Description", key=f"{form}_description", height=80)
    field_error(form, "description")
    options = sorted(
        set(known_tags(client)) | set(insight.tags) | set(st.session_state[f"{form}_tags"])
    )
    tags = st.multiselect(
        "Tags", options, key=f"{form}_tags", accept_new_options=True, placeholder="No tags"
    )
    field_error(form, "tags")
    saved = st.checkbox(
        "Saved",
        key=f"{form}_saved",
        help="Unsaved insights are drafts: PostHog's saved list skips them unless they are on "
        "a dashboard.",
    )
    field_error(form, "form")
    changes = changes_for(insight, dict(name=name, description=description, tags=tags, saved=saved))
    now = current_values(insight)
    draft.finish((field, value, now[field]) for field, value in changes.items())
    if write_button(
        "Save changes",
        actions.EDIT,
        type="primary",
        key=f"{form}_save",
        help="Sends only the fields you changed.",
        why_not=draft.why_not_save,
    ):
        VERSIONED.save(
            client, actions.EDIT, actions.target(insight), changes, base=insight, form=form
        )
