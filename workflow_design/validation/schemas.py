"""JSON Schema (2020-12) in workflow documents: the checks of inputSchema / outputSchema
(INVALID_JSON_SCHEMA), and the one validator that checks data against them.

A schema is the client's, so checking data against it must cost bounded work and touch
nothing outside the request:

- Nothing is ever fetched. A `$ref` must point inside its own schema ("#..."), and every
  validator is built with an empty `referencing` registry, so a reference that escaped
  the check would resolve to nothing rather than to a file or a URL.
- Patterns run on RE2, in time linear in the text (no catastrophic backtracking); a
  pattern RE2 cannot compile (backreferences, lookaround) is refused up front.
- `uniqueItems` is checked in linear time; every keyword applied to a value charges the
  active evaluation budget (`budget.py`), so `$ref` fan-out ends with BudgetExceeded.
- The schema itself is checked against the 2020-12 meta-schema by jsonschema-rs (linear and
  fast), then against this service's rules, on every object of it (a `$ref` pointer can make
  any object a subschema).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

import jsonschema_rs
import re2
from cachetools import LRUCache, cached
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from referencing import Registry

from kernel.problems import Problem
from kernel.values import child, split_pointer
from workflow_design.document import JSON_SCHEMA_DIALECT

from .budget import active_budget
from .problems import did_you_mean, error, quoted_list

_SIMPLE_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")
_MAX_MESSAGE = 300
_MAX_ERRORS_PER_SCHEMA = 20  # a schema with more is mostly wrong anyway; the first ones say how
_REFERENCES = ("$ref", "$dynamicRef")


def _re2_options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # a client's bad pattern is a located problem, not a log line
    return options


_RE2_OPTIONS = _re2_options()


# --- checking a schema -------------------------------------------------------------------


# The meta-schema check runs on jsonschema-rs: linear in the schema and fast (the 2020-12
# meta-schema through python-jsonschema's $dynamicRef resolution costs about 0.6 ms per
# subschema: a 60 KB schema took 13 s). Offline: it resolves the bundled meta-schemas only.
_META_VALIDATOR = jsonschema_rs.Draft202012Validator(Draft202012Validator.META_SCHEMA, offline=True)
# Every error of an invalid schema is listed up to this size; a larger one gets its first error
# (listing all errors is eager in jsonschema-rs: ~25 µs each, 80,000 in a 256 KiB schema).
_LISTED_SCHEMA_BYTES = 16 * 1024


def check_json_schema(schema: Any, path: str, *, list_every_error: bool = True) -> list[Problem]:
    """Problems of `schema` as an inputSchema / outputSchema, each located inside it
    (e.g. /tasks/0/outputSchema/properties/severity/type). With `list_every_error` off, an
    invalid schema gets its first error only (for documents holding many invalid schemas)."""
    try:
        text = json.dumps(schema, sort_keys=True, separators=(",", ":"), allow_nan=False)
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        found = _schema_errors(digest, text, list_every_error and len(text) <= _LISTED_SCHEMA_BYTES)
    except (RecursionError, TypeError, ValueError):
        return [error("INVALID_JSON_SCHEMA", path, "The schema could not be checked (not JSON, or nested too deeply).")]
    return [error("INVALID_JSON_SCHEMA", child(path, *tokens), message) for tokens, message in found]


def _found_size(found: tuple[tuple[tuple[Any, ...], str], ...]) -> int:
    return 100 + sum(len(message) + 20 * len(tokens) for tokens, message in found)


# Workflows repeat schemas, so the verdicts are kept, keyed by the schema's digest (not its
# text, which may be 256 KiB) and bounded by their size: at most 2 MiB per process.
_VERDICTS: LRUCache[tuple[bytes, bool], tuple[tuple[tuple[Any, ...], str], ...]] = LRUCache(
    maxsize=2 * 1024 * 1024, getsizeof=_found_size
)


@cached(_VERDICTS, key=lambda digest, text, list_every_error: (digest, list_every_error), lock=threading.Lock())
def _schema_errors(digest: bytes, text: str, list_every_error: bool) -> tuple[tuple[tuple[Any, ...], str], ...]:
    schema = json.loads(text)
    if not _META_VALIDATOR.is_valid(schema):
        if not list_every_error:
            try:
                _META_VALIDATOR.validate(schema)
            except jsonschema_rs.ValidationError as first:
                return ((tuple(first.instance_path), _meta_message(first)),)
        meta_errors = itertools.islice(_META_VALIDATOR.iter_errors(schema), _MAX_ERRORS_PER_SCHEMA)
        return tuple((tuple(found.instance_path), _meta_message(found)) for found in meta_errors)
    # The rules of this service, on a schema that is valid 2020-12.
    return tuple(itertools.islice(_service_rule_errors(schema), _MAX_ERRORS_PER_SCHEMA))


def _meta_message(err: jsonschema_rs.ValidationError) -> str:
    tokens = list(err.instance_path)
    if tokens and tokens[-1] == "type" and isinstance(err.instance, str):
        return (
            f"'{err.instance}' is not a JSON Schema type; expected one of {quoted_list(_SIMPLE_TYPES)}."
            + did_you_mean(err.instance, _SIMPLE_TYPES)
        )
    return _short(f"Not a valid JSON Schema (2020-12): {err.message}")


def _short(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def _service_rule_errors(schema: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
    """A `$ref` (JSON Pointer) can make any object of the schema a subschema, so every object is
    looked at, not only the places 2020-12 calls subschemas."""
    unevaluated_at, pattern_properties_at = None, None
    # Pointers are resolved from the root unless a subschema sets its own base with $id.
    nested_ids = any(tokens and "$id" in node for tokens, node in _objects(schema))
    for tokens, node in _objects(schema):
        for keyword in _REFERENCES:
            reference = node.get(keyword)
            if isinstance(reference, str):
                yield from _reference_errors(schema, reference, (*tokens, keyword), check_pointer=not nested_ids)
        dialect = node.get("$schema")
        if dialect is not None and (tokens or dialect != JSON_SCHEMA_DIALECT):
            yield (
                (*tokens, "$schema"),
                f'Schemas here are JSON Schema 2020-12: "$schema" may only be "{JSON_SCHEMA_DIALECT}", '
                "at the top of the schema, or left out.",
            )
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            yield from _pattern_errors(pattern, (*tokens, "pattern"))
        if isinstance(node.get("patternProperties"), dict):
            pattern_properties_at = pattern_properties_at or (*tokens, "patternProperties")
            for key in node["patternProperties"]:
                yield from _pattern_errors(key, (*tokens, "patternProperties", key))
        if "unevaluatedProperties" in node:
            unevaluated_at = unevaluated_at or tokens
    if unevaluated_at is not None and pattern_properties_at is not None:
        yield (
            pattern_properties_at,
            "patternProperties cannot be combined with unevaluatedProperties in one schema here (the latter "
            "would match these patterns with a backtracking engine); use additionalProperties instead.",
        )


def _reference_errors(
    schema: Any, reference: str, tokens: tuple[Any, ...], *, check_pointer: bool
) -> Iterator[tuple[tuple[Any, ...], str]]:
    if not reference.startswith("#"):
        yield (
            tokens,
            _short(
                'Only references inside this schema are allowed (e.g. "#/$defs/address"), got '
                f"{json.dumps(reference)}: nothing outside the document is ever read. Copy what it names into $defs."
            ),
        )
    elif check_pointer and reference.startswith("#/") and not _pointer_resolves(schema, reference[1:]):
        yield (
            tokens,
            _short(f"{json.dumps(reference)} points to nothing in this schema; the pointer starts at its root."),
        )


def _pointer_resolves(document: Any, pointer: str) -> bool:
    node = document
    for token in split_pointer(unquote(pointer)):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdecimal() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


def _pattern_errors(pattern: str, tokens: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    try:
        re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        yield (
            tokens,
            _short(
                f"Not a pattern this service can run ({reason}): patterns use RE2 syntax, which has no "
                "backreferences or lookaround and keeps matching linear in time."
            ),
        )


def _objects(schema: Any) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(tokens, object) for every JSON object in the schema, the schema itself first."""
    pending: list[tuple[tuple[Any, ...], Any]] = [((), schema)]
    while pending:
        tokens, node = pending.pop()
        if isinstance(node, dict):
            yield tokens, node
            pending.extend(((*tokens, key), value) for key, value in node.items())
        elif isinstance(node, list):
            pending.extend(((*tokens, index), value) for index, value in enumerate(node))


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


# --- checking data against a schema --------------------------------------------------------


def _search(pattern: str, text: str) -> bool:
    """Whether RE2 finds `pattern` in `text`; patterns are compiled once per budget scope
    (a scope ends with its request, so compiled patterns never pile up)."""
    budget = active_budget()
    compiled = budget.compiled_patterns.get(pattern)
    if compiled is None:
        budget.charge(1 + len(pattern) // 16)
        compiled = budget.compiled_patterns[pattern] = re2.compile(pattern, _RE2_OPTIONS)
    return compiled.search(text) is not None


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if isinstance(instance, str) and not _search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: dict[str, Any], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not isinstance(instance, dict):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if _search(pattern, name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not isinstance(instance, dict):
        return
    declared = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    extras = [
        name for name in instance if name not in declared and not any(_search(pattern, name) for pattern in patterns)
    ]
    if isinstance(additional, dict):
        for name in extras:
            yield from validator.descend(instance[name], additional, path=name)
    elif additional is False and extras:
        names = ", ".join(repr(name) for name in sorted(extras))
        yield ValidationError(
            f"Additional properties are not allowed ({names} {'was' if len(extras) == 1 else 'were'} unexpected)"
        )


def _unique_items(validator: Any, unique: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if unique is True and isinstance(instance, list):
        active_budget().charge(len(instance))
        first_at: dict[Any, int] = {}
        for index, item in enumerate(instance):
            earlier = first_at.setdefault(_identity(item), index)
            if earlier != index:
                yield ValidationError(f"has non-unique elements: items {earlier} and {index} are equal")
                return


def _identity(value: Any) -> Any:
    """A hashable value equal for exactly the JSON values JSON Schema calls equal: numbers
    by value (1 and 1.0), objects whatever their key order, booleans apart from numbers."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, dict):
        return ("object", frozenset((name, _identity(item)) for name, item in value.items()))
    if isinstance(value, list):
        return ("array", tuple(_identity(item) for item in value))
    return ("number" if isinstance(value, int | float) else "other", value)


# (validator, the keyword's value, instance, schema) -> errors; some of jsonschema's return None for none.
KeywordCheck = Callable[[Any, Any, Any, dict[str, Any]], Iterator[ValidationError] | None]


def _charged(check: KeywordCheck) -> KeywordCheck:
    """The keyword check, charging one budget step each time it is applied to a value."""

    def charged_check(validator: Any, value: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        active_budget().charge()
        yield from check(validator, value, instance, schema) or ()

    return charged_check


_LINEAR_KEYWORDS: dict[str, KeywordCheck] = {
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
    "uniqueItems": _unique_items,
}
# jsonschema's own keyword checks (the stubs leave their type open).
_STOCK_KEYWORDS: dict[str, KeywordCheck] = Draft202012Validator.VALIDATORS
# types-jsonschema leaves extend() unannotated.
_DataValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    validators={keyword: _charged(_LINEAR_KEYWORDS.get(keyword, check)) for keyword, check in _STOCK_KEYWORDS.items()},
)


def _is_re2_pattern(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    active_budget().charge(1 + len(instance) // 16)
    try:
        re2.compile(instance, _RE2_OPTIONS)
    except re2.error:
        return False
    return True


def _format_checker() -> FormatChecker:
    """jsonschema's format checks, but "regex" compiled by RE2 (Python's compiler spent
    seconds on crafted 5 KB patterns)."""
    checker = FormatChecker()
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker.checks("regex")(_is_re2_pattern)
    return checker


_FORMAT_CHECKER = _format_checker()


def _without_dialects(schema: Any) -> Any:
    """The schema without "$schema" keywords. jsonschema picks the validator class of a subschema
    by its "$schema" (python-jsonschema's evolve), so one there would switch to a stock class
    without this module's linear keywords and budget; the checks above refuse them, and a
    stored schema from before is stripped here all the same."""
    if isinstance(schema, dict):
        return {key: _without_dialects(value) for key, value in schema.items() if key != "$schema"}
    if isinstance(schema, list):
        return [_without_dialects(value) for value in schema]
    return schema


def schema_validator(schema: Any) -> Any:
    """The validator of data against a client's schema: 2020-12, asserting `format` where
    jsonschema can, fetching nothing, linear patterns and uniqueness, charging the active
    budget. Use it inside `budget_scope`."""
    return _DataValidator(_without_dialects(schema), registry=Registry(), format_checker=_FORMAT_CHECKER)
