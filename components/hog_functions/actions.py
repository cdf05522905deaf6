"""Every write the console makes to hog functions, declared once (see components.shared.actions).
Only this module calls a hog function service write."""

from __future__ import annotations

import streamlit as st

from components.shared import data
from components.shared.actions import Confirm, Target, declare
from components.shared.feedback import explain
from components.shared.text import plain
from services.errors import PostHogError
from services.models import HogFunction
from services.roles import Role


def target(function: HogFunction) -> Target:
    return Target("hog_function", function.id, function.name, function)


def _recent_deliveries(client, target: Target, _params: dict) -> dict:
    """The disable question says what the function delivered in the last 7 days."""
    try:
        totals = data.function_totals(client, target.id, after="-7d", before=None)
    except PostHogError as exc:
        st.warning(plain(f"Its recent deliveries could not be loaded: {explain(exc)}"))
    else:
        delivered, failed = totals.get("success", 0), totals.get("failure", 0)
        st.markdown(
            f"In the last 7 days it delivered **{delivered:,}** events and **{failed:,}** failed."
        )
    return {}


ENABLED = {"enabled": {"before": False, "after": True}}
DISABLED = {"enabled": {"before": True, "after": False}}

ENABLE = declare(
    key="hog_function.enable",
    words="Enable function",
    resource="hog_function",
    role=Role.OPERATOR,
    call=lambda client, t, _p: client.hog_functions.enable(t.id),
    stale=("hog_functions",),
    done="Enabled {name}.",
    undo="hog_function.disable",
    changes=lambda _t, _p: ENABLED,
)

DISABLE = declare(
    key="hog_function.disable",
    words="Disable function",
    resource="hog_function",
    role=Role.OPERATOR,
    call=lambda client, t, _p: client.hog_functions.disable(t.id),
    stale=("hog_functions",),
    done="Disabled {name}.",
    confirm=Confirm(
        title="Disable this function?",
        body=lambda t, _p, _r: f"**{plain(t.name)}** will stop running at once.",
        button="Disable",
        keep="Keep it running",
        extra=_recent_deliveries,
        keys=("hf_confirm_disable", "hf_cancel_disable"),
    ),
    undo="hog_function.enable",
    changes=lambda _t, _p: DISABLED,
)
