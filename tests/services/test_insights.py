"""`client.insights` against the emulator over HTTP: every insight endpoint of posthog-api.md §3
and its traps (presence flags, JSON-array filters, `dashboards` replaced whole, soft delete,
refresh modes, activity pages, views, cancel, sharing and its own scope)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from emulator.analytics import (
    activity_log,
    live_insights,
    stored_dashboard_named,
    stored_insight,
    stored_insights,
)
from emulator.server import Key
from services import PostHogClient
from services import errors as e
from services.analytics_models import ActivityChange, ActivityDetail, ActivityEntry, Insight
from services.insights import (
    activity_rows,
    changes_for,
    current_values,
    list_params,
    parse_sharing,
    unused_insights,
)
from services.models import UserBasic

PAGEVIEWS = {
    "kind": "InsightVizNode",
    "source": {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]},
}


def _sent(emulator, method: str, needle: str):
    """The requests sent with `method` whose path contains `needle`."""
    return [r for r in emulator.requests if r.method == method and needle in r.path]


def _on_two_editable_dashboards(emulator) -> dict:
    locked = stored_dashboard_named(emulator, "Marketing attribution")["id"]
    return next(
        i
        for i in live_insights(emulator)
        if len(i["dashboards"]) == 2 and locked not in i["dashboards"]
    )


def _scoped_client(emulator, client_for, *scopes: str) -> PostHogClient:
    token = "phx_test_" + "_".join(s.replace(":", "_") for s in scopes)
    emulator.keys[token] = Key(set(scopes))
    return client_for(token)


# --- list ---------------------------------------------------------------------------------


def test_list_page_is_one_server_page_with_the_total(client, emulator):
    live = live_insights(emulator)
    page = client.insights.list_page(limit=40, offset=40)
    assert page.count == len(live) > 100  # the seed has more than one page
    assert len(page.results) == 40 and page.next and page.previous
    (sent,) = _sent(emulator, "GET", "/insights/")
    assert sent.query["limit"] == ["40"] and sent.query["offset"] == ["40"]
    assert sent.query["basic"] == ["true"]  # lists never ask PostHog for results
    assert {i.id for i in page.results} <= {i["id"] for i in live}


def test_iter_follows_next_across_pages(client, emulator):
    ids = [i.id for i in client.insights.iter(page_size=50)]
    assert sorted(ids) == sorted(i["id"] for i in live_insights(emulator))
    assert len(_sent(emulator, "GET", "/insights/")) == 3


def test_favorited_is_sent_only_as_a_presence_flag(client, emulator):
    favorites = {i["id"] for i in live_insights(emulator) if i["favorited"]}
    assert 0 < len(favorites) < len(live_insights(emulator))
    assert {i.id for i in client.insights.list(favorited=True)} == favorites
    everything = client.insights.list(favorited=False)
    assert len(everything) == len(live_insights(emulator))  # ?favorited=false would filter too
    assert all("favorited" not in r.query for r in _sent(emulator, "GET", "/insights/")[-2:])


def test_mine_is_a_presence_flag_for_the_keys_user(client, emulator):
    me = client.users.me()
    mine = client.insights.list(mine=True)
    assert mine and {i.created_by.id for i in mine} == {me.id}
    assert len(mine) == sum(1 for i in live_insights(emulator) if i["created_by"] == me.id)
    assert _sent(emulator, "GET", "/insights/")[-1].query["user"] == ["true"]


def test_tags_created_by_and_dashboards_are_sent_as_json_arrays(client, emulator):
    live = live_insights(emulator)
    tagged = client.insights.list(tags=["growth", "kpi"])
    assert {i.id for i in tagged} == {i["id"] for i in live if {"growth", "kpi"} & set(i["tags"])}
    by = client.insights.list(created_by=[2, 3])
    assert {i.id for i in by} == {i["id"] for i in live if i["created_by"] in (2, 3)}
    pair = _on_two_editable_dashboards(emulator)["dashboards"]
    both = client.insights.list(dashboards=pair)
    assert both and all(set(pair) <= set(i.dashboard_ids) for i in both)
    sent = [r.query for r in _sent(emulator, "GET", "/insights/")]
    assert json.loads(sent[0]["tags"][0]) == ["growth", "kpi"]
    assert json.loads(sent[1]["created_by"][0]) == [2, 3]
    assert json.loads(sent[2]["dashboards"][0]) == pair


def test_a_comma_separated_tag_list_is_not_what_posthog_reads(client, emulator):
    with pytest.raises(e.ServerError):  # PostHog json.loads the parameter
        client.transport.get("/api/projects/1/insights/", tags="growth,kpi")


def test_search_type_saved_and_order(client, emulator):
    live = live_insights(emulator)
    funnels = client.insights.list(insight_type="FUNNELS")
    assert funnels and {i.kind for i in funnels} == {"FUNNELS"}
    sql = client.insights.list(insight_type="SQL")
    assert sql and {i.kind for i in sql} == {"SQL"}
    unsaved = client.insights.list(saved=False)
    assert {i.id for i in unsaved} == {i["id"] for i in live if not i["saved"]}
    found = client.insights.list(search="retention")
    assert found and all(
        "retention" in f"{i.name} {i.derived_name} {i.description} {i.tags}".lower() for i in found
    )
    viewed = client.insights.list(order="-last_viewed_at")
    stamps = [i.last_viewed_at for i in viewed if i.last_viewed_at]
    assert stamps == sorted(stamps, reverse=True)
    assert viewed[-1].last_viewed_at is None  # never viewed: last
    with pytest.raises(ValueError):
        list_params(insight_type="BARS")


def test_get_by_id_or_short_id(client, emulator):
    stored = live_insights(emulator)[5]
    by_id = client.insights.get(stored["id"])
    by_short = client.insights.get(stored["short_id"])
    assert by_id.id == by_short.id == stored["id"]
    assert by_id.short_id == stored["short_id"] and by_id.created_by is not None
    with pytest.raises(e.NotFound):
        client.insights.get(999999)


# --- create and edit -------------------------------------------------------------------------


def test_create_saves_the_insight_and_records_a_view(client, emulator):
    created = client.insights.create(
        name="Pageviews, last 7 days", query=PAGEVIEWS, description="d", tags=["kpi"]
    )
    stored = stored_insight(emulator, created.id)
    assert stored["saved"] is True and stored["tags"] == ["kpi"] and stored["dashboards"] == []
    assert stored["views"] and created.last_viewed_at is not None
    assert created.id in {i.id for i in client.insights.list(saved=True)}
    assert [a["activity"] for a in activity_log(emulator, item_id=created.id)] == ["created"]


def test_create_on_dashboards_and_the_refusals(client, emulator):
    product = stored_dashboard_named(emulator, "Product overview")["id"]
    created = client.insights.create(name="On a dashboard", query=PAGEVIEWS, dashboards=[product])
    assert created.dashboard_ids == [product]
    locked = stored_dashboard_named(emulator, "Marketing attribution")["id"]
    with pytest.raises(e.PermissionDenied, match=f"add insights to dashboard: {locked}"):
        client.insights.create(name="Nope", query=PAGEVIEWS, dashboards=[locked])
    with pytest.raises(e.ValidationFailed) as bad_query:
        client.insights.create(name="Nope", query={"kind": "NotAQuery"})
    assert bad_query.value.code == "parse_error"
    with pytest.raises(ValueError):
        client.insights.create(name="Nope", query={})
    assert not any(i["name"] == "Nope" for i in stored_insights(emulator))


def test_update_sends_only_the_given_fields_and_logs_before_and_after(client, emulator):
    stored = _on_two_editable_dashboards(emulator)
    updated = client.insights.update(stored["id"], name="Renamed", tags=["q3"])
    (sent,) = _sent(emulator, "PATCH", f"/insights/{stored['id']}/")
    assert sent.json == {"name": "Renamed", "tags": ["q3"]}
    assert updated.name == "Renamed" and updated.tags == ["q3"]
    assert stored_insight(emulator, stored["id"])["dashboards"] == stored["dashboards"]
    entry = client.insights.activity(stored["id"]).results[0]
    changes = {c.field: (c.before, c.after) for c in entry.changes}
    assert entry.activity == "updated" and changes["name"] == (stored["name"], "Renamed")
    assert changes["tags"] == (stored["tags"], ["q3"])
    with pytest.raises(ValueError):
        client.insights.update(stored["id"])


def test_update_if_unchanged_sends_the_changes_and_keeps_a_draft_a_draft(client, emulator):
    draft = next(i for i in live_insights(emulator) if not i["saved"] and i["name"])
    loaded = client.insights.get(draft["id"])
    changes = changes_for(loaded, {"name": f"  {loaded.name} v2 ", "tags": list(loaded.tags)})
    assert changes == {"name": f"{loaded.name} v2"}  # trimmed; same tags are no change
    updated = client.insights.update_if_unchanged(
        draft["id"], changes=changes, loaded_updated_at=loaded.updated_at
    )
    (sent,) = _sent(emulator, "PATCH", "/insights/")
    assert sent.json == {"name": f"{loaded.name} v2", "saved": False}
    assert updated.name == f"{loaded.name} v2" and updated.saved is False
    with pytest.raises(ValueError):
        changes_for(loaded, {"dashboards": [1]})  # membership has its own writes


def test_update_if_unchanged_refuses_when_someone_changed_it_and_sends_nothing(client, emulator):
    stored = next(i for i in live_insights(emulator) if i["saved"])
    loaded = client.insights.get(stored["id"])
    client.insights.update(stored["id"], description="Theirs")
    emulator.clear_requests()
    with pytest.raises(e.Conflict) as conflict:
        client.insights.update_if_unchanged(
            stored["id"], changes={"name": "Ours"}, loaded_updated_at=loaded.updated_at
        )
    assert not _sent(emulator, "PATCH", "/insights/")
    assert conflict.value.current.description == "Theirs"
    assert changes_for(loaded, current_values(conflict.value.current)) == {"description": "Theirs"}
    assert "changed in PostHog" in str(conflict.value)
    assert stored_insight(emulator, stored["id"])["name"] == stored["name"]


def test_favorite_and_unfavorite(client, emulator):
    stored = next(i for i in live_insights(emulator) if not i["favorited"])
    assert client.insights.favorite(stored["id"]).favorited is True
    assert stored["id"] in {i.id for i in client.insights.list(favorited=True)}
    assert client.insights.favorite(stored["id"], False).favorited is False
    assert stored_insight(emulator, stored["id"])["favorited"] is False


def test_set_dashboards_replaces_the_whole_set(client, emulator):
    stored = _on_two_editable_dashboards(emulator)
    keep, drop = stored["dashboards"]
    assert client.insights.set_dashboards(stored["id"], [keep]).dashboard_ids == [keep]
    after = stored_insight(emulator, stored["id"])
    assert after["dashboards"] == [keep]
    assert any(t["dashboard_id"] == drop and t["deleted"] for t in after["tiles"])
    (entry,) = [
        c
        for c in client.insights.activity(stored["id"]).results[0].changes
        if c.field == "dashboards"
    ]
    assert [d["id"] for d in entry.before] == sorted([keep, drop])
    assert [d["id"] for d in entry.after] == [keep]


def test_remove_from_one_dashboard_keeps_the_other(client, emulator):
    stored = _on_two_editable_dashboards(emulator)
    keep, drop = stored["dashboards"]
    client.insights.remove_from_dashboard(stored["short_id"], drop)
    assert _sent(emulator, "PATCH", "/insights/")[-1].json == {"dashboards": [keep]}
    assert stored_insight(emulator, stored["id"])["dashboards"] == [keep]
    back = client.insights.add_to_dashboard(stored["id"], drop)
    assert back.dashboard_ids == sorted([keep, drop])
    tiles = stored_insight(emulator, stored["id"])["tiles"]
    assert len([t for t in tiles if t["dashboard_id"] == drop]) == 1  # the old tile, undeleted


def test_removing_from_a_dashboard_you_cannot_edit_is_refused(client, emulator):
    locked = stored_dashboard_named(emulator, "Marketing attribution")["id"]
    stored = next(i for i in live_insights(emulator) if locked in i["dashboards"])
    with pytest.raises(e.PermissionDenied, match="remove insights from dashboard"):
        client.insights.set_dashboards(stored["id"], [])
    assert stored_insight(emulator, stored["id"])["dashboards"] == stored["dashboards"]


def test_soft_delete_hides_everywhere_and_restore_brings_it_back(client, emulator):
    stored = _on_two_editable_dashboards(emulator)
    assert client.insights.delete(stored["id"]).deleted is True
    for read in (
        lambda: client.insights.get(stored["id"]),
        lambda: client.insights.activity(stored["id"]),
        lambda: client.insights.sharing(stored["id"]),
        lambda: client.insights.update(stored["id"], name="x"),
    ):
        with pytest.raises(e.NotFound):
            read()
    assert stored["id"] not in {i.id for i in client.insights.list()}
    assert stored_insight(emulator, stored["id"])["dashboards"] == []  # tiles soft-deleted
    restored = client.insights.restore(stored["id"])
    assert restored.deleted is False and client.insights.get(stored["id"]).id == stored["id"]
    assert restored.dashboard_ids == []  # PostHog does not put it back on its dashboards
    kinds = [a["activity"] for a in activity_log(emulator, item_id=stored["id"])]
    assert kinds[-2:] == ["deleted", "restored"]


def test_http_delete_is_refused_with_405(client, emulator):
    stored = live_insights(emulator)[0]
    with pytest.raises(e.MethodNotAllowed):
        client.transport.write("DELETE", f"/api/projects/1/insights/{stored['id']}/")
    assert stored_insight(emulator, stored["id"])["deleted"] is False


# --- results and refresh -----------------------------------------------------------------


def test_force_cache_is_the_default_and_never_calculates(client, emulator):
    cached = next(i for i in live_insights(emulator) if i["cache"])
    uncached = next(i for i in live_insights(emulator) if not i["cache"])
    hit = client.insights.get(cached["id"])
    assert hit.result == cached["cache"]["result"] and hit.is_cached is True
    miss = client.insights.get(uncached["id"])
    assert miss.result is None and miss.last_refresh is None
    assert stored_insight(emulator, uncached["id"])["cache"] is None
    assert "refresh" not in _sent(emulator, "GET", f"/insights/{uncached['id']}/")[0].query


def test_blocking_refresh_computes_and_caches(client, emulator):
    uncached = next(i for i in live_insights(emulator) if not i["cache"])
    fresh = client.insights.refresh(uncached["id"], mode="blocking")
    assert fresh.result is not None and fresh.is_cached is False and fresh.last_refresh
    again = client.insights.get(uncached["id"])
    assert again.result == fresh.result and again.is_cached is True
    forced = client.insights.refresh(uncached["id"], mode="force_blocking")
    assert forced.is_cached is False and forced.last_refresh >= fresh.last_refresh
    with pytest.raises(ValueError):
        client.insights.get(uncached["id"], refresh="sometimes")


def test_async_refresh_reports_a_running_query_and_cancel_stops_it(client, emulator):
    first, second = [i for i in live_insights(emulator) if not i["cache"]][:2]
    started = client.insights.refresh(first["id"], mode="async")
    assert started.result is None and started.query_running
    assert client.insights.get(first["id"]).result is not None  # finished by the next read
    running = client.insights.refresh(second["id"], mode="force_async", client_query_id="q-1")
    assert running.query_status["id"] == "q-1"
    client.insights.cancel_query("q-1")
    assert _sent(emulator, "POST", "/insights/cancel/")[0].json == {"client_query_id": "q-1"}
    assert client.insights.get(second["id"]).result is None  # cancelled: nothing computed
    with pytest.raises(ValueError):
        client.insights.cancel_query("")


def test_cancel_is_refused_for_scoped_keys(client_for, emulator):
    scoped = client_for(emulator.scoped_key)
    with pytest.raises(e.PermissionDenied, match="does not support Personal API Key"):
        scoped.insights.cancel_query("q-2")


# --- views, activity, sharing --------------------------------------------------------------


def test_mark_viewed_records_views_and_ignores_deleted_ids(client, emulator):
    unused = next(i for i in live_insights(emulator) if i["last_viewed_at"] is None)
    deleted = next(i for i in stored_insights(emulator) if i["deleted"])
    before = datetime.now(UTC)
    client.insights.mark_viewed([unused["id"], deleted["id"]])
    (sent,) = _sent(emulator, "POST", "/insights/viewed/")
    assert sent.json == {"insight_ids": [unused["id"], deleted["id"]]} and sent.status == 201
    assert stored_insight(emulator, unused["id"])["last_viewed_at"] >= before
    assert stored_insight(emulator, deleted["id"])["views"] == deleted["views"]
    client.insights.mark_viewed([])
    assert len(_sent(emulator, "POST", "/viewed/")) == 1  # nothing sent for no ids


def test_mark_viewed_falls_back_to_one_call_each_on_older_posthog(client, emulator):
    ids = [i["id"] for i in live_insights(emulator)[:2]]
    emulator.inject_fault("status", path_contains="/insights/viewed", status=404)
    client.insights.mark_viewed(ids)
    assert [r.path for r in _sent(emulator, "POST", "/viewed")][1:] == [
        f"/api/projects/1/insights/{i}/viewed/" for i in ids
    ]
    assert all(stored_insight(emulator, i)["views"].get(1) for i in ids)


def test_activity_is_paged_with_a_total(client, emulator):
    first = client.insights.all_activity(page=1, limit=10)
    second = client.insights.all_activity(page=2, limit=10)
    logged = activity_log(emulator)
    assert first.total_count == len(logged) > 20 and first.page_count == -(-len(logged) // 10)
    assert len(first.results) == 10 and first.next and first.previous is None
    assert second.previous and not {a.id for a in first.results} & {a.id for a in second.results}
    stamps = [a.created_at for a in first.results + second.results]
    assert stamps == sorted(stamps, reverse=True)
    stored = live_insights(emulator)[0]
    own = client.insights.activity(stored["id"])
    assert own.results and {a.item_id for a in own.results} == {str(stored["id"])}
    assert len(list(client.insights.iter_all_activity(limit=50))) == len(logged)
    with pytest.raises(ValueError):
        client.insights.all_activity(page=0)


def test_activity_needs_the_activity_log_scope(client_for, emulator):
    narrow = _scoped_client(emulator, client_for, "insight:write")
    with pytest.raises(e.MissingScope) as missing:
        narrow.insights.all_activity()
    assert missing.value.scope == "activity_log:read"
    assert client_for(emulator.readonly_key).insights.all_activity().results


def test_sharing_starts_unsaved_then_enable_rotate_and_disable(client, emulator):
    stored = next(i for i in live_insights(emulator) if i["sharing"] is None)
    before = client.insights.sharing(stored["id"])
    assert before.enabled is False and before.created_at is None and before.access_token is None
    on = client.insights.set_sharing(stored["id"], enabled=True)
    assert on.enabled and on.created_at and on.access_token
    assert on.public_url(client.host) == f"{client.host}/shared/{on.access_token}"
    rotated = client.insights.rotate_share_link(stored["id"])
    assert rotated.access_token != on.access_token and rotated.enabled
    off = client.insights.set_sharing(stored["id"], enabled=False)
    assert off.enabled is False and off.public_url(client.host) is None
    kinds = [a["activity"] for a in activity_log(emulator, item_id=stored["id"])]
    assert kinds[-3:] == ["sharing enabled", "access token refreshed", "sharing disabled"]


def test_sharing_needs_its_own_scope(client_for, emulator):
    stored = live_insights(emulator)[0]
    insight_only = _scoped_client(emulator, client_for, "insight:write")
    assert insight_only.insights.get(stored["id"]).id == stored["id"]
    with pytest.raises(e.MissingScope) as missing:
        insight_only.insights.sharing(stored["id"])
    assert missing.value.scope == "sharing_configuration:read"
    readonly = client_for(emulator.readonly_key)
    assert readonly.insights.sharing(stored["id"]).enabled is not None
    with pytest.raises(e.MissingScope) as write:
        readonly.insights.set_sharing(stored["id"], enabled=True)
    assert write.value.scope == "sharing_configuration:write"
    assert stored_insight(emulator, stored["id"])["sharing"] == stored["sharing"]


def test_insights_need_a_project(emulator):
    bare = PostHogClient(host=emulator.url, api_key=emulator.demo_key)
    with pytest.raises(AttributeError, match="needs a project"):
        bare.insights.list()


# --- helpers ---------------------------------------------------------------------------------


def test_unused_insights_are_off_dashboards_and_not_viewed_recently():
    now = datetime(2026, 1, 31, tzinfo=UTC)
    old, recent = now - timedelta(days=90), now - timedelta(days=5)
    insights = [
        Insight(id=1, last_viewed_at=old, created_at=old),
        Insight(id=2, last_viewed_at=recent, created_at=old),
        Insight(id=3, last_viewed_at=old, dashboards=[7]),
        Insight(id=4, last_viewed_at=None, created_at=old),
        Insight(id=5, last_viewed_at=None, created_at=recent),
        Insight(id=6, last_viewed_at=old, deleted=True),
    ]
    assert [i.id for i in unused_insights(insights, days=60, now=now)] == [1, 4]
    assert [i.id for i in unused_insights(insights, days=3, now=now)] == [1, 2, 4, 5]


def test_unused_insights_in_the_demo(client, emulator):
    now = datetime.now(UTC)
    found = {i.id for i in unused_insights(client.insights.list(), days=60, now=now)}
    expected = {
        i["id"]
        for i in live_insights(emulator)
        if not i["dashboards"] and (i["last_viewed_at"] or i["created_at"]) < now - timedelta(60)
    }
    assert found == expected and len(found) >= 5


def test_activity_rows_show_each_change_as_before_and_after():
    entry = ActivityEntry(
        activity="updated",
        user=UserBasic(first_name="Ada", last_name="Okafor"),
        item_id="7",
        detail=ActivityDetail(
            name="Revenue",
            changes=[
                ActivityChange(field="name", before="Rev", after="Revenue"),
                ActivityChange(field="dashboards", before=[{"id": 1, "name": "A"}], after=[]),
            ],
        ),
    )
    created = ActivityEntry(activity="created", item_id="8")
    rows = activity_rows([entry, created])
    assert [(r["field"], r["before"], r["after"]) for r in rows] == [
        ("name", "Rev", "Revenue"),
        ("dashboards", "A", ""),
        ("", "", ""),
    ]
    assert rows[0]["user"] == "Ada Okafor" and rows[2]["user"] == "PostHog"


def test_models_read_posthogs_loose_shapes():
    insight = Insight.model_validate({"id": 1, "tags": [None, "kpi"], "brand_new": {"a": 1}})
    assert insight.tags == ["kpi"] and insight.brand_new == {"a": 1}
    assert insight.kind == "TRENDS" and insight.display_name == "Untitled insight"
    assert ActivityEntry.model_validate({"item_id": 42, "id": 7}).item_id == "42"
    listed = parse_sharing([{"enabled": True, "access_token": "t", "created_at": None}])
    assert listed.enabled and listed.access_token == "t"  # the schema's array shape
    assert parse_sharing({"enabled": False}).public_url("h") is None
