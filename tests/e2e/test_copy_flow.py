"""Copy to project… in headless Chromium against `streamlit run app.py` connected to an
emulator: a destination with secret inputs is copied to project 3, disabled, with the secret
the operator typed, and no request ever carries a `{"secret": true}` marker."""

from __future__ import annotations

from playwright.sync_api import expect

from services.journal import Journal
from tests.secret_markers import secret_markers


def test_a_destination_is_copied_to_project_3_with_the_typed_secret(
    server, emu, page, wait_for_app, open_detail
):
    source = next(
        f
        for f in emu.stored_hog_functions(1)
        if f["type"] == "destination"
        and not f["deleted"]
        and f["secret_inputs"]
        and any(i.get("secret") and i["required"] for i in f["inputs_schema"])
        and "<" not in f["name"]
    )
    secret = next(i for i in source["inputs_schema"] if i.get("secret") and i["required"])
    main = open_detail(page, server, "hog-functions", source["id"])
    main.get_by_role("button", name="Copy to project…").click()
    wait_for_app(page)

    dialog = page.get_by_role("dialog")
    dialog.get_by_test_id("stSelectbox").filter(has_text="Copy into project").click()
    options = page.get_by_role("option")
    expect(options).to_have_count(2)  # the key's other projects, not this one
    page.get_by_role("option", name="Hedgebox (sandbox) (project 3)").click()
    wait_for_app(page)
    copy = dialog.get_by_role("button", name="Copy", exact=True)
    expect(copy).to_be_disabled()
    expect(dialog).to_contain_text(f"{secret['label']} is required")
    field = dialog.locator(f"input[aria-label='{secret['label']} (required)']")
    expect(field).to_have_attribute("type", "password")
    typed = "https://hooks.example.com/sandbox-typed-4d2"
    field.fill(typed)
    field.press("Enter")
    wait_for_app(page)
    # every other required secret too, if the destination has several
    for other in source["inputs_schema"]:
        if other.get("secret") and other["required"] and other["key"] != secret["key"]:
            dialog.locator(f"input[aria-label='{other['label']} (required)']").fill("x-typed")
            dialog.locator(f"input[aria-label='{other['label']} (required)']").press("Enter")
            wait_for_app(page)
    expect(copy).to_be_enabled()
    copy.click()
    wait_for_app(page)

    (stored,) = emu.stored_hog_functions(3)
    assert stored["enabled"] is False and stored["name"] == f"{source['name']} (copy)"
    assert stored["secret_inputs"][secret["key"]] == {"value": typed}
    assert [r for r in emu.requests if secret_markers(r.json)] == []
    (entry,) = Journal(server.journal_url).entries()
    assert (entry.action_key, entry.outcome, entry.path) == (
        "hog_function.copy",
        "done",
        "/api/projects/3/hog_functions/",
    )
    assert typed not in str(entry.changes)
    link = main.get_by_role("link", name="Open the copy in PostHog")
    expect(link).to_have_attribute("href", f"{emu.url}/project/3/functions/{stored['id']}")
