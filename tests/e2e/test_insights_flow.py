"""Insights as an operator does it, in headless Chromium against `streamlit run app.py`
connected to an emulator through the POSTHOG_* variables."""

from __future__ import annotations

from playwright.sync_api import expect

from emulator.analytics import (
    live_insights,
    stored_dashboard,
    stored_dashboard_named,
    stored_insight,
)


def _patches(emu, insight_id: int) -> list:
    return [r for r in emu.requests if r.method == "PATCH" and f"/insights/{insight_id}/" in r.path]


def test_favoriting_an_insight_is_seen_by_the_server(server, emu, page, wait_for_app, open_detail):
    target = next(
        i
        for i in live_insights(emu)
        if not i["favorited"] and i["saved"] and i["name"] and "<" not in i["name"]
    )
    main = open_detail(page, server, "insights", target["short_id"])  # deep link by short id
    expect(main.get_by_role("heading", name=target["name"])).to_be_visible()
    assert _patches(emu, target["id"]) == []  # opening writes nothing
    main.get_by_role("button", name="Favorite", exact=True).click()
    wait_for_app(page)
    # an operator's one-click write: sent at once, only the flag
    assert stored_insight(emu, target["id"])["favorited"] is True
    assert [p.json for p in _patches(emu, target["id"])] == [{"favorited": True}]
    expect(page.get_by_text(f"Added {target['name']} to favorites.")).to_be_visible()
    expect(main.get_by_role("button", name="Unfavorite", exact=True)).to_be_visible()


def test_deleting_an_insight_asks_for_its_name(server, emu, page, wait_for_app, open_detail):
    target = next(
        i for i in live_insights(emu) if i["saved"] and i["name"] and "<" not in i["name"]
    )
    earlier = len(_patches(emu, target["id"]))  # the server is shared by this module's tests
    main = open_detail(page, server, "insights", str(target["id"]), tab="Danger zone")
    main.get_by_role("button", name="Delete insight…").click()
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    confirm = dialog.get_by_role("button", name="Delete", exact=True)
    expect(confirm).to_be_disabled()
    dialog.get_by_label("Insight name").fill(target["name"])
    dialog.get_by_label("Insight name").press("Enter")
    wait_for_app(page)
    assert len(_patches(emu, target["id"])) == earlier  # nothing before the confirmation
    confirm.click()
    wait_for_app(page)
    assert stored_insight(emu, target["id"])["deleted"] is True
    assert [p.json for p in _patches(emu, target["id"])[earlier:]] == [{"deleted": True}]
    expect(main.get_by_role("button", name="Restore")).to_be_visible()


def test_removing_an_insight_from_one_of_its_two_dashboards_keeps_the_other(
    server, emu, page, wait_for_app, open_detail
):
    locked = stored_dashboard_named(emu, "Marketing attribution")["id"]
    target = next(
        i
        for i in live_insights(emu)
        if len(i["dashboards"]) == 2 and locked not in i["dashboards"] and not i["favorited"]
    )
    gone, kept = sorted(target["dashboards"])
    gone_name = stored_dashboard(emu, gone)["name"]
    kept_name = stored_dashboard(emu, kept)["name"]
    main = open_detail(page, server, "insights", str(target["id"]), tab="Dashboards")
    main.get_by_role("button", name="Remove…").first.click()
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(gone_name)
    expect(dialog).to_contain_text(f"It stays on: {kept_name}.")
    assert _patches(emu, target["id"]) == []  # nothing before the confirmation
    dialog.get_by_role("button", name="Remove", exact=True).click()
    wait_for_app(page)
    assert stored_insight(emu, target["id"])["dashboards"] == [kept]
    assert [p.json for p in _patches(emu, target["id"])] == [{"dashboards": [kept]}]
    main.get_by_role("tab", name="Dashboards").click()
    expect(main.get_by_role("button", name="Remove…")).to_have_count(1)
    expect(main).to_contain_text(kept_name)
