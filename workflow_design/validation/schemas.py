"""JSON Schema (2020-12) checks of inputSchema / outputSchema: INVALID_JSON_SCHEMA."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

from .problems import Problem, child, did_you_mean, error, quoted_list

_META_VALIDATOR = Draft202012Validator(Draft202012Validator.META_SCHEMA)
_SIMPLE_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")
_MAX_MESSAGE = 300


def check_json_schema(schema: Any, path: str) -> list[Problem]:
    """Validate `schema` against the 2020-12 meta-schema; each error located
    inside the schema (e.g. /tasks/0/outputSchema/properties/severity/type)."""
    try:
        key = json.dumps(schema, sort_keys=True, separators=(",", ":"))
        found = _meta_errors(key)
    except (RecursionError, TypeError, ValueError):
        return [error("INVALID_JSON_SCHEMA", path, "The schema could not be checked (not JSON, or nested too deeply).")]
    return [error("INVALID_JSON_SCHEMA", child(path, *tokens), message) for tokens, message in found]


@lru_cache(maxsize=2048)
def _meta_errors(schema_json: str) -> tuple[tuple[tuple[Any, ...], str], ...]:
    # Keyed by canonical JSON: workflows repeat schemas, and meta-validation
    # costs about half a millisecond each.
    schema = json.loads(schema_json)
    return tuple((tuple(e.absolute_path), _message(e)) for e in _META_VALIDATOR.iter_errors(schema))


def _message(err: Any) -> str:
    tokens = list(err.absolute_path)
    if tokens and tokens[-1] == "type" and isinstance(err.instance, str):
        return (
            f"'{err.instance}' is not a JSON Schema type; expected one of {quoted_list(_SIMPLE_TYPES)}."
            + did_you_mean(err.instance, _SIMPLE_TYPES)
        )
    message = f"Not a valid JSON Schema (2020-12): {err.message}"
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def schema_type_is(schema: Any, expected: str) -> bool:
    """Whether the schema's "type" is `expected` (a string or a one-entry list)."""
    if not isinstance(schema, dict):
        return False
    declared = schema.get("type")
    return declared == expected or declared == [expected]


def schema_property_names(schema: Any) -> list[str]:
    """Names declared in the schema's top-level "properties"."""
    if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
        return [name for name in schema["properties"] if isinstance(name, str)]
    return []
