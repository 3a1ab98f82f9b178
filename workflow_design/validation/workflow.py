"""validate_workflow: every check of a workflow document, in one call."""

from __future__ import annotations

import logging
from typing import Any

from kernel.problems import Problem
from kernel.values import child
from workflow_design import document as doc

from .duplicates import duplicates
from .graph import check_graph
from .jsonlogic import Variables, check_condition, check_transform
from .model import TaskView, TransitionView, entries, field_types, task_views, transition_views
from .problems import SUGGESTION_BUDGET, Suggester, error, in_document_order
from .schemas import schema_property_names
from .shape import check_object, unstorable_text_problems
from .tasks import check_tasks, forbidden_props

logger = logging.getLogger(__name__)

_TRANSFORMS = [(prop.name, prop.name == "outputTransform") for prop in doc.TASK.props if prop.content == doc.TRANSFORM]


def validate_workflow(document: Any) -> list[Problem]:
    """All problems of a workflow document, errors and warnings, in document order.

    Never raises: anything unexpected becomes one problem at "" (and a log entry).
    """
    try:
        return in_document_order(_validate(document), document)
    except Exception:  # a bug here must not turn a client's input into a 500
        logger.exception("validate_workflow failed")
        return [error("INVALID_TYPE", "", "The document could not be validated; check that it is a workflow document.")]


def _validate(document: Any) -> list[Problem]:
    problems = unstorable_text_problems(document) + check_object(document, doc.WORKFLOW, "")
    if not isinstance(document, dict):
        return problems
    bad_paths = {p.path for p in problems}
    if any(p.code == "TOO_MANY" for p in problems):
        return problems  # over a limit: the per-item checks are what would cost
    tasks, transitions = task_views(document), transition_views(document)
    problems += duplicates(
        ((entry.get("fieldName"), child("/fields", i, "fieldName")) for i, entry in entries(document, "fields")),
        "DUPLICATE_FIELD",
        "The field name",
    )
    problems += check_tasks(tasks, bad_paths)
    budget = [SUGGESTION_BUDGET]
    if not {"/tasks", "/transitions"} & bad_paths:
        start_path = "/transitions" if "transitions" in document else ""
        problems += check_graph(tasks, transitions, Suggester((t.key for t in tasks), budget), start_path)
    variables = Variables(field_types(document), _task_outputs(tasks, problems), budget)
    problems += _check_rules(tasks, transitions, variables, bad_paths)
    return problems


def _task_outputs(tasks: list[TaskView], problems: list[Problem]) -> dict[str, list[str] | None]:
    """Output properties per task key; None where the outputSchema itself has a
    problem, so that the rules reading it are not reported a second time."""
    broken = set()
    for problem in problems:
        tokens = problem.path.split("/")  # "", "tasks", index, "outputSchema", ...
        if len(tokens) >= 4 and tokens[1] == "tasks" and tokens[3] == "outputSchema":
            broken.add(tokens[2])
    outputs: dict[str, list[str] | None] = {}
    for task in tasks:
        if task.key is not None and task.key not in outputs:
            schema = task.data.get("outputSchema")
            outputs[task.key] = None if str(task.index) in broken else schema_property_names(schema)
    return outputs


def _check_rules(
    tasks: list[TaskView], transitions: list[TransitionView], variables: Variables, bad_paths: set[str]
) -> list[Problem]:
    problems: list[Problem] = []
    for task in tasks:
        for name, response in _TRANSFORMS:
            path = child(task.path, name)
            skip = path in bad_paths or name in forbidden_props(task)  # reported already
            if task.data.get(name) is not None and not skip:
                problems += check_transform(task.data[name], path, variables, response)
    for transition in transitions:
        path = child(transition.path, "condition")
        if transition.condition is not None and path not in bad_paths:
            problems += check_condition(transition.condition, path, variables)
    return problems
