"""Generic checks of a document against its declaration in workflow_design.document.

Reports INVALID_CHARACTER, REQUIRED, UNKNOWN_PROPERTY, TOO_LONG, TOO_MANY and each prop's
``invalid_code`` (INVALID_TYPE, INVALID_KEY, INVALID_URL, ...). Never raises.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from kernel.problems import Problem
from kernel.values import child, unstorable_text
from workflow_design import document as doc

from .problems import did_you_mean, error, quoted_list, shown, type_name, with_article
from .url_templates import parse_url_template


def unstorable_text_problems(document: Any) -> list[Problem]:
    """INVALID_CHARACTER wherever text holds a NUL or an unpaired surrogate: no database
    column can store it (GraphQL requests are refused earlier; import files get here)."""
    return [
        error("INVALID_CHARACTER", path, "Text cannot contain NUL characters or unpaired surrogates.")
        for path in unstorable_text(document)
    ]


def check_object(value: Any, obj: doc.DocObject, path: str) -> list[Problem]:
    if not isinstance(value, dict):
        return [error("INVALID_TYPE", path, f"Expected an object ({obj.name}), got {got(value)}.")]
    problems = [_unknown_property(key, obj, path) for key in value if key not in obj.by_name]
    for prop in obj.props:
        problems.extend(_check_prop(value, prop, obj, path))
    return problems


def _unknown_property(key: Any, obj: doc.DocObject, path: str) -> Problem:
    return error(
        "UNKNOWN_PROPERTY",
        child(path, key),
        f"'{key}' is not a property of {obj.name}; expected one of {quoted_list(obj.by_name, limit=20)}."
        + did_you_mean(key, obj.by_name),
    )


def is_absent(container: dict[str, Any], prop: doc.Prop) -> bool:
    """Absent, null for a prop where null means nothing, or blank when required."""
    if prop.name not in container:
        return True
    value = container[prop.name]
    if value is None:
        return not prop.nullable
    return prop.required and isinstance(value, str) and not value.strip()


def _check_prop(container: dict[str, Any], prop: doc.Prop, obj: doc.DocObject, parent: str) -> list[Problem]:
    if is_absent(container, prop):
        needed = prop.required or (prop.required_with is not None and container.get(prop.required_with) is not None)
        if not needed:
            return []  # most props of most objects: no path made (the document's most frequent case)
        return [
            error("REQUIRED", child(parent, prop.name), f"'{prop.name}' is required in {obj.name}: {prop.description}")
        ]
    path = child(parent, prop.name)
    value = container[prop.name]
    if value is None:  # a nullable prop given null: a meaningful value
        return []
    return _KIND_CHECKS[prop.kind](value, prop, path)


# --- per kind ---------------------------------------------------------------


def got(value: Any) -> str:
    """A wrong value for a message: a scalar as JSON (true, null, "300"), an array or object by its type."""
    return with_article(type_name(value)) if isinstance(value, (dict, list)) else shown(value)


def _wrong_type(prop: doc.Prop, path: str, expected: str, value: Any) -> list[Problem]:
    return [error(prop.invalid_code, path, f"'{prop.name}' must be {expected}, got {got(value)}.")]


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _check_string(value: Any, prop: doc.Prop, path: str) -> list[Problem]:
    if not isinstance(value, str):
        return _wrong_type(prop, path, "a string", value)
    if prop.max_length is not None and len(value) > prop.max_length:
        return [error("TOO_LONG", path, f"'{prop.name}' has {len(value)} characters; at most {prop.max_length}.")]
    if prop.max_bytes is not None:
        size = len(value.encode("utf-8", "surrogatepass"))
        if size > prop.max_bytes:
            return [error("TOO_LONG", path, f"'{prop.name}' is {size} bytes; at most {prop.max_bytes}.")]
    if prop.pattern is not None and not _regex(prop.pattern).fullmatch(value):
        return [error(prop.invalid_code, path, f"'{prop.name}' must match {prop.pattern}, got {shown(value)}.")]
    return []


def _check_integer(value: Any, prop: doc.Prop, path: str) -> list[Problem]:
    if isinstance(value, bool) or not isinstance(value, int):
        return _wrong_type(prop, path, "an integer", value)
    return _check_range(value, prop, path)


def _check_number(value: Any, prop: doc.Prop, path: str) -> list[Problem]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return _wrong_type(prop, path, "a number", value)
    return _check_range(value, prop, path)


def _check_range(value: float, prop: doc.Prop, path: str) -> list[Problem]:
    """A prop with a maximum is checked here (one with a minimum alone, by a rule of its own)."""
    if prop.maximum is None or ((prop.minimum is None or value >= prop.minimum) and value <= prop.maximum):
        return []
    return [
        error(
            prop.invalid_code,
            path,
            f"'{prop.name}' must be between {prop.minimum} and {prop.maximum}, got {shown(value)}.",
        )
    ]


def _check_id(value: Any, prop: doc.Prop, path: str) -> list[Problem]:
    if isinstance(value, str) and _regex(doc.ID_PATTERN).fullmatch(value):
        return []
    return [
        error(
            prop.invalid_code,
            path,
            f"'{prop.name}' must be a global id, the `id` the API answers for the {prop.named_type}, got {got(value)}.",
        )
    ]


def _check_enum(value: Any, prop: doc.Prop, path: str) -> list[Problem]:
    if isinstance(value, str) and value in prop.values:
        return []
    return [
        error(
            prop.invalid_code,
            path,
            f"'{prop.name}' must be one of {quoted_list(prop.values)}, got {got(value)}."
            + did_you_mean(value, prop.values),
        )
    ]


def is_http_url(value: Any) -> bool:
    if not isinstance(value, str) or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _check_url(value: Any, prop: doc.Prop, path: str) -> list[Problem]:
    if isinstance(value, str) and (too_long := _check_string(value, prop, path)):
        return too_long
    if prop.content == doc.URL_TEMPLATE and isinstance(value, str):
        template, problems = parse_url_template(value, path)
        if template is None:
            return problems
        value = template.sample
    if not is_http_url(value):
        return [error(prop.invalid_code, path, f"'{prop.name}' must be an absolute http(s) URL, got {got(value)}.")]
    return []


_TOO_DEEP = f"it is nested more than {doc.MAX_JSON_DEPTH} levels deep"


def measure_json(value: Any) -> tuple[int, str | None]:
    """(serialized UTF-8 size, None), or (0, why the value is not JSON at all).

    Serializing first also rejects cycles, which makes the depth walk safe.
    """
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except RecursionError:
        return -1, _TOO_DEEP
    except (TypeError, ValueError) as exc:
        return 0, f"it is not JSON ({exc})"
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > doc.MAX_JSON_DEPTH:
            return -1, _TOO_DEEP
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return len(text.encode("utf-8", "surrogatepass")), None


def _check_json(value: Any, prop: doc.Prop, path: str) -> list[Problem]:
    size, trouble = measure_json(value)
    if trouble is not None:
        # Too deep is a size limit (TOO_LONG); anything else is a wrong value.
        code = "TOO_LONG" if size < 0 else prop.invalid_code
        return [error(code, path, f"'{prop.name}' is not acceptable: {trouble}.")]
    if prop.max_bytes is not None and size > prop.max_bytes:
        return [error("TOO_LONG", path, f"'{prop.name}' is {size} bytes as JSON; at most {prop.max_bytes}.")]
    if prop.json_types and type_name(value) not in prop.json_types:
        return _wrong_type(prop, path, " or ".join(f"a JSON {t}" for t in prop.json_types), value)
    return []


def _check_object_list(value: Any, prop: doc.Prop, path: str) -> list[Problem]:
    if not isinstance(value, list):
        return [error("INVALID_TYPE", path, f"'{prop.name}' must be an array, got {got(value)}.")]
    if prop.max_items is not None and len(value) > prop.max_items:
        return [_too_many(prop, path, value)]
    problems: list[Problem] = []
    for index, item in enumerate(value):
        problems.extend(check_object(item, prop.item_object, child(path, index)))
    return problems


def _check_object(value: Any, prop: doc.Prop, path: str) -> list[Problem]:
    return check_object(value, prop.item_object, path)


def _check_enum_list(value: Any, prop: doc.Prop, path: str) -> list[Problem]:
    listing = quoted_list(prop.values)
    if not isinstance(value, list):
        return [error(prop.invalid_code, path, f"'{prop.name}' must be an array out of {listing}, got {got(value)}.")]
    if prop.max_items is not None and len(value) > prop.max_items:
        return [_too_many(prop, path, value)]
    if len(value) < prop.min_items:
        return [error(prop.invalid_code, path, f"'{prop.name}' names at least {prop.min_items} of {listing}.")]
    problems, seen = [], set()
    for index, item in enumerate(value):
        if not isinstance(item, str) or item not in prop.values:
            message = f"Entries of '{prop.name}' are out of {listing}, got {got(item)}."
            message += did_you_mean(item, prop.values)
        elif item in seen:
            message = f"'{item}' is listed twice in '{prop.name}'; remove one."
        else:
            seen.add(item)
            continue
        problems.append(error(prop.invalid_code, child(path, index), message))
    return problems


def _check_string_list(value: Any, prop: doc.Prop, path: str) -> list[Problem]:
    if not isinstance(value, list):
        return [error("INVALID_TYPE", path, f"'{prop.name}' must be an array of strings, got {got(value)}.")]
    if prop.max_items is not None and len(value) > prop.max_items:
        return [_too_many(prop, path, value)]
    return [
        error("INVALID_TYPE", child(path, index), f"Entries of '{prop.name}' must be strings, got {got(item)}.")
        for index, item in enumerate(value)
        if not isinstance(item, str)
    ]


def _too_many(prop: doc.Prop, path: str, value: list[Any]) -> Problem:
    # Over the limit: the per-item checks are skipped, they are what costs.
    return error("TOO_MANY", path, f"'{prop.name}' has {len(value)} entries; at most {prop.max_items}.")


_KIND_CHECKS: dict[str, Callable[[Any, doc.Prop, str], list[Problem]]] = {
    doc.STRING: _check_string,
    doc.TEXT: _check_string,
    doc.INTEGER: _check_integer,
    doc.NUMBER: _check_number,
    doc.ID: _check_id,
    doc.ENUM: _check_enum,
    doc.URL: _check_url,
    doc.JSON: _check_json,
    doc.OBJECT: _check_object,
    doc.OBJECT_LIST: _check_object_list,
    doc.STRING_LIST: _check_string_list,
    doc.ENUM_LIST: _check_enum_list,
}
