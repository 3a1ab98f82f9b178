"""Rules of the second edition's task props: who works a FORM, and how an action's failures go.

Errors: INVALID_ERROR_TRANSITION (an error transition that does not leave an action), UNKNOWN_ROLE
(an assignee role the company lacks; checked only when the caller names the company's roles) and
DUPLICATE_KEY (a role named twice), as for a ticket definition's access list (roles.py).
Warning: NO_ERROR_HANDLING (an action with neither a retry policy nor an error transition).
"""

from __future__ import annotations

from collections.abc import Collection

from kernel.problems import Problem
from kernel.values import child

from .model import TaskView, TransitionView
from .problems import Suggester, error, warning
from .roles import check_role_names
from .tasks import task_type_rule


def _is_action(task: TaskView) -> bool:
    rule = task_type_rule(task.data)
    return rule is not None and "actionUrl" not in rule.forbidden


def check_error_routes(tasks: list[TaskView], transitions: list[TransitionView]) -> list[Problem]:
    first: dict[str, TaskView] = {}
    for task in tasks:
        if task.key is not None:
            first.setdefault(task.key, task)
    problems = []
    routed: set[str] = set()
    for transition in transitions:
        if not transition.is_error_route:
            continue
        source = first.get(transition.source) if isinstance(transition.source, str) else None
        if transition.source is None:
            problems.append(
                error(
                    "INVALID_ERROR_TRANSITION",
                    child(transition.path, "onError"),
                    "A start transition cannot be an error transition: nothing has failed before the first task. "
                    "Remove onError.",
                )
            )
        elif source is not None and not _is_action(source):
            problems.append(
                error(
                    "INVALID_ERROR_TRANSITION",
                    child(transition.path, "onError"),
                    f"Task '{transition.source}' is not an action, and only an action can fail: an error transition "
                    "(one with onError) leaves a SYNC_ACTION or ASYNC_ACTION task. Remove onError.",
                )
            )
        elif source is not None:
            routed.add(source.key or "")
    for key, task in first.items():
        if _is_action(task) and task.data.get("retry") is None and key not in routed:
            problems.append(
                warning(
                    "NO_ERROR_HANDLING",
                    task.path,
                    f"Action '{key}' has neither a retry policy nor an error transition: if its call fails "
                    '(a timeout, an HTTP error, the network), the ticket stops there. Add "retry" to the task, or '
                    'a transition from it with "onError" to where a person takes over.',
                )
            )
    return problems


def check_assignees(tasks: list[TaskView], company_roles: Collection[str] | None, budget: list[int]) -> list[Problem]:
    """`company_roles` None: the names are not checked against a company (a document checked on its own)."""
    suggest = Suggester(sorted(company_roles or ()), budget)
    problems = []
    for task in tasks:
        roles = task.data.get("assigneeRoles")
        if isinstance(roles, list):
            problems += check_role_names(roles, child(task.path, "assigneeRoles"), company_roles, suggest)
    return problems
