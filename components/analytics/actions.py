"""Public sharing of insights and dashboards, declared once (see components.shared.actions).
Only this module calls a sharing service write.

Each action is declared for both kinds ("insight", "dashboard"), so the journal records the
right object and an undo from the Journal page reaches the right service."""

from __future__ import annotations

from components.shared.actions import Action, Confirm, Target, declare
from components.shared.feedback import explain
from components.shared.text import plain
from services.errors import MissingScope
from services.roles import Role

KINDS = ("insight", "dashboard")
NO_SCOPE = (
    "This API key cannot {what} public sharing: PostHog keeps sharing behind its own scope, "
    "`sharing_configuration:{access}`, which a key made for {kind}s does not include. Create "
    "a personal API key with that scope in PostHog → Settings → Personal API keys."
)


def missing_sharing_scope(exc: Exception) -> bool:
    return isinstance(exc, MissingScope) and (exc.scope or "").startswith("sharing_configuration")


def refusal(exc: Exception, kind: str, access: str) -> str:
    """Why PostHog refused a sharing read or write: a missing scope in the operator's words."""
    if missing_sharing_scope(exc):
        what = "see" if access == "read" else "change"
        return NO_SCOPE.format(what=what, access=access, kind=kind)
    return explain(exc)


def _service(client, t: Target):
    return client.insights if t.resource == "insight" else client.dashboards


def _already_shared(enabled: bool):
    """A bulk item is left alone when its sharing (the target's `enabled`, when it carries
    one) is already as asked; the audit's items are shared by definition."""

    def skip(t: Target, _params: dict) -> str | None:
        if getattr(t.obj, "enabled", None) is enabled:
            return "Already shared publicly" if enabled else "Not shared publicly"
        return None

    return skip


def _ask(title: str, text: str, button: str) -> Confirm:
    return Confirm(
        title=title,
        body=lambda t, _p, _r: text.format(name=plain(t.name)),
        button=button,
        keys=("share_confirm", "share_cancel"),
    )


def _declare_for(kind: str) -> tuple[Action, Action, Action]:
    def why(exc: Exception) -> str:
        return refusal(exc, kind, "write")

    common = dict(
        resource=kind,
        role=Role.ADMIN,
        stale=("sharing", f"{kind}s"),
        failed="{name} was not changed",
        why=why,
    )
    share, turn_off = f"{kind}.share_publicly", f"{kind}.turn_off_public_sharing"

    def switch(enabled: bool, **fields) -> Action:
        before, after = ("off", "on") if enabled else ("on", "off")
        return declare(
            key=share if enabled else turn_off,
            call=lambda client, t, _p: _service(client, t).set_sharing(t.id, enabled=enabled),
            undo=turn_off if enabled else share,
            changes=lambda _t, _p: {"public sharing": {"before": before, "after": after}},
            skip=_already_shared(enabled),
            **fields,
            **common,
        )

    on = switch(
        True,
        words="Share publicly",
        will="Not shared → shared: anyone with the link can see it",
        done="{name} is shared publicly.",
        confirm=_ask(
            "Share publicly?",
            "Anyone with the link will see **{name}** and its results without logging in. You "
            "can turn it off again at any time.",
            "Share publicly",
        ),
    )
    off = switch(
        False,
        words="Turn off public sharing",
        will="Shared → not shared: the public link stops working",
        done="{name} is no longer shared.",
        confirm=_ask(
            "Turn off the public link?",
            "The public link to **{name}** stops working at once. Turning sharing on again "
            "later gives the same link back.",
            "Turn off",
        ),
    )
    replace = declare(
        key=f"{kind}.replace_public_link",
        words="Replace public link",
        call=lambda client, t, _p: _service(client, t).rotate_share_link(t.id),
        done="{name} has a new link.",
        confirm=_ask(
            "Replace the public link?",
            "The current link to **{name}** stops working and a new one is made. Anyone you "
            "gave the old link to loses access.",
            "Replace link",
        ),
        # the link itself gives access: never in the journal
        changes=lambda _t, _p: {"public link": {"before": "old link", "after": "new link"}},
        **common,
    )
    return on, off, replace


# (share publicly, turn off public sharing, replace public link) per kind
SHARING = {kind: _declare_for(kind) for kind in KINDS}
