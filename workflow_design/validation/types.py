"""The types of the values a workflow's rules read and build, from the document alone.

A `ValueType` says what a value can be: its JSON kinds, the literal values it is limited to
(`enum`, `const`), and for objects and arrays what they hold. It is read from a task's
JSON Schemas (`of_schema`) and a field's `fieldType` (`of_field`); `UNKNOWN` is anything,
and checks against it pass. What a schema says in ways this reading does not follow
(`$ref`, `not`, `if`, dependent schemas...) reads as UNKNOWN, so a check never fails on
what it cannot see: no false alarms.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, NamedTuple

from .model import canonical_json
from .problems import shown, type_name

# JSON Schema's type names; "integer" values are also "number" values.
_KINDS = frozenset({"null", "boolean", "integer", "number", "string", "array", "object"})
# A schema is read this deep at most: deeper values read as UNKNOWN.
_MAX_DEPTH = 16
_MAX_VALUES = 1000
# Keywords this reading does not follow: a schema using one reads as UNKNOWN.
_UNFOLLOWED = frozenset({"$ref", "$dynamicRef", "not", "if", "allOf"})
_ALTERNATIVES = frozenset({"anyOf", "oneOf"})


class ValueType(NamedTuple):  # a tuple: one is made per schema and per literal, and tuples are made fastest
    kinds: frozenset[str] | None = None  # None: any kind
    values: tuple[Any, ...] | None = None  # the only values allowed (enum, const), None: any
    properties: Mapping[str, ValueType] | None = None  # an object's declared properties, None: not declared
    closed: bool = False  # no other properties (additionalProperties: false)
    required: frozenset[str] = frozenset()
    items: ValueType | None = None  # an array's items, None: not declared

    @property
    def known(self) -> bool:
        return self.kinds is not None

    def can_be(self, *kinds: str) -> bool:
        """Whether a value of this type can be of one of `kinds` (unknown: yes)."""
        if self.kinds is None:
            return True
        wanted = set(kinds)
        if "number" in wanted:
            wanted.add("integer")
        if "integer" in wanted and "number" in self.kinds:
            return True  # a "number" may hold an integer
        return bool(self.kinds & wanted)

    def property(self, name: str) -> ValueType | None:
        """The type of property `name`: UNKNOWN when undeclared in an open or unknown object,
        None when this type says the property cannot exist."""
        if self.kinds is not None and "object" not in self.kinds:
            return None
        if self.properties is None:
            return UNKNOWN
        declared = self.properties.get(name)
        if declared is not None:
            return declared
        return None if self.properties or self.closed else UNKNOWN

    def item(self) -> ValueType | None:
        """The type of an item: None when this type cannot be an array."""
        if self.kinds is not None and "array" not in self.kinds:
            return None
        return self.items or UNKNOWN

    def describe(self) -> str:
        """What the type is, in JSON words: 'a string, one of "a", "b"', 'a number or null'."""
        if self.values is not None:
            return (
                "one of " + ", ".join(shown(v) for v in self.values[:12]) + (", ..." if len(self.values) > 12 else "")
            )
        if self.kinds is None:
            return "any value"
        names = sorted("number" if k == "integer" and "number" not in self.kinds else k for k in self.kinds)
        words = [("an " if n[0] in "aeiou" else "a ") + n if n != "null" else "null" for n in dict.fromkeys(names)]
        return " or ".join(words)


UNKNOWN = ValueType()
BOOLEAN = ValueType(frozenset({"boolean"}))
NUMBER = ValueType(frozenset({"number"}))
INTEGER = ValueType(frozenset({"integer"}))
STRING = ValueType(frozenset({"string"}))
ARRAY = ValueType(frozenset({"array"}))
STRINGS = ValueType(frozenset({"array"}), items=STRING)


def kind_of(value: Any) -> str:
    """The JSON Schema type name of a JSON value."""
    name = type_name(value)
    return name if name in _KINDS else "object"


def of_literal(value: Any) -> ValueType:
    if isinstance(value, (list, dict)):
        return ValueType(frozenset({kind_of(value)}))
    return _of_scalar(value)


@functools.lru_cache(maxsize=4096, typed=True)  # rules repeat their literals; typed: 1 and true differ
def _of_scalar(value: Any) -> ValueType:
    return ValueType(frozenset({kind_of(value)}), values=(value,))


def union(types: list[ValueType]) -> ValueType:
    """A value of one of `types`."""
    if not types:
        return UNKNOWN
    if any(t.kinds is None for t in types):
        return UNKNOWN
    kinds = frozenset().union(*(t.kinds or () for t in types))
    values = None
    if all(t.values is not None for t in types):
        values = tuple(dict.fromkeys(v for t in types for v in (t.values or ())))
    if len(types) == 1:
        return types[0]
    return ValueType(kinds, values)


def has_value(values: tuple[Any, ...], value: Any) -> bool:
    """Whether `value` is among `values` as JSON compares them (1 == 1.0, true != 1)."""
    if isinstance(value, (dict, list)):
        wanted = canonical_json(value)
        return any(isinstance(v, (dict, list)) and canonical_json(v) == wanted for v in values)
    return any(_same_scalar(v, value) for v in values)


def _same_scalar(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


# --- reading types -------------------------------------------------------------------------

# fieldType -> the type of a ticket field's value (json fields hold anything).
_FIELD_TYPES = {
    "string": STRING,
    "text": STRING,
    "email": STRING,
    "url": STRING,
    "date": STRING,
    "datetime": STRING,
    "integer": INTEGER,
    "number": NUMBER,
    "boolean": BOOLEAN,
}


def of_field(field_type: str) -> ValueType:
    return _FIELD_TYPES.get(field_type, UNKNOWN)


def of_schema(schema: Any, depth: int = 0) -> ValueType:
    """The type a JSON Schema describes, as far as this reading follows it."""
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return UNKNOWN
    if not _UNFOLLOWED.isdisjoint(schema):
        return UNKNOWN
    if not _ALTERNATIVES.isdisjoint(schema):
        branches = schema.get("anyOf", schema.get("oneOf"))
        if not isinstance(branches, list) or not branches:
            return UNKNOWN
        return union([of_schema(branch, depth + 1) for branch in branches])
    kinds = _schema_kinds(schema)
    values = _schema_values(schema)
    if values is not None:
        value_kinds = frozenset(kind_of(v) for v in values)
        kinds = (
            value_kinds
            if kinds is None
            else kinds & (value_kinds | ({"number"} if "integer" in value_kinds else set()))
        )
    properties = None
    if isinstance(schema.get("properties"), dict):
        properties = {
            name: of_schema(sub, depth + 1) for name, sub in schema["properties"].items() if isinstance(name, str)
        }
    closed = schema.get("additionalProperties") is False and "patternProperties" not in schema
    required = schema.get("required")
    items = of_schema(schema["items"], depth + 1) if isinstance(schema.get("items"), dict) else None
    return ValueType(
        kinds,
        values,
        properties,
        closed,
        frozenset(r for r in required if isinstance(r, str)) if isinstance(required, list) else frozenset(),
        items,
    )


def _schema_kinds(schema: dict[str, Any]) -> frozenset[str] | None:
    declared = schema.get("type")
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or not all(isinstance(n, str) and n in _KINDS for n in names):
        return None
    return frozenset(names)


def _schema_values(schema: dict[str, Any]) -> tuple[Any, ...] | None:
    if "const" in schema:
        return (schema["const"],)
    enum = schema.get("enum")
    if isinstance(enum, list) and 0 < len(enum) <= _MAX_VALUES:
        return tuple(enum)
    return None


def kinds_fit(actual: ValueType, expected: ValueType) -> bool:
    """Whether some value of `actual` can be a value of `expected` by kind (null aside:
    absence is checked elsewhere)."""
    if actual.kinds is None or expected.kinds is None:
        return True
    present = actual.kinds - {"null"}
    return not present or any(expected.can_be(kind) for kind in present)
