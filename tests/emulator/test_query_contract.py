"""The emulator's query API answers validate against PostHog's `HogQLQueryResponse` schema
(../shared/posthog-openapi/openapi.yaml, or $POSTHOG_OPENAPI_SCHEMA when it holds that
schema). The subset JSON the other contract tests use has no query schemas.

The schema is patched only where PostHog's real answer is known to differ, each with its
reason (see `_patched`). PyYAML is not a dependency: `_schemas_from_yaml` reads the
block-style YAML openapi-generator writes (mappings, sequences, plain, quoted and block
scalars) for the schemas needed. Block scalars lose their blank and `#` lines, which only
touches descriptions; the schemas this test needs read exactly as PyYAML reads them.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

import pytest
import requests
from openapi_schema_validator import OAS30Validator

from emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "HogQLQueryResponse"
DEFAULT_PATH = ROOT.parent / "shared" / "posthog-openapi" / "openapi.yaml"
TOTALS = """
SELECT app_source_id, metric_name, sum(count) AS total
FROM app_metrics
WHERE app_source = 'hog_function' AND timestamp >= toStartOfHour(now() - INTERVAL 2 DAY)
GROUP BY app_source_id, metric_name
LIMIT 50000
"""


# --- reading the schema ------------------------------------------------------------------


def _candidates() -> list[Path]:
    paths = [DEFAULT_PATH]
    if os.environ.get("POSTHOG_OPENAPI_SCHEMA"):
        given = Path(os.environ["POSTHOG_OPENAPI_SCHEMA"])
        paths.insert(0, given)
        paths.insert(1, given.with_name("openapi.yaml"))
    return paths


def _load_components() -> dict:
    for path in _candidates():
        if not path.exists() or SCHEMA not in path.read_text():
            continue
        if path.suffix == ".json":
            return json.loads(path.read_text())["components"]["schemas"]
        return _schemas_from_yaml(path.read_text(), SCHEMA)
    reason = f"PostHog's OpenAPI schema with {SCHEMA} not found at {_candidates()}"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (required in CI)")
    pytest.skip(reason)


def _schemas_from_yaml(text: str, root: str) -> dict:
    """`root` and every schema it references, from `components: schemas:` of the YAML."""
    lines = text.splitlines()
    start = lines.index("components:")
    offset = next(i for i in range(start, len(lines)) if lines[i] == "  schemas:") + 1
    heads = {}
    for i in range(offset, len(lines)):
        line = lines[i]
        if line and not line.startswith("  "):
            break
        match = re.match(r"^    ([^\s:][^:]*):\s*$", line)
        if match:
            heads[match.group(1).strip("\"'")] = i
    schemas: dict = {}
    todo = [root]
    while todo:
        name = todo.pop()
        if name in schemas:
            continue
        first = heads[name] + 1
        last = first
        while last < len(lines) and (not lines[last].strip() or lines[last].startswith("     ")):
            last += 1
        schemas[name] = _yaml_block(lines[first:last])
        todo.extend(re.findall(r"#/components/schemas/([^\"'\s]+)", "\n".join(lines[first:last])))
    return schemas


def _yaml_block(raw: list[str]):
    lines = [
        (len(line) - len(line.lstrip(" ")), line.strip())
        for line in raw
        if line.strip() and not line.lstrip().startswith("#")
    ]
    value, end = _node(lines, 0, lines[0][0])
    assert end == len(lines), f"unparsed YAML from line {end}: {lines[end]}"
    return value


def _node(lines, i, indent):
    if lines[i][1] == "-" or lines[i][1].startswith("- "):
        return _sequence(lines, i, indent)
    return _mapping(lines, i, indent)


def _mapping(lines, i, indent, first: str | None = None):
    result = {}
    while i < len(lines) or first is not None:
        if first is None:
            level, content = lines[i]
            if level != indent or content.startswith("- ") or content == "-":
                break
            i += 1
        else:
            content, first = first, None
        key, sep, rest = _split_key(content)
        assert sep, f"not a mapping entry: {content}"
        if rest:
            result[key], i = _scalar(lines, i, indent, rest)
        elif i < len(lines) and lines[i][0] > indent:
            result[key], i = _node(lines, i, lines[i][0])
        elif i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("-"):
            result[key], i = _sequence(lines, i, indent)
        else:
            result[key] = None
    return result, i


def _sequence(lines, i, indent):
    result = []
    while (
        i < len(lines)
        and lines[i][0] == indent
        and (lines[i][1] == "-" or lines[i][1].startswith("- "))
    ):
        item = lines[i][1][1:].strip()
        i += 1
        if not item:
            value, i = _node(lines, i, lines[i][0])
        elif _split_key(item)[1] and not item.startswith(("'", '"', "{", "[")):
            value, i = _mapping(lines, i, indent + 2, first=item)
        else:
            value, i = _scalar(lines, i, indent, item)
        result.append(value)
    return result, i


def _split_key(content: str) -> tuple[str, bool, str]:
    if content[0] in "'\"":
        end = content.index(content[0], 1)
        key, tail = content[1:end], content[end + 1 :]
        return key, tail.startswith(":"), tail[1:].strip()
    match = re.match(r"^([^:]+?):(?:\s+(.*)|$)", content)
    if not match:
        return content, False, ""
    return match.group(1), True, (match.group(2) or "").strip()


def _scalar(lines, i, indent, text):
    """A scalar value, with its continuation lines (indented deeper than its key)."""
    if text in ("|", "|-", ">", ">-"):  # block scalars (blank lines are not kept)
        body = []
        while i < len(lines) and lines[i][0] > indent:
            body.append(lines[i])
            i += 1
        base = min(level for level, _ in body)
        literal = "\n".join(" " * (level - base) + content for level, content in body)
        value = literal if text[0] == "|" else " ".join(content for _, content in body)
        return value + ("" if text.endswith("-") else "\n"), i
    parts = [text]
    while i < len(lines) and lines[i][0] > indent:
        parts.append(lines[i][1])
        i += 1
    if text[0] == '"':
        joined = ""
        for part in parts:
            if not joined:
                joined = part
            elif joined.endswith("\\") and not joined.endswith("\\\\"):
                joined = joined[:-1] + part
            else:
                joined += " " + part
        return _unescape(joined[1:-1]), i
    if text[0] == "'":
        return " ".join(parts)[1:-1].replace("''", "'"), i
    plain = " ".join(parts)
    if plain in ("{}", "[]"):
        return ({} if plain == "{}" else []), i
    if plain in ("true", "false"):
        return plain == "true", i
    if plain in ("null", "~"):
        return None, i
    if re.fullmatch(r"-?\d+", plain):
        return int(plain), i
    if re.fullmatch(r"-?\d+\.\d*", plain):
        return float(plain), i
    return plain, i


YAML_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", " ": " ", "/": "/", "N": "\x85"}


def _unescape(text: str) -> str:
    """Decode the escapes of a YAML double-quoted string (backslash, quote, n, t, u, x...)."""

    def one(match: re.Match) -> str:
        code = match.group(1)
        if code[0] in "xuU":
            return chr(int(code[1:], 16))
        return YAML_ESCAPES.get(code, code)

    return re.sub(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", one, text)


def _nullable(schema: dict) -> dict:
    return {"anyOf": [{"nullable": True, "enum": [None]}, schema]}


def _patched(components: dict) -> dict:
    components = copy.deepcopy(components)
    response = components[SCHEMA]
    properties = response["properties"]
    # PostHog dumps its pydantic response with `model_dump(by_alias=True)`, so the Optional
    # objects it did not fill come out as null; the schema gives them as bare $refs.
    for name in ("metadata", "query_status", "resolved_date_range"):
        if name in properties:
            properties[name] = _nullable(properties[name])
    # The API answers in blocking mode with CachedHogQLQueryResponse: HogQLQueryResponse plus
    # the cache fields (posthog/schema.py). The schema's 200 is QueryResponseAlternative,
    # whose first alternative is any object.
    properties.update(
        cache_key={"type": "string"},
        is_cached={"type": "boolean"},
        last_refresh={"type": "string", "format": "date-time"},
        next_allowed_client_refresh={"type": "string", "format": "date-time"},
        timezone={"type": "string"},
        cache_target_age={"type": "string", "format": "date-time", "nullable": True},
        calculation_trigger={"type": "string", "nullable": True},
    )
    response["required"] = sorted({*response.get("required", []), "cache_key", "is_cached"})
    return components


@pytest.fixture(scope="module")
def components():
    return _patched(_load_components())


@pytest.fixture(scope="module")
def emu():
    with Emulator(port=0, hog_functions=40) as emulator:
        yield emulator


def _query(emu: Emulator, sql: str, *, prefix: str = "projects") -> requests.Response:
    return requests.post(
        f"{emu.url}/api/{prefix}/1/query/",
        json={"query": {"kind": "HogQLQuery", "query": sql}},
        headers={"Authorization": f"Bearer {emu.demo_key}"},
        timeout=30,
    )


def _errors(components: dict, data: dict) -> list[str]:
    validator = OAS30Validator(
        {"$ref": f"#/components/schemas/{SCHEMA}", "components": {"schemas": components}}
    )
    found = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    return [f"{list(e.absolute_path)}: {e.message}" for e in found]


# --- tests -------------------------------------------------------------------------------


def test_the_yaml_reader_reads_the_schema_closure(components):
    response = components[SCHEMA]
    assert response["additionalProperties"] is False
    assert response["properties"]["hasMore"] == {
        "nullable": True,
        "title": "Hasmore",
        "type": "boolean",
    }
    assert "QueryTiming" in components
    assert components["QueryTiming"]["required"] == ["k", "t"]
    assert components["HogQLQueryModifiers"]["properties"]["debug"]["type"] == "boolean"


@pytest.mark.parametrize(
    "sql",
    [
        TOTALS,
        "SELECT toStartOfDay(timestamp) AS day, metric_name, sum(count) FROM app_metrics "
        "WHERE timestamp >= toStartOfHour(now() - INTERVAL 2 DAY) GROUP BY day, metric_name "
        "ORDER BY day LIMIT 1000",
        "SELECT * FROM app_metrics WHERE timestamp > now() - INTERVAL 3 HOUR",
    ],
    ids=["totals", "daily", "no-limit"],
)
def test_query_response_matches_posthog_schema(components, emu, sql):
    response = _query(emu, sql)
    assert response.status_code == 200, response.text[:300]
    data = response.json()
    assert not _errors(components, data), _errors(components, data)[:5]
    assert {"columns", "types", "results", "hasMore", "limit", "offset"} <= set(data)
    assert len(data["types"]) == len(data["columns"])
    assert all(len(row) == len(data["columns"]) for row in data["results"])


def test_the_environments_alias_answers_the_same_shape(components, emu):
    response = _query(emu, TOTALS, prefix="environments")
    assert response.status_code == 200
    assert not _errors(components, response.json())


def test_an_unpatched_extra_field_would_fail_validation(components):
    """The check has teeth: PostHog's schema forbids fields it does not list."""
    data = {"results": [], "columns": [], "cache_key": "x", "is_cached": False, "rows": []}
    assert any("rows" in message for message in _errors(components, data))
