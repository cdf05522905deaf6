"""The template gallery in headless Chromium: a function without a name is asked for one."""

from __future__ import annotations

from playwright.sync_api import expect


def test_creating_a_function_without_a_name_asks_for_one(server, emu, page, wait_for_app):
    page.goto(f"{server.url}/hog-functions")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    main.get_by_role("tab", name="Templates").click()
    search = main.locator("input[aria-label='Search templates']")
    search.fill("Slack")
    search.press("Enter")
    wait_for_app(page)
    form = main.get_by_test_id("stForm")
    name = form.locator("input[aria-label='Name']")
    expect(name).to_have_value("Slack")
    before = len(emu.requests)
    name.fill("")
    form.get_by_role("button", name="Create function").click()
    wait_for_app(page)
    expect(form).to_contain_text("Give the function a name.")
    assert not [r for r in emu.requests[before:] if r.method != "GET"]
