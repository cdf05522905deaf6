"""The emulator's insights and dashboards behave as posthog-api.md §3, §4 and §6 (items 2, 3,
11, 12) say, over raw HTTP, and its demo data covers what the console must show."""

from __future__ import annotations

from collections import Counter

import pytest
import requests

from emulator import Emulator
from emulator.analytics import (
    live_insights,
    stored_dashboard,
    stored_dashboard_named,
    stored_dashboards,
    stored_insight,
    stored_insights,
    user_uuid,
)
from emulator.analytics.seed import HOSTILE_INSIGHTS

INSIGHTS = "/api/projects/1/insights/"
DASHBOARDS = "/api/projects/1/dashboards/"
QUERY = {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": []}}


def _ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def api(emulator):
    """Raw HTTP as the demo key's user, or with `key=`."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {emulator.demo_key}"

        def send(method, path, *, key=None, **kwargs):
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            url = emulator.url + path
            return session.request(method, url, headers=headers, timeout=10, **kwargs)

        yield send


def _error(response) -> tuple:
    body = response.json()
    return response.status_code, body["code"], body["attr"], body["detail"]


# --- routing -------------------------------------------------------------------------------


def test_both_prefixes_current_and_optional_trailing_slash(api, emulator):
    stored = live_insights(emulator)[0]
    for path in (
        f"/api/projects/1/insights/{stored['id']}",
        f"/api/environments/1/insights/{stored['id']}/",
        f"/api/projects/@current/insights/{stored['short_id']}",
    ):
        assert api("GET", path).json()["id"] == stored["id"], path
    assert api("GET", "/api/environments/1/dashboards").json()["count"] > 5


def test_projects_are_isolated(api, emulator):
    other = live_insights(emulator, 2)[0]
    assert api("GET", f"{INSIGHTS}{other['id']}/").status_code == 404
    assert api("GET", f"/api/projects/2/insights/{other['id']}/").status_code == 200
    assert other["id"] not in _ids(api("GET", INSIGHTS, params={"limit": 500}))


# --- list filters (§6 item 11) -----------------------------------------------------------


def test_favorited_and_user_are_presence_flags(api, emulator):
    live = live_insights(emulator)
    favorites = {i["id"] for i in live if i["favorited"]}
    mine = {i["id"] for i in live if i["created_by"] == 1}
    for value in ("true", "false", ""):
        got = api("GET", INSIGHTS, params={"favorited": value, "limit": 500})
        assert _ids(got) == favorites, value
        got = api("GET", INSIGHTS, params={"user": value, "limit": 500})
        assert _ids(got) == mine, value


def test_list_params_must_be_json_arrays(api, emulator):
    for name, value in (("created_by", "2"), ("tags", "growth"), ("dashboards", "101")):
        assert api("GET", INSIGHTS, params={name: value}).status_code == 500, name
    assert api("GET", INSIGHTS, params={"tags": "[]"}).json()["count"] == len(
        live_insights(emulator)
    )


def test_dashboards_filter_is_and_tags_filter_is_or(api, emulator):
    live = live_insights(emulator)
    pair = next(i["dashboards"] for i in live if len(i["dashboards"]) == 2)
    both = api("GET", INSIGHTS, params={"dashboards": str(pair), "limit": 500})
    assert _ids(both) == {i["id"] for i in live if set(pair) <= set(i["dashboards"])}
    either = api("GET", INSIGHTS, params={"tags": '["finance", "q3"]', "limit": 500})
    assert _ids(either) == {i["id"] for i in live if {"finance", "q3"} & set(i["tags"])}
    assert len(_ids(both)) < len({i["id"] for i in live if set(pair) & set(i["dashboards"])})


def test_saved_means_saved_or_on_a_dashboard(api, emulator):
    product = stored_dashboard_named(emulator, "Product overview")["id"]
    created = api(
        "POST",
        INSIGHTS,
        json={"name": "Unsaved on a dashboard", "query": QUERY, "dashboards": [product]},
    ).json()
    assert created["saved"] is False  # PostHog's model default
    saved = _ids(api("GET", INSIGHTS, params={"saved": "true", "limit": 500}))
    unsaved = _ids(api("GET", INSIGHTS, params={"saved": "false", "limit": 500}))
    assert created["id"] in saved and created["id"] in unsaved
    assert unsaved == {i["id"] for i in live_insights(emulator) if not i["saved"]}


def test_order_type_and_date_filters(api, emulator):
    rows = api("GET", INSIGHTS, params={"order": "-last_modified_at", "limit": 500}).json()
    stamps = [r["last_modified_at"] for r in rows["results"]]
    assert stamps == sorted(stamps, reverse=True)
    counts = Counter(
        r["query"]["kind"]
        for r in api("GET", INSIGHTS, params={"insight": "SQL"}).json()["results"]
    )
    assert set(counts) == {"DataVisualizationNode"}
    recent = api("GET", INSIGHTS, params={"date_from": "-30d", "limit": 500})
    assert 0 < recent.json()["count"] < len(live_insights(emulator))
    assert api("GET", INSIGHTS, params={"date_from": "yesterday"}).status_code == 400
    assert api("GET", INSIGHTS, params={"order": "colour"}).status_code == 500


def test_list_pages_with_absolute_next(api, emulator):
    first = api("GET", INSIGHTS).json()
    assert len(first["results"]) == 100 and first["count"] > 100
    assert first["next"].startswith(emulator.url) and "offset=100" in first["next"]
    rest = requests.get(
        first["next"], headers={"Authorization": f"Bearer {emulator.demo_key}"}, timeout=10
    ).json()
    assert len(rest["results"]) == first["count"] - 100 and rest["next"] is None
    basic = api("GET", INSIGHTS, params={"basic": "true", "limit": 3}).json()["results"][0]
    assert "result" not in basic and "dashboards" in basic


# --- PATCH semantics, soft delete (§6 items 2, 3, 11) --------------------------------------


def test_patch_dashboards_replaces_and_omitting_it_keeps_them(api, emulator):
    stored = next(i for i in live_insights(emulator) if len(i["dashboards"]) == 2)
    path = f"{INSIGHTS}{stored['id']}/"
    assert api("PATCH", path, json={"name": "Kept"}).json()["dashboards"] == stored["dashboards"]
    assert api("PATCH", path, json={"dashboards": []}).json()["dashboards"] == []
    assert stored_insight(emulator, stored["id"])["dashboards"] == []
    bad = api("PATCH", path, json={"dashboards": [999999]})
    assert _error(bad)[:3] == (400, "does_not_exist", "dashboards")


def test_any_patch_saves_and_only_material_fields_bump_last_modified(api, emulator):
    unsaved = next(i for i in live_insights(emulator) if not i["saved"])
    path = f"{INSIGHTS}{unsaved['id']}/"
    after = api("PATCH", path, json={"favorited": True}).json()
    assert after["saved"] is True and after["is_sample"] is False
    assert (
        stored_insight(emulator, unsaved["id"])["last_modified_at"] == unsaved["last_modified_at"]
    )
    renamed = api("PATCH", path, json={"description": "now material", "saved": False}).json()
    assert renamed["saved"] is False and renamed["last_modified_at"] > after["last_modified_at"]


def test_soft_deleted_insights_are_404_except_for_restoring(api, emulator):
    stored = next(i for i in stored_insights(emulator) if i["deleted"])
    path = f"{INSIGHTS}{stored['id']}/"
    assert api("GET", path).status_code == 404
    assert api("GET", f"{path}activity/").status_code == 404
    assert api("PATCH", path, json={"name": "x"}).status_code == 404
    assert api("PATCH", path, json={"deleted": True}).status_code == 404
    restored = api("PATCH", path, json={"deleted": False, "name": "Back"})
    assert restored.status_code == 200 and restored.json()["name"] == "Back"
    assert api("GET", path).status_code == 200


def test_delete_is_405_with_an_empty_body(api, emulator):
    insight = live_insights(emulator)[0]["id"]
    dashboard = stored_dashboard_named(emulator, "Revenue")["id"]
    for path in (f"{INSIGHTS}{insight}/", f"{DASHBOARDS}{dashboard}/", f"{INSIGHTS}424242/"):
        answer = api("DELETE", path)
        assert answer.status_code == 405 and answer.content == b"", path
    assert not stored_insight(emulator, insight)["deleted"]
    assert not stored_dashboard(emulator, dashboard)["deleted"]


def test_query_is_validated_like_posthogs_schema_parser(api):
    for query in ({"kind": "Nope"}, {"kind": "InsightVizNode", "source": {}}, "SELECT 1"):
        answer = api("POST", INSIGHTS, json={"name": "bad", "query": query})
        assert _error(answer)[:2] == (400, "parse_error"), query
    assert api("POST", INSIGHTS, json=[1]).status_code == 400


# --- refresh ---------------------------------------------------------------------------------


def test_refresh_true_is_force_blocking_and_unknown_modes_are_cache_only(api, emulator):
    stored = next(i for i in live_insights(emulator) if i["cache"] is None)
    path = f"{INSIGHTS}{stored['id']}/"
    assert api("GET", path, params={"refresh": "later"}).json()["result"] is None
    computed = api("GET", path, params={"refresh": "true"}).json()
    assert computed["result"] is not None and computed["is_cached"] is False
    cached = api("GET", path, params={"refresh": "async"}).json()  # fresh: no new query
    assert cached["is_cached"] is True and cached["query_status"] is None
    lazy = api("GET", path, params={"refresh": "async_except_on_cache_miss"}).json()
    assert lazy["result"] == computed["result"]


def test_async_except_on_cache_miss_blocks_on_a_miss(api, emulator):
    stored = next(i for i in live_insights(emulator) if i["cache"] is None)
    answer = api(
        "GET", f"{INSIGHTS}{stored['id']}/", params={"refresh": "async_except_on_cache_miss"}
    )
    assert answer.json()["result"] is not None and answer.json()["query_status"] is None


def test_from_dashboard_adds_the_tiles_layout(api, emulator):
    stored = next(i for i in live_insights(emulator) if i["dashboards"])
    tile = next(t for t in stored["tiles"] if not t["deleted"])
    body = api(
        "GET", f"{INSIGHTS}{stored['id']}/", params={"from_dashboard": tile["dashboard_id"]}
    ).json()
    assert body["layouts"] == tile["layouts"] and "color" in body
    assert "layouts" not in api("GET", f"{INSIGHTS}{stored['id']}/").json()


# --- activity, viewed, cancel -------------------------------------------------------------


def test_activity_envelope_and_paging(api, emulator):
    page = api("GET", f"{INSIGHTS}activity/", params={"limit": 5, "page": 2}).json()
    assert set(page) == {"results", "next", "previous", "total_count"}
    assert len(page["results"]) == 5 and "page=3" in page["next"] and "page=1" in page["previous"]
    entry = page["results"][0]
    assert entry["scope"] == "Insight" and entry["user"]["email"] and "changes" in entry["detail"]
    for bad in ({"page": 0}, {"limit": "ten"}):
        assert api("GET", f"{INSIGHTS}activity/", params=bad).status_code == 400


@pytest.mark.parametrize(
    "body,code,attr",
    [
        ({}, "required", "insight_ids"),
        ({"insight_ids": []}, "empty", "insight_ids"),
        ({"insight_ids": 5}, "not_a_list", "insight_ids"),
        ({"insight_ids": ["x"]}, "invalid_input", "insight_ids__0"),
    ],
)
def test_viewed_validation(api, body, code, attr):
    assert _error(api("POST", f"{INSIGHTS}viewed/", json=body))[:3] == (400, code, attr)


def test_viewed_answers_201_empty_and_the_per_insight_variant(api, emulator):
    stored = live_insights(emulator)[3]
    answer = api("POST", f"{INSIGHTS}viewed/", json={"insight_ids": [stored["id"]]})
    assert answer.status_code == 201 and answer.content == b""
    readonly = api(
        "POST",
        f"{INSIGHTS}viewed/",
        json={"insight_ids": [stored["id"]]},
        key=emulator.readonly_key,
    )
    assert readonly.status_code == 201  # insight:read is enough
    assert api("POST", f"{INSIGHTS}{stored['id']}/viewed/").status_code == 201
    scoped = api("POST", f"{INSIGHTS}{stored['id']}/viewed/", key=emulator.scoped_key)
    assert scoped.status_code == 403  # the older action is unmapped for scoped keys


def test_cancel_and_my_last_viewed(api, emulator):
    assert _error(api("POST", f"{INSIGHTS}cancel/", json={}))[:4] == (
        400,
        "invalid_input",
        "client_query_id",
        "Field is required.",
    )
    assert api("POST", f"{INSIGHTS}cancel/", json={"client_query_id": "x"}).status_code == 201
    recent = api("GET", f"{INSIGHTS}my_last_viewed/").json()
    assert isinstance(recent, list) and 0 < len(recent) <= 5
    for path in (f"{INSIGHTS}my_last_viewed/", f"{INSIGHTS}cancel/"):
        method = "GET" if "viewed" in path else "POST"
        refused = api(method, path, json={"client_query_id": "x"}, key=emulator.scoped_key)
        assert refused.json()["detail"] == "This action does not support Personal API Key access"


def test_trending_fakes_the_page_envelope(api):
    page = api("GET", f"{INSIGHTS}trending/", params={"days": 30, "limit": 3}).json()
    assert page["next"] is None and page["count"] == len(page["results"]) == 3
    counts = [row["view_count"] for row in page["results"]]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 1


# --- sharing -------------------------------------------------------------------------------


def test_sharing_is_one_object_and_refuses_passwords(api, emulator):
    stored = next(i for i in live_insights(emulator) if i["sharing"] is None)
    body = api("GET", f"{INSIGHTS}{stored['id']}/sharing/").json()
    assert body == {
        "created_at": None,
        "enabled": False,
        "access_token": None,
        "settings": None,
        "password_required": False,
        "share_passwords": [],
    }
    refused = api("PATCH", f"{INSIGHTS}{stored['id']}/sharing/", json={"password_required": True})
    assert refused.status_code == 403 and "Advanced Permissions" in refused.json()["error"]
    assert stored_insight(emulator, stored["id"])["sharing"] is None
    missing = api("GET", f"{INSIGHTS}{stored['short_id']}/sharing/")
    assert missing.status_code == 404 and missing.json()["detail"] == "Insight not found."


def test_sharing_a_dashboard_you_cannot_edit_is_refused(api, emulator):
    locked = stored_dashboard_named(emulator, "Marketing attribution")["id"]
    assert api("GET", f"{DASHBOARDS}{locked}/sharing/").status_code == 200
    refused = api("PATCH", f"{DASHBOARDS}{locked}/sharing/", json={"enabled": True})
    assert refused.status_code == 403
    assert stored_dashboard(emulator, locked)["sharing"] is None


# --- dashboards (§6 item 12) ----------------------------------------------------------------


def test_restore_needs_exactly_deleted_false(api, emulator):
    stored = stored_dashboard_named(emulator, "Old launch dashboard (archived)")
    path = f"{DASHBOARDS}{stored['id']}/"
    assert api("GET", path).status_code == 404
    assert api("PATCH", path, json={"deleted": False, "name": "x"}).status_code == 404
    assert api("PATCH", path, json={"deleted": False}).status_code == 200
    assert api("GET", path).json()["name"] == stored["name"]


def test_list_filters_unlisted_generated_and_creation_mode(api, emulator):
    all_names = {r["name"] for r in api("GET", DASHBOARDS).json()["results"]}
    assert "Experiment results (unlisted)" not in all_names
    assert any(name.startswith("Generated Dashboard") for name in all_names)
    plain = api("GET", DASHBOARDS, params={"exclude_generated": "true"}).json()["results"]
    assert not any(r["name"].startswith("Generated Dashboard") for r in plain)
    copies = api("GET", DASHBOARDS, params={"creation_mode": "duplicate"}).json()["results"]
    assert [r["name"] for r in copies] == ["Executive weekly"]


def test_filters_and_variables_are_applied_only_when_truthy(api, emulator):
    stored = stored_dashboard_named(emulator, "Revenue")
    path = f"{DASHBOARDS}{stored['id']}/"
    kept = api("PATCH", path, json={"filters": {}, "variables": {}, "name": "Revenue"}).json()
    assert kept["filters"] == stored["filters"] and kept["persisted_filters"] == stored["filters"]
    bad = api("PATCH", path, json={"filters": ["date_from"]})
    assert _error(bad)[:2] == (400, "invalid_input")


def test_tiles_patch_creates_text_tiles_and_skips_unknown_ids(api, emulator):
    stored = stored_dashboard_named(emulator, "Revenue")
    path = f"{DASHBOARDS}{stored['id']}/"
    before = len([t for t in stored["tiles"] if not t["deleted"]])
    body = api("PATCH", path, json={"tiles": [{"text": {"body": "Note"}}, {"id": 1, "color": "x"}]})
    tiles = body.json()["tiles"]
    assert len(tiles) == before + 1 and any((t["text"] or {}).get("body") == "Note" for t in tiles)
    assert not any(t["color"] == "x" for t in tiles)


def test_restriction_level_choices_and_unchanged_value_refusal(api, emulator):
    own = stored_dashboard_named(emulator, "Engineering health")["id"]
    bad = api("PATCH", f"{DASHBOARDS}{own}/", json={"restriction_level": 30})
    assert _error(bad)[:3] == (400, "invalid_choice", "restriction_level")
    theirs = stored_dashboard_named(emulator, "Onboarding funnel")
    same = api("PATCH", f"{DASHBOARDS}{theirs['id']}/", json={"restriction_level": 21})
    assert same.status_code == 403 and "restriction rights" in same.json()["detail"]


def test_collaborator_request_validation(api, emulator):
    growth = stored_dashboard_named(emulator, "Growth KPIs")["id"]
    path = f"{DASHBOARDS}{growth}/collaborators/"
    assert _error(api("POST", path, json={"user_uuid": "nope", "level": 37}))[:3] == (
        400,
        "invalid_input",
        "user_uuid",
    )
    assert _error(api("POST", path, json={"user_uuid": user_uuid(3)}))[:3] == (
        400,
        "required",
        "level",
    )
    assert _error(api("POST", path, json={"user_uuid": user_uuid(3), "level": 5}))[:3] == (
        400,
        "invalid_choice",
        "level",
    )
    missing = api("GET", f"{DASHBOARDS}999999/collaborators/")
    assert missing.status_code == 404 and missing.json()["detail"] == "Dashboard not found."
    assert api("DELETE", path).status_code == 405


def test_move_tile(api, emulator):
    source, target = (
        stored_dashboard_named(emulator, "Revenue"),
        stored_dashboard_named(emulator, "Product overview"),
    )
    tile = next(t for t in source["tiles"] if not t["deleted"])
    body = {"tile": {"id": tile["id"]}, "toDashboard": target["id"]}
    moved = api("PATCH", f"{DASHBOARDS}{source['id']}/move_tile/", json=body).json()
    assert tile["id"] not in {t["id"] for t in moved["tiles"]}
    assert tile["id"] in {t["id"] for t in stored_dashboard(emulator, target["id"])["tiles"]}


def test_scopes_for_reads_and_writes(api, emulator):
    stored = live_insights(emulator)[0]
    readonly = emulator.readonly_key
    assert api("GET", f"{INSIGHTS}{stored['id']}/", key=readonly).status_code == 200
    refused = api("PATCH", f"{INSIGHTS}{stored['id']}/", json={"name": "x"}, key=readonly)
    assert refused.json()["detail"] == "API key missing required scope 'insight:write'"
    dashboard = stored_dashboard_named(emulator, "Revenue")["id"]
    refused = api("PATCH", f"{DASHBOARDS}{dashboard}/", json={"pinned": False}, key=readonly)
    assert refused.json()["detail"] == "API key missing required scope 'dashboard:write'"


# --- demo data -------------------------------------------------------------------------------


def test_demo_data_covers_what_the_console_shows(emulator):
    insights, live = stored_insights(emulator), live_insights(emulator)
    kinds = Counter(i["query"]["source"].get("kind") for i in live)
    assert {"TrendsQuery", "FunnelsQuery", "RetentionQuery", "PathsQuery", "HogQLQuery"} <= set(
        kinds
    ) and {"StickinessQuery", "LifecycleQuery", "EventsQuery"} <= set(kinds)
    assert len(live) > 100 and any(i["deleted"] for i in insights)
    assert sum(i["favorited"] for i in live) >= 5 and sum(bool(i["tags"]) for i in live) >= 20
    assert sum(bool(i["sharing"] and i["sharing"]["enabled"]) for i in live) >= 3
    assert sum(len(i["dashboards"]) == 2 for i in live) >= 5
    assert any(not i["saved"] for i in live) and any(i["name"] is None for i in live)
    assert set(HOSTILE_INSIGHTS) <= {i["name"] for i in live}
    dashboards = [d for d in stored_dashboards(emulator) if not d["deleted"]]
    for level in (21, 37):
        at_level = [d for d in dashboards if d["restriction_level"] == level]
        assert any(d["collaborators"] for d in at_level), level
    assert any(d["pinned"] for d in dashboards) and any(d["sharing"] for d in dashboards)
    assert any("<img" in (d["name"] or "") for d in dashboards)
    assert any("](" in (d["name"] or "") for d in dashboards)


def test_demo_data_is_deterministic_per_seed():
    def snapshot(seed):
        with Emulator(port=0, seed=seed, hog_functions=5) as emu:
            return [(i["short_id"], i["name"], i["tags"]) for i in stored_insights(emu)]

    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)
