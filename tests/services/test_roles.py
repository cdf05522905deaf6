"""Role resolution from `[console.roles]`, an e-mail and the ID token's claims (pure)."""

from __future__ import annotations

import pytest

from services.roles import Role, RoleRules, resolve_role

ISSUE_TABLE = {
    "admins": ["ada@acme.test"],
    "operators": ["@acme.test"],
    "viewers": [],
    "default": "viewer",
    "claim": "groups",
    "claim_admins": ["posthog-admins"],
    "claim_operators": ["posthog-operators"],
}


def role(email, table=ISSUE_TABLE, **claims):
    return resolve_role(email, {"email": email, **claims}, RoleRules.from_table(table))


def test_the_highest_matching_role_wins():
    # ada is both listed as an admin and in the operators' domain
    assert role("ada@acme.test") is Role.ADMIN
    assert role("bob@acme.test") is Role.OPERATOR
    assert role("bob@acme.test", groups=["posthog-admins"]) is Role.ADMIN
    assert role("ada@acme.test", groups=["posthog-operators"]) is Role.ADMIN


def test_a_domain_entry_matches_that_domain_only():
    assert role("eve@notacme.test") is Role.VIEWER
    assert role("eve@sub.acme.test") is Role.VIEWER
    assert role("eve@acme.test.evil") is Role.VIEWER


def test_addresses_match_whatever_their_case():
    assert role("Ada@ACME.test") is Role.ADMIN
    table = {**ISSUE_TABLE, "admins": ["Carol@Example.COM"]}
    assert role("carol@example.com", table) is Role.ADMIN


def test_everyone_else_gets_the_default():
    for default, expected in [("viewer", Role.VIEWER), ("operator", Role.OPERATOR)]:
        assert role("zed@other.test", {"default": default}) is expected
    assert role("zed@other.test", {"default": "admin"}) is Role.ADMIN


def test_default_none_refuses_everyone_not_listed():
    table = {"admins": ["ada@acme.test"], "default": "none"}
    assert role("zed@other.test", table) is None
    assert role("ada@acme.test", table) is Role.ADMIN


def test_a_listed_viewer_stays_a_viewer_under_a_higher_default():
    table = {"viewers": ["intern@acme.test"], "default": "operator"}
    assert role("intern@acme.test", table) is Role.VIEWER
    assert role("someone@acme.test", table) is Role.OPERATOR


def test_roles_from_the_claim_alone():
    table = {**ISSUE_TABLE, "operators": [], "default": "none"}
    assert role("gil@elsewhere.test", table, groups=["posthog-operators"]) is Role.OPERATOR
    assert role("gil@elsewhere.test", table, groups="posthog-admins") is Role.ADMIN
    assert role("gil@elsewhere.test", table, groups=["marketing"]) is None
    assert role("gil@elsewhere.test", table) is None


def test_the_claim_is_read_only_when_configured():
    table = {"claim_admins": ["posthog-admins"], "default": "viewer"}
    assert role("gil@elsewhere.test", table, groups=["posthog-admins"]) is Role.VIEWER


def test_an_unverified_address_matches_no_address_entry():
    assert role("ada@acme.test", email_verified=False) is Role.VIEWER
    assert role("ada@acme.test", email_verified=True) is Role.ADMIN


def test_no_table_makes_every_signed_in_user_a_viewer():
    assert role("ada@acme.test", None) is Role.VIEWER


def test_admins_named_by_address_are_whom_to_ask():
    rules = RoleRules.from_table({"admins": ["ada@acme.test", "@acme.test"]})
    assert rules.contacts() == ("ada@acme.test",)


@pytest.mark.parametrize(
    "table,key",
    [
        ({"default": "superuser"}, "default"),
        ({"admins": "ada@acme.test"}, "admins"),
        ({"claim": ["groups"]}, "claim"),
        ({"claim_operators": 3}, "claim_operators"),
    ],
)
def test_a_wrong_table_says_which_key(table, key):
    with pytest.raises(ValueError, match=key):
        RoleRules.from_table(table)
