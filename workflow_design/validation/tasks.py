"""Rules per task and per task type.

DUPLICATE_KEY, MISSING_ACTION_URL, UNSAFE_ACTION_URL, REQUIRED (a FORM's outputSchema),
NOT_ALLOWED_FOR_TASK_TYPE, INVALID_TIMEOUT, INVALID_JSON_SCHEMA (schemas, and
a FORM's outputSchema that is not an object schema), MISSING_LAYOUT (warning).
"""

from __future__ import annotations

from typing import Any

from kernel.problems import Problem
from kernel.values import child
from workflow_design import document as doc

from .action_urls import check_action_url
from .duplicates import duplicates
from .model import TaskView
from .problems import error, shown, warning, with_article
from .schemas import check_json_schema, schema_type_is
from .shape import is_absent
from .url_templates import parse_url_template, placeholder_in_host

_SCHEMA_PROPS = [prop for prop in doc.TASK.props if prop.content == doc.JSON_SCHEMA]
# Past this many tasks with invalid schemas, a schema's first error is reported, not all of them:
# listing every error costs time in proportion to the errors.
_LISTED_INVALID_SCHEMAS = 20
# prop -> the task types that use it, for NOT_ALLOWED_FOR_TASK_TYPE's message: "SYNC_ACTION and ASYNC_ACTION".
_USED_BY = {
    name: " and ".join(t for t, rule in doc.TASK_TYPE_RULES.items() if name not in rule.forbidden)
    for rule in doc.TASK_TYPE_RULES.values()
    for name in rule.forbidden
}
_NEED_MESSAGES = {
    "MISSING_ACTION_URL": "{a_task} needs an actionUrl (the absolute http(s) URL it calls).",
    "REQUIRED": "{a_task} needs {a_prop}.",
}


def check_tasks(tasks: list[TaskView], bad_paths: set[str]) -> list[Problem]:
    """`bad_paths`: where the shape check already found a problem; not re-checked."""
    problems = duplicates(((t.key, child(t.path, "key")) for t in tasks), "DUPLICATE_KEY", "The task key")
    invalid_schemas = 0
    for task in tasks:
        schema_problems = _check_schemas(task, bad_paths, list_every_error=invalid_schemas < _LISTED_INVALID_SCHEMAS)
        invalid_schemas += bool(schema_problems)
        problems += schema_problems
        rule = task_type_rule(task.data)
        if rule is not None:
            # Say nothing more where the meta-schema already complained.
            problems += _check_type_rule(task, rule, bad_paths | {p.path for p in schema_problems})
    return problems


def _check_schemas(task: TaskView, bad_paths: set[str], *, list_every_error: bool) -> list[Problem]:
    problems = []
    for prop in _SCHEMA_PROPS:
        path = child(task.path, prop.name)
        if task.data.get(prop.name) is not None and path not in bad_paths:
            problems += check_json_schema(task.data[prop.name], path, list_every_error=list_every_error)
    return problems


def forbidden_props(task: TaskView) -> tuple[str, ...]:
    rule = task_type_rule(task.data)
    return rule.forbidden if rule is not None else ()


def _check_type_rule(task: TaskView, rule: doc.TaskTypeRule, bad_paths: set[str]) -> list[Problem]:
    data, problems = task.data, []
    for name, code in rule.needs:
        if is_absent(data, doc.TASK.prop(name)):
            message = _NEED_MESSAGES[code].format(a_task=_a_task(rule), a_prop=with_article(name))
            problems.append(error(code, child(task.path, name), message))
    for name in rule.forbidden:
        if data.get(name) is not None:
            problems.append(
                error(
                    "NOT_ALLOWED_FOR_TASK_TYPE",
                    child(task.path, name),
                    f"{_a_task(rule)} has no {name}; remove it (only {_USED_BY[name]} tasks use {name}).",
                )
            )
    problems += _check_action_url(task, rule, bad_paths)
    problems += _check_timeout(task, rule, bad_paths)
    problems += _check_output_schema_type(task, rule, bad_paths)
    if rule.layout_warning and is_absent(data, doc.TASK.prop(rule.layout_warning)):
        problems.append(
            warning(
                "MISSING_LAYOUT",
                child(task.path, rule.layout_warning),
                f"{_a_task(rule)} should have {with_article(rule.layout_warning)}: the React form a person fills in.",
            )
        )
    return problems


def _check_action_url(task: TaskView, rule: doc.TaskTypeRule, bad_paths: set[str]) -> list[Problem]:
    path = child(task.path, "actionUrl")
    url = task.data.get("actionUrl")
    if not isinstance(url, str) or path in bad_paths or "actionUrl" in rule.forbidden:
        return []
    template, problems = parse_url_template(url, path)
    if template is None:
        return problems
    # The host rules judge the part before the first placeholder, which holds the whole host.
    return placeholder_in_host(template, path) or check_action_url(template.sample, path)


def _check_timeout(task: TaskView, rule: doc.TaskTypeRule, bad_paths: set[str]) -> list[Problem]:
    path = child(task.path, "timeoutSeconds")
    timeout = task.data.get("timeoutSeconds")
    if timeout is None or path in bad_paths or "timeoutSeconds" in rule.forbidden:
        return []
    if timeout <= 0:
        return [
            error(
                "INVALID_TIMEOUT", path, f"timeoutSeconds must be a positive number of seconds, got {shown(timeout)}."
            )
        ]
    if rule.max_timeout is not None and timeout > rule.max_timeout:
        return [
            error(
                "INVALID_TIMEOUT",
                path,
                f"{_a_task(rule)} waits at most {rule.max_timeout} seconds, got {shown(timeout)}; "
                "use ASYNC_ACTION for longer work.",
            )
        ]
    return []


def _check_output_schema_type(task: TaskView, rule: doc.TaskTypeRule, bad_paths: set[str]) -> list[Problem]:
    path = child(task.path, "outputSchema")
    schema = task.data.get("outputSchema")
    if rule.output_schema_type is None or schema is None or path in bad_paths:
        return []
    if schema_type_is(schema, rule.output_schema_type):
        return []
    where = child(path, "type") if isinstance(schema, dict) and "type" in schema else path
    if where in bad_paths:
        return []
    return [
        error(
            "INVALID_JSON_SCHEMA",
            where,
            f"{_a_task(rule)}'s outputSchema defines its form: it must be an object schema "
            f'with "type": "{rule.output_schema_type}" and "properties".',
        )
    ]


def _a_task(rule: doc.TaskTypeRule) -> str:
    """The subject of a message about a task of the rule's type: "An ASYNC_ACTION task", "A FORM task"."""
    return f"{with_article(rule.task_type, capitalized=True)} task"


def task_type_rule(task: dict[str, Any]) -> doc.TaskTypeRule | None:
    """The rules of the task's type; None for a missing or invalid type (reported elsewhere)."""
    task_type = task.get("taskType")
    return doc.TASK_TYPE_RULES.get(task_type) if isinstance(task_type, str) else None
