"""`client.dashboards` against the emulator over HTTP: every dashboard endpoint of
posthog-api.md §4 and its traps (tiles upsert, `filters: {}` not clearing, the owner-or-admin
rule, collaborator refusals, plain-array collaborators, sharing scope, soft delete)."""

from __future__ import annotations

import pytest

from emulator.analytics import (
    activity_log,
    stored_dashboard,
    stored_dashboard_named,
    stored_dashboards,
    stored_insight,
    user_uuid,
)
from emulator.server import Key
from services import errors as e
from services.analytics_models import Dashboard, Insight
from services.dashboards import (
    changes_for,
    explain_refusal,
    filter_dashboards,
    project_members,
    shared_publicly,
)
from services.models import UserBasic

ADA, BRUNO, CHEN, DANA, EVE = 1, 2, 3, 4, 5  # Dana administers the project; Eve is outside it


def live_tiles(dashboard: dict) -> list[dict]:
    return [t for t in dashboard["tiles"] if not t["deleted"]]


# --- reads ---------------------------------------------------------------------------------


def test_list_is_pinned_first_by_name_without_deleted_or_unlisted(client, emulator):
    listed = client.dashboards.list(page_size=5)
    visible = [
        d
        for d in stored_dashboards(emulator)
        if not d["deleted"] and d["creation_mode"] != "unlisted"
    ]
    assert len(listed) == len(visible) > 5
    pages = [r for r in emulator.requests if r.path.endswith("/dashboards/")]
    assert len(pages) == -(-len(visible) // 5)  # followed `next` page by page
    assert len({d.id for d in listed}) == len(listed)
    pinned = [d.pinned for d in listed]
    assert pinned == sorted(pinned, reverse=True) and any(pinned) and not all(pinned)
    first_names = [d.display_name.lower() for d in listed if d.pinned]
    assert first_names == sorted(first_names)
    assert {d.restriction_level for d in listed} == {21, 37}


def test_search_and_repeated_tags(client, emulator):
    found = client.dashboards.list(search="revenue")
    assert [d.name for d in found] == ["Revenue"]
    tagged = client.dashboards.list(tags=["growth", "finance"])
    expected = {
        d["id"]
        for d in stored_dashboards(emulator)
        if {"growth", "finance"} & set(d["tags"]) and not d["deleted"]
    }
    assert {d.id for d in tagged} == expected and len(expected) >= 3
    sent = [r for r in emulator.requests if r.path.endswith("/dashboards/")][-1]
    assert sent.query["tags"] == ["growth", "finance"]  # repeated, not comma-joined


def test_get_has_tiles_with_insights_and_bumps_last_accessed(client, emulator):
    stored = stored_dashboard_named(emulator, "Product overview")
    dashboard = client.dashboards.get(stored["id"])
    ids = {t.insight.id for t in dashboard.insight_tiles}
    expected = {
        t["insight_id"]
        for t in live_tiles(stored)
        if t["insight_id"] and not stored_insight(emulator, t["insight_id"])["deleted"]
    }
    assert ids == expected and len(ids) >= 3
    assert any(t.text and t.text.body for t in dashboard.tiles)
    assert all(t.insight.name or t.insight.derived_name for t in dashboard.insight_tiles)
    accessed = stored_dashboard(emulator, stored["id"])["last_accessed_at"]
    assert accessed > stored["last_accessed_at"]
    with pytest.raises(e.NotFound):
        client.dashboards.get(
            stored_dashboard_named(emulator, "Old launch dashboard (archived)")["id"]
        )


# --- create and edit -------------------------------------------------------------------------


def test_create_blank_and_copy(client, emulator):
    blank = client.dashboards.create(name="Blank", tags=["q3"], pinned=True)
    assert blank.tiles == [] and blank.creation_mode == "default" and blank.pinned
    assert blank.created_by.id == ADA and blank.restriction_level == 21
    source = stored_dashboard_named(emulator, "Growth KPIs")
    copy = client.dashboards.create(name="Copy of Growth KPIs", copy_from=source["id"])
    assert copy.creation_mode == "duplicate"
    assert {t.insight.id for t in copy.insight_tiles} == {
        t["insight_id"] for t in live_tiles(source)
    }
    assert stored_dashboard(emulator, source["id"])["tiles"] == source["tiles"]
    with pytest.raises(e.ValidationFailed) as bad:
        client.dashboards.create(name="Bad copy", copy_from=999999)
    assert bad.value.attr == "use_dashboard"


def test_update_sends_only_given_fields(client, emulator):
    stored = stored_dashboard_named(emulator, "Revenue")
    updated = client.dashboards.update(stored["id"], name="Revenue (EU)", description="Weekly")
    sent = [r for r in emulator.requests if r.method == "PATCH"][-1]
    assert sent.json == {"name": "Revenue (EU)", "description": "Weekly"}
    assert updated.name == "Revenue (EU)" and updated.filters == stored["filters"]
    assert len(updated.insight_tiles) == len(live_tiles(stored))
    changes = activity_log(emulator, scope="Dashboard", item_id=stored["id"])[-1]["detail"]
    assert {c["field"]: c["after"] for c in changes["changes"]} == {
        "name": "Revenue (EU)",
        "description": "Weekly",
    }
    with pytest.raises(ValueError):
        client.dashboards.update(stored["id"])


def test_changes_for_keeps_only_what_differs():
    loaded = Dashboard(id=1, name="Revenue", description=None, tags=["kpi", "finance"])
    edited = {"name": "Revenue", "description": "", "tags": ["finance", "kpi"], "pinned": False}
    assert changes_for(loaded, edited) == {}  # None and "" alike, tags as a set
    edited.update(name="Revenue (EU)", tags=["kpi"], pinned=True, filters={"x": 1})
    assert changes_for(loaded, edited) == {"name": "Revenue (EU)", "tags": ["kpi"], "pinned": True}


def test_update_if_unchanged_refuses_when_someone_changed_it_meanwhile(client, emulator):
    stored = stored_dashboard_named(emulator, "Revenue")
    loaded = client.dashboards.get(stored["id"])
    saved = client.dashboards.update_if_unchanged(
        stored["id"], changes={"name": "Revenue (EU)"}, loaded=loaded
    )
    assert saved.name == "Revenue (EU)"
    assert [r.json for r in emulator.requests if r.method == "PATCH"] == [{"name": "Revenue (EU)"}]
    # `loaded` is now stale: someone else's change (the one above) is not overwritten
    with pytest.raises(e.Conflict) as moved:
        client.dashboards.update_if_unchanged(
            stored["id"], changes={"description": "Weekly"}, loaded=loaded
        )
    assert "changed in PostHog" in str(moved.value) and "Reload" in str(moved.value)
    assert moved.value.current.name == "Revenue (EU)"
    assert len([r for r in emulator.requests if r.method == "PATCH"]) == 1
    assert stored_dashboard(emulator, stored["id"])["description"] == stored["description"]


def test_empty_filters_do_not_clear_them(client, emulator):
    stored = stored_dashboard_named(emulator, "Revenue")
    assert stored["filters"]
    with pytest.raises(ValueError, match="cannot be cleared"):
        client.dashboards.update(stored["id"], filters={})
    path = f"/api/projects/1/dashboards/{stored['id']}/"
    client.transport.write("PATCH", path, {"filters": {}})  # what a naive client would send
    assert stored_dashboard(emulator, stored["id"])["filters"] == stored["filters"]
    changed = client.dashboards.update(stored["id"], filters={"date_from": "-90d"})
    assert changed.filters == {"date_from": "-90d"}


def test_pin_and_unpin(client, emulator):
    stored = stored_dashboard_named(emulator, "Support & retention")
    assert client.dashboards.pin(stored["id"]).pinned is True
    assert client.dashboards.list()[0].pinned and stored_dashboard(emulator, stored["id"])["pinned"]
    assert client.dashboards.pin(stored["id"], False).pinned is False


def test_restriction_level_is_for_the_owner_or_an_admin(client, emulator):
    own = stored_dashboard_named(emulator, "Engineering health")  # Ada's, level 37
    assert client.dashboards.set_restriction(own["id"], 21).restriction_level == 21
    assert client.dashboards.set_restriction(own["id"], 37).restriction_level == 37
    theirs = stored_dashboard_named(emulator, "Onboarding funnel")  # Bruno's, everyone can edit
    with pytest.raises(e.PermissionDenied) as refused:
        client.dashboards.set_restriction(theirs["id"], 37)
    assert "owner and project admins" in str(refused.value)
    assert "owner" in explain_refusal(refused.value)
    assert stored_dashboard(emulator, theirs["id"])["restriction_level"] == 21
    # refused even when the value does not change
    with pytest.raises(e.PermissionDenied):
        client.dashboards.set_restriction(theirs["id"], 21)
    with pytest.raises(ValueError):
        client.dashboards.set_restriction(own["id"], 30)


def test_viewers_of_a_restricted_dashboard_cannot_edit_it(client, emulator):
    locked = stored_dashboard_named(emulator, "Marketing attribution")
    dashboard = client.dashboards.get(locked["id"])
    assert dashboard.can_edit is False and dashboard.effective_privilege_level == 21
    with pytest.raises(e.PermissionDenied) as refused:
        client.dashboards.pin(locked["id"])
    assert "edit permissions" in str(refused.value)
    assert "view" in explain_refusal(refused.value)
    assert client.dashboards.get(
        stored_dashboard_named(emulator, "Growth KPIs")["id"]
    ).can_edit  # collaborator


def test_tiles_are_upserted_not_replaced(client, emulator):
    stored = stored_dashboard_named(emulator, "Growth KPIs")
    first, second = live_tiles(stored)[:2]
    layout = {"sm": {"x": 0, "y": 0, "w": 12, "h": 8}}
    client.dashboards.update_tiles(
        stored["id"], [{"id": first["id"], "color": "blue", "layouts": layout}, {"id": 424242}]
    )
    after = {t["id"]: t for t in stored_dashboard(emulator, stored["id"])["tiles"]}
    assert after[first["id"]]["color"] == "blue" and after[first["id"]]["layouts"] == layout
    assert after[second["id"]] == second  # not sent: untouched
    assert 424242 not in after  # unknown ids are skipped
    remaining = client.dashboards.remove_tile(stored["id"], first["id"])
    assert {t.id for t in remaining.tiles} == {t["id"] for t in live_tiles(stored)} - {first["id"]}
    assert stored_insight(emulator, first["insight_id"])["deleted"] is False
    with pytest.raises(ValueError):
        client.dashboards.update_tiles(stored["id"], [{"color": "red"}])


# --- collaborators -----------------------------------------------------------------------


def test_collaborators_are_a_plain_array(client, emulator):
    stored = stored_dashboard_named(emulator, "Executive weekly")
    collaborators = client.dashboards.collaborators(stored["id"])
    assert {c.user.id for c in collaborators} == set(stored["collaborators"]) == {ADA, BRUNO}
    assert all(c.level == 37 and c.dashboard_id == stored["id"] for c in collaborators)
    raw = client.transport.get(f"/api/projects/1/dashboards/{stored['id']}/collaborators/")
    assert isinstance(raw, list)


def test_add_and_remove_a_collaborator(client, emulator):
    stored = stored_dashboard_named(
        emulator, "Growth KPIs"
    )  # Bruno's, only collaborators (Ada) can edit
    added = client.dashboards.add_collaborator(stored["id"], user_uuid(CHEN))
    assert added.user.id == CHEN and added.level == 37
    assert set(stored_dashboard(emulator, stored["id"])["collaborators"]) == {ADA, CHEN}
    client.dashboards.remove_collaborator(stored["id"], user_uuid(CHEN))
    assert stored_dashboard(emulator, stored["id"])["collaborators"] == [ADA]
    deletes = [r for r in emulator.requests if r.method == "DELETE"]
    assert deletes[-1].status == 204 and deletes[-1].path.endswith(f"/{user_uuid(CHEN)}/")
    with pytest.raises(e.NotFound):
        client.dashboards.remove_collaborator(stored["id"], user_uuid(CHEN))


@pytest.mark.parametrize(
    "dashboard,user,level,message",
    [
        ("Product overview", CHEN, 37, "lowest restriction level"),
        ("Growth KPIs", CHEN, 21, "Only edit access"),
        ("Growth KPIs", BRUNO, 37, "inherent access"),  # the owner
        ("Growth KPIs", DANA, 37, "inherent access"),  # a project admin
        ("Growth KPIs", ADA, 37, "already is a collaborator"),
        ("Growth KPIs", EVE, 37, "no access to the project"),
        ("Growth KPIs", 99, 37, "User does not exist"),
    ],
)
def test_collaborator_refusals_are_posthogs(client, emulator, dashboard, user, level, message):
    stored = stored_dashboard_named(emulator, dashboard)
    with pytest.raises(e.ValidationFailed) as refused:
        client.dashboards.add_collaborator(stored["id"], user_uuid(user), level=level)
    assert message in str(refused.value)
    assert explain_refusal(refused.value) != refused.value.detail  # put in plain words
    assert stored_dashboard(emulator, stored["id"])["collaborators"] == stored["collaborators"]


def test_collaborators_of_a_dashboard_you_cannot_edit_are_read_only(client, emulator):
    locked = stored_dashboard_named(emulator, "Marketing attribution")
    assert [c.user.id for c in client.dashboards.collaborators(locked["id"])] == [BRUNO]
    with pytest.raises(e.PermissionDenied):
        client.dashboards.add_collaborator(locked["id"], user_uuid(CHEN))
    with pytest.raises(e.PermissionDenied):
        client.dashboards.remove_collaborator(locked["id"], user_uuid(BRUNO))
    assert stored_dashboard(emulator, locked["id"])["collaborators"] == [BRUNO]


def test_leftover_collaborators_cannot_be_removed_at_the_lowest_level(client, emulator):
    stored = stored_dashboard_named(
        emulator, "Onboarding funnel"
    )  # lowered to 21 with Chen still invited
    with pytest.raises(e.ValidationFailed, match="Cannot remove collaborators"):
        client.dashboards.remove_collaborator(stored["id"], user_uuid(CHEN))
    assert stored_dashboard(emulator, stored["id"])["collaborators"] == [CHEN]


# --- sharing, delete -------------------------------------------------------------------------


def test_dashboard_sharing_and_is_shared(client, emulator):
    stored = stored_dashboard_named(emulator, "Growth KPIs")
    assert client.dashboards.sharing(stored["id"]).enabled is False
    on = client.dashboards.set_sharing(stored["id"], enabled=True)
    assert on.enabled and on.access_token and on.created_at
    assert next(d for d in client.dashboards.list() if d.id == stored["id"]).is_shared
    rotated = client.dashboards.rotate_share_link(stored["id"])
    assert rotated.access_token != on.access_token


def test_dashboard_sharing_needs_its_scope(client_for, emulator):
    stored = stored_dashboard_named(emulator, "Growth KPIs")
    emulator.keys["phx_dashboards_only"] = Key({"dashboard:write", "insight:read"})
    narrow = client_for("phx_dashboards_only")
    assert narrow.dashboards.get(stored["id"]).id == stored["id"]
    with pytest.raises(e.MissingScope) as missing:
        narrow.dashboards.sharing(stored["id"])
    assert missing.value.scope == "sharing_configuration:read"
    with pytest.raises(e.MissingScope) as write:
        client_for(emulator.readonly_key).dashboards.set_sharing(stored["id"], enabled=True)
    assert write.value.scope == "sharing_configuration:write"
    assert stored_dashboard(emulator, stored["id"])["sharing"] is None


def test_soft_delete_with_its_insights_and_restore(client, emulator):
    stored = stored_dashboard_named(emulator, "Onboarding funnel")
    tiles = live_tiles(stored)
    only_here = [
        t["insight_id"]
        for t in tiles
        if stored_insight(emulator, t["insight_id"])["dashboards"] == [stored["id"]]
    ]
    shared = [t["insight_id"] for t in tiles if t["insight_id"] not in only_here]
    assert only_here and shared
    client.dashboards.delete(stored["id"], delete_insights=True)
    assert [r for r in emulator.requests if r.method == "PATCH"][-1].json == {
        "deleted": True,
        "delete_insights": True,
    }
    with pytest.raises(e.NotFound):
        client.dashboards.get(stored["id"])
    assert stored["id"] not in {d.id for d in client.dashboards.list()}
    assert all(stored_insight(emulator, i)["deleted"] for i in only_here)
    assert not any(stored_insight(emulator, i)["deleted"] for i in shared)
    restored = client.dashboards.restore(stored["id"])
    assert restored.deleted is False
    assert {t.insight.id for t in restored.insight_tiles} == set(only_here + shared)


def test_delete_keeps_insights_by_default_and_http_delete_is_405(client, emulator):
    stored = stored_dashboard_named(emulator, "Support & retention")
    with pytest.raises(e.MethodNotAllowed):
        client.transport.write("DELETE", f"/api/projects/1/dashboards/{stored['id']}/")
    assert stored_dashboard(emulator, stored["id"])["deleted"] is False
    client.dashboards.delete(stored["id"])
    assert not any(stored_insight(emulator, t["insight_id"])["deleted"] for t in live_tiles(stored))


# --- helpers ---------------------------------------------------------------------------------


def test_filter_dashboards_like_posthogs_list():
    ada, bruno = UserBasic(id=1, uuid="a"), UserBasic(id=2, uuid="b")
    dashboards = [
        Dashboard(id=1, pinned=True, is_shared=True, restriction_level=37, created_by=ada),
        Dashboard(id=2, pinned=False, is_shared=False, restriction_level=21, created_by=bruno),
        Dashboard(id=3, pinned=True, is_shared=False, restriction_level=21, created_by=ada),
    ]
    assert [d.id for d in filter_dashboards(dashboards, pinned=True)] == [1, 3]
    assert [d.id for d in filter_dashboards(dashboards, shared=False, pinned=True)] == [3]
    assert [d.id for d in filter_dashboards(dashboards, restriction_level=21)] == [2, 3]
    assert [d.id for d in filter_dashboards(dashboards, created_by=2)] == [2]
    assert dashboards[0].restriction_label == "Only collaborators can edit"


def test_project_members_are_the_people_seen_in_the_project(client, emulator):
    members = project_members(client.insights.list(), client.dashboards.list())
    assert [m.id for m in members] == [ADA, BRUNO, CHEN, DANA]  # by name
    extra = Insight(id=1, created_by=UserBasic(id=9, uuid="z", first_name="Zed"))
    assert [m.id for m in project_members([extra], [])] == [9]


def test_shared_publicly_lists_dashboards_and_insights_with_links(client, emulator):
    insights, dashboards = client.insights.list(), client.dashboards.list()
    audit = shared_publicly(
        client.insights, client.dashboards, insights=insights, dashboards=dashboards, host="h"
    )
    shared = audit.items
    assert audit.unchecked == {}
    expected = {("dashboard", d["id"]) for d in stored_dashboards(emulator) if _on(d)}
    expected |= {("insight", i.id) for i in insights if _on(stored_insight(emulator, i.id))}
    assert {(s.kind, s.id) for s in shared} == expected
    assert {s.kind for s in shared} == {"dashboard", "insight"}
    assert all(s.url == f"h/shared/{s.access_token}" for s in shared)


def _on(stored: dict) -> bool:
    return bool(stored["sharing"] and stored["sharing"]["enabled"]) and not stored["deleted"]


def test_shared_publicly_raises_a_missing_scope(client_for, emulator):
    emulator.keys["phx_no_sharing"] = Key({"insight:read", "dashboard:read"})
    narrow = client_for("phx_no_sharing")
    with pytest.raises(e.MissingScope):
        shared_publicly(
            narrow.insights,
            narrow.dashboards,
            insights=narrow.insights.list_page(limit=3).results,
            dashboards=[],
            host="h",
        )
