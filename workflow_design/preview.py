"""Walk a workflow on sample data: the evaluator behind previewWorkflow.

Pure (no database, no GraphQL), and the one place that decides how a workflow
moves from task to task, so that the runtime can use it too:

* From a task, its outgoing transitions are tried in descending ``priority``,
  then in document order; the first whose condition holds is taken (no
  condition = always). Start transitions (``fromTask`` null) are chosen by the
  same rule. ``toTask`` null ends the workflow; so does a task without
  outgoing transitions.
* The data JsonLogic reads is ``{"ticket": <field values>, "tasks": {<key>:
  <output of that task's latest visit>}}``; an ``outputTransform`` also reads
  ``response``, the action's raw response.
* A FORM task's output is what its user enters: the sample ``task_outputs[key]``.
  For an action task (SYNC_ACTION / ASYNC_ACTION), ``task_outputs[key]`` is the
  action's raw *response*; its output is ``outputTransform`` applied to it (the
  response itself without an outputTransform). Its request is ``inputTransform``
  applied to the data (null without an inputTransform).
* ``task_outputs[key]`` is one value used for every visit of the task, or a
  list whose n-th item is used for the n-th visit (so a loop can make progress).
  To give an action the *same* list response on every visit, wrap it: ``[[...]]``.

Outcomes (``Outcome``): ENDED, MISSING_OUTPUT (the walk reached a task whose
output is not given), MAX_STEPS (``max_steps`` visits without an end: usually a
loop), STUCK (no transition's condition holds), TRANSFORM_FAILED (an
inputTransform or outputTransform raised), BUDGET_EXCEEDED (the walk spent its
evaluation budget, ``validation.budget``: steps or seconds, or its answer would
exceed MAX_ANSWER_BYTES; the steps so far are kept), INVALID (the document has
validation errors, or ``ticket`` / ``task_outputs`` is not usable at all: not an
object, or over 256 KiB or 64 levels as JSON; no steps).

Problems use JSON Pointers rooted as every operation's (README, "Errors"): at the
workflow document for a problem in it, else at the argument that carried it:

* the document's own validation errors: ``<path in the document>`` for ``input``,
  ``/workflowId`` for a stored document (``document_path``);
* ticket values: ``/ticket/<fieldName>`` (INVALID_FIELD_VALUE, UNKNOWN_FIELD);
* outputs: ``/taskOutputs/<key>[/<n>]/<pointer inside the output>`` (INVALID_OUTPUT,
  ``<n>`` the 0-based list index when a list is given); an action's output that
  its outputTransform built points at the response it came from,
  ``/taskOutputs/<key>[/<n>]``, and names the property in the message;
  ``/taskOutputs/<key>`` for a key that is no task (UNKNOWN_TASK).

Problems about sample data never stop the walk; they are reported beside it.
Outputs are checked with ``validation.schemas.schema_validator`` (Draft 2020-12,
asserting ``format`` where jsonschema can: date, email, ...; not uri, which needs
an extra package).
"""

from __future__ import annotations

import enum
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from jsonschema import ValidationError

from kernel.problems import Problem
from kernel.values import child, json_bytes
from workflow_design import document as doc

from .validation import apply_transform, condition_holds, errors, validate_workflow
from .validation.budget import Budget, BudgetExceeded, budget_scope
from .validation.model import TransitionView, field_types, task_views, transition_views
from .validation.problems import Suggester, error, hint, in_document_order, quoted_list, shown, with_article
from .validation.schemas import schema_validator
from .validation.shape import got, measure_json
from .validation.ticket import check_field_values

logger = logging.getLogger(__name__)

DEFAULT_MAX_STEPS = 100
MAX_STEPS_LIMIT = 1000  # larger max_steps count as this
MAX_SAMPLE_BYTES = doc.MAX_JSON_BYTES  # for ticket, taskOutputs and each transform's result
# What a walk may put into its answer (outputs, requests, responses, conditions tried): a
# designer reads a few hundred steps at most, and the response cache keeps answers of up to 4 MiB.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
_MAX_MESSAGE = 300
_MAX_SCHEMA_ERRORS = 20  # per checked output


class Outcome(enum.StrEnum):
    ENDED = "ENDED"
    MISSING_OUTPUT = "MISSING_OUTPUT"
    MAX_STEPS = "MAX_STEPS"
    STUCK = "STUCK"
    TRANSFORM_FAILED = "TRANSFORM_FAILED"
    BUDGET_EXCEEDED = "BUDGET_EXCEEDED"
    INVALID = "INVALID"


@dataclass(frozen=True)
class TransitionTrial:
    """One transition that was tried, with what its condition gave."""

    transition_index: int  # index in the document's transitions
    from_task: str | None
    to_task: str | None
    priority: int
    condition: Any  # as in the document; None = always
    holds: bool
    error: str | None = None  # why evaluating the condition failed (holds is then False)


@dataclass(frozen=True)
class PreviewStep:
    """One visit of one task."""

    task_key: str
    task_type: str
    visit: int  # 1 for the task's first visit, 2 for the second, ...
    output: Any  # the task's output; None when it is missing or its transform failed
    action_input: Any  # action tasks: what the inputTransform produced
    raw_response: Any  # action tasks: the given response
    transitions_tried: tuple[TransitionTrial, ...]
    taken_transition_index: int | None
    error: str | None = None  # why the step failed (TRANSFORM_FAILED)


@dataclass(frozen=True)
class PreviewResult:
    outcome: Outcome
    message: str
    start_transitions_tried: tuple[TransitionTrial, ...]
    start_transition_index: int | None  # the start transition taken
    steps: tuple[PreviewStep, ...]
    problems: tuple[Problem, ...]

    @classmethod
    def invalid(cls, problems: list[Problem], message: str) -> PreviewResult:
        return cls(Outcome.INVALID, message, (), None, (), tuple(problems))


def preview_workflow(
    document: dict[str, Any],
    *,
    ticket: Any,
    task_outputs: Any,
    max_steps: int = DEFAULT_MAX_STEPS,
    document_path: str = "",
    budget: Budget | None = None,
) -> PreviewResult:
    """Follow `document` from its start with the given ticket field values and task
    outputs (see the module docstring), within `budget` (validation.budget's defaults when
    None). Never raises, writes nothing."""
    problems = [
        Problem(p.code, p.message, document_path + p.path, p.severity) for p in errors(validate_workflow(document))
    ]
    if problems:
        return PreviewResult.invalid(
            problems, f"The workflow document has {len(problems)} error(s); fix them to preview it (see problems)."
        )
    problems = _unusable(ticket, "ticket") + _unusable(task_outputs, "taskOutputs")
    if problems:
        return PreviewResult.invalid(problems, "The sample data cannot be used (see problems).")
    try:
        with budget_scope(budget or Budget()):
            return _Walk(document, ticket, task_outputs).run(max(0, min(max_steps, MAX_STEPS_LIMIT)))
    except Exception:  # a bug here must not turn a client's input into a 500
        logger.exception("preview_workflow failed")
        return PreviewResult.invalid(
            [error("INVALID_TYPE", "", "The preview failed unexpectedly.")], "The preview failed unexpectedly."
        )


def _unusable(value: Any, name: str) -> list[Problem]:
    path = child("", name)
    if not isinstance(value, dict):
        return [error("INVALID_TYPE", path, f"'{name}' must be a JSON object, got {got(value)}.")]
    size, trouble = measure_json(value)
    if trouble is not None:
        return [error("TOO_LONG" if size < 0 else "INVALID_TYPE", path, f"'{name}' is not acceptable: {trouble}.")]
    if size > MAX_SAMPLE_BYTES:
        # Every condition reads all of the data: the bound keeps maxSteps walks cheap.
        return [error("TOO_LONG", path, f"'{name}' is {size} bytes as JSON; at most {MAX_SAMPLE_BYTES}.")]
    return []


def _short(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _failure(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "the data is nested too deeply"
    return _short(str(exc) or "the evaluation failed")


# jsonschema words the value first, as Python writes it ('text', None, True); the keywords whose
# message also shows values of the schema are worded here whole.
_MISMATCH_WORDING: dict[str, Callable[[Any, Any], str]] = {
    "enum": lambda value, allowed: f"{shown(value)} is not one of {shown(allowed, limit=200)}",
    "const": lambda value, expected: f"{shown(expected)} was expected, got {shown(value)}",
    "not": lambda value, schema: f"{shown(value)} must not be valid under {shown(schema)}",
    "format": lambda value, name: f"{shown(value)} is not {with_article(str(name))}",
}


def _mismatch(found: ValidationError) -> str:
    """What a schema check found, worded in JSON (null, true, "text"), not in Python."""
    wording = _MISMATCH_WORDING.get(str(found.validator))
    if wording is not None:
        return wording(found.instance, found.validator_value)
    python_value = repr(found.instance)
    if found.message.startswith(python_value):
        return shown(found.instance) + found.message[len(python_value) :]
    return found.message


# What evaluating a rule may raise on odd data: JsonLogicError, the engine's
# ParseError for numbers out of its range, RecursionError, ...: a failed
# evaluation, never a crash. (BudgetExceeded is not one: it ends the walk.)
_EVALUATION_ERRORS = (Exception,)


class _TransformFailed(Exception):
    pass


class _Walk:
    def __init__(self, document: dict[str, Any], ticket: dict[str, Any], task_outputs: dict[str, Any]) -> None:
        self.ticket = ticket
        self.given = task_outputs
        self.tasks: dict[str, dict[str, Any]] = {}
        for view in task_views(document):
            assert view.key is not None  # the document is valid: every task has its key
            self.tasks.setdefault(view.key, view.data)
        self.fields = field_types(document)
        self.starts: list[TransitionView] = []
        self.outgoing: dict[str, list[TransitionView]] = defaultdict(list)
        for transition in transition_views(document):
            (self.starts if transition.source is None else self.outgoing[transition.source]).append(transition)
        for transitions in (self.starts, *self.outgoing.values()):
            transitions.sort(key=lambda t: (-t.priority, t.index))
        self.problems: list[Problem] = []
        self.validators: dict[str, Any] = {}
        self.answer_bytes = 0
        self.trial_bytes: dict[int, int] = {}  # per transition index: what one trial of it adds to the answer

    # --- the walk -----------------------------------------------------------

    def run(self, max_steps: int) -> PreviewResult:
        steps: list[PreviewStep] = []
        self.start_trials: tuple[TransitionTrial, ...] = ()
        self.start: TransitionView | None = None
        try:
            outcome, message = self._walk(steps, max_steps)
        except BudgetExceeded as exc:
            where = f"after {len(steps)} step(s)" if steps else "before the first step"
            outcome, message = (
                Outcome.BUDGET_EXCEEDED,
                f"Stopped {where}: the preview exceeded its budget ({exc}). Shorten the walk (maxSteps, a list "
                "of outputs per visit that leaves loops sooner) or simplify the rules and schemas it evaluates.",
            )
        problems = in_document_order(list(dict.fromkeys(self.problems)), self._arguments())
        start_index = self.start.index if self.start else None
        return PreviewResult(outcome, message, self.start_trials, start_index, tuple(steps), tuple(problems))

    def _walk(self, steps: list[PreviewStep], max_steps: int) -> tuple[Outcome, str]:
        self._check_sample_data()
        data: dict[str, Any] = {"ticket": self.ticket, "tasks": {}}
        visits: Counter[str] = Counter()
        self.start_trials, self.start = self._choose(self.starts, data)
        self._count_answer(self.start_trials)
        if self.start is None:
            return (
                Outcome.STUCK,
                f"Stuck at the start: none of the {len(self.starts)} start transition(s) has a condition that "
                "holds for this ticket; add a start transition without a condition, or check the ticket values.",
            )
        if self.start.target is None:
            return Outcome.ENDED, f"Ended at the start: start transition {self.start.index} leads to the end."
        current: str = self.start.target
        while True:
            if len(steps) >= max_steps:
                return Outcome.MAX_STEPS, self._loop_message(steps, max_steps)
            visits[current] += 1
            step, outcome, message = self._visit(current, visits[current], data, len(steps) + 1)
            self._count_answer(step.transitions_tried, step.output, step.action_input, step.raw_response)
            steps.append(step)
            if outcome is not None:
                return outcome, message
            taken = step.taken_transition_index
            target = next(t.to_task for t in step.transitions_tried if t.transition_index == taken)
            if target is None:
                return (
                    Outcome.ENDED,
                    f"Ended after {len(steps)} step(s): transition {taken} from '{current}' leads to the end.",
                )
            current = target

    def _count_answer(self, trials: tuple[TransitionTrial, ...], *values: Any) -> None:
        """Adds what a step puts into the answer; BudgetExceeded past MAX_ANSWER_BYTES."""
        self.answer_bytes += sum(self._trial_bytes(trial) for trial in trials)
        self.answer_bytes += sum(json_bytes(value) for value in values if value is not None)
        if self.answer_bytes > MAX_ANSWER_BYTES:
            raise BudgetExceeded(f"its answer would be larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB")

    def _trial_bytes(self, trial: TransitionTrial) -> int:
        size = self.trial_bytes.get(trial.transition_index)
        if size is None:
            size = self.trial_bytes[trial.transition_index] = 100 + json_bytes(trial.condition)
        return size

    def _visit(
        self, key: str, visit: int, data: dict[str, Any], number: int
    ) -> tuple[PreviewStep, Outcome | None, str]:
        """One visit; the step, and the outcome (with its message) when the walk stops here."""
        task = self.tasks[key]
        task_type = task["taskType"]
        action = task_type != "FORM"
        where = f"task '{key}' (step {number}, visit {visit})"

        def stop(outcome: Outcome, message: str, **values: Any) -> tuple[PreviewStep, Outcome, str]:
            step = PreviewStep(key, task_type, visit, None, None, None, (), None)
            return replace(step, **values), outcome, message

        action_input = None
        if action and task.get("inputTransform") is not None:
            try:
                action_input = self._transform(task["inputTransform"], data)
            except _TransformFailed as exc:
                reason = f"Its inputTransform failed: {exc}"
                return stop(Outcome.TRANSFORM_FAILED, f"Stopped at {where}. {reason}", error=reason)
        found, given = self._given(key, visit)
        if not found:
            return stop(Outcome.MISSING_OUTPUT, f"Stopped at {where}: {given}", action_input=action_input)
        response = None
        if action:
            response = given
            if task.get("outputTransform") is not None:
                try:
                    output = self._transform(task["outputTransform"], {**data, "response": response})
                except _TransformFailed as exc:
                    reason = f"Its outputTransform failed: {exc}"
                    return stop(
                        Outcome.TRANSFORM_FAILED,
                        f"Stopped at {where}. {reason}",
                        action_input=action_input,
                        raw_response=response,
                        error=reason,
                    )
                self._check_output(key, output, self._given_path(key, visit), transformed=True)
            else:
                output = response
                self._check_output(key, output, self._given_path(key, visit))
        else:
            output = given  # checked with all of the task's outputs up front
        data["tasks"] = {**data["tasks"], key: output}
        trials, taken = self._choose(self.outgoing.get(key, ()), data)
        step = PreviewStep(
            key, task_type, visit, output, action_input, response, trials, taken.index if taken else None
        )
        if not trials:
            return step, Outcome.ENDED, f"Ended after {number} step(s): task '{key}' has no outgoing transition."
        if taken is None:
            failed = sum(1 for t in trials if t.error)
            raised = f" ({failed} of them raised an error)" if failed else ""
            return (
                step,
                Outcome.STUCK,
                f"Stuck at {where}: none of its {len(trials)} outgoing transitions has a condition that holds"
                f"{raised}. Add a transition without a condition as the default, or check the outputs.",
            )
        return step, None, ""

    def _choose(
        self, transitions: list[TransitionView] | tuple[TransitionView, ...], data: dict[str, Any]
    ) -> tuple[tuple[TransitionTrial, ...], TransitionView | None]:
        """Try `transitions` (already in priority, then document order) until one holds."""
        trials = []
        for transition in transitions:
            failure = None
            try:
                holds = condition_holds(transition.condition, data)
            except BudgetExceeded:
                raise
            except _EVALUATION_ERRORS as exc:
                holds, failure = False, _failure(exc)
            trials.append(
                TransitionTrial(
                    transition.index,
                    transition.source,
                    transition.target,
                    transition.priority,
                    transition.condition,
                    holds,
                    failure,
                )
            )
            if holds:
                return tuple(trials), transition
        return tuple(trials), None

    def _transform(self, transform: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        try:
            result = apply_transform(transform, data)
        except BudgetExceeded:
            raise
        except _EVALUATION_ERRORS as exc:
            # Name the entry that failed: evaluate the entries one by one.
            for name, expression in transform.items():
                try:
                    apply_transform({name: expression}, data)
                except BudgetExceeded:
                    raise
                except _EVALUATION_ERRORS as inner:
                    raise _TransformFailed(f"entry '{name}': {_failure(inner)}") from inner
            raise _TransformFailed(_failure(exc)) from exc
        size, trouble = measure_json(result)
        if trouble is not None or size > MAX_SAMPLE_BYTES:
            raise _TransformFailed(trouble or f"its result is {size} bytes as JSON; at most {MAX_SAMPLE_BYTES}")
        return result

    def _given(self, key: str, visit: int) -> tuple[bool, Any]:
        """(True, the output/response of that visit), or (False, why it is missing)."""
        what = "output (what the form's user enters)" if self.tasks[key]["taskType"] == "FORM" else "raw response"
        if key not in self.given:
            return False, f"taskOutputs has no '{key}'; add the task's {what}."
        value = self.given[key]
        if not isinstance(value, list):
            return True, value
        if visit <= len(value):
            return True, value[visit - 1]
        return False, (
            f"taskOutputs.{key} lists {len(value)} item(s), one per visit; add the {what} of visit {visit} "
            "(or give one object, used for every visit)."
        )

    def _given_path(self, key: str, visit: int) -> str:
        path = child("/taskOutputs", key)
        return child(path, visit - 1) if isinstance(self.given.get(key), list) else path

    def _loop_message(self, steps: list[PreviewStep], max_steps: int) -> str:
        message = f"Stopped after {max_steps} step(s) (maxSteps) without reaching an end"
        keys = [step.task_key for step in steps]
        if keys and keys[-1] in keys[:-1]:
            start = len(keys) - 1 - keys[-2::-1].index(keys[-1]) - 1  # previous visit of the last task
            cycle = keys[start + 1 :]
            counts = Counter(keys)
            loop = " -> ".join(f"'{k}'" for k in [keys[start], *cycle])
            visited = ", ".join(f"'{k}' {counts[k]} times" for k in dict.fromkeys(cycle))
            return (
                f"{message}: the workflow loops through {loop} ({visited}) without progress. With these outputs "
                "no transition leaves the loop; give later visits other outputs (a list per task, one item per "
                "visit) or check the loop's conditions."
            )
        return f"{message}; raise maxSteps (at most {MAX_STEPS_LIMIT}) to follow the workflow further."

    # --- checks of the sample data -----------------------------------------

    def _arguments(self) -> dict[str, Any]:
        return {"ticket": self.ticket, "taskOutputs": self.given}

    def _check_sample_data(self) -> None:
        self.problems += check_field_values(self.ticket, self.fields, path="/ticket")
        suggest = Suggester(self.tasks)
        for key, value in self.given.items():
            path = child("/taskOutputs", key)
            if key not in self.tasks:
                self.problems.append(
                    error(
                        "UNKNOWN_TASK",
                        path,
                        f"The workflow has no task '{key}' (keys: {quoted_list(self.tasks)})." + hint(suggest(key)),
                    )
                )
            elif self.tasks[key]["taskType"] == "FORM":
                items = enumerate(value) if isinstance(value, list) else [(None, value)]
                for index, item in items:
                    self._check_output(key, item, path if index is None else child(path, index))

    def _check_output(self, key: str, output: Any, path: str, transformed: bool = False) -> None:
        """INVALID_OUTPUT problems of one output against the task's outputSchema."""
        validator = self._validator(key)
        if validator is None:
            return
        try:
            found = list(_first(validator.iter_errors(output), _MAX_SCHEMA_ERRORS))
        except BudgetExceeded:
            raise
        except Exception as exc:  # a $ref that resolves to nothing, a reference loop, ...
            self.problems.append(
                error("INVALID_OUTPUT", path, f"The output of task '{key}' could not be checked: {_failure(exc)}")
            )
            return
        for found_error in sorted(found, key=lambda e: [str(t) for t in e.absolute_path]):
            tokens = list(found_error.absolute_path)
            if transformed:
                inside = child("", *tokens) or "the top"
                self.problems.append(
                    error(
                        "INVALID_OUTPUT",
                        path,
                        _short(
                            f"The output that the outputTransform of task '{key}' makes from this response does "
                            f"not match its outputSchema at {inside}: {_mismatch(found_error)}"
                        ),
                    )
                )
            else:
                self.problems.append(
                    error(
                        "INVALID_OUTPUT",
                        child(path, *tokens),
                        _short(f"Does not match the outputSchema of task '{key}': {_mismatch(found_error)}"),
                    )
                )

    def _validator(self, key: str) -> Any:
        if key not in self.validators:
            schema = self.tasks[key].get("outputSchema")
            self.validators[key] = None if schema is None else schema_validator(schema)
        return self.validators[key]


def _first(iterable: Any, count: int) -> list[Any]:
    found = []
    for item in iterable:
        found.append(item)
        if len(found) >= count:
            break
    return found
