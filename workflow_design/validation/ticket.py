"""validate_ticket_definition: a ticket definition against its workflow's fields
and the company's roles."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from kernel.problems import Problem
from kernel.values import child
from workflow_design import document as doc

from .layouts import check_ticket_layouts
from .problems import Suggester, error, hint, in_document_order, quoted_list, shown
from .roles import check_role_names
from .shape import check_object, is_http_url, measure_json, unstorable_text_problems

logger = logging.getLogger(__name__)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?")


def _parses(parser: Callable[[str], Any], value: str) -> bool:
    try:
        parser(value)
        return True
    except ValueError:
        return False


def _is_email(value: Any) -> bool:
    """name@domain.tld: one @, no white space, a dot inside the domain. Written with string
    operations, in linear time (the regular expression it replaces backtracked quadratically)."""
    if not isinstance(value, str) or any(ch.isspace() for ch in value):
        return False
    local, at, domain = value.partition("@")
    return bool(local) and bool(at) and "@" not in domain and "." in domain[1:-1]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# fieldType -> (accepts(value), what was expected)
FIELD_VALUE_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "string": (lambda v: isinstance(v, str), "a string"),
    "text": (lambda v: isinstance(v, str), "a string"),
    "integer": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "number": (_is_number, "a number"),
    "boolean": (lambda v: isinstance(v, bool), "true or false"),
    "date": (
        lambda v: isinstance(v, str) and bool(_DATE.fullmatch(v)) and _parses(date.fromisoformat, v),
        "an ISO date (yyyy-mm-dd)",
    ),
    "datetime": (
        lambda v: (
            isinstance(v, str)
            and bool(_DATETIME.fullmatch(v))
            and _parses(lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")), v)
        ),
        "an ISO 8601 date and time (e.g. 2024-05-01T14:30:00Z)",
    ),
    "email": (_is_email, "an email address"),
    "url": (is_http_url, "an absolute http(s) URL"),
    "json": (lambda v: measure_json(v)[1] is None, "JSON"),
}
assert set(FIELD_VALUE_RULES) == set(doc.FIELD_TYPES)


def validate_ticket_definition(
    document: Any, *, workflow_fields: list[dict[str, Any]] | None, company_roles: set[str]
) -> list[Problem]:
    """All problems of a ticket definition document, in document order.

    `workflow_fields`: the referenced workflow's fields [{"fieldName", "fieldType"}],
    or None when the workflow was not found (the caller reports NOT_FOUND; the
    field checks are skipped). Never raises.
    """
    try:
        return in_document_order(_validate(document, workflow_fields, company_roles), document)
    except Exception:  # a bug here must not turn a client's input into a 500
        logger.exception("validate_ticket_definition failed")
        return [error("INVALID_TYPE", "", "The document could not be validated; check that it is a ticket definition.")]


def _validate(document: Any, workflow_fields: list[dict[str, Any]] | None, company_roles: set[str]) -> list[Problem]:
    problems = unstorable_text_problems(document) + check_object(document, doc.TICKET_DEFINITION, "")
    if not isinstance(document, dict):
        return problems
    bad_paths = {p.path for p in problems}
    declared = declared_field_types(workflow_fields) if workflow_fields is not None else None
    values = document.get("fields")
    if isinstance(values, dict) and declared is not None and "/fields" not in bad_paths:
        problems += check_field_values(values, declared)
    roles = document.get("companyRoleAccess")
    if isinstance(roles, list):
        problems += check_role_names(roles, "/companyRoleAccess", set(company_roles or ()))
    return problems + check_ticket_layouts(document, declared, bad_paths)


def declared_field_types(workflow_fields: list[dict[str, Any]]) -> dict[str, str]:
    """{fieldName: fieldType} of a workflow's fields (the first of a duplicated name)."""
    declared: dict[str, str] = {}
    for entry in workflow_fields or ():
        if isinstance(entry, dict) and isinstance(entry.get("fieldName"), str):
            field_type = entry.get("fieldType")
            declared.setdefault(entry["fieldName"], field_type if isinstance(field_type, str) else "")
    return declared


def check_field_values(values: dict[str, Any], declared: dict[str, str], path: str = "/fields") -> list[Problem]:
    """Problems of ticket field values against the declared field types, located under `path`."""
    suggest = Suggester(declared)
    problems = []
    base = path
    for name, value in values.items():
        path = child(base, name)
        if name not in declared:
            problems.append(
                error(
                    "UNKNOWN_FIELD",
                    path,
                    f"The workflow has no field '{name}' (fields: {quoted_list(declared)})." + hint(suggest(name)),
                )
            )
            continue
        if not field_value_fits(value, declared[name]):
            expected = FIELD_VALUE_RULES[declared[name]][1]
            problems.append(
                error(
                    "INVALID_FIELD_VALUE",
                    path,
                    f"Field '{name}' is of type {declared[name]}: expected {expected}, got {shown(value)}.",
                )
            )
    return problems


def field_value_fits(value: Any, field_type: str) -> bool:
    """Whether a ticket field value is valid for the field type. null always is (no value), and so
    is anything for a type that is none (reported where the workflow declares it)."""
    rule = FIELD_VALUE_RULES.get(field_type)
    return value is None or rule is None or rule[0](value)
