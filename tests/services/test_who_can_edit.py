"""Who edits a dashboard without an invitation (pure rule, no server): its owner, and the
key's own user when `users/@me` says the organisation made them an admin or owner."""

from __future__ import annotations

from services.analytics_models import Dashboard
from services.dashboards import inherent_editors
from services.models import User, UserBasic

OWNER = UserBasic(id=2, uuid="u-owner", first_name="Bruno")


def _me(level: int | None) -> User:
    return User.model_validate(
        {"id": 1, "uuid": "u-me", "first_name": "Ada", "organization": {"membership_level": level}}
    )


def test_the_owner_always_edits():
    dashboard = Dashboard(id=1, created_by=OWNER)
    assert inherent_editors(dashboard) == {"u-owner": "owner"}
    assert inherent_editors(dashboard, _me(1)) == {"u-owner": "owner"}  # a plain member


def test_an_organisation_admin_or_owner_key_user_edits():
    dashboard = Dashboard(id=1, created_by=OWNER)
    assert inherent_editors(dashboard, _me(8)) == {"u-owner": "owner", "u-me": "admin"}
    assert inherent_editors(dashboard, _me(15))["u-me"] == "admin"
    assert "u-me" not in inherent_editors(dashboard, _me(None))  # PostHog did not say


def test_the_owner_who_is_also_admin_is_named_owner():
    dashboard = Dashboard(id=1, created_by=UserBasic(uuid="u-me"))
    assert inherent_editors(dashboard, _me(15)) == {"u-me": "owner"}
