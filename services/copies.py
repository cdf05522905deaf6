"""Copying a hog function or a batch export into another of the key's projects.

PostHog never gives a secret back (a hog function shows a set secret input as
`{"secret": true}`, a batch export leaves its secret config keys out), so a copy cannot carry
them: the operator types each one again. An integration (a Slack workspace, a HubSpot
connection) belongs to its project, so its id is never carried over either: the operator picks
one of the target project's integrations of the same kind, or the input is left unset. The
copy is created switched off (a function disabled, an export paused) and named
"<name> (copy)" unless the operator names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.batch_exports import DESTINATION_FIELDS, secret_fields
from services.errors import PostHogError
from services.hog_functions import INTEGRATION
from services.hog_functions import NAME_LIMIT as FUNCTION_NAME_LIMIT
from services.models import BatchExport, HogFunction

COPY_SUFFIX = " (copy)"
# Fields PostHog computes on save: sending them back is noise at best.
_COMPUTED = ("bytecode", "bytecode_error", "transpiled", "order")


@dataclass(frozen=True)
class SecretNeeded:
    """A secret the copy needs a value for: a hog function input (`label` is PostHog's) or
    a batch export config key (labelled by the screen)."""

    key: str
    required: bool
    label: str = ""


@dataclass(frozen=True)
class IntegrationNeeded:
    """An integration input of a function: the copy needs one of the target project's
    integrations of `kind` (keyed like secrets: `mappings.<n>.<key>` in a mapping)."""

    key: str
    kind: str
    required: bool
    label: str = ""


class CopyNotReady(PostHogError):
    """A copy would lack a required secret, have a secret of only spaces or a name too long:
    nothing is sent. `problems` maps each secret's key (or "name") to what is wrong."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__(
            "Nothing was sent: "
            + "; ".join(f"{key}: {message}" for key, message in problems.items())
            + "."
        )


def copy_name(name: str) -> str:
    return f"{name}{COPY_SUFFIX}"


def secret_problems(needed: list[SecretNeeded], secrets: dict[str, str]) -> dict[str, str]:
    """What is wrong with the operator's secret values, per key: a required one missing, or
    one of only spaces."""
    problems = {}
    for secret in needed:
        value = secrets.get(secret.key) or ""
        if value and not value.strip():
            problems[secret.key] = "a secret cannot be only spaces"
        elif secret.required and not value:
            problems[secret.key] = "required in the new project"
    return problems


def _given(
    needed: list[SecretNeeded], secrets: dict[str, str], problems: dict[str, str] | None = None
) -> dict[str, str]:
    """The secret values to send (stray spaces dropped); raises `CopyNotReady` first."""
    problems = {**(problems or {}), **secret_problems(needed, secrets)}
    if problems:
        raise CopyNotReady(problems)
    keys = {s.key for s in needed}
    return {k: v.strip() for k, v in secrets.items() if k in keys and v and v.strip()}


def _without(mapping: dict | None, keys: tuple[str, ...] = _COMPUTED) -> dict | None:
    if mapping is None:
        return None
    return {k: v for k, v in mapping.items() if k not in keys}


# --- hog functions ----------------------------------------------------------------------------


def _secret_input_keys(schema: list[dict] | None, inputs: dict | None) -> list[str]:
    """Secret per the schema, and any input PostHog answered with a marker."""
    keys = [item["key"] for item in schema or [] if item.get("secret")]
    keys += [k for k, v in (inputs or {}).items() if isinstance(v, dict) and "secret" in v]
    return list(dict.fromkeys(keys))


def _input_groups(source: HogFunction) -> list[tuple[str, str, list | None, dict | None]]:
    """(key prefix, label prefix, schema, inputs) of the function and each of its mappings."""
    groups = [("", "", source.inputs_schema, source.inputs)]
    for index, mapping in enumerate(source.mappings or []):
        title = f"{mapping.get('name') or f'Mapping {index + 1}'}: "
        groups.append(
            (f"mappings.{index}.", title, mapping.get("inputs_schema"), mapping.get("inputs"))
        )
    return groups


def function_integrations(source: HogFunction) -> list[IntegrationNeeded]:
    """Every integration input of the function and its mappings, in the schema's order."""
    return [
        IntegrationNeeded(
            key=prefix + item["key"],
            kind=item.get("integration") or "",
            required=bool(item.get("required")),
            label=title + (item.get("label") or item["key"]),
        )
        for prefix, title, schema, _inputs in _input_groups(source)
        for item in schema or []
        if item.get("type") == INTEGRATION
    ]


def function_secrets(source: HogFunction) -> list[SecretNeeded]:
    """Every secret input the copy needs a value for, its mappings' ones included (keyed
    `mappings.<n>.<key>` and labelled with the mapping's name), in the schema's order."""
    needed = []
    for prefix, title, schema, inputs in _input_groups(source):
        by_key = {item["key"]: item for item in schema or []}
        for key in _secret_input_keys(schema, inputs):
            item = by_key.get(key, {})
            needed.append(
                SecretNeeded(
                    key=prefix + key,
                    required=bool(item.get("required")),
                    label=title + (item.get("label") or key),
                )
            )
    return needed


def _copied_inputs(
    schema: list[dict] | None,
    inputs: dict | None,
    secrets: dict[str, str],
    integrations: dict[str, int],
):
    """Plain inputs as the source has them; secrets only as the operator typed them, never
    as a marker; a secret left empty is left out. An integration only as the operator picked
    it in the target project, and the fields read from it (a Slack channel) only with it."""
    secret_keys = set(_secret_input_keys(schema, inputs))
    by_key = {item["key"]: item for item in schema or []}
    linked = {k for k, item in by_key.items() if item.get("type") == INTEGRATION}
    out: dict[str, Any] = {}
    for key, entry in (inputs or {}).items():
        if key in secret_keys or key in linked or not isinstance(entry, dict):
            continue
        if "value" not in entry:
            continue
        needs = by_key.get(key, {}).get("integration_key")
        if needs in linked and needs not in integrations:
            continue  # a channel of the source's workspace, without a workspace
        out[key] = {k: v for k, v in entry.items() if k in ("value", "templating")}
    for key in secret_keys:
        if key in secrets:
            out[key] = {"value": secrets[key]}
    for key in linked & set(integrations):
        out[key] = {"value": int(integrations[key])}
    return out


def _for_group(values: dict, prefix: str) -> dict:
    """The values keyed `<prefix><key>` of one input group, by their own key."""
    return {k.removeprefix(prefix): v for k, v in values.items() if k.startswith(prefix)}


def function_copy(
    source: HogFunction,
    *,
    name: str | None = None,
    secrets: dict[str, str],
    integrations: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The create body of a copy of `source` in another project: same template, code,
    inputs, filters, mappings and masking, disabled; each integration input as picked in the
    target project (`integrations`, keyed like secrets). Raises `CopyNotReady` (nothing to
    send) while a required secret or integration has no value or the name is longer than
    PostHog takes."""
    name = (name or "").strip() or copy_name(source.name)
    integrations = integrations or {}
    problems = {
        i.key: "pick an integration of the target project"
        for i in function_integrations(source)
        if i.required and i.key not in integrations
    }
    if len(name) > FUNCTION_NAME_LIMIT:
        problems["name"] = f"at most {FUNCTION_NAME_LIMIT} characters"
    given = _given(function_secrets(source), secrets, problems)
    body: dict[str, Any] = {
        "name": name,
        "type": source.type or "destination",
        "enabled": False,
        "description": source.description or "",
        "hog": source.hog,
        "icon_url": source.icon_url,
        "inputs_schema": source.inputs_schema or [],
        "inputs": _copied_inputs(
            source.inputs_schema, source.inputs, _for_group(given, ""), integrations
        ),
        "filters": _without(source.filters) or {},
        "masking": _without(source.masking),
        "mappings": None,
    }
    if source.template is not None:
        body["template_id"] = source.template.id
    if source.mappings is not None:
        body["mappings"] = [
            {
                **{k: v for k, v in mapping.items() if k not in ("inputs", "filters")},
                "inputs": _copied_inputs(
                    mapping.get("inputs_schema"),
                    mapping.get("inputs"),
                    _for_group(given, f"mappings.{index}."),
                    _for_group(integrations, f"mappings.{index}."),
                ),
                "filters": _without(mapping.get("filters")),
            }
            for index, mapping in enumerate(source.mappings)
        ]
    if not body["hog"]:
        del body["hog"]  # PostHog takes the template's
    return body


# --- batch exports ----------------------------------------------------------------------------


def export_secrets(source: BatchExport) -> list[SecretNeeded]:
    """The destination's secret config keys, in its form's order: PostHog left them out."""
    dtype = source.destination.type
    secrets = secret_fields(dtype)
    return [
        SecretNeeded(key=f.key, required=f.required)
        for f in DESTINATION_FIELDS.get(dtype, ())
        if f.key in secrets
    ]


def export_copy(
    source: BatchExport, *, name: str | None = None, secrets: dict[str, str]
) -> dict[str, Any]:
    """The fields (for `BatchExports.create`) of a paused copy of `source`: same destination
    and config, interval, model, schedule and filters. A PostHog integration belongs to its
    project and is not copied. Raises `CopyNotReady` while a required secret is missing."""
    dtype = source.destination.type
    given = _given(export_secrets(source), secrets)
    config = {k: v for k, v in source.destination.config.items() if k not in secret_fields(dtype)}
    return {
        "name": (name or "").strip() or copy_name(source.name),
        "destination_type": dtype,
        "config": {**config, **given},
        "interval": source.interval,
        "model": source.model or "events",
        "paused": True,
        "start_at": _iso(source.start_at),
        "end_at": _iso(source.end_at),
        "timezone": source.timezone,
        "offset_day": source.offset_day,
        "offset_hour": source.offset_hour,
        "filters": source.filters,
        "hogql_query": source.hogql_query,
    }


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


# --- the journal ------------------------------------------------------------------------------


def journal_changes(
    *,
    source_project: str,
    source: str,
    target_project: str,
    copy: str,
    switched_off: tuple[str, bool],
    secrets: dict[str, str],
    integrations: dict[str, int] | None = None,
) -> dict[str, Any]:
    """What the journal records of a copy, in both projects' terms (`source` and `copy` are
    "name (id)" or a name); each secret only as "set", never its value."""
    field, value = switched_off
    changes: dict[str, Any] = {
        "copied from": {"before": None, "after": f"{source_project} · {source}"},
        "copied to": {"before": None, "after": f"{target_project} · {copy}"},
        field: {"before": None, "after": value},
    }
    for key in sorted(k for k, v in secrets.items() if v and v.strip()):
        changes[f"secret {key}"] = {"before": None, "after": "set"}
    for key, integration in sorted((integrations or {}).items()):
        changes[f"integration {key}"] = {"before": None, "after": f"#{integration}"}
    return changes
