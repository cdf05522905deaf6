"""Sign-in: with `[auth]` in `.streamlit/secrets.toml` every page needs a signed-in user
(Streamlit's `st.login` with any OpenID Connect provider), whose role comes from
`[console.roles]`. Without `[auth]` everyone is the single user "local", an admin.

app.py calls `gate()` before `st.navigation`, so nothing is read from PostHog for a visitor
who is not signed in or has no role.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from components.shared.text import plain
from services.roles import Identity, Role, RoleRules, resolve_role

LOCAL = Identity(user="local", role=Role.ADMIN)
# Streamlit's own [auth] keys; any other key holding a table is a named provider
AUTH_KEYS = {
    "redirect_uri",
    "cookie_secret",
    "client_id",
    "client_secret",
    "server_metadata_url",
    "client_kwargs",
    "expose_tokens",
}

SNIPPET = """\
[auth]
redirect_uri = "https://console.example.com/oauth2callback"
cookie_secret = "a long random string"
client_id = "…"
client_secret = "…"
server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"

[console.roles]
admins = ["ada@example.com"]        # e-mail addresses, or "@example.com" for a whole domain
operators = ["@example.com"]
viewers = []
default = "viewer"                  # any other signed-in user: viewer, operator, admin or none
# claim = "groups"                  # optional: also read roles from this ID-token claim,
# claim_admins = ["posthog-admins"] # matching these group names
# claim_operators = ["posthog-operators"]
"""


def _section(name: str) -> Mapping[str, Any]:
    try:
        return st.secrets.get(name) or {}
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return {}


def sign_in_on() -> bool:
    """`[auth]` is configured: every page needs a signed-in user."""
    return bool(_section("auth"))


def providers() -> list[str | None]:
    """The providers to offer: None for the unnamed one (`[auth]` itself), else the names of
    the `[auth.<name>]` tables."""
    auth = _section("auth")
    named = [key for key, value in auth.items() if isinstance(value, Mapping)]
    named = [key for key in named if key not in AUTH_KEYS]
    return [None] if "client_id" in auth or not named else named


def provider_label(name: str | None) -> str:
    if name is not None:
        return name.replace("-", " ").title()
    url = str(_section("auth").get("server_metadata_url") or "")
    return urlsplit(url).netloc or "single sign-on"


def role_rules() -> RoleRules | None:
    """`[console.roles]`, or None when a value in it is wrong (then nobody gets a role, and the
    gate says what to fix)."""
    try:
        return RoleRules.from_table(_section("console").get("roles"))
    except ValueError:
        return None


def _roles_problem() -> str | None:
    try:
        RoleRules.from_table(_section("console").get("roles"))
    except ValueError as exc:
        return str(exc)
    return None


def _user() -> dict[str, Any]:
    return st.user.to_dict()


def _email(user: Mapping[str, Any]) -> str:
    """The signed-in user's address (the subject when the provider sends no e-mail claim)."""
    return str(user.get("email") or user.get("sub") or "")


def signed_in_identity() -> Identity | None:
    """This browser session's identity, or None while nobody with a role is signed in."""
    if not sign_in_on():
        return LOCAL
    user = _user()
    if not user.get("is_logged_in"):
        return None
    email, rules = _email(user), role_rules()
    role = resolve_role(email, user, rules) if rules is not None else None
    return Identity(user=email, role=role) if role is not None and email else None


def current_identity() -> Identity:
    """Who acts in this session. Pages never run for a visitor without a role (the gate stops
    them); anything that asks anyway gets read-only rights."""
    return signed_in_identity() or Identity(user=_email(_user()), role=Role.VIEWER)


def gate() -> None:
    """Stop the run with a sign-in page, or a refusal, unless someone with a role is signed in."""
    if not sign_in_on() or signed_in_identity() is not None:
        return
    # the only page there is until then: without a navigation, Streamlit would fall back to
    # its legacy pages/ folder and list (and run) the pages themselves
    page = _sign_in_page if not _user().get("is_logged_in") else _refused_page
    title = "Sign in" if page is _sign_in_page else "No access"
    st.navigation([st.Page(page, title=title, default=True)], position="hidden").run()
    st.stop()


def _sign_in_page() -> None:
    st.title("PostHog Admin Console")
    st.write("Sign in with your organisation's account to continue.")
    for name in providers():
        label = provider_label(name)
        if st.button(
            f"Sign in with {label}",
            key=f"sign_in_{name or 'default'}",
            type="primary",
            icon=":material/login:",
        ):
            st.login(name)


def _refused_page() -> None:
    problem = _roles_problem()
    if problem:
        st.title("PostHog Admin Console")
        st.error(f"Sign-in is misconfigured: {plain(problem)}.", icon=":material/error:")
        st.write("Ask whoever runs this console to fix `.streamlit/secrets.toml`.")
    else:
        st.title("No access to this console")
        st.error(
            f"You are signed in as **{plain(_email(_user()))}**, which has no role in this console."
        )
        contacts = role_rules().contacts()
        if contacts:
            st.write(plain("Ask an admin to give you a role: " + ", ".join(contacts) + "."))
        else:
            st.write("Ask whoever runs this console to add you to `[console.roles]`.")
    if st.button("Log out", key="refused_log_out", icon=":material/logout:"):
        st.logout()
