"""Fresh server in demo mode: the very first page load shows the navigation sections (not
file-name labels) and the demo banner."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

SECTIONS = ["Pipelines", "Product analytics", "Legacy", "Console"]
PAGES = ["Overview", "Hog functions", "Batch exports", "Insights", "Dashboards", "App metrics"]


@pytest.fixture(scope="module")
def demo_server(start_streamlit):
    return start_streamlit()  # nothing configured: the built-in demo data


def test_first_page_load_shows_navigation_sections(demo_server, page, wait_for_app):
    page.goto(demo_server.url)
    wait_for_app(page)
    nav = page.get_by_test_id("stSidebarNav")
    for section in SECTIONS:
        expect(nav).to_contain_text(section)
    links = page.get_by_test_id("stSidebarNavLink")
    for title in PAGES:
        expect(links.filter(has_text=title)).to_have_count(1)
    expect(nav).not_to_contain_text("hog_functions")  # no file-name labels


def test_demo_mode_shows_its_banner_and_data(demo_server, page, wait_for_app):
    page.goto(demo_server.url)
    wait_for_app(page)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Demo data")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Overview")).to_be_visible()
    # the needs-attention table comes once the fleet's numbers have loaded
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=60_000)
