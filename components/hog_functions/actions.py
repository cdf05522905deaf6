"""Every write the console makes to hog functions, declared once (see components.shared.actions).
Only this module calls a hog function service write.

What an action leaves for the screens (a refused form's field errors, a test run's result,
what was deleted here) is kept in session state under the names below, by object id.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.hog_functions import diff
from components.shared import conflict, copy_form, data
from components.shared.actions import Confirm, Target, declare
from components.shared.feedback import explain
from components.shared.text import plain
from services.copies import (
    FUNCTION_NAME_LIMIT,
    function_copy,
    function_integrations,
    function_secrets,
)
from services.errors import PostHogError, ValidationFailed
from services.hog_functions import (
    MAX_ENABLED_TRANSFORMATIONS,
    journal_changes,
    over_transformation_cap,
)
from services.models import HogFunction, HogFunctionTemplate
from services.roles import Role

FIELD_ERRORS = "hf_field_errors"  # {function or template id: {form field: PostHog's message}}
TEST_RESULTS = "hf_test_results"  # {function id, or "new": the last test run's result}
DELETED_HERE = "hf_deleted_here"  # {function id: name}, for the "Deleted here" tab


def target(function: HogFunction) -> Target:
    return Target("hog_function", function.id, function.name, function)


def kept(store: str, object_id: Any) -> Any:
    """What an action left under `store` for this object, or None."""
    return st.session_state.get(store, {}).get(object_id)


def keep(store: str, object_id: Any, value: Any) -> None:
    st.session_state.setdefault(store, {})[object_id] = value


def drop(store: str, object_id: Any) -> None:
    st.session_state.get(store, {}).pop(object_id, None)


def _form_field(attr: str | None) -> str:
    """PostHog's `attr` (`inputs__url`, `masking__ttl`) → the form field it belongs to."""
    if attr and attr.startswith("inputs__"):
        return "inputs__" + attr.split("__")[1]
    return (attr or "").split("__")[0]


def _keep_field_error(form_id: Any, error: Exception) -> None:
    """A refused form keeps the operator's draft; PostHog's message goes next to its field."""
    if isinstance(error, ValidationFailed) and error.attr:
        keep(FIELD_ERRORS, form_id, {_form_field(error.attr): error.detail or str(error)})


def _field_named(error: Exception) -> str:
    if isinstance(error, ValidationFailed) and error.attr:
        return "PostHog rejected a field: its message is next to it."
    return explain(error)


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


def _already(enabled: bool) -> Any:
    """A bulk item is skipped when the function is already in the state asked for."""

    def skip(t: Target, _params: dict) -> str | None:
        if t.obj is not None and t.obj.enabled is enabled:
            return "Already enabled" if enabled else "Already disabled"
        return None

    return skip


def _transformation_cap(client, targets: list[Target], _params: dict) -> dict:
    over = over_transformation_cap(data.hog_functions(client), [t.obj for t in targets if t.obj])
    why = f"PostHog allows {MAX_ENABLED_TRANSFORMATIONS} enabled transformations per project"
    return {f.id: why for f in over}


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
    will="Off → on: starts running",
    skip=_already(True),
    limit=_transformation_cap,
    reread=lambda client, t: client.hog_functions.get(t.id),
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
    will="On → off: stops running at once",
    skip=_already(False),
    reread=lambda client, t: client.hog_functions.get(t.id),
)


# --- configuration, delete and restore ---------------------------------------------------------


def _changes_table(_client, t: Target, params: dict) -> dict:
    diff.show(t.obj, params["changes"], key="hf_save_diff")
    return {}


def _saved(t: Target, _params: dict, _result: Any) -> None:
    drop(FIELD_ERRORS, t.id)
    conflict.saved("hog_function", t.id)


def _save_refused(t: Target, _params: dict, error: Exception) -> None:
    _keep_field_error(t.id, error)
    conflict.refused("hog_function", t.id, t.obj, error)  # the draft stays on its version


EDIT = declare(
    key="hog_function.edit",
    words="Edit configuration",
    resource="hog_function",
    role=Role.ADMIN,
    call=lambda client, t, p: client.hog_functions.update_if_unchanged(
        t.id, changes=p["changes"], loaded_updated_at=t.obj.updated_at
    ),
    stale=("hog_functions",),
    done=lambda _t, _p, saved: f"Saved {saved.name}.",
    failed="Could not save {name}",
    confirm=Confirm(
        title="Save these changes?",
        body=lambda t, p, _r: (
            f"PostHog applies {diff.count(t.obj, p['changes'])} to **{plain(t.name)}** at once:"
        ),
        button="Save",
        keep="Keep editing",
        extra=_changes_table,
        width="large",
        keys=("hf_confirm_save", "hf_cancel_save"),
    ),
    changes=lambda t, p: journal_changes(t.obj, p["changes"]),
    why=_field_named,
    on_done=_saved,
    on_refused=_save_refused,
)


def _deleted(t: Target, _params: dict, _result: Any) -> None:
    keep(DELETED_HERE, t.id, t.name)
    st.query_params.pop("id", None)  # its page is gone: back to the list


DELETE = declare(
    key="hog_function.delete",
    words="Delete function",
    resource="hog_function",
    role=Role.ADMIN,
    call=lambda client, t, _p: client.hog_functions.delete(t.id),
    stale=("hog_functions",),
    done="Deleted {name}. Restore it from Deleted here.",
    confirm=Confirm(
        title="Delete this function?",
        body=lambda t, _p, _r: (
            f"**{plain(t.name)}** stops at once and is hidden everywhere. "
            "PostHog keeps it, so it can be restored from **Deleted here** or the Journal."
        ),
        button="Delete",
        typed_name="function",
        keys=("hf_confirm_delete", "hf_cancel_delete"),
    ),
    undo="hog_function.restore",
    changes=lambda _t, _p: {"deleted": {"before": False, "after": True}},
    on_done=_deleted,
    will="Deleted: stops and is hidden (restorable from the Journal)",
)

RESTORE = declare(
    key="hog_function.restore",
    words="Restore function",
    resource="hog_function",
    role=Role.ADMIN,
    call=lambda client, t, _p: client.hog_functions.restore(t.id),
    stale=("hog_functions",),
    done="Restored {name}.",
    changes=lambda _t, _p: {"deleted": {"before": True, "after": False}},
    on_done=lambda t, _p, _r: drop(DELETED_HERE, t.id),
)


# --- create, order, backfills, test runs -------------------------------------------------------


def _created(t: Target, _params: dict, created: HogFunction) -> None:
    drop(FIELD_ERRORS, t.obj.id)
    st.query_params["id"] = created.id  # open the new function


CREATE = declare(
    key="hog_function.create",
    words="Create function",
    resource="hog_function",
    role=Role.ADMIN,
    call=lambda client, _t, p: client.hog_functions.create(**p),
    stale=("hog_functions",),
    done=lambda _t, _p, created: (
        f"Created {created.name} ({'enabled' if created.enabled else 'disabled'})."
    ),
    changes=lambda t, p: journal_changes(HogFunction(id="", inputs_schema=t.obj.inputs_schema), p),
    why=_field_named,
    on_done=_created,
    on_refused=lambda t, _p, error: _keep_field_error(t.obj.id, error),
)


def from_template(template: HogFunctionTemplate, name: str) -> Target:
    """A function about to be created from `template` (PostHog gives it its id)."""
    return Target("hog_function", None, name, template)


def transformations(functions: list[HogFunction]) -> Target:
    """The enabled transformations, in the order they run, as one object to rearrange."""
    return Target("hog_function", None, "Transformation order", functions)


REARRANGE = declare(
    key="hog_function.rearrange",
    words="Save transformation order",
    resource="hog_function",
    role=Role.ADMIN,
    call=lambda client, _t, p: client.hog_functions.rearrange(p["orders"]),
    stale=("hog_functions",),
    done="Order saved",
    failed="Could not save the transformation order",
    changes=lambda t, p: {
        f"{f.name}: execution order": {"before": f.execution_order, "after": p["orders"][f.id]}
        for f in t.obj
        if f.id in p["orders"]
    },
)

ENABLE_BACKFILLS = declare(
    key="hog_function.enable_backfills",
    words="Enable backfills",
    resource="hog_function",
    role=Role.ADMIN,
    call=lambda client, t, _p: client.hog_functions.enable_backfills(t.id),
    stale=("hog_functions", "batch_exports"),  # PostHog creates a paused batch export
    done=lambda t, _p, export_id: f"Backfills enabled for {t.name}: batch export {export_id}.",
    changes=lambda _t, _p: {"backfills": {"before": "off", "after": "on"}},
)

TEST = declare(
    key="hog_function.test",
    words="Test function",
    resource="hog_function",
    role=Role.OPERATOR,
    call=lambda client, t, p: client.hog_functions.invoke(
        t.id,
        configuration=p["configuration"],
        globals=p["globals"],
        mock_async_functions=p["mock_async_functions"],
    ),
    stale=(),
    tested=True,
    done=lambda t, _p, result: f"Test run of {t.name}: {result.status or 'no status'}.",
    failed="Could not test {name}",
    # the configuration may hold an unsaved secret: only whether calls really went out
    changes=lambda _t, p: {"async calls": "mocked" if p["mock_async_functions"] else "really sent"},
    on_done=lambda t, _p, result: keep(TEST_RESULTS, t.id or "new", result),
    on_refused=lambda t, _p, _error: drop(TEST_RESULTS, t.id or "new"),
)


# --- copy to another project -------------------------------------------------------------------


def _ask_copy(client, t: Target, _params: dict) -> dict | None:
    return copy_form.ask(
        client,
        t,
        needed=function_secrets(t.obj),
        name_limit=FUNCTION_NAME_LIMIT,
        switched_off="disabled",
        integrations=function_integrations(t.obj),
    )


def _copy(client, t: Target, p: dict) -> HogFunction:
    body = function_copy(
        t.obj, name=p["name"], secrets=p["secrets"], integrations=p.get("integrations")
    )
    return client.in_project(p["project_id"]).hog_functions.create(**body)


COPY = copy_form.declare_copy(
    resource="hog_function",
    words="Copy function to project",
    stale=("hog_functions",),
    same="template, code, inputs, filters and mappings",
    switched_off=("enabled", False, "disabled"),
    call=_copy,
    ask_form=_ask_copy,
    page=lambda copy: f"functions/{copy.id}",
    keys=("hf_confirm_copy", "hf_cancel_copy"),
)
