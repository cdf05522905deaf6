"""The Overview as an operator uses it, in headless Chromium against `streamlit run app.py`
connected to an emulator: the cards and the needs-attention table, then the worst function
disabled from the table through its confirmation."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import expect

CARDS = (
    "Destinations failing",
    "Degraded or disabled by PostHog",
    "Exports whose latest runs failed",
    "Backfills running",
    "Legacy plugins with errors",
)


def test_disable_the_worst_function_from_the_overview(server, emu, page, wait_for_app):
    page.goto(f"{server.url}/overview")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Overview")).to_be_visible()
    table = main.get_by_test_id("stDataFrame").first  # the only table on the page
    expect(table).to_be_visible(timeout=60_000)  # a cold first load reads every source
    for title in CARDS:
        expect(main.get_by_test_id("stMetricLabel").filter(has_text=title)).to_be_visible()
    # the table is drawn on a canvas: its CSV says which row is the worst function
    with page.expect_download() as download:
        main.locator(".st-key-ov_csv_attention").get_by_role("button").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    row = next(i for i, r in enumerate(rows) if r["What"] == "Hog function")
    worst = rows[row]
    assert "deliveries failed since" in worst["Why"]
    canvas = table.locator("canvas").first
    canvas.scroll_into_view_if_needed()
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 * (row + 1) + 17)  # its selection cell
    wait_for_app(page)
    actions = main.locator(".st-key-ov_attention_actions")
    expect(actions).to_contain_text("deliveries failed since")
    name = worst["Name"]
    expect(actions.locator("strong").first).to_have_text(name)
    function = next(f for f in emu.stored_hog_functions(1) if f["name"] == name)
    assert function["enabled"] is True
    actions.get_by_role("button", name="Disable function").click()
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(name)
    assert not [r for r in emu.requests if r.method == "PATCH"]  # nothing before confirming
    dialog.get_by_role("button", name="Disable").click()
    wait_for_app(page)
    assert emu.stored_hog_function(function["id"])["enabled"] is False
    expect(page.get_by_text(f"Disabled {name}.")).to_be_visible()
