"""The console's roles: what each may do is decided per action, by the least role it needs.

Who has which role comes from `[console.roles]` in `.streamlit/secrets.toml`: e-mail addresses
(or "@domain" for a whole domain) per role, a `default` for every other signed-in user, and
optionally group names read from an ID-token claim. The highest role that matches wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class Role(IntEnum):
    VIEWER = 0  # read everything, download CSV
    OPERATOR = 1  # switch, pause, backfill, retry, test, favorite, undo their own entries
    ADMIN = 2  # everything: configurations, create, delete, sharing, collaborators, Settings

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Identity:
    """Who is at the keyboard: the signed-in e-mail (or "local" without sign-in) and role."""

    user: str
    role: Role


DEFAULT_WORDS = {"viewer": Role.VIEWER, "operator": Role.OPERATOR, "admin": Role.ADMIN}
NO_ROLE = "none"


def _names(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"[console.roles] {key} must be a list of strings")
    return tuple(str(v).strip().lower() for v in value if str(v).strip())


@dataclass(frozen=True)
class RoleRules:
    """`[console.roles]`, checked once: e-mail entries per role, the default, the claim."""

    admins: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    viewers: tuple[str, ...] = ()
    default: Role | None = Role.VIEWER  # None: everyone not listed is refused
    claim: str | None = None
    claim_admins: tuple[str, ...] = ()
    claim_operators: tuple[str, ...] = ()
    claim_viewers: tuple[str, ...] = ()

    @classmethod
    def from_table(cls, table: Mapping[str, Any] | None) -> RoleRules:
        """Read the table; a wrong value raises ValueError saying which key."""
        table = dict(table or {})
        default = str(table.get("default", "viewer")).strip().lower()
        if default != NO_ROLE and default not in DEFAULT_WORDS:
            raise ValueError(
                f'[console.roles] default must be "viewer", "operator", "admin" or "none", '
                f"not {table.get('default')!r}"
            )
        claim = table.get("claim")
        if claim is not None and not isinstance(claim, str):
            raise ValueError("[console.roles] claim must be the name of an ID-token claim")
        return cls(
            admins=_names(table.get("admins"), "admins"),
            operators=_names(table.get("operators"), "operators"),
            viewers=_names(table.get("viewers"), "viewers"),
            default=None if default == NO_ROLE else DEFAULT_WORDS[default],
            claim=claim.strip() or None if claim else None,
            claim_admins=_names(table.get("claim_admins"), "claim_admins"),
            claim_operators=_names(table.get("claim_operators"), "claim_operators"),
            claim_viewers=_names(table.get("claim_viewers"), "claim_viewers"),
        )

    def contacts(self) -> tuple[str, ...]:
        """Whom to ask for access: the admins named by address (not by domain)."""
        return tuple(entry for entry in self.admins if not entry.startswith("@"))


def _listed(email: str, entries: tuple[str, ...]) -> bool:
    if not email or "@" not in email:
        return False
    domain = "@" + email.rsplit("@", 1)[1]
    return email in entries or domain in entries


def _groups(claims: Mapping[str, Any], claim: str | None) -> set[str]:
    if not claim:
        return set()
    value = claims.get(claim)
    if value is None:
        return set()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable):
        return set()
    return {str(v).strip().lower() for v in value}


def resolve_role(email: str | None, claims: Mapping[str, Any], rules: RoleRules) -> Role | None:
    """The role of a signed-in user: the highest one their e-mail or their groups in the
    claim match, else the default; None when they may not use the console at all.

    An address the provider says it has not verified matches no e-mail entry."""
    email = (email or "").strip().lower()
    if claims.get("email_verified") is False:
        email = ""
    groups = _groups(claims, rules.claim)
    matched = [
        role
        for role, entries, names in (
            (Role.ADMIN, rules.admins, rules.claim_admins),
            (Role.OPERATOR, rules.operators, rules.claim_operators),
            (Role.VIEWER, rules.viewers, rules.claim_viewers),
        )
        if _listed(email, entries) or groups & set(names)
    ]
    return max(matched) if matched else rules.default
