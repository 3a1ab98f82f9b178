import strawberry
from strawberry.types import Info

from schema.base import OkPayload, Problem, acting_user, ok_payload, workflow_creator_required
from schema.workflow_design.inputs import TaskInput, TicketDefinitionInput, WorkflowInput, input_to_document
from schema.workflow_design.types import (
    UploadTaskDefinitionPayload,
    UploadTicketDefinitionPayload,
    UploadWorkflowPayload,
)
from workflow_design import document as doc
from workflow_design import services


def _problems(outcome: services.UploadOutcome) -> dict:
    return {"errors": Problem.list_from(outcome.errors), "warnings": Problem.list_from(outcome.warnings)}


@strawberry.type
class WorkflowDesignMutation:
    @strawberry.mutation(
        extensions=workflow_creator_required(),
        description="Create a workflow, or edit one (id + expectedVersion): all or nothing.",
    )
    def upload_workflow(self, info: Info, input: WorkflowInput) -> UploadWorkflowPayload:
        outcome = services.workflow_upload(
            acting_user=acting_user(info), document=input_to_document(doc.WORKFLOW, input)
        )
        return UploadWorkflowPayload(workflow=outcome.workflow, **_problems(outcome))

    @strawberry.mutation(
        extensions=workflow_creator_required(),
        description="Create or replace one task (matched by key), validated as a whole-workflow upload.",
    )
    def upload_task_definition(
        self, info: Info, workflow_id: strawberry.ID, expected_version: int, input: TaskInput
    ) -> UploadTaskDefinitionPayload:
        outcome = services.task_upload(
            acting_user=acting_user(info),
            workflow_id=workflow_id,
            expected_version=expected_version,
            task_document=input_to_document(doc.TASK, input),
        )
        return UploadTaskDefinitionPayload(task=outcome.task, workflow=outcome.workflow, **_problems(outcome))

    @strawberry.mutation(extensions=workflow_creator_required(), description="Create or edit a ticket definition.")
    def upload_ticket_definition(self, info: Info, input: TicketDefinitionInput) -> UploadTicketDefinitionPayload:
        outcome = services.ticket_definition_upload(
            acting_user=acting_user(info), document=input_to_document(doc.TICKET_DEFINITION, input)
        )
        return UploadTicketDefinitionPayload(ticket_definition=outcome.ticket_definition, **_problems(outcome))

    @strawberry.mutation(
        extensions=workflow_creator_required(),
        description="Delete a workflow; refused (IN_USE) while ticket definitions use it.",
    )
    def delete_workflow_definition(self, info: Info, id: strawberry.ID, expected_version: int) -> OkPayload:
        return ok_payload(
            lambda: services.workflow_delete(
                acting_user=acting_user(info), workflow_id=id, expected_version=expected_version
            )
        )

    @strawberry.mutation(extensions=workflow_creator_required())
    def delete_ticket_definition(self, info: Info, id: strawberry.ID, expected_version: int) -> OkPayload:
        return ok_payload(
            lambda: services.ticket_definition_delete(
                acting_user=acting_user(info), ticket_definition_id=id, expected_version=expected_version
            )
        )
