"""Settings in the browser: connect to a second PostHog with another key, which a reload
keeps for this browser session only; a wrong key is explained."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from emulator import Emulator

SECOND_KEY = "phx_second_console_key"


@pytest.fixture(scope="module")
def second():
    with Emulator(port=0, demo_key=SECOND_KEY, hog_functions=12, seed=99) as emu:
        yield emu


def _fill(page, wait_for_app, host, key):
    page.get_by_text("Custom host").click()
    wait_for_app(page)
    page.locator("input[aria-label='Host address']").fill(host)
    key_input = page.locator("input[aria-label='Personal API key']")
    key_input.fill(key)
    key_input.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Test connection").click()
    wait_for_app(page)


def test_settings_connects_to_a_second_posthog(server, second, page, wait_for_app):
    # a deep link as the first request after a fresh start still gets the app's navigation
    page.goto(f"{server.url}/settings")
    wait_for_app(page)
    nav = page.get_by_test_id("stSidebarNav")
    for section in ("Pipelines", "Product analytics", "Legacy", "Settings"):
        expect(nav).to_contain_text(section)
    expect(page.get_by_test_id("stMain").get_by_role("heading", name="Settings")).to_have_count(1)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).not_to_contain_text(second.url.removeprefix("http://"))
    expect(page.locator("input[aria-label='Personal API key']")).to_have_attribute(
        "type", "password"
    )
    _fill(page, wait_for_app, second.url, SECOND_KEY)
    expect(page.get_by_test_id("stAlert").filter(has_text="Connected as")).to_have_count(1)
    page.get_by_role("button", name="Use this project").click()
    wait_for_app(page)
    expect(sidebar).to_contain_text(second.url.removeprefix("http://"))
    assert any(r.path.startswith("/api/projects/1/") for r in second.requests)
    assert SECOND_KEY not in page.content()
    page.get_by_role("link", name="Hog functions").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stMain")).to_contain_text("12 functions")


def test_wrong_key_shows_the_401_message(server, second, page, wait_for_app):
    page.goto(f"{server.url}/settings")
    wait_for_app(page)
    _fill(page, wait_for_app, second.url, "phx_wrong_key_for_second")
    alert = page.get_by_test_id("stAlert").filter(has_text="did not accept the API key")
    expect(alert).to_have_count(1)
    expect(page.get_by_role("button", name="Use this project")).to_have_count(0)


def test_a_reload_keeps_the_settings_connection_for_this_browser_only(
    server, second, page, browser, wait_for_app
):
    page.goto(f"{server.url}/settings")
    wait_for_app(page)
    _fill(page, wait_for_app, second.url, SECOND_KEY)
    page.get_by_role("button", name="Use this project").click()
    wait_for_app(page)
    sidebar = page.get_by_test_id("stSidebar")
    second_host = second.url.removeprefix("http://")
    expect(sidebar).to_contain_text(second_host)

    page.goto(f"{server.url}/hog-functions")  # a new Streamlit session, as F5 starts
    wait_for_app(page)
    expect(sidebar).to_contain_text(second_host)
    expect(sidebar).to_contain_text("Chosen in Settings for this browser session")
    expect(page.get_by_test_id("stToast").filter(has_text="Still on project")).to_have_count(1)
    expect(page.get_by_test_id("stMain")).to_contain_text("12 functions")
    assert SECOND_KEY not in page.url and SECOND_KEY not in page.content()

    other = browser.new_context().new_page()  # another browser session: the default
    other.goto(f"{server.url}/settings")
    wait_for_app(other)
    expect(other.get_by_test_id("stSidebar")).not_to_contain_text(second_host)
    other.context.close()

    page.goto(f"{server.url}/settings")
    wait_for_app(page)
    page.get_by_role("button", name="Return to the default connection").click()
    wait_for_app(page)
    page.reload()
    wait_for_app(page)
    expect(sidebar).not_to_contain_text(second_host)
