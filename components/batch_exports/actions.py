"""Every write the console makes to batch exports, declared once (see components.shared.actions).
Only this module calls a batch exports service write."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import streamlit as st

from components.batch_exports.fields import change_rows, field_words
from components.shared import conflict, copy_form, data
from components.shared.actions import Action, Confirm, Target, declare
from components.shared.feedback import explain
from components.shared.text import plain
from services.batch_exports import (
    CheckResult,
    export_status,
    field_changes,
    missed_while_paused,
    new_export_body,
    run_in_order,
)
from services.copies import export_copy, export_secrets
from services.errors import PostHogError, TooManyBackfills, ValidationFailed
from services.models import BatchExport
from services.roles import Role

EXPORTS = ("batch_exports",)
# runs and backfills show in the export's latest runs too
EXPORTS_AND_RUNS = ("batch_exports", "export_runs")
DELETED_HERE = "be_deleted_here"  # export id → name, for a detail opened after its delete


def target(export: BatchExport) -> Target:
    return Target("batch_export", export.id, export.name, export)


def new_target(name: str) -> Target:
    """A batch export that does not exist yet (create, check new settings)."""
    return Target("batch_export", None, name.strip() or "new export")


def field_for(error: ValidationFailed) -> str:
    """Where a PostHog 400 belongs: `destination__config` naming 'bucket_name' → that field."""
    attr = error.attr or ""
    if attr.startswith("destination__config"):
        quoted = re.findall(r"'([a-z_]+)'", error.detail or "")
        return f"config.{quoted[0]}" if quoted else "config"
    if attr.startswith("filters"):
        return "filters"
    return attr or "form"


def _form_errors(_target: Target, params: dict, error: Exception) -> None:
    """A rejected form keeps its draft and shows PostHog's reason next to the field."""
    if isinstance(error, ValidationFailed):
        st.session_state[f"{params['form']}_errors"] = {
            field_for(error): error.detail or str(error)
        }


# --- pause and resume ---------------------------------------------------------------------


def _ask_backfill(missed: int, *, key: str, whose: str = "") -> dict:
    """The offer to backfill the `missed` intervals, when there are some (one export's resume
    question, or a bulk resume's preview with `whose` naming the exports)."""
    if not missed:
        st.caption(f"No interval was missed while paused{whose}, so there is nothing to backfill.")
        return {"backfill": False}
    backfill = st.checkbox(
        f"Also backfill the {missed:,} interval{'s' if missed != 1 else ''} missed while "
        f"paused{whose}",
        value=False,
        key=key,
        help="PostHog exports the data from when the export was paused until now, as a "
        "backfill you can follow and cancel on the Backfills tab. Leave it off if the gap "
        "should stay empty or was filled another way.",
    )
    return {"backfill": backfill}


def _offer_backfill(client, target: Target, _params: dict) -> dict:
    """The resume question offers to backfill what was missed, when something was."""
    try:
        export = target.obj if target.obj is not None else data.batch_export(client, target.id)
    except PostHogError as exc:
        st.warning(plain(f"The intervals missed while paused could not be counted: {explain(exc)}"))
        return {"backfill": False}
    return _ask_backfill(missed_while_paused(export), key="be_resume_backfill")


def offer_backfills(targets: list[Target]) -> dict:
    """A bulk resume's preview offers the same backfill, for every export it resumes."""
    missed = sum(missed_while_paused(t.obj) for t in targets if t.obj is not None)
    whose = f" by these {len(targets)} exports" if len(targets) > 1 else ""
    return _ask_backfill(missed, key="be_bulk_resume_backfill", whose=whose)


def _already(paused: bool):
    """A bulk item is left alone when the export is already in the state asked for; an ended
    export is not resumed (it will not run again)."""

    def skip(t: Target, _params: dict) -> str | None:
        if t.obj is None:
            return None
        if not paused and export_status(t.obj) == "Ended":
            return "The export has ended"
        if t.obj.paused is paused:
            return "Already paused" if paused else "Not paused"
        return None

    return skip


def _will_resume(t: Target, _params: dict, _result: Any) -> str:
    missed = missed_while_paused(t.obj) if t.obj is not None else 0
    gap = f" ({missed:,} intervals were missed while paused)" if missed else ""
    return f"Paused → running from the next interval{gap}"


def _backfills(t: Target, params: dict) -> bool:
    """Whether resuming `t` also backfills: when asked, and (in a bulk resume, where the
    option covers every export) only an export that missed something."""
    return bool(params.get("backfill")) and (t.obj is None or missed_while_paused(t.obj) > 0)


def _resumed(target: Target, params: dict, _result: Any) -> str:
    also = " A backfill of the missed intervals started." if _backfills(target, params) else ""
    return f"Resumed {target.name}.{also}"


def _resume_changes(target: Target, params: dict) -> dict:
    changes: dict[str, Any] = {"paused": {"before": True, "after": False}}
    if _backfills(target, params):
        changes["backfill_missed_intervals"] = {"before": None, "after": True}
    return changes


PAUSE = declare(
    key="batch_export.pause",
    words="Pause export",
    resource="batch_export",
    role=Role.OPERATOR,
    call=lambda client, t, _p: client.batch_exports.pause(t.id),
    stale=EXPORTS,
    done="Paused {name}.",
    confirm=Confirm(
        title="Pause this export?",
        body=lambda t, _p, _r: (
            f"**{plain(t.name)}** will stop exporting at the next interval. Nothing already "
            "exported is touched. When you resume it you can backfill the intervals it missed."
        ),
        button="Pause",
        keep="Keep it running",
        keys=("be_confirm_pause", "be_cancel_pause"),
    ),
    undo="batch_export.resume",
    changes=lambda _t, _p: {"paused": {"before": False, "after": True}},
    will="Running → paused: stops exporting at the next interval",
    skip=_already(True),
    reread=lambda client, t: client.batch_exports.get(t.id),
)

RESUME = declare(
    key="batch_export.resume",
    words="Resume export",
    resource="batch_export",
    role=Role.OPERATOR,
    call=lambda client, t, p: client.batch_exports.unpause(t.id, backfill=_backfills(t, p)),
    stale=EXPORTS_AND_RUNS,
    done=_resumed,
    confirm=Confirm(
        title="Resume this export?",
        body=lambda t, _p, _r: f"**{plain(t.name)}** will run again from the next interval.",
        button="Resume",
        keep="Keep it paused",
        extra=_offer_backfill,
        keys=("be_confirm_resume", "be_cancel_resume"),
    ),
    undo="batch_export.pause",
    changes=_resume_changes,
    will=_will_resume,
    skip=_already(False),
    reread=lambda client, t: client.batch_exports.get(t.id),
)


# --- create, edit, delete -----------------------------------------------------------------


def _open_created(_target: Target, params: dict, created: BatchExport) -> None:
    form = params["form"]
    for name in (f"{form}_errors", f"{form}_steps_results"):
        st.session_state.pop(name, None)
    st.query_params["id"] = created.id


CREATE = declare(
    key="batch_export.create",
    words="Create export",
    resource="batch_export",
    role=Role.ADMIN,
    call=lambda client, _t, p: client.batch_exports.create(**p["fields"]),
    stale=EXPORTS,
    done="Created {name}.",
    changes=lambda _t, p: field_changes(None, new_export_body(**p["fields"])),
    on_done=_open_created,
    on_refused=_form_errors,
)


def _review(_client, target: Target, params: dict) -> dict:
    st.table(change_rows(target.obj, params["changes"]))
    return {}


def _edit_refused(target: Target, params: dict, error: Exception) -> None:
    conflict.refused("batch_export", target.id, target.obj, error)  # the draft stays as typed
    _form_errors(target, params, error)


EDIT = declare(
    key="batch_export.edit",
    words="Edit export",
    resource="batch_export",
    role=Role.ADMIN,
    call=lambda client, t, p: client.batch_exports.update_if_unchanged(
        t.id, changes=p["changes"], loaded_updated_at=p["loaded_updated_at"]
    ),
    stale=EXPORTS,
    done="Saved {name}.",
    confirm=Confirm(
        title="Save these changes?",
        body="Only these fields are sent; PostHog keeps the rest, stored secrets included.",
        button="Save",
        keep="Keep editing",
        extra=_review,
        width="large",
        keys=("be_save_confirm", "be_save_keep"),
    ),
    changes=lambda t, p: field_changes(t.obj, p["changes"]),
    on_done=lambda t, _p, _r: conflict.saved("batch_export", t.id),
    on_refused=_edit_refused,
)


def _left_deleted(target: Target, _params: dict, _result: Any) -> None:
    st.session_state.setdefault(DELETED_HERE, {})[target.id] = target.name
    st.query_params.pop("id", None)  # back to the list


DELETE = declare(
    key="batch_export.delete",
    words="Delete export",
    resource="batch_export",
    role=Role.ADMIN,
    call=lambda client, t, _p: client.batch_exports.delete(t.id),
    stale=EXPORTS,
    done="Deleted {name}.",
    confirm=Confirm(
        title="Delete this batch export?",
        body=lambda t, _p, _r: (
            f"**{plain(t.name)}** stops running and its running backfills are cancelled. What "
            "it already exported stays at the destination. **PostHog has no restore for batch "
            "exports: this cannot be undone.**"
        ),
        button="Delete",
        keep="Keep it",
        typed_name="export",
        keys=("be_confirm_delete", "be_cancel_delete"),
    ),
    changes=lambda _t, _p: {"deleted": {"before": False, "after": True}},
    on_done=_left_deleted,
    will="Deleted: stops running, its backfills are cancelled; cannot be undone",
)


# --- backfills ----------------------------------------------------------------------------


def span(start: date | datetime | None, end: date | datetime | None) -> str:
    return f"{start or 'the beginning of time'} → {end or 'now'}"


def _why_backfill_refused(error: Exception) -> str:
    if isinstance(error, TooManyBackfills):
        # PostHog's own detail already says to wait or cancel: the advice is said once
        why = error.detail or f"{error.hint} Wait for a running backfill to finish, or cancel one."
        return (
            f"{why} PostHog counts the running backfills of every export in the project; each "
            "export's Backfills tab lists and cancels its own."
        )
    return explain(error)


def _backfill_refused(target: Target, params: dict, error: Exception) -> None:
    if isinstance(error, ValidationFailed):
        field = error.attr if error.attr in ("start_at", "end_at") else "form"
        st.session_state[f"{params['form']}_errors"] = {field: error.detail or str(error)}


START_BACKFILL = declare(
    key="batch_export.start_backfill",
    words="Start backfill",
    resource="batch_export",
    role=Role.OPERATOR,
    call=lambda client, t, p: client.batch_exports.create_backfill(
        t.id, start_at=p["start_at"], end_at=p["end_at"]
    ),
    stale=EXPORTS_AND_RUNS,
    done=lambda _t, p, _r: f"Backfill started for {span(p['start_at'], p['end_at'])}.",
    # the window is said in full before anything is sent: a default the operator never
    # looked at must not start an export of days of data
    confirm=Confirm(
        title="Start this backfill?",
        body=lambda t, p, _r: (
            f"PostHog will export **{plain(t.name)}** again for "
            f"**{plain(span(p['start_at'], p['end_at']))}**, one run per interval. It can be "
            "cancelled while it runs; what it has exported stays."
        ),
        button="Start backfill",
        keep="Change the dates",
        keys=("be_confirm_start_backfill", "be_keep_start_backfill"),
    ),
    changes=lambda _t, p: {"backfill": {"before": None, "after": span(p["start_at"], p["end_at"])}},
    why=_why_backfill_refused,
    on_done=lambda _t, p, _r: st.session_state.pop(f"{p['form']}_errors", None),
    on_refused=_backfill_refused,
)

CANCEL_BACKFILL = declare(
    key="batch_export.cancel_backfill",
    words="Cancel backfill",
    resource="batch_export",
    role=Role.OPERATOR,
    call=lambda client, t, p: client.batch_exports.cancel_backfill(t.id, p["backfill_id"]),
    stale=EXPORTS_AND_RUNS,
    done="Cancelled the backfill for {span}.",
    confirm=Confirm(
        title="Cancel this backfill?",
        body=lambda t, p, _r: (
            f"The backfill of **{plain(t.name)}** for {p['span']} has finished {p['progress']}. "
            "Cancelling stops the remaining runs; what was exported stays."
        ),
        button="Cancel backfill",
        keep="Keep it running",
        keys=("be_confirm_cancel_backfill", "be_keep_backfill"),
    ),
    changes=lambda _t, p: {f"backfill {p['span']}": {"before": "Running", "after": "Cancelled"}},
)


# --- runs ---------------------------------------------------------------------------------


def _on_run(verb: str, words: str, call, done: str, confirm: Confirm, after: str) -> Action:
    """Retry and cancel of one run (`run_id`), named by its interval (`span`)."""
    return declare(
        key=f"batch_export.{verb}_run",
        words=words,
        resource="batch_export",
        role=Role.OPERATOR,
        call=call,
        stale=EXPORTS_AND_RUNS,
        done=done,
        confirm=confirm,
        changes=lambda _t, p: {f"run {p['span']}": {"before": p["status"], "after": after}},
    )


RETRY_RUN = _on_run(
    "retry",
    "Retry run",
    lambda client, t, p: client.batch_exports.retry_run(t.id, p["run_id"]),
    "Retry scheduled: follow it on the Backfills tab.",
    Confirm(
        title="Retry this run?",
        body=lambda t, p, _r: (
            f"Schedule a new run of **{plain(t.name)}** for {p['span']}. It uses the current "
            "settings, so settings changed since then apply."
        ),
        button="Retry run",
        keep="Close",
        keys=("be_confirm_retry_run", "be_keep_retry_run"),
    ),
    after="retried",
)
CANCEL_RUN = _on_run(
    "cancel",
    "Cancel run",
    lambda client, t, p: client.batch_exports.cancel_run(t.id, p["run_id"]),
    "Run cancelled.",
    Confirm(
        title="Cancel this run?",
        body=lambda _t, p, _r: f"Stop the running export of {p['span']}. What was exported stays.",
        button="Cancel run",
        keep="Keep it running",
        keys=("be_confirm_cancel_run", "be_keep_run"),
    ),
    after="Cancelled",
)


# --- destination checks (POSTs that change nothing: journaled as "tested") --------------------


def _checks(run_step):
    """Run PostHog's checks in order, showing each as it starts."""

    def call(client, target: Target, params: dict) -> list[CheckResult]:
        with st.status("Running checks…", expanded=True) as status:
            results = run_in_order(
                params["steps"],
                lambda index: run_step(client, target, params, index),
                on_step=lambda index, name: st.write(plain(f"{index + 1}. {name}…")),
            )
            failed = not all(r.passed for r in results)
            status.update(
                label="Some checks failed" if failed else "All checks passed",
                state="error" if failed else "complete",
                expanded=False,
            )
        return results

    return call


def _checked(target: Target, _params: dict, results: list[CheckResult]) -> str:
    passed = sum(r.passed for r in results)
    return f"Checked {target.name}: {passed} of {len(results)} checks passed."


def _keep_results(_target: Target, params: dict, results: list[CheckResult]) -> None:
    st.session_state[params["results_key"]] = (params["fingerprint"], results)


CHECK = declare(
    key="batch_export.check",
    words="Check export",
    resource="batch_export",
    role=Role.OPERATOR,
    call=_checks(
        lambda client, t, p, index: client.batch_exports.run_test_step(
            t.id, step=index, destination_type=p["destination_type"]
        )
    ),
    stale=(),
    done=_checked,
    tested=True,
    on_done=_keep_results,
)

CHECK_NEW = declare(
    key="batch_export.check_new",
    words="Check new export settings",
    resource="batch_export",
    role=Role.OPERATOR,
    call=_checks(
        lambda client, _t, p, index: client.batch_exports.run_new_test_step(
            step=index, destination_type=p["destination_type"], config=p["config"]
        )
    ),
    stale=(),
    done=_checked,
    tested=True,
    on_done=_keep_results,
)


# --- copy to another project -------------------------------------------------------------------


def _ask_copy(client, t: Target, _params: dict) -> dict | None:
    dtype = t.obj.destination.type
    if t.obj.destination.integration is not None:
        st.warning(
            "Its credentials live in a PostHog integration of this project, which is not "
            "copied: PostHog may ask for one in the new project.",
            icon=":material/link_off:",
        )
    return copy_form.ask(
        client,
        t,
        needed=export_secrets(t.obj),
        label_of=lambda secret: field_words(dtype, secret.key)[0],
        switched_off="paused",
    )


def _copy(client, t: Target, p: dict) -> BatchExport:
    fields = export_copy(t.obj, name=p["name"], secrets=p["secrets"])
    return client.in_project(p["project_id"]).batch_exports.create(**fields)


COPY = copy_form.declare_copy(
    resource="batch_export",
    words="Copy export to project",
    stale=EXPORTS,
    same="destination, schedule, model and filters",
    switched_off=("paused", True, "paused"),
    call=_copy,
    ask_form=_ask_copy,
    page=lambda copy: f"pipeline/batch-exports/{copy.id}",
    keys=("be_confirm_copy", "be_cancel_copy"),
)
