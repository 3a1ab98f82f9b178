"""previewWorkflow: walk a workflow on sample data. The evaluator is
workflow_design.preview; this module only maps arguments and results."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from schema.base import ProblemType, acting_user, workflow_creator_required
from schema.workflow_design.documents import ActionError, HttpMethod, TaskType
from schema.workflow_design.inputs import WorkflowInput, input_to_document
from workflow_design import document as doc
from workflow_design import preview, selectors


@strawberry.enum(description="How a preview ended.")
class PreviewOutcome(Enum):
    ENDED = strawberry.enum_value(
        preview.Outcome.ENDED.value,
        description="Reached an end: a transition to null, or a task without outgoing transitions.",
    )
    MISSING_OUTPUT = strawberry.enum_value(
        preview.Outcome.MISSING_OUTPUT.value,
        description="Stopped at a task whose output (or response, for an action) taskOutputs does not give; "
        "the last step is that task, the message says which visit.",
    )
    ACTION_FAILED = strawberry.enum_value(
        preview.Outcome.ACTION_FAILED.value,
        description="The last step's action failed after all its attempts (see its failure and attempts), and no "
        "error transition of it takes the failure.",
    )
    MAX_STEPS = strawberry.enum_value(
        preview.Outcome.MAX_STEPS.value,
        description="Stopped after maxSteps steps without reaching an end; the message names the loop.",
    )
    STUCK = strawberry.enum_value(
        preview.Outcome.STUCK.value,
        description="No transition's condition holds: from the last step's task, or (without steps) "
        "of the start transitions.",
    )
    TRANSFORM_FAILED = strawberry.enum_value(
        preview.Outcome.TRANSFORM_FAILED.value,
        description="The inputTransform or outputTransform of the last step's task raised an error (see its error).",
    )
    BUDGET_EXCEEDED = strawberry.enum_value(
        preview.Outcome.BUDGET_EXCEEDED.value,
        description="Stopped because the walk spent its budget: evaluation steps (JsonLogic operations and JSON "
        "Schema checks), seconds, or the size of this answer (see the README's Limits); the steps so far are kept "
        "and the message says which part ran out.",
    )
    INVALID = strawberry.enum_value(
        preview.Outcome.INVALID.value,
        description="Nothing was walked: the workflow document has errors, the workflow was not found, or "
        "ticket / taskOutputs are not JSON objects (see problems).",
    )


@strawberry.type(description="A transition that was tried, and what its condition gave.")
class TransitionTrial:
    transition_index: int = strawberry.field(description="Index of the transition in the document's transitions.")
    from_task: str | None = strawberry.field(description="Key of the task it leaves; null for a start transition.")
    to_task: str | None = strawberry.field(description="Key of the task it leads to; null for the end.")
    priority: int = strawberry.field(description="Its priority; higher priorities are tried first.")
    condition: JSON | None = strawberry.field(description="Its JsonLogic condition; null means always.")
    holds: bool = strawberry.field(description="Whether the condition held (false when evaluating it failed).")
    error: str | None = strawberry.field(description="Why evaluating the condition failed; null when it did not.")

    @classmethod
    def from_domain(cls, trial: preview.TransitionTrial) -> TransitionTrial:
        return cls(
            transition_index=trial.transition_index,
            from_task=trial.from_task,
            to_task=trial.to_task,
            priority=trial.priority,
            condition=trial.condition,
            holds=trial.holds,
            error=trial.error,
        )


@strawberry.type(description="One call of an action task during a preview visit (retries are further attempts).")
class PreviewAttempt:
    number: int = strawberry.field(description="1 for the first attempt, 2 for the first retry, ...")
    wait_seconds: float = strawberry.field(
        description="Seconds the runtime waits before this attempt: 0 for the first, intervalSeconds x "
        "backoffRate^(n-1) before the n-th retry (a preview does not wait)."
    )
    error: ActionError | None = strawberry.field(  # type: ignore[valid-type]
        description="How the attempt failed (as taskOutputs simulated it with $error); null when it succeeded."
    )
    status: int | None = strawberry.field(description="The HTTP status of a failed HTTP attempt; else null.")
    response: JSON | None = strawberry.field(
        description="The response taken from taskOutputs; for a failed HTTP attempt, the body given with it."
    )

    @classmethod
    def from_domain(cls, attempt: preview.Attempt) -> PreviewAttempt:
        return cls(
            number=attempt.number,
            wait_seconds=attempt.wait_seconds,
            error=None if attempt.error is None else ActionError(attempt.error),
            status=attempt.status,
            response=attempt.response,
        )


@strawberry.type(description="One visit of one task during a preview.")
class PreviewStep:
    task_key: str = strawberry.field(description="Key of the task.")
    task_type: TaskType = strawberry.field(description="The task's type.")  # type: ignore[valid-type]
    visit: int = strawberry.field(description="Which visit of this task it is: 1 for the first, 2 for the second, ...")
    output: JSON | None = strawberry.field(
        description="The task's output, as later conditions and transforms read it (tasks.<taskKey>): for a FORM "
        "the given output, for an action what its outputTransform makes of the response (the response itself "
        "without an outputTransform). null when missing or when a transform failed."
    )
    action_input: JSON | None = strawberry.field(
        description="Action tasks: the request its inputTransform builds; null for a FORM or without inputTransform."
    )
    response: JSON | None = strawberry.field(
        description="Action tasks: the raw response taken from taskOutputs; null for a FORM."
    )
    transitions_tried: list[TransitionTrial] = strawberry.field(
        description="The outgoing transitions tried, in the order tried (descending priority, then document "
        "order), up to and including the one taken."
    )
    taken_transition_index: int | None = strawberry.field(
        description="Index (in the document's transitions) of the transition taken; null when none was."
    )
    error: str | None = strawberry.field(
        description="Why this step failed (outcome TRANSFORM_FAILED, or an action that failed after its attempts); "
        "else null."
    )
    http_method: HttpMethod | None = strawberry.field(  # type: ignore[valid-type]
        description="Action tasks: the request's method (POST when the task names none); null for a FORM."
    )
    url: str | None = strawberry.field(
        description="Action tasks: the actionUrl template filled in with its placeholders' values, percent-encoded; "
        "null for a FORM."
    )
    attempts: list[PreviewAttempt] = strawberry.field(
        description="Action tasks: its calls in this visit, the first and its retries; empty for a FORM."
    )
    failure: JSON | None = strawberry.field(
        description="An action that failed after its attempts: the variable error its error transitions' conditions "
        "read, {code, status, attempts, message}; its output is then null. Else null."
    )

    @classmethod
    def from_domain(cls, step: preview.PreviewStep) -> PreviewStep:
        return cls(
            task_key=step.task_key,
            task_type=TaskType(step.task_type),
            visit=step.visit,
            output=step.output,
            action_input=step.action_input,
            response=step.raw_response,
            transitions_tried=[TransitionTrial.from_domain(t) for t in step.transitions_tried],
            taken_transition_index=step.taken_transition_index,
            error=step.error,
            http_method=None if step.http_method is None else HttpMethod(step.http_method),
            url=step.url,
            attempts=[PreviewAttempt.from_domain(a) for a in step.attempts],
            failure=cast(JSON, step.failure),
        )


@strawberry.type(description="The path a workflow takes on sample data; nothing was written.")
class WorkflowPreview:
    outcome: PreviewOutcome = strawberry.field(description="How the preview ended.")
    message: str = strawberry.field(description="What happened at the end, for people.")
    start_transitions_tried: list[TransitionTrial] = strawberry.field(
        description="The start transitions tried (fromTask null), in the order tried."
    )
    start_transition_index: int | None = strawberry.field(
        description="Index of the start transition taken; null when none was (or nothing was walked)."
    )
    steps: list[PreviewStep] = strawberry.field(description="The task visits, in order.")
    problems: list[ProblemType] = strawberry.field(
        description="Errors, located by JSON Pointer rooted as every operation's: /... in the document sent as "
        "input (/tasks/0/key, as uploadWorkflow has it), else the argument: /workflowId, "
        "/version, /ticket/<fieldName>, /taskOutputs/<taskKey>[/<n>]/... . Problems with the sample data do "
        "not stop the walk."
    )

    @classmethod
    def from_domain(cls, result: preview.PreviewResult) -> WorkflowPreview:
        return cls(
            outcome=PreviewOutcome[result.outcome.name],
            message=result.message,
            start_transitions_tried=[TransitionTrial.from_domain(t) for t in result.start_transitions_tried],
            start_transition_index=result.start_transition_index,
            steps=[PreviewStep.from_domain(s) for s in result.steps],
            problems=ProblemType.list_from(list(result.problems)),
        )


_DESCRIPTION = (
    "Walk a workflow on sample data, exactly as a ticket would run it, and return the path taken; writes "
    "nothing. From a task, the transitions are tried in descending priority, then document order; the first "
    "whose condition holds is taken. Give the workflow as `input` or as `workflowId` (+ `version`), exactly one."
)
_TASK_OUTPUTS = (
    "Per task key: a FORM's output (what its user enters), or an action's raw response (the task's output is "
    "then what its outputTransform makes of it). One value is used for every visit of the task; a list gives "
    "the n-th visit its n-th item (for an action, the n-th attempt, retries counted). An action's response "
    '{"$error": "TIMEOUT"} (or HTTP_4XX / HTTP_5XX with an optional "status" and "body", or NETWORK; an '
    'optional "message") simulates a failed attempt.'
)


@strawberry.type
class PreviewQuery:
    @strawberry.field(extensions=workflow_creator_required(), description=_DESCRIPTION)
    def preview_workflow(
        self,
        info: Info,
        input: Annotated[  # type: ignore[valid-type]  # a class generated at run time (inputs.py)
            WorkflowInput | None, strawberry.argument(description="The workflow document to preview.")
        ] = None,
        workflow_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Global id of a stored workflow to preview (instead of input)."),
        ] = None,
        version: Annotated[
            int | None, strawberry.argument(description="With workflowId: the version; default the current one.")
        ] = None,
        *,
        ticket: Annotated[JSON, strawberry.argument(description="The ticket's field values: {fieldName: value}.")],
        task_outputs: Annotated[JSON, strawberry.argument(description=_TASK_OUTPUTS)],
        max_steps: Annotated[
            int | None,
            strawberry.argument(
                description=f"Task visits before the preview stops (outcome MAX_STEPS); values above "
                f"{preview.MAX_STEPS_LIMIT} count as {preview.MAX_STEPS_LIMIT}."
            ),
        ] = preview.DEFAULT_MAX_STEPS,
    ) -> WorkflowPreview | None:
        result = selectors.workflow_preview(
            acting_user=acting_user(info),
            document=None if input is None else input_to_document(doc.WORKFLOW, input),
            workflow_id=workflow_id,
            version=version,
            ticket=ticket,
            task_outputs=task_outputs,
            max_steps=preview.DEFAULT_MAX_STEPS if max_steps is None else max_steps,
        )
        return WorkflowPreview.from_domain(result)
