"""Hog functions as an operator does it, in headless Chromium against `streamlit run app.py`
connected to an emulator through the POSTHOG_* variables."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

HOSTILE_HTML = "<img src=x onerror=alert('xss')> Webhook"
HOSTILE_MD = "[Click here](https://evil.example) **urgent** <script>alert(1)</script>"


def _patches(emu, function_id):
    return [r.json for r in emu.requests if r.method == "PATCH" and function_id in r.path]


def test_disable_from_the_list(server, emu, page, wait_for_app, searchable_function, pick_function):
    target = searchable_function(emu, enabled=True, type="destination")
    actions = pick_function(page, server, target["name"])
    actions.get_by_role("switch", name="Enabled").click(force=True)
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("delivered")
    assert _patches(emu, target["id"]) == []  # nothing sent before the confirmation
    dialog.get_by_role("button", name="Disable").click()
    wait_for_app(page)
    assert emu.stored_hog_function(target["id"])["enabled"] is False
    assert _patches(emu, target["id"]) == [{"enabled": False}]
    # the rerun after the dialog may still be drawing: the switched-on one goes when it ends
    on = actions.get_by_role("switch", name="Enabled", checked=True)
    expect(on).to_have_count(0, timeout=30_000)
    expect(actions.get_by_role("switch", name="Enabled")).not_to_be_checked()


def test_deep_link_opens_the_detail_and_rename_keeps_secrets(
    server, emu, page, wait_for_app, function_with_secret
):
    fn = function_with_secret(emu)
    page.goto(f"{server.url}/hog-functions?id={fn['id']}")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name=fn["name"])).to_be_visible()
    expect(main.get_by_role("tab", name="Configuration")).to_be_visible()
    name = main.locator("input[aria-label='Name']")
    name.fill(f"{fn['name']} (renamed)")
    name.press("Enter")
    wait_for_app(page)
    expect(main).to_contain_text("1 unsaved change")
    main.get_by_role("button", name="Save changes").click()
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"{fn['name']} (renamed)")  # the change, shown first
    assert _patches(emu, fn["id"]) == []  # nothing sent before the confirmation
    dialog.get_by_role("button", name="Save", exact=True).click()
    wait_for_app(page)
    stored = emu.stored_hog_function(fn["id"])
    assert stored["name"] == f"{fn['name']} (renamed)"
    assert stored["secret_inputs"] == fn["secret_inputs"]
    assert _patches(emu, fn["id"]) == [{"name": f"{fn['name']} (renamed)"}]


def test_server_validation_error_appears_next_to_its_field(
    server, emu, page, wait_for_app, function_with_secret
):
    fn = function_with_secret(emu)
    key = next(k for k, v in fn["inputs"].items() if isinstance(v.get("value"), str))
    label = next(i.get("label") or i["key"] for i in fn["inputs_schema"] if i["key"] == key)
    page.goto(f"{server.url}/hog-functions?id={fn['id']}")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    field = main.locator(f"input[aria-label^='{label}']")
    field.fill("https://hooks.example.com/{unclosed")
    field.press("Enter")
    wait_for_app(page)
    main.get_by_role("button", name="Save changes").click()
    wait_for_app(page)
    page.get_by_role("dialog").get_by_role("button", name="Save", exact=True).click()
    wait_for_app(page)
    container = main.locator(
        f"[data-testid='stElementContainer']:has(input[aria-label^='{label}'])"
    )
    error = container.locator("xpath=following-sibling::*[1]")
    expect(error).to_contain_text("not closed")
    assert emu.stored_hog_function(fn["id"])["inputs"][key] == fn["inputs"][key]


@pytest.mark.parametrize("hostile", [HOSTILE_HTML, HOSTILE_MD])
def test_hostile_names_render_as_text(server, emu, page, wait_for_app, hostile):
    fn = next(f for f in emu.stored_hog_functions(1) if f["name"] == hostile)
    alerts = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.goto(f"{server.url}/hog-functions?id={fn['id']}")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    heading = main.get_by_role("heading").first
    expect(heading).to_be_visible()
    assert heading.inner_text().replace("\u2060", "") == hostile  # shown literally
    assert main.locator("img[src='x']").count() == 0
    assert main.locator("a[href*='evil.example']").count() == 0
    assert main.locator("script").count() == 0
    assert alerts == []


def test_the_only_csv_is_the_formula_safe_one(server, page, wait_for_app):
    page.goto(f"{server.url}/hog-functions")
    wait_for_app(page)
    grid = page.get_by_test_id("stDataFrame").first
    grid.hover()
    toolbar = page.get_by_test_id("stElementToolbar").first
    expect(toolbar.get_by_role("button", name="Search")).to_be_visible()  # the toolbar is up
    # Streamlit's own grid export writes "=cmd()" names raw: hidden
    expect(toolbar.get_by_role("button", name="Download as CSV")).to_be_hidden()
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("button", name="Download CSV").first).to_be_visible()
