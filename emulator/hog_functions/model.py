"""Hog function behaviour (posthog-api.md §1): serializers, validation, secrets, logs,
metrics, invocations and the icon catalogue. `handlers` answers the routes with these."""

from __future__ import annotations

import copy
import hashlib
import random
from datetime import UTC, datetime, timedelta

from emulator.errors import ApiError, iso, parse_when
from emulator.seed import user_basic

TYPES = (
    "destination",
    "site_destination",
    "internal_destination",
    "source_webhook",
    "site_app",
    "transformation",
)
ORDERED_TYPES = ("transformation",)
MAX_ENABLED_TRANSFORMATIONS = 20
MAX_HOG_BYTES = 100 * 1024
MASK = "********"
# input types whose values PostHog compiles as templates (and returns with `bytecode`)
TEMPLATED_TYPES = ("string", "dictionary", "json", "email")
MINIMAL_FIELDS = (
    "id",
    "type",
    "name",
    "description",
    "created_at",
    "created_by",
    "updated_at",
    "enabled",
    "hog",
    "filters",
    "icon_url",
    "template",
    "status",
    "execution_order",
)
METRIC_KINDS = {
    "succeeded": "success",
    "failed": "failure",
    "filtered": "other",
    "masked": "other",
    "inputs_failed": "failure",
    "filtering_failed": "failure",
    "disabled_temporarily": "failure",
    "disabled_permanently": "failure",
}
FAILURE_RATE = {"healthy": 0.004, "degraded": 0.2, "failing": 0.8, "paused": 0.0}
ICONS = {
    d: d.split(".")[0].capitalize()
    for d in (
        "slack.com",
        "hubspot.com",
        "discord.com",
        "salesforce.com",
        "zapier.com",
        "mailchimp.com",
        "intercom.com",
        "zendesk.com",
        "linear.app",
        "stripe.com",
    )
}


def status_of(fn: dict) -> dict:
    return {"state": fn["state"], "tokens": 0} if fn["enabled"] else {"state": 0, "tokens": 0}


def serialize(fn: dict, templates: dict, *, minimal: bool = False) -> dict:
    schema = {item["key"]: item for item in fn["inputs_schema"] or []}
    inputs = {}
    for order, (key, value) in enumerate(sorted(fn["values"].items())):
        item = schema.get(key, {})
        if item.get("secret"):
            inputs[key] = {"secret": True}
        elif _templated(item):
            inputs[key] = {
                "value": value,
                "bytecode": ["_H", 1, 32, str(value)[:40]],
                "order": order,
            }
        else:
            inputs[key] = {"value": value, "order": order}
    filters = dict(fn["filters"] or {})
    filters.setdefault("source", "events")
    filters["bytecode"] = ["_H", 1, 29]
    template = templates.get(fn["template_id"]) if fn["template_id"] else None
    body = {
        "id": fn["id"],
        "type": fn["type"],
        "name": fn["name"],
        "description": fn["description"],
        "created_at": iso(fn["created_at"]),
        "created_by": user_basic(fn["created_by"]),
        "updated_at": iso(fn["updated_at"]),
        "enabled": fn["enabled"],
        "hog": fn["hog"],
        "bytecode": ["_H", 1, 32, "hog"],
        "transpiled": "/* js */" if fn["type"].startswith("site") else None,
        "inputs_schema": copy.deepcopy(fn["inputs_schema"]),
        "inputs": inputs,
        "filters": filters,
        "masking": copy.deepcopy(fn["masking"]),
        "mappings": copy.deepcopy(fn["mappings"]),
        "icon_url": fn["icon_url"],
        "template": copy.deepcopy(template),
        "status": status_of(fn),
        "execution_order": fn["execution_order"],
        "batch_export_id": fn["batch_export_id"],
    }
    if minimal:
        return {key: body[key] for key in MINIMAL_FIELDS}
    return body


# --- validation shared by create, update and invocations -----------------------------------


def validate(data: dict, existing: dict | None, templates: dict, team_fns: list[dict]) -> dict:
    """Return the new internal field values; raise ApiError for the first problem."""
    out: dict = {}
    if "type" in data:
        if data["type"] not in TYPES:
            raise ApiError.validation(
                f'"{data["type"]}" is not a valid choice.', "type", "invalid_choice"
            )
        if existing and data["type"] != existing["type"]:
            raise ApiError.validation("Cannot modify the type of an existing function", "type")
        out["type"] = data["type"]
    ftype = out.get("type") or (existing or {}).get("type") or "destination"
    out["type"] = ftype
    template = None
    if data.get("template_id"):
        template = templates.get(data["template_id"])
        if template is None:
            raise ApiError.validation(
                f"No template found for id '{data['template_id']}'", "template_id"
            )
        out["template_id"] = template["id"]
        for field in ("hog", "inputs_schema", "icon_url", "description", "name"):
            if data.get(field) in (None, ""):
                data[field] = copy.deepcopy(template["code" if field == "hog" else field])
    for field in ("name", "description", "icon_url"):
        if field in data:
            if data[field] is not None and not isinstance(data[field], str):
                raise ApiError.validation("Not a valid string.", field, "invalid_input")
            out[field] = data[field] or ""
    if existing is None and not data.get("hog"):
        raise ApiError.validation("Required.", "hog", "required")
    if "hog" in data:
        if len((data["hog"] or "").encode()) > MAX_HOG_BYTES:
            raise ApiError.validation("HOG code exceeds maximum size of 100KB.", "hog")
        problem = _syntax_problem(data["hog"] or "")
        if problem:
            raise ApiError.validation(f"Invalid HOG code: {problem}", "hog")
        out["hog"] = data["hog"]
    if "enabled" in data:
        out["enabled"] = bool(data["enabled"])
    if "inputs_schema" in data:
        schema = data["inputs_schema"] or []
        for i, item in enumerate(schema):
            if not isinstance(item, dict) or not item.get("key"):
                raise ApiError.validation(
                    "This field is required.", f"inputs_schema__{i}__key", "required"
                )
        out["inputs_schema"] = [{"required": False, "secret": False, **item} for item in schema]
    schema = out.get("inputs_schema", (existing or {}).get("inputs_schema") or [])
    if "inputs" in data or "inputs_schema" in data or existing is None:
        out["values"] = _validate_inputs(data.get("inputs"), schema, existing, "inputs" in data)
    if "filters" in data:
        if data["filters"] is not None and not isinstance(data["filters"], dict):
            raise ApiError.validation("Invalid filter configuration.", "filters")
        filters = dict(data["filters"] or {})
        filters.pop("bytecode", None)
        out["filters"] = filters
    if "masking" in data:
        out["masking"] = _validate_masking(data["masking"])
    if "mappings" in data:
        if data["mappings"] is not None and ftype not in ("destination", "site_destination"):
            raise ApiError.validation("Mappings are only allowed for destinations.", "mappings")
        out["mappings"] = data["mappings"]
    if "execution_order" in data:
        out["execution_order"] = data["execution_order"]
    enabled = out.get("enabled", (existing or {}).get("enabled", False))
    if ftype == "transformation" and enabled and not (existing or {}).get("enabled"):
        others = [
            f
            for f in team_fns
            if f["type"] == ftype
            and f["enabled"]
            and not f["deleted"]
            and f["id"] != (existing or {}).get("id")
        ]
        if len(others) >= MAX_ENABLED_TRANSFORMATIONS:
            raise ApiError.validation(
                "Maximum of 20 enabled transformation functions allowed per team.", "type"
            )
    return out


def _validate_inputs(sent, schema: list[dict], existing: dict | None, was_sent: bool) -> dict:
    stored = (existing or {}).get("values", {})
    sent = sent if isinstance(sent, dict) else {}
    values = {}
    for item in schema:
        key = item["key"]
        incoming = sent.get(key)
        if item.get("secret"):
            keep = (
                incoming is None
                or incoming == {}
                or (
                    isinstance(incoming, dict)
                    and incoming.get("secret")
                    and incoming.get("value") in (None, MASK)
                )
            )
            if isinstance(incoming, dict) and incoming.get("value") == MASK and key not in stored:
                raise ApiError.validation(
                    "This secret input was not updated correctly. Enter the value again.",
                    f"inputs__{key}",
                )
            if keep:
                if isinstance(incoming, dict) and incoming.get("secret") and key not in stored:
                    raise ApiError.validation(
                        "No value is saved for this secret input. Enter the value again.",
                        f"inputs__{key}",
                    )
                if key in stored:
                    values[key] = stored[key]
                elif item.get("required"):
                    raise ApiError.validation(
                        "This field is required.", f"inputs__{key}", "required"
                    )
                continue
            values[key] = incoming.get("value") if isinstance(incoming, dict) else incoming
            continue
        if not was_sent and existing is not None:
            if key in stored:
                values[key] = stored[key]
            continue
        value = incoming.get("value") if isinstance(incoming, dict) else None
        if value is None or value == "":
            if item.get("required"):
                raise ApiError.validation("This field is required.", f"inputs__{key}", "required")
            continue
        if value:  # PostHog checks types of non-empty values only (False, 0 and {} pass)
            problem = _type_problem(item["type"], value)
            if problem:
                raise ApiError.validation(problem, f"inputs__{key}")
            if _templated(item) and _unclosed_brace(value):
                # PostHog compiles templated inputs on save; an unclosed brace fails to compile
                raise ApiError.validation(
                    "Invalid template: a '{' is not closed by '}'.", f"inputs__{key}"
                )
        values[key] = value
    return values


def _templated(item: dict) -> bool:
    return item.get("type") in TEMPLATED_TYPES and item.get("templating", True) is not False


def _type_problem(kind: str, value) -> str | None:
    """PostHog's type check of one input value (posthog/cdp/validation.py), or None."""
    if kind == "string" and not isinstance(value, str):
        return "Value must be a string."
    if kind == "number" and not isinstance(value, int | float):
        return "Value must be a number."
    if kind == "boolean" and not isinstance(value, bool | str):
        return "Value must be a boolean or a template string."
    if kind == "dictionary" and not isinstance(value, dict):
        return "Value must be a dictionary."
    if kind == "integration" and not isinstance(value, int):
        return "Value must be an Integration ID."
    if kind == "email":
        if not isinstance(value, dict):
            return "Value must be an email object."
        missing = next((k for k in ("from", "to", "subject") if not value.get(k)), None)
        if missing:
            return f"Missing value for '{missing}'."
        if not value.get("text") and not value.get("html"):
            return "Either 'text' or 'html' is required."
    return None


def _unclosed_brace(value) -> bool:
    """Any string in the value (nested in objects and lists too) with a '{' left open."""
    if isinstance(value, dict):
        return any(_unclosed_brace(v) for v in value.values())
    if isinstance(value, list):
        return any(_unclosed_brace(v) for v in value)
    return isinstance(value, str) and value.count("{") != value.count("}")


def _syntax_problem(code: str) -> str | None:
    """The emulator's stand-in for compiling Hog: unbalanced brackets fail, as in PostHog."""
    for opening, closing in ("()", "{}", "[]"):
        if code.count(opening) != code.count(closing):
            return f"unbalanced '{opening}' and '{closing}'."
    return None


def _validate_masking(masking):
    if masking is None:
        return None
    if not isinstance(masking, dict):
        raise ApiError.validation("Invalid masking.", "masking")
    ttl = masking.get("ttl")
    if not isinstance(ttl, int) or not 60 <= ttl <= 86400:
        raise ApiError.validation("Ensure this value is between 60 and 86400.", "masking__ttl")
    if not masking.get("hash"):
        raise ApiError.validation("This field is required.", "masking__hash", "required")
    return {
        "ttl": ttl,
        "threshold": masking.get("threshold"),
        "hash": masking["hash"],
        "bytecode": ["_H", 1, 32],
    }


# --- metrics and logs --------------------------------------------------------------------


def _rng(fn: dict, *parts) -> random.Random:
    digest = hashlib.sha256("|".join([fn["id"], *map(str, parts)]).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def hourly_counts(fn: dict, hour: datetime) -> dict[str, int]:
    """Deterministic metric counts for one hour of one function."""
    if fn["type"] in ("site_app", "site_destination") or hour > datetime.now(UTC):
        return {}
    if fn["disabled_at"] and hour >= fn["disabled_at"]:
        return {}
    rng = _rng(fn, hour.isoformat())
    volume = int(_rng(fn, "volume").choice([3, 8, 20, 60, 150]) * (0.5 + rng.random()))
    rate = FAILURE_RATE[fn["profile"]] if fn["profile"] != "paused" else FAILURE_RATE["healthy"]
    failed = sum(1 for _ in range(volume) if rng.random() < rate)
    counts = {
        "succeeded": volume - failed,
        "failed": failed,
        "filtered": int(volume * 0.3 * rng.random()),
    }
    if fn["profile"] == "failing":
        counts["inputs_failed"] = rng.randint(0, 3)
        if fn["state"] in (3, 12):
            counts["disabled_temporarily"] = rng.randint(0, 5)
    if fn["masking"]:
        counts["masked"] = rng.randint(0, volume // 4 + 1)
    return {k: v for k, v in counts.items() if v}


def _bucket_start(moment: datetime, interval: str) -> datetime:
    moment = moment.replace(minute=0, second=0, microsecond=0)
    if interval in ("day", "week"):
        moment = moment.replace(hour=0)
    if interval == "week":
        moment -= timedelta(days=moment.weekday())
    return moment


def metrics(fn: dict, query: dict, *, totals: bool) -> dict:
    interval = query.get("interval", "day")
    breakdown = query.get("breakdown_by", "kind")
    if interval not in ("hour", "day", "week"):
        raise ApiError.validation(
            f'"{interval}" is not a valid choice.', "interval", "invalid_choice"
        )
    if breakdown not in ("kind", "name"):
        raise ApiError.validation(
            f'"{breakdown}" is not a valid choice.', "breakdown_by", "invalid_choice"
        )
    now = datetime.now(UTC)
    after = parse_when(query.get("after", "-7d"), now, "after")
    before = parse_when(query.get("before"), now, "before") if query.get("before") else now
    names = set(filter(None, query.get("name", "").split(",")))
    kinds = set(filter(None, query.get("kind", "").split(",")))
    step = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}[
        interval
    ]
    labels, buckets = [], []
    cursor = _bucket_start(after, interval)
    while cursor <= before:
        labels.append(cursor.strftime("%Y-%m-%dT%H:%M" if interval == "hour" else "%Y-%m-%d"))
        buckets.append(cursor)
        cursor += step
    series: dict[str, list[int]] = {}
    hour = after.replace(minute=0, second=0, microsecond=0)
    while hour <= before:
        for name, count in hourly_counts(fn, hour).items():
            kind = METRIC_KINDS[name]
            if (names and name not in names) or (kinds and kind not in kinds):
                continue
            key = name if breakdown == "name" else kind
            index = next(i for i in range(len(buckets) - 1, -1, -1) if buckets[i] <= hour)
            series.setdefault(key, [0] * len(labels))[index] += count
        hour += timedelta(hours=1)
    if totals:
        return {"totals": {key: sum(values) for key, values in series.items()}}
    return {
        "labels": labels,
        "series": [{"name": k, "values": v} for k, v in sorted(series.items())],
    }


_MESSAGES = {
    "healthy": [
        "Executing function",
        "fetch('{url}', POST)",
        "HTTP 200 from destination",
        "Function completed in {ms}ms",
    ],
    "failing": [
        "Executing function",
        "fetch('{url}', POST)",
        'HTTP {code} from destination: {{"error": "upstream unavailable"}}',
        "Error executing function: HTTP {code}",
    ],
}


def logs(fn: dict) -> list[dict]:
    """Every log entry of the last 7 days, newest first (deterministic)."""
    if fn["type"] in ("site_app", "site_destination"):
        return []
    rng = _rng(fn, "logs")
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    rate = FAILURE_RATE.get(fn["profile"], 0.0) if fn["profile"] != "paused" else 0.01
    entries = []
    for i in range(rng.randint(40, 90)):
        start = now - timedelta(minutes=rng.randint(1, 7 * 24 * 60 - 1), seconds=rng.randint(0, 59))
        if fn["disabled_at"] and start >= fn["disabled_at"]:
            continue
        fails = rng.random() < max(rate, 0.02)
        instance = str(_rng(fn, "inv", i).getrandbits(64)) + f"-{i}"
        url = "https://hooks.example.com/" + fn["id"][:8]
        for step, template in enumerate(_MESSAGES["failing" if fails else "healthy"]):
            level = "DEBUG" if step == 0 else "INFO"
            if fails and step >= 2:
                level = "WARN" if step == 2 else "ERROR"
            stamp = start + timedelta(milliseconds=0 if step < 2 else 120 * step)
            entries.append(
                {
                    "log_source_id": fn["id"],
                    "instance_id": instance,
                    "timestamp": stamp,
                    "level": level,
                    "message": template.format(
                        url=url, ms=rng.randint(20, 900), code=rng.choice([500, 502, 429, 401])
                    ),
                }
            )
    entries.sort(key=lambda e: e["timestamp"], reverse=True)
    return entries


def query_logs(fn: dict, query: dict) -> list[dict]:
    return filter_logs(logs(fn), query)


def filter_logs(entries: list[dict], query: dict) -> list[dict]:
    """PostHog's log endpoint parameters over newest-first entries (hog functions and batch
    exports share it)."""
    try:
        limit = int(query.get("limit", 50))
    except ValueError:
        raise ApiError.validation(
            "A valid integer is required.", "limit", "invalid_input"
        ) from None
    # DRF's IntegerField(min_value=1, max_value=500) words and codes
    if limit > 500:
        raise ApiError.validation(
            "Ensure this value is less than or equal to 500.", "limit", "max_value"
        )
    if limit < 1:
        raise ApiError.validation(
            "Ensure this value is greater than or equal to 1.", "limit", "min_value"
        )
    now = datetime.now(UTC)
    after = parse_when(query["after"], now, "after") if query.get("after") else None
    before = parse_when(query["before"], now, "before") if query.get("before") else None
    levels = {lv.strip().upper() for lv in query.get("level", "").split(",") if lv.strip()}
    search = query.get("search", "").lower()
    out = []
    for entry in entries:
        if (after and entry["timestamp"] <= after) or (before and entry["timestamp"] >= before):
            continue
        if levels and entry["level"] not in levels:
            continue
        if search and search not in entry["message"].lower():
            continue
        if query.get("instance_id") and entry["instance_id"] != query["instance_id"]:
            continue
        out.append({**entry, "timestamp": iso(entry["timestamp"], micro=True)})
        if len(out) == limit:
            break
    return out


# --- invocations ---------------------------------------------------------------------------


def invoke(config: dict, body: dict, name: str) -> tuple[int, dict]:
    event = (body.get("globals") or {}).get("event")
    if not event and not body.get("clickhouse_event"):
        return 400, {"status": "error", "errors": ["Missing event"]}
    event = event or body["clickhouse_event"]
    ftype = config["type"]
    if ftype not in ("destination", "internal_destination", "transformation"):
        return 400, {"status": "error", "errors": ["Invalid function type"]}
    stamp = datetime.now(UTC)
    logs_out = [{"level": "debug", "timestamp": iso(stamp), "message": "Executing function"}]
    wanted = [e.get("id") for e in (config.get("filters") or {}).get("events") or []]
    if wanted and event.get("event") not in wanted:
        logs_out.append(
            {
                "level": "info",
                "timestamp": iso(stamp),
                "message": "Mapping trigger not matching filters was ignored.",
            }
        )
        return 200, {"status": "skipped", "result": None, "errors": [], "logs": logs_out}
    hog = config.get("hog") or ""
    values = config.get("values") or {}
    if "throw" in hog or any("fail" in str(v) for v in values.values()):
        message = "Error executing function: " + (
            "thrown by the function" if "throw" in hog else "HTTP 500 from destination"
        )
        logs_out.append({"level": "error", "timestamp": iso(stamp), "message": message})
        return 200, {"status": "error", "result": None, "errors": [message], "logs": logs_out}
    if ftype == "transformation":
        result = copy.deepcopy(event)
        result.setdefault("properties", {})["$transformed_by"] = name
        logs_out.append({"level": "info", "timestamp": iso(stamp), "message": "Function completed"})
        return 200, {"status": "success", "result": result, "errors": [], "logs": logs_out}
    if body.get("mock_async_functions", True):
        url = next((v for v in values.values() if isinstance(v, str) and v.startswith("http")), "")
        logs_out.append(
            {
                "level": "info",
                "timestamp": iso(stamp),
                "message": f"Async function 'fetch' was mocked with arguments: ['{url}']",
            }
        )
    else:
        logs_out.append(
            {
                "level": "warn",
                "timestamp": iso(stamp),
                "message": "fetch not executed in the emulator",
            }
        )
    logs_out.append({"level": "info", "timestamp": iso(stamp), "message": "Function completed"})
    return 200, {"status": "success", "result": None, "errors": [], "logs": logs_out}


# a 1x1 PNG, enough for an icon preview
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000030101001866c2d50000000049454e44ae426082"
)
