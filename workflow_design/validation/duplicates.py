"""One helper for every "used twice" rule (task keys, field names, role names)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kernel.problems import Problem

from .problems import error


def duplicates(entries: Iterable[tuple[Any, str]], code: str, what: str) -> list[Problem]:
    """A problem at each repeated occurrence of a value; entries are (value, path)."""
    first_path: dict[Any, str] = {}
    problems = []
    for value, path in entries:
        if not isinstance(value, str):
            continue
        if value in first_path:
            problems.append(error(code, path, f"{what} '{value}' is already used at {first_path[value]}."))
        else:
            first_path[value] = path
    return problems
