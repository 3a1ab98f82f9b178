"""validate_workflow: every check of a workflow document, in one call."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from kernel.problems import ERROR, Problem
from kernel.values import child
from workflow_design import document as doc

from .actions import check_assignees, check_error_routes
from .coverage import Cases
from .duplicates import duplicates
from .flow import DataFlow
from .graph import check_graph
from .layouts import LayoutShapes, check_workflow_layouts
from .model import TaskView, TransitionView, entries, field_types, task_views, transition_views
from .problems import SUGGESTION_BUDGET, Suggester, error, in_document_order
from .rules import BROKEN, Place, Variables, check_condition, check_transform, check_url_placeholders
from .shape import check_object, unstorable_text_problems
from .tasks import check_tasks, forbidden_props
from .types import of_schema
from .url_templates import parse_url_template

logger = logging.getLogger(__name__)

# (transform, whether it reads `response`, the schema of what it builds)
_TRANSFORMS = [
    (prop.name, prop.name == "outputTransform", "outputSchema" if prop.name == "outputTransform" else "inputSchema")
    for prop in doc.TASK.props
    if prop.content == doc.TRANSFORM
]


def validate_workflow(document: Any, *, company_roles: Collection[str] | None = None) -> list[Problem]:
    """All problems of a workflow document, errors and warnings, in document order.

    `company_roles`: the names of the company's roles, which FORM tasks' assigneeRoles must name
    (UNKNOWN_ROLE); None where the document is checked without a company (the roles are then not
    judged). Never raises: anything unexpected becomes one problem at "" (and a log entry).
    """
    try:
        return in_document_order(_validate(document, company_roles), document)
    except Exception:  # a bug here must not turn a client's input into a 500
        logger.exception("validate_workflow failed")
        return [error("INVALID_TYPE", "", "The document could not be validated; check that it is a workflow document.")]


def _validate(document: Any, company_roles: Collection[str] | None) -> list[Problem]:
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
    problems += check_assignees(tasks, company_roles, budget)
    problems += check_error_routes(tasks, transitions)
    variables = Variables(field_types(document), _output_schemas(tasks, problems), budget)
    shapes = LayoutShapes(variables.fields, tasks, variables.output_type)
    problems += check_workflow_layouts(document, tasks, shapes, {p.path for p in problems})
    graph = _Graph(tasks, transitions, variables)
    if not {"/tasks", "/transitions"} & bad_paths:
        start_path = "/transitions" if "transitions" in document else ""
        problems += check_graph(
            tasks, transitions, Suggester((t.key for t in tasks), budget), start_path, graph.exclusive
        )
    rule_problems = _check_rules(tasks, transitions, variables, graph, problems)
    # Conditions with errors of their own say nothing reliable about which cases they cover.
    flawed = bad_paths | {p.path for p in rule_problems if p.severity == ERROR}
    return problems + rule_problems + graph.uncovered_cases(tasks, flawed)


def _output_schemas(tasks: list[TaskView], problems: list[Problem]) -> dict[str, Any]:
    """Each task's outputSchema (first task of a key); BROKEN where the outputSchema itself has
    a problem, so that the rules reading it are not reported a second time."""
    broken = _broken_schemas(problems, "outputSchema")
    schemas: dict[str, Any] = {}
    for task in tasks:
        if task.key is not None and task.key not in schemas:
            schemas[task.key] = BROKEN if task.index in broken else task.data.get("outputSchema")
    return schemas


def _broken_schemas(problems: list[Problem], name: str) -> set[int]:
    """Indices of the tasks whose schema `name` has a problem."""
    broken = set()
    for problem in problems:
        tokens = problem.path.split("/")  # "", "tasks", index, name, ...
        if len(tokens) >= 4 and tokens[1] == "tasks" and tokens[3] == name and tokens[2].isdigit():
            broken.add(int(tokens[2]))
    return broken


class _Graph:
    """The transitions whose ends resolve, what has run along them (flow.py) and what their
    conditions decide (coverage.py)."""

    def __init__(self, tasks: list[TaskView], transitions: list[TransitionView], variables: Variables) -> None:
        keys = list(dict.fromkeys(t.key for t in tasks if t.key is not None))
        known = set(keys)
        self.resolved = [
            t
            for t in transitions
            if t.well_formed and (t.source is None or t.source in known) and (t.target is None or t.target in known)
        ]
        self.flow = DataFlow(keys, self.resolved)
        self.cases = Cases(variables)

    def exclusive(self, first: TransitionView, second: TransitionView) -> bool:
        return self.cases.exclusive(first, second, self.flow.after_task(first.source))

    def uncovered_cases(self, tasks: list[TaskView], flawed: set[str]) -> list[Problem]:
        """UNCOVERED_CASE per task (and for the start transitions); `flawed`: paths with errors,
        where a group of transitions with a flawed condition is not judged."""
        flawed_conditions = {
            int(tokens[2])
            for tokens in (path.split("/") for path in flawed)
            if len(tokens) > 3 and tokens[1] == "transitions" and tokens[3] == "condition" and tokens[2].isdigit()
        }
        leaving: dict[str | None, list[TransitionView]] = defaultdict(list)
        flawed_sources = set()
        for transition in self.resolved:
            if transition.is_error_route:
                continue  # a failure no error transition takes is the action's to report (NO_ERROR_HANDLING)
            leaving[transition.source].append(transition)
            if transition.index in flawed_conditions:
                flawed_sources.add(transition.source)
        paths = {t.key: t.path for t in reversed(tasks) if t.key is not None}
        problems = []
        for source, outgoing in leaving.items():
            if source in flawed_sources:
                continue
            if source is None:
                where, path = "that starts the workflow", outgoing[0].path
            else:
                where, path = f"leaving '{source}'", paths[source]
            problem = self.cases.uncovered_problem(outgoing, self.flow.after_task(source), where, path)
            if problem is not None:
                problems.append(problem)
        return problems


def _check_rules(
    tasks: list[TaskView],
    transitions: list[TransitionView],
    variables: Variables,
    graph: _Graph,
    earlier: list[Problem],
) -> list[Problem]:
    """`earlier`: the problems found so far; what they point at is not checked again."""
    bad_paths = {p.path for p in earlier}
    broken = {name: _broken_schemas(earlier, name) for _, _, name in _TRANSFORMS}
    problems: list[Problem] = []
    for task in tasks:
        place = Place(graph.flow.before_task(task.key), f"task '{task.key}' starts")
        problems += _check_url_placeholders(task, place, variables, bad_paths)
        for name, response, schema_name in _TRANSFORMS:
            path = child(task.path, name)
            skip = path in bad_paths or name in forbidden_props(task)  # reported already
            if task.data.get(name) is not None and not skip:
                schema = task.data.get(schema_name)
                target = None if schema is None or task.index in broken[schema_name] else of_schema(schema)
                problems += check_transform(task.data[name], path, variables, response, place, target, schema_name)
    places: dict[tuple[str | None, bool], Place] = {
        (None, False): Place(graph.flow.after_task(None), "a start transition is tried", True)
    }
    for transition in transitions:
        path = child(transition.path, "condition")
        if transition.condition is None or path in bad_paths:
            continue
        failure = transition.is_error_route and transition.source is not None
        where = (transition.source, failure)
        if where not in places:
            places[where] = _transition_place(graph, transition.source, failure)
        condition_problems, constant = check_condition(
            transition.condition, path, variables, places[where], failure=failure
        )
        problems += condition_problems
        if (constant and not condition_problems) or transition.condition is False:
            constant_problem = graph.cases.constant_problem(transition, path)
            if constant_problem is not None:
                problems.append(constant_problem)
    return problems


def _transition_place(graph: _Graph, source: str | None, failure: bool) -> Place:
    if failure:
        assert source is not None  # an error transition of a start is refused (INVALID_ERROR_TRANSITION)
        return Place(graph.flow.after_failure(source), f"the error transitions leaving '{source}' are tried")
    return Place(graph.flow.after_task(source), f"the transitions leaving '{source}' are tried")


def _check_url_placeholders(task: TaskView, place: Place, variables: Variables, bad_paths: set[str]) -> list[Problem]:
    """The variables an actionUrl template's placeholders read, evaluated when the task starts."""
    path = child(task.path, "actionUrl")
    url = task.data.get("actionUrl")
    if not isinstance(url, str) or path in bad_paths or "actionUrl" in forbidden_props(task):
        return []
    template, _ = parse_url_template(url, path)
    return [] if template is None else check_url_placeholders(template.placeholders, path, variables, place)
