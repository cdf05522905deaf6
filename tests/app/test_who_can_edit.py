"""Who can edit, under AppTest against the emulator: people who already edit (the owner, an
organisation admin) are not offered as collaborators, nobody is picked for removal until the
operator picks them, and the one access level PostHog allows is said, not offered as a choice."""

from __future__ import annotations

import pytest

from emulator import seed
from emulator.analytics import stored_dashboard_named
from emulator.analytics.seed import user_uuid
from tests.app.test_dashboards import _button, _text, _widget, _writes

PANEL = """
import streamlit as st
from components.dashboards import collaborators
from components.shared import data
from components.shared.connection import get_client
client = get_client()
collaborators.render(client, data.dashboard(client, st.session_state["dashboard_id"]))
"""
ADA = user_uuid(1)


def _panel(emulator, run_script, name: str):
    dash = stored_dashboard_named(emulator, name)
    at = run_script(PANEL, dashboard_id=dash["id"])
    assert not at.exception
    return at


def _offered(at) -> set[str]:
    return set(_widget(at.selectbox, "_user").options)


# Marketing attribution: owned by Chen, Bruno collaborates; Ada (the key's user) and Dana may
# be invited unless they already edit.


def test_a_plain_member_key_user_is_offered_and_the_owner_is_not(connect_env, run_script):
    at = _panel(connect_env, run_script, "Marketing attribution")
    assert _offered(at) == {
        "Ada Okafor (ada@hedgebox.example)",
        "Dana Kowalski (dana@hedgebox.example)",
    }
    assert "organization admins" not in _text(at)


@pytest.mark.parametrize("level", [8, 15], ids=["admin", "owner"])
def test_an_organisation_admin_key_user_is_not_offered(connect_env, run_script, monkeypatch, level):
    # PostHog's users/@me names the key's user's organisation level (8 admin, 15 owner)
    monkeypatch.setitem(seed.ORGANIZATION, "membership_level", level)
    at = _panel(connect_env, run_script, "Marketing attribution")
    assert _offered(at) == {"Dana Kowalski (dana@hedgebox.example)"}
    assert "Not offered, as organization admins can already edit: Ada Okafor." in _text(at)
    me = [r for r in connect_env.requests if r.path.rstrip("/").endswith("/users/@me")]
    at.run()  # read once per key in the session, not on every rerun
    assert [r for r in connect_env.requests if r.path.rstrip("/").endswith("/users/@me")] == me
    assert len(me) == 1


def test_the_remove_picker_starts_empty_even_when_the_key_user_collaborates(
    connect_env, run_script
):
    # Growth KPIs: Ada, the key's own user, is its only collaborator
    at = _panel(connect_env, run_script, "Growth KPIs")
    remove_user = _widget(at.selectbox, "_remove_user")
    assert remove_user.options == ["Ada Okafor (ada@hedgebox.example)"]
    assert remove_user.value is None
    remove = _button(at, "_remove")
    assert remove.disabled and remove.help == "Pick the collaborator to remove first."
    remove_user.set_value(ADA).run()
    assert not _button(at, "_remove").disabled
    assert not _writes(connect_env)


def test_the_single_access_level_is_text_not_a_select(connect_env, run_script):
    at = _panel(connect_env, run_script, "Marketing attribution")
    assert [s.label for s in at.selectbox] == ["Invite a project member", "Remove a collaborator"]
    assert "Access: **can edit**" in _text(at)
