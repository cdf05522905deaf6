"""Hog functions: destinations, transformations, site apps and webhooks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Unpack

from services.activity import ActivityLog
from services.errors import Conflict
from services.ids import segment, uuid_id
from services.journal import secret_change
from services.logs import LogFilters, fetch_log_page
from services.models import HogFunction, InvocationResult, LogPage, MetricsSeries
from services.transport import Transport

ALL_TYPES = (
    "destination",
    "site_destination",
    "internal_destination",
    "source_webhook",
    "site_app",
    "transformation",
)

# `status.state` codes across PostHog versions (older code used 3/4 for temporary/permanent).
_STATE_HEALTH = {
    1: "Active",
    2: "Degraded",
    11: "Degraded",
    3: "Disabled by PostHog",
    4: "Disabled by PostHog",
    12: "Disabled by PostHog",
}
_STATE_NAMES = {
    "healthy": "Active",
    "active": "Active",
    "degraded": "Degraded",
    "forcefully_degraded": "Degraded",
    "disabled": "Disabled by PostHog",
    "disabled_temporarily": "Disabled by PostHog",
    "disabled_permanently": "Disabled by PostHog",
    "forcefully_disabled": "Disabled by PostHog",
}
HEALTH_STATES = ("Active", "Degraded", "Disabled by PostHog", "Unknown", "Paused")


NAME_LIMIT = 400  # PostHog's HogFunction.name max_length
MAX_ENABLED_TRANSFORMATIONS = 20  # PostHog refuses to enable one more per project


def over_transformation_cap(
    functions: list[HogFunction], enabling: list[HogFunction]
) -> list[HogFunction]:
    """Of the functions about to be enabled, in order, the transformations that would pass
    PostHog's cap of enabled transformations, given what the project has enabled now."""
    room = MAX_ENABLED_TRANSFORMATIONS - sum(
        1 for f in functions if f.type == "transformation" and f.enabled
    )
    over = []
    for f in enabling:
        if f.type != "transformation" or f.enabled:
            continue
        if room > 0:
            room -= 1
        else:
            over.append(f)
    return over


def health_of(function: HogFunction) -> str:
    """Health for operators. Paused is the operator's switch (`enabled`); the rest comes from
    PostHog's watcher state, never from `enabled` alone."""
    if not function.enabled:
        return "Paused"
    state = function.status.state if function.status else None
    if isinstance(state, str):
        return _STATE_NAMES.get(state.strip().lower()) or _STATE_HEALTH.get(
            int(state) if state.isdigit() else -1, "Unknown"
        )
    return _STATE_HEALTH.get(state, "Unknown") if state is not None else "Unknown"


class HogFunctions:
    def __init__(self, transport: Transport, base: str):
        self._t = transport
        self._path = f"{base}/hog_functions/"
        self._activity = ActivityLog(transport, base)

    def _item(self, function_id: str) -> str:
        return f"{self._path}{segment(uuid_id(function_id, 'hog function'))}/"

    # --- reads --------------------------------------------------------------------------

    def iter(
        self,
        *,
        type: Iterable[str] = ALL_TYPES,
        enabled: bool | None = None,
        search: str | None = None,
        created_by: int | None = None,
        page_size: int = 100,
    ) -> Iterator[HogFunction]:
        """Every function of the given types, following `next` across pages."""
        params = {
            "type": list(type),
            "enabled": enabled,
            "search": search or None,
            "created_by": created_by,
            "limit": page_size,
        }
        for row in self._t.iter_results(self._path, params):
            yield HogFunction.model_validate(row)

    def list(self, **filters: Any) -> list[HogFunction]:
        return list(self.iter(**filters))

    def get(self, function_id: str) -> HogFunction:
        return HogFunction.model_validate(self._t.get(self._item(function_id)))

    def logs(self, function_id: str, **filters: Unpack[LogFilters]) -> LogPage:
        """One page of logs, newest first; pass `before=page.older_before` for older ones."""
        return fetch_log_page(self._t, f"{self._item(function_id)}logs/", **filters)

    def metrics(
        self,
        function_id: str,
        *,
        after: str = "-7d",
        before: str | None = None,
        interval: str = "day",
        breakdown_by: str = "kind",
        names: list[str] | None = None,
        kinds: list[str] | None = None,
    ) -> MetricsSeries:
        data = self._t.get(
            f"{self._item(function_id)}metrics/",
            after=after,
            before=before,
            interval=interval,
            breakdown_by=breakdown_by,
            name=names or None,
            kind=kinds or None,
        )
        return MetricsSeries.model_validate(data)

    def metrics_totals(
        self,
        function_id: str,
        *,
        after: str = "-7d",
        before: str | None = None,
        breakdown_by: str = "kind",
    ) -> dict[str, int]:
        data = self._t.get(
            f"{self._item(function_id)}metrics/totals/",
            after=after,
            before=before,
            breakdown_by=breakdown_by,
        )
        return dict((data or {}).get("totals") or {})

    def icons(self, *, query: str) -> list[dict[str, Any]]:
        if not query.strip():
            return []
        return list(self._t.get(f"{self._path}icons/", query=query) or [])

    def icon(self, *, icon_id: str) -> tuple[bytes, str]:
        resp = self._t.request(
            "GET", f"{self._path}icon/", params={"id": icon_id}, expect_json=False
        )
        return resp.content, resp.content_type

    # --- writes (each one names the operator's intent) -----------------------------------

    def create(self, **fields: Any) -> HogFunction:
        fields.setdefault("enabled", False)
        return HogFunction.model_validate(self._t.write("POST", self._path, fields))

    def update(self, function_id: str, changes: dict[str, Any]) -> HogFunction:
        """PATCH only `changes`. Callers send `inputs` whole, echoing untouched secrets."""
        if not changes:
            raise ValueError("nothing to change")
        return HogFunction.model_validate(self._t.write("PATCH", self._item(function_id), changes))

    def update_if_unchanged(
        self, function_id: str, *, changes: dict[str, Any], loaded_updated_at: datetime | None
    ) -> HogFunction:
        """PATCH `changes` unless someone changed the function since it was loaded: re-read it
        first and raise `Conflict` (with the current version) when `updated_at` moved, naming
        who changed it when PostHog's activity log says."""
        latest = self.get(function_id)
        if latest.updated_at != loaded_updated_at:
            by = self._activity.changed_by(
                scope="HogFunction", item_id=latest.id, changed_at=latest.updated_at
            )
            raise Conflict.changed_since("function", latest.updated_at, by=by, current=latest)
        return self.update(function_id, changes)

    def enable(self, function_id: str) -> HogFunction:
        return self.update(function_id, {"enabled": True})

    def disable(self, function_id: str) -> HogFunction:
        return self.update(function_id, {"enabled": False})

    def delete(self, function_id: str) -> HogFunction:
        """Soft delete: PostHog refuses DELETE (405); `deleted: true` hides it."""
        return self.update(function_id, {"deleted": True})

    def restore(self, function_id: str) -> HogFunction:
        return self.update(function_id, {"deleted": False})

    def invoke(
        self,
        function_id: str | None,
        *,
        configuration: dict[str, Any],
        globals: dict[str, Any],
        mock_async_functions: bool = True,
    ) -> InvocationResult:
        """Test run. `function_id=None` tests an unsaved function (PostHog's id `new`)."""
        data = self._t.write(
            "POST",
            f"{self._item(function_id) if function_id else self._path + 'new/'}invocations/",
            {
                "configuration": configuration,
                "globals": globals,
                "mock_async_functions": mock_async_functions,
            },
        )
        return InvocationResult.model_validate(data or {})

    def rearrange(self, orders: dict[str, int]) -> list[HogFunction]:
        """Set transformation execution order; send only the orders that changed."""
        if not orders:
            raise ValueError("no orders to change")
        data = self._t.write("PATCH", f"{self._path}rearrange/", {"orders": orders})
        return [HogFunction.model_validate(row) for row in data or []]

    def enable_backfills(self, function_id: str) -> str | None:
        """Create the paused batch export PostHog uses to backfill a destination."""
        data = self._t.write("POST", f"{self._item(function_id)}enable_backfills/")
        return (data or {}).get("batch_export_id")


# --- safe editing -------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "name",
    "description",
    "icon_url",
    "hog",
    "filters",
    "masking",
    "mappings",
    "execution_order",
)


def secret_keys(function: HogFunction) -> set[str]:
    return {item["key"] for item in function.inputs_schema or [] if item.get("secret")}


def secret_is_set(function: HogFunction, key: str) -> bool:
    return bool(((function.inputs or {}).get(key) or {}).get("secret"))


def input_value(function: HogFunction, key: str) -> Any:
    return ((function.inputs or {}).get(key) or {}).get("value")


INTEGRATION = "integration"  # an input whose value is the integer id of a PostHog Integration


def input_kinds(function: HogFunction) -> dict[str, str | None]:
    return {item["key"]: item.get("type") for item in function.inputs_schema or []}


def integration_id(value: Any) -> int | None:
    """An integration input's value as PostHog accepts it: the integer id of the integration
    ("23" becomes 23). None when the value is no id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _typed(kind: str | None, value: Any) -> Any:
    """A form value with the JSON type PostHog wants for its input: no value for an empty
    text, an integer for an integration id; everything else as it is."""
    if value == "":
        return None
    if kind == INTEGRATION:
        found = integration_id(value)
        return value if found is None else found
    return value


def input_changed(function: HogFunction, key: str, value: Any) -> bool:
    """Whether the form's value of a plain input differs from the stored one, type included
    (23 and "23" differ; PostHog refuses the string)."""
    before = input_value(function, key)
    after = _typed(input_kinds(function).get(key), value)
    return after != before or type(after) is not type(before)


SERVER_ADDED = ("bytecode", "transpiled", "bytecode_error")  # PostHog adds these on save


def without_compiled(value: Any) -> Any:
    """Drop what PostHog adds on save (compiled bytecode), so an untouched field is equal."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in SERVER_ADDED}
    return value


def form_values(function: HogFunction) -> dict[str, Any]:
    """The editable fields as the configuration form shows them before the operator touches
    anything (an unset text as empty, filters and masking without compiled bytecode): an
    untouched field gives back exactly this, so `changes_for` leaves it out."""
    return {
        "name": function.name,
        "description": function.description or "",
        "icon_url": function.icon_url,
        "hog": function.hog or "",
        "filters": without_compiled(function.filters) or {},
        "masking": without_compiled(function.masking),
        "mappings": function.mappings,
        "execution_order": function.execution_order,
    }


def changes_for(
    function: HogFunction,
    edited: dict[str, Any],
    *,
    input_values: dict[str, Any] | None = None,
    new_secrets: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The PATCH body for an edit: only the fields that changed.

    `input_values` are the non-secret input values from the form; `new_secrets` only the
    secrets the operator explicitly replaced. When any input changed, `inputs` goes whole
    (PostHog replaces it): every untouched secret that is set is echoed as
    `{"secret": true}`, so PostHog keeps it; secrets never set are left out.
    """
    shown = form_values(function)
    changes = {
        field: value
        for field, value in edited.items()
        if field in EDITABLE_FIELDS and value != shown[field] and value != getattr(function, field)
    }
    input_values = input_values or {}
    new_secrets = {k: v for k, v in (new_secrets or {}).items() if v}
    secrets = secret_keys(function)
    changed_inputs = bool(new_secrets) or any(
        input_changed(function, key, value)
        for key, value in input_values.items()
        if key not in secrets
    )
    if changed_inputs:
        changes["inputs"] = inputs_payload(function, input_values, new_secrets)
    return changes


def inputs_payload(
    function: HogFunction, input_values: dict[str, Any], new_secrets: dict[str, str]
) -> dict[str, Any]:
    """The whole `inputs` object: form values for plain inputs, replaced secrets as values,
    and every other stored secret echoed as `{"secret": true}`."""
    secrets = secret_keys(function)
    inputs: dict[str, Any] = {}
    for item in function.inputs_schema or []:
        key = item["key"]
        original = (function.inputs or {}).get(key) or {}
        if key in secrets:
            if new_secrets.get(key):
                inputs[key] = {"value": new_secrets[key]}
            elif secret_is_set(function, key):
                inputs[key] = {"secret": True}
            continue
        value = _typed(item.get("type"), input_values.get(key, original.get("value")))
        if value is None:
            continue
        entry = {"value": value}
        if "templating" in original:
            entry["templating"] = original["templating"]
        inputs[key] = entry
    return inputs


def describe_changes(function: HogFunction, changes: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, before, after) rows for a diff preview; secrets never show their value."""
    rows = []
    for field, after in changes.items():
        if field != "inputs":
            rows.append((field, getattr(function, field, None), after))
            continue
        for key, entry in after.items():
            if "secret" in entry:
                continue  # echoed unchanged
            if key in secret_keys(function):
                rows.append((f"inputs.{key}", "(secret)", "(new secret value)"))
            elif entry.get("value") != input_value(function, key):
                rows.append((f"inputs.{key}", input_value(function, key), entry.get("value")))
        for key in function.inputs or {}:
            if key not in after and key not in secret_keys(function):
                rows.append((f"inputs.{key}", input_value(function, key), None))
    return rows


def journal_changes(function: HogFunction, changes: dict[str, Any]) -> dict[str, Any]:
    """What the journal records of a PATCH (or of a create, from an empty function): before →
    after per field and per input; a secret input only as "changed" or "kept", never a value."""
    secrets = secret_keys(function)
    journaled: dict[str, Any] = {
        field: {"before": before, "after": after}
        for field, before, after in describe_changes(function, changes)
        if not (field.startswith("inputs.") and field.removeprefix("inputs.") in secrets)
    }
    for key, entry in (changes.get("inputs") or {}).items():
        if key in secrets:
            journaled[f"inputs.{key}"] = secret_change(replaced="value" in entry)
    return journaled


def changed_between(loaded: HogFunction, latest: HogFunction) -> list[str]:
    """The fields someone changed in PostHog since `loaded` was read (for a refused save)."""
    moved = [f for f in ("enabled", *EDITABLE_FIELDS) if getattr(loaded, f) != getattr(latest, f)]
    keys = dict.fromkeys([*(loaded.inputs or {}), *(latest.inputs or {})])
    return moved + [
        f"inputs.{key}"  # as `describe_changes` names them
        for key in keys
        if (loaded.inputs or {}).get(key) != (latest.inputs or {}).get(key)
    ]


DEFAULT_SAMPLE_EVENT = "$pageview"


def _exact_event_properties(properties: Any) -> dict[str, Any]:
    """The values simple `exact` filters on event properties ask for (the first of a list);
    other operators, person properties and nested groups are left to the operator."""
    wanted: dict[str, Any] = {}
    for prop in properties if isinstance(properties, list) else []:
        if not isinstance(prop, dict) or prop.get("type") != "event" or not prop.get("key"):
            continue
        if (prop.get("operator") or "exact") != "exact":
            continue
        value = prop.get("value")
        value = value[0] if isinstance(value, list) and value else value
        if value is not None and not isinstance(value, list | dict):
            wanted[prop["key"]] = value
    return wanted


def sample_event(filters: dict | None, mappings: list | None = None) -> tuple[str, dict[str, Any]]:
    """The event name and event properties a sample event needs to pass a function's filters:
    the first event filter's event, with the values its simple `exact` event-property filters
    and the function's own ask for. PostHog ignores the top-level events when there are
    mappings, so then the first mapping with an event filter counts. A function on every
    event, or on actions only (whose events only the action knows), gets `$pageview`."""
    filters = filters if isinstance(filters, dict) else {}
    sources = [m.get("filters") for m in mappings or [] if isinstance(m, dict)] or [filters]
    chosen: dict = {}
    first: dict = {}
    for source in sources:
        chosen = source if isinstance(source, dict) else {}
        events = chosen.get("events") or []
        first = next((e for e in events if isinstance(e, dict) and e.get("id")), {})
        if first:
            break
    properties = _exact_event_properties(filters.get("properties"))
    if chosen is not filters:
        properties |= _exact_event_properties(chosen.get("properties"))
    properties |= _exact_event_properties(first.get("properties"))
    name = first.get("id")
    return (name if isinstance(name, str) else DEFAULT_SAMPLE_EVENT), properties
