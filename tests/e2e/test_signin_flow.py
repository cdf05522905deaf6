"""Sign-in and roles in headless Chromium: `streamlit run app.py` with `[auth]` pointing at a
real OpenID Connect provider (oidc-provider-mock), signed in through its own login form.

A viewer changes nothing, an operator switches functions but cannot save a configuration, an
admin can, the journal names each of them, an unknown user is refused, a role comes from the
ID token's groups claim, and "Log out" ends the session."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from emulator import Emulator
from services.journal import Journal
from tests.roles import ROLES

USERS = [
    {"sub": "ada@acme.test", "email": "ada@acme.test", "name": "Ada"},
    {"sub": "bob@acme.test", "email": "bob@acme.test", "name": "Bob"},
    {"sub": "val@partner.test", "email": "val@partner.test", "name": "Val"},
    {"sub": "gil@elsewhere.test", "email": "gil@elsewhere.test", "groups": ["posthog-operators"]},
]


@pytest.fixture(scope="module")
def console(start_signed_in_streamlit):
    with Emulator(port=0) as emulator:
        server, provider = start_signed_in_streamlit(emulator, USERS, ROLES)
        yield emulator, server, provider


def sign_in(page: Page, console, email: str, wait_for_app) -> None:
    """Open the console, press its sign-in button and type `email` into the provider's form."""
    _emu, server, provider = console
    page.goto(server.url)
    wait_for_app(page)
    page.get_by_role("button", name=re.compile("^Sign in with")).click()
    page.wait_for_url(f"{provider.url}/**")
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{server.url}/**")
    wait_for_app(page)


def _writes(emu) -> list[str]:
    return [f"{r.method} {r.path}" for r in emu.requests if r.method != "GET"]


def _journal_users(page: Page, console, wait_for_app) -> list[str]:
    """The User column of the Journal page's CSV (its table is drawn on a canvas)."""
    page.goto(f"{console[1].url}/journal")
    wait_for_app(page)
    with page.expect_download() as download:
        page.get_by_test_id("stMain").get_by_role("button", name="Download CSV").click()
    rows = csv.DictReader(io.StringIO(Path(download.value.path()).read_text()))
    return [row["User"] for row in rows]


def test_signed_out_visitor_sees_the_sign_in_page_and_no_posthog_data(console, page, wait_for_app):
    emu, server, _provider = console
    emu.clear_requests()
    page.goto(f"{server.url}/hog-functions")
    wait_for_app(page)
    expect(page.get_by_role("button", name=re.compile("^Sign in with"))).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    assert emu.requests == []


def test_viewer_sees_the_lists_with_every_write_control_disabled_and_sends_nothing(
    console, page, wait_for_app, searchable_function, pick_function
):
    emu, server, _provider = console
    sign_in(page, console, "val@partner.test", wait_for_app)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("val@partner.test")
    expect(sidebar).to_contain_text("viewer")
    audit = sidebar.get_by_role("switch", name=re.compile("Audit mode"))
    expect(audit).to_be_checked()  # already on for a viewer, and still theirs to switch
    expect(audit).to_be_enabled()
    audit.click(force=True)
    wait_for_app(page)
    expect(audit).not_to_be_checked()
    emu.clear_requests()

    target = searchable_function(emu, enabled=True, type="destination")
    actions = pick_function(page, server, target["name"])
    switch = actions.get_by_role("switch", name="Enabled")
    expect(switch).to_be_disabled()
    switch.click(force=True)  # a forced click on the disabled switch
    wait_for_app(page)
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.goto(f"{server.url}/hog-functions?id={target['id']}")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name=target["name"])).to_be_visible()
    main.get_by_role("tab", name="Danger zone").click()
    delete = main.get_by_role("button", name="Delete function…")
    expect(delete).to_be_disabled()
    delete.click(force=True)
    wait_for_app(page)
    expect(page.get_by_role("dialog")).to_have_count(0)

    assert _writes(emu) == []
    assert emu.stored_hog_function(target["id"])["enabled"] is True
    assert "val@partner.test" not in [e.user for e in Journal(server.journal_url).entries()]


def test_operator_disables_and_enables_a_function_but_cannot_save_a_configuration(
    console, page, wait_for_app, searchable_function, pick_function
):
    emu, server, _provider = console
    sign_in(page, console, "bob@acme.test", wait_for_app)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("operator")
    target = searchable_function(emu, enabled=True, type="destination")
    actions = pick_function(page, server, target["name"])
    actions.get_by_role("switch", name="Enabled").click(force=True)
    wait_for_app(page)
    page.get_by_role("dialog").get_by_role("button", name="Disable").click()
    wait_for_app(page)
    assert emu.stored_hog_function(target["id"])["enabled"] is False
    expect(actions.get_by_role("switch", name="Enabled", checked=True)).to_have_count(0)
    actions.get_by_role("switch", name="Enabled").click(force=True)
    wait_for_app(page)
    assert emu.stored_hog_function(target["id"])["enabled"] is True

    emu.clear_requests()
    page.goto(f"{server.url}/hog-functions?id={target['id']}")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    name = main.locator("input[aria-label='Name']")
    name.fill(f"{target['name']} (operator)")
    name.press("Enter")
    wait_for_app(page)
    save = main.get_by_role("button", name="Save changes")
    expect(save).to_be_disabled()
    save.click(force=True)
    wait_for_app(page)
    assert _writes(emu) == []
    assert emu.stored_hog_function(target["id"])["name"] == target["name"]

    entries = [e for e in Journal(server.journal_url).entries() if e.object_id == target["id"]]
    assert {(e.user, e.action_key) for e in entries} == {
        ("bob@acme.test", "hog_function.disable"),
        ("bob@acme.test", "hog_function.enable"),
    }
    assert _journal_users(page, console, wait_for_app).count("bob@acme.test") >= 2


def test_admin_edits_a_configuration_and_the_journal_names_them(
    console, page, wait_for_app, function_with_secret
):
    emu, server, _provider = console
    sign_in(page, console, "ada@acme.test", wait_for_app)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("admin")
    fn = function_with_secret(emu)
    page.goto(f"{server.url}/hog-functions?id={fn['id']}")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    name = main.locator("input[aria-label='Name']")
    name.fill(f"{fn['name']} (admin)")
    name.press("Enter")
    wait_for_app(page)
    main.get_by_role("button", name="Save changes").click()
    wait_for_app(page)
    page.get_by_role("dialog").get_by_role("button", name="Save", exact=True).click()
    wait_for_app(page)
    assert emu.stored_hog_function(fn["id"])["name"] == f"{fn['name']} (admin)"
    [entry] = [e for e in Journal(server.journal_url).entries() if e.object_id == fn["id"]]
    assert (entry.user, entry.action_key, entry.outcome) == (
        "ada@acme.test",
        "hog_function.edit",
        "done",
    )
    users = _journal_users(page, console, wait_for_app)
    assert "ada@acme.test" in users
    assert "val@partner.test" not in users


def test_unknown_user_is_refused_under_default_none(console, page, wait_for_app):
    sign_in(page, console, "zed@other.test", wait_for_app)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="No access to this console")).to_be_visible()
    expect(main).to_contain_text("zed@other.test")
    expect(main).to_contain_text("ada@acme.test")  # whom to ask
    page.goto(f"{console[1].url}/hog-functions")
    wait_for_app(page)
    expect(main.get_by_role("heading", name="No access to this console")).to_be_visible()


def test_a_role_from_the_groups_claim(console, page, wait_for_app):
    sign_in(page, console, "gil@elsewhere.test", wait_for_app)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("gil@elsewhere.test")
    expect(sidebar).to_contain_text("operator")


def test_log_out_ends_the_session(console, page, wait_for_app):
    _emu, server, provider = console
    sign_in(page, console, "ada@acme.test", wait_for_app)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{provider.url}/**")  # the provider ends its session too
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{server.url}/**")
    wait_for_app(page)
    expect(page.get_by_role("button", name=re.compile("^Sign in with"))).to_be_visible()
    page.goto(f"{server.url}/journal")
    wait_for_app(page)
    expect(page.get_by_role("button", name=re.compile("^Sign in with"))).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)


def test_two_people_on_one_server_keep_their_own_identity_and_rights(
    console, browser, page, wait_for_app, searchable_function, pick_function
):
    emu, server, _provider = console
    target = searchable_function(emu, enabled=True, type="destination")
    sign_in(page, console, "val@partner.test", wait_for_app)
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    other.set_default_timeout(20_000)
    try:
        sign_in(other, console, "bob@acme.test", wait_for_app)
        for who, tab in (("val@partner.test", page), ("bob@acme.test", other)):
            tab.reload()
            wait_for_app(tab)
            expect(tab.get_by_test_id("stSidebar")).to_contain_text(who)
        viewer_switch = pick_function(page, server, target["name"]).get_by_role("switch")
        operator_switch = pick_function(other, server, target["name"]).get_by_role("switch")
        expect(viewer_switch).to_be_disabled()
        expect(operator_switch).to_be_enabled()
    finally:
        other.context.close()


def test_operator_pauses_an_export_but_cannot_delete_it(console, page, wait_for_app, open_detail):
    emu, server, _provider = console
    export = next(x for x in emu.batch_exports.values() if x["team_id"] == 1 and not x["paused"])
    sign_in(page, console, "bob@acme.test", wait_for_app)
    main = open_detail(page, server, "batch-exports", export["id"])
    main.get_by_role("switch", name="Running").click(force=True)
    wait_for_app(page)
    page.get_by_role("dialog").get_by_role("button", name="Pause").click()
    wait_for_app(page)
    assert emu.batch_exports[export["id"]]["paused"] is True

    emu.clear_requests()
    main.get_by_role("tab", name="Danger zone").click()
    delete = main.get_by_role("button", name="Delete export…")
    expect(delete).to_be_disabled()
    delete.click(force=True)
    wait_for_app(page)
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert _writes(emu) == []
    assert not emu.batch_exports[export["id"]].get("deleted")
    [entry] = [e for e in Journal(server.journal_url).entries() if e.object_id == export["id"]]
    assert (entry.user, entry.action_key, entry.outcome) == (
        "bob@acme.test",
        "batch_export.pause",
        "done",
    )
