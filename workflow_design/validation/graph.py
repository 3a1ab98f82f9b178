"""References and graph rules over transitions.

Errors: UNKNOWN_TASK, DUPLICATE_TRANSITION, NO_START, UNREACHABLE_TASK,
NO_PATH_TO_END. Warnings: SHADOWED_TRANSITION, AMBIGUOUS_PRIORITY (start transitions
included: they are chosen by the same rule).
Everything is linear in tasks + transitions (plus a sort per task).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable

from kernel.problems import Problem
from kernel.values import child

from .model import TaskView, TransitionView, canonical_json
from .problems import Suggester, error, hint, quoted_list, warning

Exclusive = Callable[[TransitionView, TransitionView], bool]
_EXCLUSIVITY_CHECKS = 8


def check_graph(
    tasks: list[TaskView],
    transitions: list[TransitionView],
    suggest_task: Suggester,
    start_path: str,
    exclusive: Exclusive,
) -> list[Problem]:
    """`exclusive(a, b)`: whether two transitions' conditions provably never hold together."""
    first: dict[str, TaskView] = {}
    for task in tasks:
        if task.key is not None:
            first.setdefault(task.key, task)
    problems = _unknown_tasks(transitions, first, suggest_task)
    usable, duplicate_problems = _usable(transitions, first)
    problems += duplicate_problems
    starts = [t for t in transitions if t.source is None]
    if not starts:
        problems.append(
            error(
                "NO_START",
                start_path,
                'No start transition: add one with "fromTask": null and "toTask" naming the first task.',
            )
        )
    else:
        problems += _reachability(first, transitions, usable, starts, suggest_task)
    problems += _priority_warnings(usable, exclusive)
    return problems


def _unknown_tasks(
    transitions: list[TransitionView], first: dict[str, TaskView], suggest_task: Suggester
) -> list[Problem]:
    problems = []
    known = quoted_list(first)
    for transition in transitions:
        for name, key in (("fromTask", transition.source), ("toTask", transition.target)):
            if isinstance(key, str) and key not in first:
                problems.append(
                    error(
                        "UNKNOWN_TASK",
                        child(transition.path, name),
                        f"No task has the key '{key}' (keys: {known}); use null for "
                        f"{'a start' if name == 'fromTask' else 'an end'}." + hint(suggest_task(key)),
                    )
                )
    return problems


def _usable(
    transitions: list[TransitionView], first: dict[str, TaskView]
) -> tuple[list[TransitionView], list[Problem]]:
    """Transitions whose ends resolve, without repeats (reported here)."""
    seen: dict[tuple[str | None, str | None, str | None, tuple[str, ...] | None], TransitionView] = {}
    usable, problems = [], []
    for transition in transitions:
        if not transition.well_formed or any(
            key is not None and key not in first for key in (transition.source, transition.target)
        ):
            continue  # already reported (REQUIRED, INVALID_TYPE or UNKNOWN_TASK)
        condition = canonical_json(transition.condition)
        errors = None if transition.on_error is None else tuple(sorted(transition.on_error))
        identity = (transition.source, transition.target, condition, errors)
        if condition is not None and identity in seen:
            problems.append(
                error(
                    "DUPLICATE_TRANSITION",
                    transition.path,
                    f"Same fromTask, toTask, condition and onError as {seen[identity].path}; remove one of them.",
                )
            )
            continue
        seen.setdefault(identity, transition)
        usable.append(transition)
    return usable, problems


def _walk(starts: Iterable[str], edges: dict[str, set[str]]) -> set[str]:
    """Keys reachable from `starts` along `edges` (breadth first)."""
    reached = set(starts)
    queue = deque(reached)
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in reached:
                reached.add(nxt)
                queue.append(nxt)
    return reached


def _reachability(
    first: dict[str, TaskView],
    transitions: list[TransitionView],
    usable: list[TransitionView],
    starts: list[TransitionView],
    suggest_task: Suggester,
) -> list[Problem]:
    forward: dict[str, set[str]] = defaultdict(set)
    backward: dict[str, set[str]] = defaultdict(set)
    entered: set[str] = {t.target for t in starts if t.target is not None}
    ends_here: set[str] = set()  # tasks with a transition to null
    # A task whose only transitions are error transitions ends the workflow when it succeeds.
    ends_here.update({t.source for t in usable if t.source is not None} - _ordinary_sources(usable))
    for transition in usable:
        if transition.source is None:
            continue
        if transition.target is None:
            ends_here.add(transition.source)
        else:
            forward[transition.source].add(transition.target)
            backward[transition.target].add(transition.source)
    # A broken end (absent, wrong type, unknown key; reported already) is read as the key it
    # is closest to, or else as "some valid task", so that one typo does not also make its
    # neighbours unreachable or trapped: the cause is reported, not its knock-on effects.
    for transition in transitions:
        source_ok = transition.source is None or transition.source in first
        target_ok = transition.target is None or transition.target in first
        meant = suggest_task(transition.target) if not target_ok else None
        if source_ok and not target_ok and transition.source is not None:
            ends_here.add(transition.source)
            if meant is not None:
                forward[transition.source].add(meant)
                backward[meant].add(transition.source)
        elif source_ok and not target_ok and meant is not None:
            entered.add(meant)
        elif target_ok and not source_ok and transition.target is not None:
            entered.add(transition.target)
    if any(t.target is not None and t.target not in first for t in starts):
        entered = set(first)  # a start leads nowhere known: reachability cannot be judged
    reached = _walk(entered, forward)
    # An end: a transition to null, or a task without outgoing transitions.
    can_end = _walk((key for key in first if key in ends_here or key not in forward), backward)
    problems = []
    for key, task in first.items():
        if key not in reached:
            problems.append(
                error(
                    "UNREACHABLE_TASK",
                    task.path,
                    f"Task '{key}' cannot be reached from any start transition; add a transition to it "
                    "(or remove the task).",
                )
            )
        elif key not in can_end:
            problems.append(
                error(
                    "NO_PATH_TO_END",
                    task.path,
                    f"No path from task '{key}' reaches an end (a transition with toTask null, or a task "
                    f"without outgoing transitions): its transitions lead only to {quoted_list(sorted(forward[key]))}, "
                    "from where no end is reachable either. Add an exit.",
                )
            )
    return problems


def _ordinary_sources(transitions: list[TransitionView]) -> set[str | None]:
    return {t.source for t in transitions if not t.is_error_route}


def _priority_warnings(usable: list[TransitionView], exclusive: Exclusive) -> list[Problem]:
    # Ordinary transitions are tried after a success, error transitions after a failure: each among its own.
    leaving: dict[tuple[str | None, bool], list[TransitionView]] = defaultdict(list)
    for transition in usable:
        # start transitions (None) are chosen the same way
        leaving[(transition.source, transition.is_error_route)].append(transition)
    problems = []
    for (source, error_route), outgoing in leaving.items():
        where = f"from '{source}'" if source is not None else "start transition"
        if error_route:
            where = f"error transition {where}"
        # The order in which the transitions are tried at run time.
        outgoing.sort(key=lambda t: (-t.priority, t.index))
        always: TransitionView | None = None
        conditional_at: dict[int, list[TransitionView]] = defaultdict(list)
        for transition in outgoing:
            if always is not None and _catches(always, transition):
                problems.append(
                    warning(
                        "SHADOWED_TRANSITION",
                        transition.path,
                        f"This {where} is never taken: {always.path} has no condition and is tried first "
                        f"(priority {always.priority}). Give this one a higher priority or remove it.",
                    )
                )
                continue
            if transition.unconditional and (always is None or not transition.is_error_route):
                always = transition
                continue
            same = conditional_at[transition.priority]
            # Proving exclusivity costs evaluations: past a few transitions of one priority, one
            # that is not proven exclusive of the first few is reported against the next one.
            checked = same[:_EXCLUSIVITY_CHECKS]
            overlapping = next(
                (
                    other
                    for other in checked
                    if _may_catch_together(other, transition) and not exclusive(other, transition)
                ),
                None,
            )
            if overlapping is None and len(same) > _EXCLUSIVITY_CHECKS:
                overlapping = same[_EXCLUSIVITY_CHECKS]
            if overlapping is not None:
                problems.append(
                    warning(
                        "AMBIGUOUS_PRIORITY",
                        transition.path,
                        f"This conditional {where} has the same priority ({transition.priority}) as "
                        f"{overlapping.path}, and both conditions can hold at once: only document order decides "
                        "which is tried first. Give them distinct priorities.",
                    )
                )
            same.append(transition)
    return problems


def _catches(first: TransitionView, later: TransitionView) -> bool:
    """Whether `first` is tried in every case `later` would be: the same errors at least (ordinary
    transitions, in every case)."""
    return first.on_error is None or later.on_error is None or later.on_error <= first.on_error


def _may_catch_together(first: TransitionView, second: TransitionView) -> bool:
    """Whether some failure (or, for ordinary transitions, some success) tries both."""
    return first.on_error is None or second.on_error is None or bool(first.on_error & second.on_error)
