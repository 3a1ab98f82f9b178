"""Typed views of a workflow document's tasks and transitions.

Built after the shape check: values of the wrong type read as absent here,
since the shape check has already reported them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kernel.values import child


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # a fromTask/toTask that is absent or not a string/null


@dataclass(frozen=True)
class TaskView:
    index: int
    path: str
    data: dict[str, Any]
    key: str | None


@dataclass(frozen=True)
class TransitionView:
    index: int
    path: str
    source: str | None  # or MISSING; None marks a start
    target: str | None  # or MISSING; None marks an end
    condition: Any  # None when there is none
    priority: int
    on_error: frozenset[str] | None = None  # an error transition's errors; None for an ordinary one

    @property
    def unconditional(self) -> bool:
        return self.condition is None or self.condition is True

    @property
    def is_error_route(self) -> bool:
        return self.on_error is not None

    @property
    def well_formed(self) -> bool:
        return self.source is not MISSING and self.target is not MISSING


def entries(document: dict[str, Any], name: str) -> list[tuple[int, dict[str, Any]]]:
    """(index, entry) of the objects in the list document[name]; others are skipped."""
    value = document.get(name)
    return [(i, e) for i, e in enumerate(value) if isinstance(e, dict)] if isinstance(value, list) else []


def task_views(document: dict[str, Any]) -> list[TaskView]:
    views = []
    for index, task in entries(document, "tasks"):
        key = task.get("key")
        views.append(TaskView(index, child("/tasks", index), task, key if isinstance(key, str) else None))
    return views


def _end(transition: dict[str, Any], name: str) -> Any:
    if name not in transition:
        return MISSING
    value = transition[name]
    return value if value is None or isinstance(value, str) else MISSING


def transition_views(document: dict[str, Any]) -> list[TransitionView]:
    views = []
    for index, transition in entries(document, "transitions"):
        priority = transition.get("priority")
        on_error = transition.get("onError")
        views.append(
            TransitionView(
                index,
                child("/transitions", index),
                _end(transition, "fromTask"),
                _end(transition, "toTask"),
                transition.get("condition"),
                priority if isinstance(priority, int) and not isinstance(priority, bool) else 0,
                _errors(on_error),
            )
        )
    return views


def _errors(on_error: Any) -> frozenset[str] | None:
    """The errors of an error transition (given onError, even a malformed one: the shape check reports it)."""
    if on_error is None:
        return None
    return frozenset(e for e in on_error if isinstance(e, str)) if isinstance(on_error, list) else frozenset()


def canonical_json(value: Any) -> str | None:
    """Key-order independent JSON text, None when the value is not JSON."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (RecursionError, TypeError, ValueError):
        return None


def field_types(document: dict[str, Any]) -> dict[str, str]:
    """Workflow fields as {fieldName: fieldType} (first declaration wins)."""
    fields: dict[str, str] = {}
    for _, entry in entries(document, "fields"):
        if isinstance(entry.get("fieldName"), str):
            fields.setdefault(entry["fieldName"], str(entry.get("fieldType")))
    return fields
