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
  For an action, an item is used per *attempt* (one per visit, unless it is
  retried), and ``{"$error": "TIMEOUT"}`` (or HTTP_4XX / HTTP_5XX with an
  optional ``"status"`` and ``"body"``, or NETWORK; an optional ``"message"``)
  simulates a failed attempt: a failure its ``retry`` policy names is tried
  again, up to ``maxAttempts`` in all, the n-th retry after ``intervalSeconds x
  backoffRate^(n-1)`` seconds (reported, not waited); after the last, the task's
  output is null and only its error transitions are tried, with the variable
  ``error`` {code, status, attempts, message}; after a success, only its
  ordinary transitions.
* The data also holds ``visits``: {<key>: how many times that task has run},
  the current visit counted, 0 for a task that has not run.
* An action's request goes to its actionUrl template filled in: each
  placeholder's variable, percent-encoded (null as empty text).

Outcomes (``Outcome``): ENDED, MISSING_OUTPUT (the walk reached a task whose
output is not given), ACTION_FAILED (an action failed after its attempts and no
error transition takes the failure), MAX_STEPS (``max_steps`` visits without an end: usually a
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
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Any

from jsonschema import ValidationError

from kernel.problems import Problem
from kernel.values import child, json_bytes
from workflow_design import document as doc

from .validation import apply_transform, condition_holds, errors, evaluate, validate_workflow
from .validation.budget import Budget, BudgetExceeded, budget_scope
from .validation.model import TransitionView, field_types, task_views, transition_views
from .validation.problems import Suggester, closest, error, hint, in_document_order, quoted_list, shown, with_article
from .validation.schemas import schema_validator
from .validation.shape import got, measure_json
from .validation.ticket import check_field_values
from .validation.url_templates import parse_url_template

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
    ACTION_FAILED = "ACTION_FAILED"
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
class Attempt:
    """One call of an action during a visit."""

    number: int  # 1 for the first attempt
    wait_seconds: float  # waited before it: 0 for the first, the retry interval for the others
    error: str | None  # TIMEOUT, HTTP_4XX, HTTP_5XX, NETWORK; None when it succeeded
    status: int | None  # the HTTP status of a failed attempt that had one
    response: Any  # the response (or, of an HTTP error, the body given with it)
    message: str | None = None  # a failure's message, when the sample gives one


@dataclass(frozen=True)
class PreviewStep:
    """One visit of one task."""

    task_key: str
    task_type: str
    visit: int  # 1 for the task's first visit, 2 for the second, ...
    output: Any  # the task's output; None when it is missing, its transform failed or the action failed
    action_input: Any  # action tasks: what the inputTransform produced
    raw_response: Any  # action tasks: the response of the attempt that succeeded
    transitions_tried: tuple[TransitionTrial, ...]
    taken_transition_index: int | None
    error: str | None = None  # why the step failed (TRANSFORM_FAILED, ACTION_FAILED)
    http_method: str | None = None  # action tasks: the request's method
    url: str | None = None  # action tasks: the actionUrl template filled in
    attempts: tuple[Attempt, ...] = ()  # action tasks: its calls, retries included
    failure: dict[str, Any] | None = None  # an action that failed after its attempts: the variable `error`


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
    company_roles: Collection[str] | None = None,
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
        Problem(p.code, p.message, document_path + p.path, p.severity)
        for p in errors(validate_workflow(document, company_roles=company_roles))
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
        # The transitions leaving each task: those tried after it ran (or an action succeeded), and an
        # action's error transitions, tried after it failed.
        self.ordinary: dict[str, list[TransitionView]] = defaultdict(list)
        self.error_routes: dict[str, list[TransitionView]] = defaultdict(list)
        for transition in transition_views(document):
            if transition.source is None:
                self.starts.append(transition)
            else:
                leaving = self.error_routes if transition.is_error_route else self.ordinary
                leaving[transition.source].append(transition)
        for transitions in (self.starts, *self.ordinary.values(), *self.error_routes.values()):
            transitions.sort(key=lambda t: (-t.priority, t.index))
        self.calls: Counter[str] = Counter()  # attempts of each action so far: the responses used
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
        visits = dict.fromkeys(self.tasks, 0)
        data: dict[str, Any] = {"ticket": self.ticket, "tasks": {}, "visits": visits}
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
            self._count_answer(
                step.transitions_tried,
                step.output,
                step.action_input,
                step.raw_response,
                *(attempt.response for attempt in step.attempts),
            )
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
        where = f"task '{key}' (step {number}, visit {visit})"
        step = PreviewStep(key, task_type, visit, None, None, None, (), None)

        def stop(outcome: Outcome, message: str, **values: Any) -> tuple[PreviewStep, Outcome, str]:
            return replace(step, **values), outcome, message

        if task_type == "FORM":
            found, given = self._given(key, visit, "visit")
            if not found:
                return stop(Outcome.MISSING_OUTPUT, f"Stopped at {where}: {given}")
            data["tasks"] = {**data["tasks"], key: given}  # checked with all of the task's outputs up front
            return self._leave(replace(step, output=given), self.ordinary[key], data, where, number)
        step = replace(step, http_method=task.get("httpMethod", doc.DEFAULT_HTTP_METHOD), url=self._url(task, data))
        if task.get("inputTransform") is not None:
            try:
                step = replace(step, action_input=self._transform(task["inputTransform"], data))
            except _TransformFailed as exc:
                reason = f"Its inputTransform failed: {exc}"
                return stop(Outcome.TRANSFORM_FAILED, f"Stopped at {where}. {reason}", error=reason)
        attempts, missing = self._call(key, task)
        step = replace(step, attempts=tuple(attempts))
        if missing is not None:
            return stop(Outcome.MISSING_OUTPUT, f"Stopped at {where}: {missing}")
        last = attempts[-1]
        if last.error is not None:
            return self._failed(step, last, data, where, number)
        response = last.response
        step = replace(step, raw_response=response)
        given_path = self._given_path(key, self.calls[key])
        if task.get("outputTransform") is not None:
            try:
                output = self._transform(task["outputTransform"], {**data, "response": response})
            except _TransformFailed as exc:
                reason = f"Its outputTransform failed: {exc}"
                return stop(Outcome.TRANSFORM_FAILED, f"Stopped at {where}. {reason}", error=reason)
            self._check_output(key, output, given_path, transformed=True)
        else:
            output = response
            self._check_output(key, output, given_path)
        data["tasks"] = {**data["tasks"], key: output}
        return self._leave(replace(step, output=output), self.ordinary[key], data, where, number)

    def _leave(
        self,
        step: PreviewStep,
        transitions: list[TransitionView],
        data: dict[str, Any],
        where: str,
        number: int,
        failed: str = "",
    ) -> tuple[PreviewStep, Outcome | None, str]:
        """Tries the transitions leaving the step's task; `failed`: how the action failed (its error
        transitions are tried)."""
        trials, taken = self._choose(transitions, data)
        step = replace(step, transitions_tried=trials, taken_transition_index=taken.index if taken else None)
        if failed and taken is None:
            tried = (
                f"none of its {len(trials)} error transitions for it has a condition that holds"
                if trials
                else ("no error transition takes it")
            )
            message = f"Stopped at {where}: {failed}, and {tried}. Add an error transition (onError) for it."
            return replace(step, error=failed), Outcome.ACTION_FAILED, message
        if not trials:
            return (
                step,
                Outcome.ENDED,
                f"Ended after {number} step(s): task '{step.task_key}' has no outgoing transition.",
            )
        if taken is None:
            raised_count = sum(1 for t in trials if t.error)
            raised = f" ({raised_count} of them raised an error)" if raised_count else ""
            return (
                step,
                Outcome.STUCK,
                f"Stuck at {where}: none of its {len(trials)} outgoing transitions has a condition that holds"
                f"{raised}. Add a transition without a condition as the default, or check the outputs.",
            )
        return step, None, ""

    def _failed(
        self, step: PreviewStep, last: Attempt, data: dict[str, Any], where: str, number: int
    ) -> tuple[PreviewStep, Outcome | None, str]:
        """The action failed after its attempts: no output; its error transitions for that error are tried,
        reading `error`."""
        assert last.error is not None
        count = len(step.attempts)
        failure = {"code": last.error, "status": last.status, "attempts": count, "message": _failure_message(last)}
        data["tasks"] = {**data["tasks"], step.task_key: None}
        routes = [t for t in self.error_routes[step.task_key] if t.on_error is not None and last.error in t.on_error]
        failed = f"the action failed with {last.error} after {count} attempt(s)"
        return self._leave(replace(step, failure=failure), routes, {**data, "error": failure}, where, number, failed)

    def _call(self, key: str, task: dict[str, Any]) -> tuple[list[Attempt], str | None]:
        """The attempts of one visit of an action, each taking the next given response; and why the walk
        cannot go on (a response not given), else None."""
        retry = task.get("retry") or {}
        max_attempts = retry.get("maxAttempts", 1)
        retried = retry.get("errors", doc.ACTION_ERRORS)
        interval, rate = retry.get("intervalSeconds", 0), retry.get("backoffRate", doc.DEFAULT_BACKOFF_RATE)
        attempts: list[Attempt] = []
        wait = 0.0
        while True:
            self.calls[key] += 1
            found, given = self._given(key, self.calls[key], "attempt")
            if not found:
                return attempts, given
            attempt = self._attempt(key, len(attempts) + 1, wait, given)
            attempts.append(attempt)
            if attempt.error is None or attempt.error not in retried or len(attempts) >= max_attempts:
                return attempts, None
            wait = interval * rate ** (len(attempts) - 1)

    def _attempt(self, key: str, number: int, wait: float, given: Any) -> Attempt:
        """One attempt on the given response: a simulated failure ({"$error": ...}) when it is a valid one
        (an invalid one is reported, and used as a response)."""
        if not isinstance(given, dict) or "$error" not in given:
            return Attempt(number, wait, None, None, given)
        code, status = given["$error"], given.get("status")
        path = self._given_path(key, self.calls[key])
        if code not in doc.ACTION_ERRORS:
            self.problems.append(
                error(
                    "INVALID_OUTPUT",
                    child(path, "$error"),
                    f"A simulated failure is one of {quoted_list(doc.ACTION_ERRORS)}, got {shown(code)}; this "
                    "response is used as it is." + hint(closest(code, doc.ACTION_ERRORS)),
                )
            )
            return Attempt(number, wait, None, None, given)
        low = _STATUS_RANGES.get(code)
        if status is not None and (low is None or not (isinstance(status, int) and low <= status < low + 100)):
            expected = f"an HTTP status from {low} to {low + 99}" if low else "null: it has no HTTP status"
            self.problems.append(
                error(
                    "INVALID_OUTPUT",
                    child(path, "status"),
                    f"The status of a {code} is {expected}, got {shown(status)}.",
                )
            )
            status = None
        message = given.get("message")
        return Attempt(
            number,
            wait,
            code,
            status if status is not None else low,
            given.get("body"),
            _short(message) if isinstance(message, str) else None,
        )

    def _url(self, task: dict[str, Any], data: dict[str, Any]) -> str:
        """The actionUrl template filled in with the placeholders' variables, percent-encoded."""
        template, _ = parse_url_template(task["actionUrl"], "")
        assert template is not None  # the document is valid
        return template.fill(lambda name: _url_text(self._read(name, data)))

    def _read(self, name: str, data: dict[str, Any]) -> Any:
        try:
            return evaluate({"var": name}, data)
        except BudgetExceeded:
            raise
        except _EVALUATION_ERRORS:
            return None

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

    def _given(self, key: str, number: int, per: str) -> tuple[bool, Any]:
        """(True, the output/response of that visit, or of that attempt of an action: `per`), or (False, why
        it is missing)."""
        what = "output (what the form's user enters)" if self.tasks[key]["taskType"] == "FORM" else "raw response"
        if key not in self.given:
            return False, f"taskOutputs has no '{key}'; add the task's {what}."
        value = self.given[key]
        if not isinstance(value, list):
            return True, value
        if number <= len(value):
            return True, value[number - 1]
        return False, (
            f"taskOutputs.{key} lists {len(value)} item(s), one per {per}; add the {what} of {per} {number} "
            f"(or give one object, used for every {per})."
        )

    def _given_path(self, key: str, number: int) -> str:
        path = child("/taskOutputs", key)
        return child(path, number - 1) if isinstance(self.given.get(key), list) else path

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


# The HTTP status of a simulated HTTP error when none is given, and its range.
_STATUS_RANGES = {"HTTP_4XX": 400, "HTTP_5XX": 500}
_FAILURE_MESSAGES = {
    "TIMEOUT": "no answer within the task's timeout",
    "NETWORK": "no answer: the connection failed",
}


def _failure_message(attempt: Attempt) -> str:
    if attempt.message is not None:
        return attempt.message
    if attempt.error in _STATUS_RANGES:
        return f"HTTP {attempt.status}"
    return _FAILURE_MESSAGES[attempt.error or "NETWORK"]


def _url_text(value: Any) -> str:
    """A placeholder's value as URL text: texts as they are, numbers and booleans as JSON writes them,
    null as nothing."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)
