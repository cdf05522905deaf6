"""One insight, opened by numeric id or 8-character short id: edit (only changed fields are
sent), dashboard membership (always the full new set, removal confirmed), its query and
result with an explicit refresh mode, query status and cancel, "mark as viewed", sharing,
who changed what, and soft delete with restore."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from components.analytics import sharing
from components.insights import activity as insight_activity
from components.insights.insight_form import known_tags
from components.insights.insight_list import type_label
from components.shared import data
from components.shared.detail_page import back_to_list
from components.shared.feedback import explain, field_error, record_write, show_error, show_flash
from components.shared.text import plain
from services import PostHogClient
from services.analytics_models import Dashboard, Insight
from services.errors import NotFound, PostHogError, ValidationFailed
from services.insights import REFRESH_MODES

PENDING = "ins_pending"  # (action, insight id, dashboard id or None)
FLASH = "ins_flash"
DELETED = "ins_deleted_here"  # what this session deleted, by the id in the URL
EDITABLE = ("name", "description", "tags", "favorited", "saved")
MODE_LABELS = {
    "force_cache": "Cached only",
    "blocking": "Compute if stale, and wait",
    "force_blocking": "Compute now, and wait",
    "async": "Compute in the background if stale",
    "lazy_async": "Compute in the background if a day old",
    "force_async": "Compute now in the background",
    "async_except_on_cache_miss": "Background if stale, wait if nothing cached",
}
NOT_ON_DASHBOARDS = (
    "Restoring brings the insight back, but not onto the dashboards it was on: add it to "
    "them again on its Dashboards tab."
)


def render(client: PostHogClient, ident: str, *, key: str = "ins_detail") -> None:
    back_to_list("All insights", key=f"{key}_back")
    show_flash(FLASH)
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
        _edit(client, insight, key)
    with dashboards:
        _membership(client, insight, boards, key)
    with result:
        _query_and_result(client, insight, key)
    with share:
        sharing.render(client, "insight", insight.id, insight.display_name)
    with activity:
        insight_activity.render_for_insight(client, insight.id, key=f"{key}_activity")
    with danger:
        _danger_zone(insight, boards, key)
    pending = st.session_state.get(PENDING)
    if pending and pending[1] == insight.id:
        if pending[0] == "remove":
            _confirm_remove(client, insight, pending[2], boards)
        elif pending[0] == "delete":
            _confirm_delete(client, insight, ident, boards)


def _dashboards_by_id(client: PostHogClient) -> dict[int, Dashboard]:
    try:
        return {d.id: d for d in data.dashboards(client)}
    except PostHogError as exc:
        show_error(exc)
        return {}


def _board_name(boards: dict[int, Dashboard], dashboard_id: int) -> str:
    board = boards.get(dashboard_id)
    return board.display_name if board else f"Dashboard {dashboard_id}"


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _write(client: PostHogClient, insight_id: int | str, action, done: str, failed: str) -> Any:
    """Run one write, leave its outcome for the next run, forget what it touched, rerun."""
    st.session_state.pop(PENDING, None)
    record_write(FLASH, action, done=done, failed=failed)
    data.forget_insight_and_matches(client, insight_id)
    st.rerun()


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
    if viewed.button(
        "Mark as viewed",
        key=f"{key}_viewed",
        icon=":material/visibility:",
        help="Record that you viewed it now (PostHog's Last viewed, and the unused audit).",
    ):
        _write(
            client,
            insight.id,
            lambda: client.insights.mark_viewed([insight.id]),
            f"Marked {insight.display_name} as viewed.",
            "Not marked as viewed",
        )


# --- edit ----------------------------------------------------------------------------------


def current_values(insight: Insight) -> dict[str, Any]:
    return {
        "name": insight.name or "",
        "description": insight.description or "",
        "tags": list(insight.tags),
        "favorited": insight.favorited,
        "saved": bool(insight.saved),
    }


def changes_for(insight: Insight, edited: dict[str, Any]) -> dict[str, Any]:
    """The fields the operator changed (tags compared as a set, text without edge spaces)."""
    now = current_values(insight)
    out = {}
    for field, value in edited.items():
        if isinstance(value, str):
            value = value.strip()
        same = set(value) == set(now[field]) if field == "tags" else value == now[field]
        if not same:
            out[field] = value
    return out


def _edit(client: PostHogClient, insight: Insight, key: str) -> None:
    version = insight.updated_at.timestamp() if insight.updated_at else 0
    form = f"{key}_{insight.id}_{version:.0f}"  # fields follow the server after a save
    carried = st.session_state.pop(f"{key}_{insight.id}_carry", None)
    for field, value in (carried or {}).items():  # the operator's edits survive a conflict
        st.session_state[f"{form}_{field}"] = value
    for field, value in current_values(insight).items():
        st.session_state.setdefault(f"{form}_{field}", value)
    conflict = st.session_state.pop(f"{key}_{insight.id}_conflict", None)
    if conflict:
        st.warning(
            plain(
                f"Someone changed this insight ({', '.join(conflict)}) since you opened it, so "
                "nothing was saved. The form shows their version with your edits on top: "
                "check it and save again."
            ),
            icon=":material/sync_problem:",
        )
    name = st.text_input(
        "Name",
        key=f"{form}_name",
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
    left, right = st.columns(2)
    favorited = left.checkbox("Favorite", key=f"{form}_favorited")
    saved = right.checkbox(
        "Saved",
        key=f"{form}_saved",
        help="Unsaved insights are drafts: PostHog's saved list skips them unless they are on "
        "a dashboard.",
    )
    field_error(form, "form")
    if st.button("Save changes", type="primary", key=f"{form}_save"):
        edited = dict(
            name=name, description=description, tags=tags, favorited=favorited, saved=saved
        )
        changes = changes_for(insight, edited)
        if not changes:
            st.info("Nothing changed.")
        else:
            _save(client, insight, changes, key, form)


def _save(
    client: PostHogClient, insight: Insight, changes: dict[str, Any], key: str, form: str
) -> None:
    try:
        fresh = client.insights.get(insight.id)
    except PostHogError as exc:
        st.error(plain(f"Not saved: {explain(exc)}"), icon=":material/error:")
        return
    if fresh.updated_at != insight.updated_at:
        theirs = changes_for(insight, current_values(fresh))
        st.session_state[f"{key}_{insight.id}_conflict"] = list(theirs) or ["other fields"]
        st.session_state[f"{key}_{insight.id}_carry"] = changes
        data.forget_insight_and_matches(client, insight.id)
        st.rerun()
    body = dict(changes)
    if "saved" not in body and fresh.saved is False:
        body["saved"] = False  # PostHog saves a draft on any update unless told otherwise
    try:
        client.insights.update(insight.id, **body)
    except ValidationFailed as exc:
        field = exc.attr if exc.attr in EDITABLE else "form"
        st.session_state[f"{form}_errors"] = {field: f"Not saved: {exc.detail or exc}"}
        st.rerun()
    except PostHogError as exc:
        st.session_state[f"{form}_errors"] = {"form": f"Not saved: {explain(exc)}"}
        data.forget_insight_and_matches(client, insight.id)
        st.rerun()
    st.session_state.pop(f"{form}_errors", None)
    st.session_state[FLASH] = ("success", f"Saved {', '.join(changes)}.")
    data.forget_insight_and_matches(client, insight.id)
    st.rerun()


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
    for dashboard_id in on:
        with st.container(border=True, key=f"{key}_on_{dashboard_id}"):
            label, remove = st.columns([6, 2], vertical_alignment="center")
            label.markdown(plain(_board_name(boards, dashboard_id)))
            if remove.button("Remove…", key=f"{key}_remove_{dashboard_id}"):
                st.session_state[PENDING] = ("remove", insight.id, dashboard_id)
    addable = [d for d, board in boards.items() if d not in on and not board.deleted]
    pick, add = st.columns([6, 2], vertical_alignment="bottom")
    chosen = pick.selectbox(
        "Add to a dashboard",
        addable,
        index=None,
        format_func=lambda d: _board_name(boards, d),
        placeholder="Choose a dashboard",
        key=f"{key}_add_choice",
    )
    if add.button("Add", key=f"{key}_add", disabled=chosen is None):
        target = _board_name(boards, chosen)
        _write(
            client,
            insight.id,
            lambda: client.insights.add_to_dashboard(insight.id, chosen),
            lambda updated: _membership_outcome(updated, on, boards, f"Added to {target}."),
            f"Not added to {target}",
        )


def _membership_outcome(
    updated: Insight, kept: list[int], boards: dict[int, Dashboard], done: str
) -> str:
    lost = [d for d in kept if d not in updated.dashboard_ids]
    if lost:  # never silently: PostHog answered without a dashboard that should stay
        names = ", ".join(_board_name(boards, d) for d in lost)
        return f"{done} But PostHog no longer lists it on {names}: check those dashboards."
    if updated.dashboard_ids:
        names = ", ".join(_board_name(boards, d) for d in updated.dashboard_ids)
        return f"{done} It is on: {names}."
    return f"{done} It is on no dashboard now."


def _forget_pending() -> None:
    st.session_state.pop(PENDING, None)


@st.dialog("Remove from a dashboard?", on_dismiss=_forget_pending)
def _confirm_remove(
    client: PostHogClient, insight: Insight, dashboard_id: int, boards: dict[int, Dashboard]
) -> None:
    target = _board_name(boards, dashboard_id)
    others = [d for d in insight.dashboard_ids if d != dashboard_id]
    st.markdown(
        f"**{plain(insight.display_name)}** will be taken off the dashboard "
        f"**{plain(target)}**. The insight itself is kept."
    )
    if others:
        names = ", ".join(_board_name(boards, d) for d in others)
        st.markdown(plain(f"It stays on: {names}."))
    else:
        st.markdown("It will then be on no dashboard.")
    confirm, cancel = st.columns(2)
    if confirm.button("Remove", type="primary", key="ins_confirm_remove"):
        _write(
            client,
            insight.id,
            lambda: client.insights.remove_from_dashboard(insight.id, dashboard_id),
            lambda updated: _membership_outcome(updated, others, boards, f"Removed from {target}."),
            f"Not removed from {target}",
        )
    if cancel.button("Keep it there", key="ins_cancel_remove"):
        _forget_pending()
        st.rerun()


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
                got = client.insights.get(insight.id, refresh=mode)
        except PostHogError as exc:
            show_error(exc)
        else:
            _computed(key)[insight.id] = got
            shown = got
            data.forget_insight_and_matches(client, insight.id)
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
        if cancel.button("Cancel running query", key=f"{key}_cancel", type="primary"):
            _computed(key).pop(insight.id, None)
            _write(
                client,
                insight.id,
                lambda: client.insights.cancel_query(str(status.get("id"))),
                "Asked PostHog to cancel the calculation.",
                "Not cancelled",
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


def _danger_zone(insight: Insight, boards: dict[int, Dashboard], key: str) -> None:
    on = ", ".join(_board_name(boards, d) for d in insight.dashboard_ids) or "no dashboard"
    st.markdown(
        plain(
            "Deleting hides the insight everywhere in PostHog, takes it off its dashboards "
            f"(now: {on}) and deletes its alerts. It can be restored from this page, but "
            "restoring does not put it back on dashboards."
        )
    )
    if st.button("Delete insight…", key=f"{key}_delete", icon=":material/delete:"):
        st.session_state[PENDING] = ("delete", insight.id, None)


@st.dialog("Delete this insight?", on_dismiss=_forget_pending)
def _confirm_delete(
    client: PostHogClient, insight: Insight, ident: str, boards: dict[int, Dashboard]
) -> None:
    names = [_board_name(boards, d) for d in insight.dashboard_ids]
    st.markdown(f"**{plain(insight.display_name)}** will be deleted.")
    if names:
        boards_word = "dashboard" if len(names) == 1 else f"{len(names)} dashboards"
        st.markdown(plain(f"It is taken off {boards_word}: {', '.join(names)}."))
    st.markdown(f"Its alerts are deleted too. {NOT_ON_DASHBOARDS}")
    confirm, cancel = st.columns(2)
    if confirm.button("Delete", type="primary", key="ins_confirm_delete"):
        st.session_state.setdefault(DELETED, {})[ident] = {
            "id": insight.id,
            "name": insight.display_name,
            "dashboards": names,
        }
        _write(
            client,
            insight.id,
            lambda: client.insights.delete(insight.id),
            f"Deleted {insight.display_name}.",
            "Not deleted",
        )
    if cancel.button("Keep it", key="ins_cancel_delete"):
        _forget_pending()
        st.rerun()


def _missing(client: PostHogClient, ident: str, key: str) -> None:
    """PostHog hides deleted insights (404) until a PATCH restores them."""
    gone = st.session_state.get(DELETED, {}).get(ident)
    if gone:
        st.header(plain(gone["name"]), anchor=False)
        st.markdown(":red-badge[:material/delete: Deleted]")
        was_on = ", ".join(gone["dashboards"]) or "no dashboard"
        st.info(plain(f"It was on: {was_on}. {NOT_ON_DASHBOARDS}"))
    else:
        st.warning(
            plain(
                f"PostHog shows no insight {ident} in this project. PostHog hides deleted "
                "insights: if it was deleted, Restore brings it back. Otherwise check the id."
            ),
            icon=":material/search_off:",
        )
        st.caption(NOT_ON_DASHBOARDS)
    if st.button("Restore", key=f"{key}_restore", icon=":material/restore_from_trash:"):
        try:
            restored = client.insights.restore(gone["id"] if gone else ident)
        except NotFound:
            st.error(
                "No insight with this id, deleted or not, in this project: nothing to restore."
            )
            return
        except PostHogError as exc:
            st.error(plain(f"Not restored: {explain(exc)}"), icon=":material/error:")
            return
        st.session_state.get(DELETED, {}).pop(ident, None)
        st.session_state[FLASH] = (
            "success",
            f"Restored {restored.display_name}. It is on no dashboard: add it again if needed.",
        )
        data.forget_insight_and_matches(client, restored.id)
        data.forget_shared_publicly(client)  # it may come back shared
        st.rerun()


def example() -> None:
    from components.shared.connection import get_client

    client = get_client()
    insight = data.insights_page(client, limit=1, offset=0).results[0]
    render(client, str(insight.id), key="example_ins_detail")
