"""One insight, opened by numeric id or 8-character short id: edit (only changed fields are
sent), dashboard membership (always the full new set, removal confirmed), its query and
result with an explicit refresh mode, query status and cancel, "mark as viewed", sharing,
who changed what, and soft delete with restore."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from components.analytics import sharing
from components.insights import actions, controls, insight_form
from components.insights import activity as insight_activity
from components.insights.insight_list import type_label
from components.shared import data
from components.shared.actions import Target, request, write_button
from components.shared.detail_page import back_to_list
from components.shared.feedback import show_error
from components.shared.text import plain
from services import PostHogClient
from services.analytics_models import Dashboard, Insight
from services.errors import NotFound, PostHogError
from services.insights import REFRESH_MODES

MODE_LABELS = {
    "force_cache": "Cached only",
    "blocking": "Compute if stale, and wait",
    "force_blocking": "Compute now, and wait",
    "async": "Compute in the background if stale",
    "lazy_async": "Compute in the background if a day old",
    "force_async": "Compute now in the background",
    "async_except_on_cache_miss": "Background if stale, wait if nothing cached",
}


def render(client: PostHogClient, ident: str, *, key: str = "ins_detail") -> None:
    back_to_list("All insights", key=f"{key}_back")
    try:
        insight = data.insight(client, ident)
    except NotFound:
        _missing(client, ident, key)
        return
    except PostHogError as exc:
        show_error(exc)
        return
    boards = _dashboards_by_id(client)
    _header(client, insight, key)
    names = ["Details", "Dashboards", "Query and result", "Sharing", "Activity", "Danger zone"]
    details, dashboards, result, share, activity, danger = st.tabs(names)
    with details:
        insight_form.render_edit(client, insight, key=key)
    with dashboards:
        _membership(client, insight, boards, key)
    with result:
        _query_and_result(client, insight, key)
    with share:
        sharing.render(client, "insight", insight.id, insight.display_name)
    with activity:
        insight_activity.render_for_insight(client, insight.id, key=f"{key}_activity")
    with danger:
        _danger_zone(client, insight, ident, boards, key)


def _dashboards_by_id(client: PostHogClient) -> dict[int, Dashboard]:
    try:
        return {d.id: d for d in data.dashboards(client)}
    except PostHogError as exc:
        show_error(exc)
        return {}


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


# --- header --------------------------------------------------------------------------------


def _header(client: PostHogClient, insight: Insight, key: str) -> None:
    title, viewed = st.columns([6, 2], vertical_alignment="bottom")
    with title:
        st.header(plain(insight.display_name), anchor=False)
        if not insight.name:
            st.caption("No name given: PostHog derived this one from the query.")
        badges = [f":blue-badge[{type_label(insight.kind)}]"]
        if insight.favorited:
            badges.append(":orange-badge[:material/star: Favorite]")
        badges.append(":green-badge[Saved]" if insight.saved else ":gray-badge[Unsaved draft]")
        st.markdown(" ".join(badges))
        by = insight.created_by.display_name if insight.created_by else "someone"
        st.caption(
            plain(
                f"Short id {insight.short_id} · id {insight.id} · created by {by} on "
                f"{_when(insight.created_at)} · last modified {_when(insight.last_modified_at)}"
                f" · last viewed {_when(insight.last_viewed_at)}"
            )
        )
    with viewed:
        controls.favorite(client, insight, key=key)
        if write_button(
            "Mark as viewed",
            actions.MARK_VIEWED,
            key=f"{key}_viewed",
            icon=":material/visibility:",
            help="Record that you viewed it now (PostHog's Last viewed, and the unused audit).",
        ):
            request(client, actions.MARK_VIEWED, actions.target(insight))


# --- dashboards ----------------------------------------------------------------------------


def _membership(
    client: PostHogClient, insight: Insight, boards: dict[int, Dashboard], key: str
) -> None:
    on = insight.dashboard_ids
    st.caption(
        "PostHog replaces an insight's whole set of dashboards on every change, so the console "
        "always sends the full new set: the dashboards you do not touch stay."
    )
    if not on:
        st.info("Not on any dashboard.")
    names = {d: board.display_name for d, board in boards.items()}
    for dashboard_id in on:
        with st.container(border=True, key=f"{key}_on_{dashboard_id}"):
            label, remove = st.columns([6, 2], vertical_alignment="center")
            label.markdown(plain(actions.dashboard_name(names, dashboard_id)))
            if write_button(
                "Remove…",
                actions.REMOVE_FROM_DASHBOARD,
                key=f"{key}_remove_{dashboard_id}",
                help="Asks first; the insight itself is kept.",
                where=remove,
            ):
                request(
                    client,
                    actions.REMOVE_FROM_DASHBOARD,
                    actions.target(insight),
                    dashboard_id=dashboard_id,
                )
    addable = [d for d, board in boards.items() if d not in on and not board.deleted]
    pick, add = st.columns([6, 2], vertical_alignment="bottom")
    chosen = pick.selectbox(
        "Add to a dashboard",
        addable,
        index=None,
        format_func=lambda d: actions.dashboard_name(names, d),
        placeholder="Choose a dashboard",
        key=f"{key}_add_choice",
    )
    if write_button(
        "Add", actions.ADD_TO_DASHBOARD, key=f"{key}_add", disabled=chosen is None, where=add
    ):
        request(
            client,
            actions.ADD_TO_DASHBOARD,
            actions.target(insight),
            dashboard_id=chosen,
            keeps=on,
            names=names,
        )


# --- query and result ----------------------------------------------------------------------


def _computed(key: str) -> dict[int, Insight]:
    return st.session_state.setdefault(f"{key}_computed", {})


def _query_and_result(client: PostHogClient, insight: Insight, key: str) -> None:
    st.subheader("Query", anchor=False)
    st.caption("Read-only: the query as PostHog stores it.")
    st.json(insight.query or {"filters (legacy)": insight.filters or {}}, expanded=2)
    st.subheader("Result", anchor=False)
    shown = _computed(key).get(insight.id) or insight
    mode = st.selectbox(
        "Refresh mode",
        list(REFRESH_MODES),
        format_func=MODE_LABELS.get,
        key=f"{key}_mode",
        help="The console shows the cached result unless you ask for a calculation.",
    )
    st.caption(REFRESH_MODES[mode])
    label = "Reload cached result" if mode == "force_cache" else "Compute now"
    if st.button(label, key=f"{key}_compute", icon=":material/refresh:"):
        try:
            with st.spinner("Asking PostHog…"):
                got = client.insights.refresh(insight.id, mode=mode)
        except PostHogError as exc:
            show_error(exc)
        else:
            _computed(key)[insight.id] = got
            shown = got
    _status(client, shown, key)
    _result(shown)


def _status(client: PostHogClient, insight: Insight, key: str) -> None:
    status = insight.query_status or {}
    if insight.query_running:
        st.warning(
            plain(
                f"A calculation is running (started {status.get('start_time') or 'just now'}). "
                "Check again to see its result, or cancel it."
            ),
            icon=":material/hourglass_top:",
        )
        again, cancel = st.columns(2)
        if again.button("Check again", key=f"{key}_check"):
            _computed(key).pop(insight.id, None)
            try:
                _computed(key)[insight.id] = client.insights.get(insight.id)
            except PostHogError as exc:
                show_error(exc)
                return
            st.rerun()
        if write_button(
            "Cancel running query",
            actions.CANCEL_QUERY,
            key=f"{key}_cancel",
            type="primary",
            where=cancel,
        ):
            _computed(key).pop(insight.id, None)
            request(
                client,
                actions.CANCEL_QUERY,
                actions.target(insight),
                query_id=str(status.get("id")),
            )
    elif status.get("error"):
        message = status.get("error_message") or "no reason given"
        st.error(plain(f"The last calculation failed: {message}"), icon=":material/error:")
    elif status:
        st.caption("The last calculation finished.")


def result_frame(insight: Insight) -> tuple[pd.DataFrame | None, str | None]:
    """The result as a table, and the chart that suits it ("line", "bar" or None)."""
    result, kind = insight.result, insight.kind
    if not result:
        return None, None
    if insight.columns and isinstance(result, list) and all(isinstance(r, list) for r in result):
        return pd.DataFrame(result, columns=list(insight.columns)), None
    if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
        return pd.DataFrame({"result": [json.dumps(result, default=str)]}), None
    if all("data" in r for r in result):
        series = {}
        for row in result:
            labels = row.get("days") or row.get("labels") or list(range(len(row["data"])))
            series[str(row.get("label") or row.get("action", {}).get("name", "series"))] = (
                pd.Series(row["data"], index=labels)
            )
        frame = pd.DataFrame(series)
        frame.index.name = "Date"
        return frame, "line"
    if kind == "FUNNELS" and all("count" in r for r in result):
        steps = [str(r.get("name") or r.get("action_id") or i) for i, r in enumerate(result)]
        return pd.DataFrame({"Step": steps, "Count": [r["count"] for r in result]}), "bar"
    flat = [
        {k: json.dumps(v, default=str) if isinstance(v, (dict, list)) else v for k, v in r.items()}
        for r in result
    ]
    return pd.DataFrame(flat), None


def _result(insight: Insight) -> None:
    frame, chart = result_frame(insight)
    if frame is None:
        st.info(
            "No result to show: PostHog has none cached for this insight. Choose a refresh "
            "mode that computes and press Compute now.",
            icon=":material/info:",
        )
        return
    when = _when(insight.last_refresh)
    st.caption(f"Computed {when}" + (" (from PostHog's cache)." if insight.is_cached else "."))
    if chart == "line":
        st.line_chart(frame)
    elif chart == "bar":
        st.bar_chart(frame.set_index("Step"))
    st.dataframe(frame, hide_index=chart != "line")


# --- delete and restore --------------------------------------------------------------------


def _danger_zone(
    client: PostHogClient, insight: Insight, ident: str, boards: dict[int, Dashboard], key: str
) -> None:
    names = {d: board.display_name for d, board in boards.items()}
    on = ", ".join(actions.dashboard_name(names, d) for d in insight.dashboard_ids)
    st.markdown(
        plain(
            "Deleting hides the insight everywhere in PostHog, takes it off its dashboards "
            f"(now: {on or 'no dashboard'}) and deletes its alerts. It can be restored from this "
            "page, but restoring does not put it back on dashboards."
        )
    )
    if write_button(
        "Delete insight…",
        actions.DELETE,
        key=f"{key}_delete",
        icon=":material/delete:",
        help="Asks for the insight's name first.",
    ):
        request(client, actions.DELETE, actions.target(insight), ident=ident)


def _missing(client: PostHogClient, ident: str, key: str) -> None:
    """PostHog hides deleted insights (404) until a PATCH restores them."""
    gone = st.session_state.get(actions.DELETED, {}).get(ident)
    if gone:
        st.header(plain(gone["name"]), anchor=False)
        st.markdown(":red-badge[:material/delete: Deleted]")
        was_on = ", ".join(gone["dashboards"]) or "no dashboard"
        st.info(plain(f"It was on: {was_on}. {actions.NOT_ON_DASHBOARDS}"))
    else:
        st.warning(
            plain(
                f"PostHog shows no insight {ident} in this project. PostHog hides deleted "
                "insights: if it was deleted, Restore brings it back. Otherwise check the id."
            ),
            icon=":material/search_off:",
        )
        st.caption(actions.NOT_ON_DASHBOARDS)
    if write_button(
        "Restore", actions.RESTORE, key=f"{key}_restore", icon=":material/restore_from_trash:"
    ):
        restoring = Target(
            "insight", gone["id"] if gone else ident, gone["name"] if gone else f"Insight {ident}"
        )
        request(client, actions.RESTORE, restoring, ident=ident)
