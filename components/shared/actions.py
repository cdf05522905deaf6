"""The one write path: every change the console sends is an `Action` declared once, and
`request` is the one runner that executes it. app.py calls `show_outcome()` before each page
and `ask_pending(client)` after it.

A resource's `actions.py` declares its actions: the operator's words, the question asked
first, the service call, the cached reads it makes stale, the least role, and its undo.
Components only call `request(...)` (and `blocked_reason(...)` to disable their controls);
they never call a service write or clear a cache themselves.

The runner, in order: role and audit-mode check; confirmation; a journal entry written as
pending (nothing is sent if that fails); the write; the entry completed as done, refused or
unknown; one outcome message; the stale caches forgotten; a rerun.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import streamlit as st

from components.console.signin import current_identity
from components.shared import data
from components.shared.connection import get_client
from components.shared.console_config import audit_mode_on, journal_url
from components.shared.detail_page import name_typed
from components.shared.feedback import explain
from components.shared.text import plain
from services import PostHogClient
from services.errors import (
    UNKNOWN_OUTCOME,
    MissingScope,
    PostHogError,
    RateLimited,
    ValidationFailed,
)
from services.journal import Entry, Journal, JournalUnavailable
from services.roles import Identity, Role
from services.scopes import lacking, scope_for

PENDING = "action_pending"
OUTCOME = "action_outcome"
AUDIT_MODE_REASON = "Audit mode is on: nothing can be changed."
# the scopes PostHog said this session's key lacks: {"connection": fingerprint, "scopes": [...]}
MISSING_SCOPES = "actions_missing_scopes"

# Where each resource's objects open in the console (for the journal's links).
LINKS = {
    "hog_function": "hog-functions",
    "batch_export": "batch-exports",
    "insight": "insights",
    "dashboard": "dashboards",
}


@dataclass(frozen=True)
class Target:
    """What an action acts on: its resource, id and name, and the object as loaded."""

    resource: str
    id: Any
    name: str
    obj: Any = field(default=None, compare=False, repr=False)

    @property
    def link(self) -> str | None:
        page = LINKS.get(self.resource)
        return f"/{page}?id={self.id}" if page and self.id is not None else None


Text = str | Callable[..., str]


@dataclass(frozen=True)
class Confirm:
    """The question asked before the write. `body(target, params)` is markdown; `extra(client,
    target, params)` draws more into the dialog and returns params to add, or None while the
    operator cannot confirm yet. `typed_name` asks for the object's name (destructive ones)."""

    title: str
    body: Text
    button: str
    keep: str = "Cancel"
    typed_name: str | None = None  # what to call the object in "Type the …'s name"
    extra: Callable[[PostHogClient, Target, dict], dict | None] | None = None
    width: str = "small"
    keys: tuple[str, str] | None = None  # widget keys of the two buttons


@dataclass(frozen=True)
class Action:
    key: str  # "hog_function.disable"
    words: str  # "Disable function": what it does, in the operator's words
    resource: str
    role: Role
    call: Callable[[PostHogClient, Target, dict], Any]
    stale: tuple[str, ...]
    done: Text  # done(target, params, result) or a template with {name}
    failed: Text = "Could not {words_lower} {name}"
    confirm: Confirm | None = None
    undo: str | None = None  # the key of the action that reverses it
    undo_params: Callable[[Target, dict, Any], dict] | None = None
    changes: Callable[[Target, dict], dict] | None = None  # before → after, never secrets
    # more changes known only from PostHog's answer (say, the id of a copy in another project)
    result_changes: Callable[[Target, dict, Any], dict] | None = None
    tested: bool = False  # test invocations and steps: journaled as "tested"
    why: Callable[[Exception], str] = explain
    on_done: Callable[[Target, dict, Any], None] | None = None
    on_refused: Callable[[Target, dict, Exception], None] | None = None
    # in a bulk run (components.shared.bulk): what it will change on one item, in words; why
    # an item is left alone ("Already disabled"); and limits across the whole batch
    # (`limit(client, targets, params)` → {target id: why it is left alone})
    will: Text | None = None
    skip: Callable[[Target, dict], str | None] | None = None
    limit: Callable[[PostHogClient, list[Target], dict], dict[Any, str]] | None = None
    # the object as PostHog holds it now: after a lost answer (a timeout, a dropped
    # connection, a 5xx) the runner re-reads it to tell whether the change was applied
    reread: Callable[[PostHogClient, Target], Any] | None = None


ACTIONS: dict[str, Action] = {}


def declare(**fields: Any) -> Action:
    """Declare an action once; its key must be new."""
    action = Action(**fields)
    if action.key in ACTIONS:
        raise ValueError(f"action {action.key!r} is declared twice")
    unknown = set(action.stale) - set(data.TAGS)
    if unknown:
        raise ValueError(f"{action.key}: no cached read is tagged {sorted(unknown)}")
    ACTIONS[action.key] = action
    return action


@dataclass(frozen=True)
class Outcome:
    status: str  # done, tested, refused, unknown, blocked, pending, not_journaled
    result: Any = None
    error: Exception | None = None
    entry_id: int | None = None
    reason: str | None = None  # why it was not sent, or that the journal missed its end
    verdict: str | None = None  # after a lost answer, what a re-read told, in words

    @property
    def ok(self) -> bool:
        return self.status in ("done", "tested")

    @property
    def may_have_changed(self) -> bool:
        """Whether PostHog may hold something new: not when it throttled the write (a 429
        comes before any processing, and a re-read now would be refused too)."""
        return self.entry_id is not None and not isinstance(self.error, RateLimited)


# --- who is acting, and whether they may ------------------------------------------------------


def identity() -> Identity:
    """Who is at the keyboard: the signed-in user and their role, or without `[auth]` the
    single user "local", an admin."""
    return current_identity()


def blocked_reason(action: Action | str) -> str | None:
    """Why this session may not run the action now, or None. Write controls show it as their
    help and are disabled, so nobody confirms a dialog only to be refused."""
    action = ACTIONS[action] if isinstance(action, str) else action
    if audit_mode_on():  # test invocations too: PostHog receives them as POSTs
        return AUDIT_MODE_REASON
    if identity().role < action.role:
        return f"Needs the {action.role.label} role."
    scope = lacking(scope_for(action.key), missing_scopes())
    if scope:
        return (
            f"This API key lacks the `{scope}` scope: add it to the key in PostHog (Settings → "
            "Personal API keys), or connect with a key that has it on the Settings page."
        )
    return None


def missing_scopes() -> list[str]:
    """The scopes PostHog refused a write of this session for, on the current connection
    (another connection starts with none)."""
    kept = st.session_state.get(MISSING_SCOPES)
    if not kept:
        return []
    if kept["connection"] != get_client().fingerprint:
        st.session_state.pop(MISSING_SCOPES, None)
        return []
    return kept["scopes"]


def _remember_missing_scope(client: PostHogClient, error: Exception | None) -> None:
    """After PostHog refused a write for a missing scope: every action needing it is blocked
    for this connection, so nobody confirms one only to be refused again."""
    if isinstance(error, MissingScope) and error.scope:
        scopes = [*missing_scopes(), error.scope]
        st.session_state[MISSING_SCOPES] = {
            "connection": client.fingerprint,
            "scopes": list(dict.fromkeys(scopes)),
        }


def write_button(
    label: str,
    action: Action | str,
    *,
    key: str,
    where: Any = st,
    help: str | None = None,
    disabled: bool = False,
    why_not: str | None = None,
    **options: Any,
) -> bool:
    """A button that runs `action`: disabled, with the reason as its help, while this session
    may not run it (audit mode, role) or `why_not` says the object does not allow it, so
    nobody confirms a question only to be refused."""
    reason = blocked_reason(action) or why_not
    return where.button(
        label, key=key, disabled=disabled or reason is not None, help=reason or help, **options
    )


# --- the journal --------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _journal_at(url: str) -> Journal:
    return Journal(url)


def journal() -> Journal:
    return _journal_at(journal_url())


# --- the runner ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pending:
    key: str
    target: Target
    params: dict
    undoes: int | None
    batch_id: str | None


def request(
    client: PostHogClient,
    action: Action | str,
    target: Target,
    *,
    undoes: int | None = None,
    batch_id: str | None = None,
    **params: Any,
) -> Outcome:
    """Run `action` on `target`: refused at once when not allowed, asked first when it has a
    question (the dialog opens on this or the next run), otherwise executed now."""
    action = ACTIONS[action] if isinstance(action, str) else action
    reason = blocked_reason(action)
    if reason:
        _leave_outcome("error", f"{_failed(action, target, params)}: {reason}")
        _rerun_outside_callback()
        return Outcome("blocked", reason=reason)
    if action.confirm is not None:
        st.session_state[PENDING] = _Pending(action.key, target, params, undoes, batch_id)
        _rerun_outside_callback()
        return Outcome("pending")
    return execute(client, action, target, params, undoes=undoes, batch_id=batch_id)


def execute(
    client: PostHogClient,
    action: Action,
    target: Target,
    params: dict,
    *,
    undoes: int | None = None,
    batch_id: str | None = None,
    rerun: bool = True,
) -> Outcome:
    """Steps after the confirmation: journal, write, journal, message, caches, rerun."""
    outcome = send(client, action, target, params, undoes=undoes, batch_id=batch_id)
    if outcome.may_have_changed:
        forget_stale(client, action, target)
    if outcome.status in ("blocked", "not_journaled"):
        _leave_outcome("error", f"{_failed(action, target, params)}: {outcome.reason}")
        _rerun_outside_callback(rerun)
        return outcome
    if outcome.ok:
        if action.on_done:
            action.on_done(target, params, outcome.result)
        message = _text(action.done, action, target, params, outcome.result)
        if outcome.verdict:
            message += f" {outcome.verdict}"
    else:
        if action.on_refused:
            action.on_refused(target, params, outcome.error)
        message = failure_message(action, target, params, outcome.error)
        if outcome.verdict:  # not applied yet, as far as a re-read can tell
            message = (
                f"{action.words} “{target.name}”: PostHog may or may not have applied this. "
                f"{outcome.verdict}"
            )
    unjournaled = f" {outcome.reason}" if outcome.reason and outcome.ok else ""
    _leave_outcome("error" if unjournaled or not outcome.ok else "success", message + unjournaled)
    wait = getattr(outcome.error, "wait_seconds", None)
    if isinstance(outcome.error, RateLimited) and wait:
        st.session_state[WAIT_UNTIL] = time.monotonic() + wait
    _rerun_outside_callback(rerun)
    return outcome


UNJOURNALED_END = "The journal could not record how it ended: its entry stays pending."


def send(
    client: PostHogClient,
    action: Action,
    target: Target,
    params: dict,
    *,
    undoes: int | None = None,
    batch_id: str | None = None,
) -> Outcome:
    """Check, journal, write, journal: no message, no rerun, no element drawn and no session
    state read once the journal entry is begun. Streamlit stops a run (a Stop, a closed tab)
    only at those, so a bulk run is never stopped between an item's write and its record.
    The caller forgets the stale caches (`forget_stale`) once it has recorded the outcome."""
    reason = blocked_reason(action)
    if reason:
        return Outcome("blocked", reason=reason)
    me = identity()
    book = journal()
    refusal = _undo_refusal(book, undoes, me) if undoes is not None else None
    if refusal:
        return Outcome("blocked", reason=refusal)
    try:
        entry_id = book.begin(_entry(client, action, target, params, me, undoes, batch_id))
    except JournalUnavailable as exc:
        return Outcome(
            "not_journaled",
            reason=(
                "nothing was sent to PostHog, because the journal cannot be written "
                f"({exc.reason}). Every change is recorded before it is sent; see the Journal "
                "page for where it is kept."
            ),
        )

    sent: list[tuple[str, str]] = []

    def listen(method, path, _body, _response, _error) -> None:
        sent.append((method, path.split("?")[0]))

    client.transport.write_listeners.append(listen)
    try:
        result = action.call(client, target, params)
    except PostHogError as exc:
        outcome = Outcome("unknown" if exc.outcome_unknown else "refused", error=exc)
    else:
        outcome = Outcome("tested" if action.tested else "done", result=result)
    finally:
        client.transport.write_listeners.remove(listen)
    if outcome.status == "unknown" and action.reread is not None and action.changes:
        outcome = _reread(client, action, target, params, outcome)

    method = "; ".join(dict.fromkeys(m for m, _ in sent)) or None
    path = "; ".join(dict.fromkeys(p for _, p in sent)) or None
    result_id = getattr(outcome.result, "id", None) if target.id is None else None
    try:
        book.complete(
            entry_id,
            outcome=outcome.status,
            reason=outcome.verdict or (None if outcome.error is None else explain(outcome.error)),
            method=method,
            path=path,
            object_id=result_id,
            undo_params=(
                action.undo_params(target, params, outcome.result)
                if outcome.ok and action.undo_params
                else None
            ),
            changes=(
                {
                    **(action.changes(target, params) if action.changes else {}),
                    **action.result_changes(target, params, outcome.result),
                }
                if outcome.ok and action.result_changes
                else None
            ),
        )
        unjournaled = None
    except Exception:  # the write happened; say the journal missed its ending
        unjournaled = UNJOURNALED_END
    _remember_missing_scope(client, outcome.error)  # the entry is complete: safe to stop here
    return replace(outcome, entry_id=entry_id, reason=unjournaled)


def forget_stale(client: PostHogClient, action: Action, target: Target) -> None:
    """After a write: drop the cached reads it made stale."""
    data.forget(client, action.stale, _stale_id(action, target))


def note_skipped(
    client: PostHogClient,
    action: Action,
    target: Target,
    params: dict,
    *,
    reason: str,
    batch_id: str,
) -> Outcome:
    """Journal a bulk item left alone (and why), so a batch's entries are all its items."""
    book = journal()
    try:
        entry_id = book.begin(
            _entry(client, action, target, params, identity(), None, batch_id, skipped=True)
        )
        book.complete(entry_id, outcome="skipped", reason=reason)
    except JournalUnavailable as exc:
        return Outcome("skipped", reason=f"{reason} (not journaled: {exc.reason})")
    return Outcome("skipped", entry_id=entry_id, reason=reason)


def _entry(
    client: PostHogClient,
    action: Action,
    target: Target,
    params: dict,
    me: Identity,
    undoes: int | None,
    batch_id: str | None,
    *,
    skipped: bool = False,
) -> Entry:
    return Entry(
        user=me.user,
        host=client.host,
        project_id=str(client.project_id),
        action=action.words,
        action_key=action.key,
        resource=action.resource,
        object_id=None if target.id is None else str(target.id),
        object_name=target.name,
        changes=action.changes(target, params) if action.changes and not skipped else {},
        batch_id=batch_id,
        undoes=undoes,
    )


def _undo_refusal(book: Journal, entry_id: int, me: Identity) -> str | None:
    """An undo is refused here too, not only on the Journal page: an operator may undo only
    their own entries, and an entry only once."""
    try:
        entry = book.get(entry_id)
        already = entry_id in book.undone([entry_id])
    except JournalUnavailable as exc:
        return f"nothing was sent to PostHog, because the journal cannot be read ({exc.reason})"
    if entry is None:
        return f"the journal has no entry #{entry_id} to undo"
    if already:
        return f"entry #{entry_id} was already undone"
    if me.role < Role.ADMIN and entry.user != me.user:
        return "operators can undo only their own changes"
    return None


# PostHog's `attr` on refusals about the object as a whole ("Maximum of 20 enabled
# transformation functions…" comes with attr `type`): its message says it all
WHOLE_OBJECT_ATTRS = ("type", "non_field_errors", "__all__")


_MISSING = object()


def _reread(
    client: PostHogClient, action: Action, target: Target, params: dict, outcome: Outcome
) -> Outcome:
    """After a lost answer: when every field the action changes already holds its new value,
    PostHog applied it. When every one still holds its old value the outcome stays unknown,
    since a request that timed out may still be applied, but the operator is told so; a
    failed re-read tells nothing."""
    try:
        current = action.reread(client, target)
    except PostHogError:
        return outcome
    wanted = action.changes(target, params)
    held = {f: getattr(current, f, _MISSING) for f in wanted}
    if not wanted or _MISSING in held.values():
        return outcome
    lost = str(outcome.error).removesuffix(UNKNOWN_OUTCOME).strip()
    if all(held[f] == change["after"] for f, change in wanted.items()):
        reason = f"PostHog's answer was lost ({lost}), but a re-read shows it applied the change."
        return replace(outcome, status="done", verdict=reason)
    if all(held[f] == change["before"] for f, change in wanted.items()):
        reason = (
            f"PostHog's answer was lost ({lost}), and a re-read does not show the change yet. "
            "PostHog may still apply it: reload in a minute before trying again."
        )
        return replace(outcome, verdict=reason)
    return outcome


def failure_message(action: Action, target: Target, params: dict, error: Exception) -> str:
    if isinstance(error, PostHogError) and error.outcome_unknown:
        # never worded as a failure: the change may have been applied, and a retry could
        # apply it twice
        cause = str(error).removesuffix(UNKNOWN_OUTCOME).strip()
        return (
            f"{action.words} “{target.name}”: PostHog may or may not have applied this. "
            f"{cause} Reload to check before trying again."
        )
    why = action.why(error)
    if (
        isinstance(error, ValidationFailed)
        and error.attr not in (None, *WHOLE_OBJECT_ATTRS)
        and action.why is explain
    ):
        why = f"{error.attr}: {error.detail}"
    return f"{_failed(action, target, params)}: {why}"


def _stale_id(action: Action, target: Target) -> Any:
    # the sharing audit is keyed by (kind, id)
    if "shared_publicly_item" in action.stale:
        return (target.resource, target.id)
    return target.id


def _failed(action: Action, target: Target, params: dict) -> str:
    return _text(action.failed, action, target, params, None)


def _text(template: Text, action: Action, target: Target, params: dict, result: Any) -> str:
    if callable(template):
        return template(target, params, result)
    # the target's own fields win over a param of the same name
    fields = {**params, "name": target.name, "words": action.words}
    return template.format(words_lower=action.words.lower(), **fields)


# --- the outcome message and the pending question ---------------------------------------------


WAIT_UNTIL = "actions_rate_limited_until"  # PostHog's 429 wait after a write, counted down


def _leave_outcome(kind: str, message: str) -> None:
    st.session_state[OUTCOME] = (kind, message)


def show_outcome() -> None:
    """Show, once, what the last action did (a toast) or why it did not (an error), and,
    after a 429, count PostHog's wait down while the page stays usable."""
    left = st.session_state.pop(OUTCOME, None)
    if left:
        kind, message = left
        if kind == "error":
            st.error(plain(message), icon=":material/error:")
        else:
            st.toast(plain(message), icon=":material/check:")
    if st.session_state.get(WAIT_UNTIL):
        _count_down()


@st.fragment(run_every=1)
def _count_down() -> None:
    left = st.session_state.get(WAIT_UNTIL, 0) - time.monotonic()
    if left <= 0:
        st.session_state.pop(WAIT_UNTIL, None)
        st.caption("PostHog's wait is over: changes can be sent again.")
        return
    st.info(
        f"PostHog asked us to wait: changes can be sent again in {left:.0f} s.",
        icon=":material/hourglass_top:",
    )


def ask_pending(client: PostHogClient) -> None:
    """Once per page run, after the page (so the page does not shift when it closes): the
    question of an action waiting for an answer."""
    pending: _Pending | None = st.session_state.get(PENDING)
    if pending is None:
        return
    action = ACTIONS.get(pending.key)
    if action is None or action.confirm is None:
        st.session_state.pop(PENDING, None)
        return
    ask = st.dialog(action.confirm.title, width=action.confirm.width, on_dismiss=_drop_pending)
    ask(_ask)(client, action, pending)


def _drop_pending() -> None:
    st.session_state.pop(PENDING, None)


def _ask(client: PostHogClient, action: Action, pending: _Pending) -> None:
    confirm = action.confirm
    target, params = pending.target, dict(pending.params)
    body = _text(confirm.body, action, target, params, None)
    if body:
        st.markdown(body)
    ready = True
    if confirm.extra is not None:
        more = confirm.extra(client, target, params)
        if more is None:
            ready = False
        else:
            params.update(more)
    if confirm.typed_name:
        ready = name_typed(target.name, what=confirm.typed_name, key=f"typed_{action.key}") and (
            ready
        )
    ok_key, keep_key = confirm.keys or (f"confirm_{action.key}", f"keep_{action.key}")
    yes, no = st.columns(2)
    if yes.button(confirm.button, type="primary", key=ok_key, disabled=not ready):
        _drop_pending()
        execute(client, action, target, params, undoes=pending.undoes, batch_id=pending.batch_id)
    if no.button(confirm.keep, key=keep_key):
        _drop_pending()
        st.rerun()


def _rerun_outside_callback(rerun: bool = True) -> None:
    """Rerun so the outcome (or the question) shows now; a callback reruns by itself."""
    if rerun and not _in_callback():
        st.rerun()


def _in_callback() -> bool:
    """True inside a widget callback, where Streamlit reruns anyway (st.rerun is a no-op)."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import (
            RunLocation,
            ThreadState,
        )

        return ThreadState.get().run_location == RunLocation.CALLBACK
    except (ImportError, AttributeError):
        return False
