from typing import Annotated, cast

import strawberry
from strawberry.types import Info

from kernel.global_ids import global_id
from schema.base import ProblemType, acting_user, answers_refusals, workflow_creator_required
from schema.workflow_design.inputs import TaskInput, TicketDefinitionInput, WorkflowInput, input_to_document
from schema.workflow_design.types import (
    DeleteTicketDefinitionPayload,
    DeleteWorkflowDefinitionPayload,
    TaskDefinitionType,
    TicketDefinitionType,
    UploadTaskDefinitionPayload,
    UploadTicketDefinitionPayload,
    UploadWorkflowPayload,
    WorkflowDefinitionType,
)
from workflow_design import document as doc
from workflow_design import models, selectors, services

# strawberry-django answers a model row as its type: the casts below say so to the type checker (its documented way).
# The input types are classes generated at run time (inputs.py), which a type checker cannot know.


def _expected_version(noun: str, written: str) -> str:
    return f"The {noun}'s current version, as you read it; otherwise VERSION_CONFLICT, and nothing is {written}."


@strawberry.type
class WorkflowDesignMutation:
    @strawberry.mutation(
        extensions=workflow_creator_required(),
        description="Create a workflow, or edit one (id + expectedVersion): all or nothing.",
    )
    @answers_refusals(UploadWorkflowPayload, current="workflow")
    def upload_workflow(
        self,
        info: Info,
        input: Annotated[  # type: ignore[valid-type]
            WorkflowInput,
            strawberry.argument(
                description="The workflow document; with id and expectedVersion, an edit of that workflow."
            ),
        ],
    ) -> UploadWorkflowPayload | None:
        document = input_to_document(doc.WORKFLOW, input)
        written = services.workflow_upload(acting_user=acting_user(info), document=document)
        return UploadWorkflowPayload(
            workflow=cast(WorkflowDefinitionType, written.row), warnings=ProblemType.list_from(written.warnings)
        )

    @strawberry.mutation(
        extensions=workflow_creator_required(),
        description="Create or replace one task (matched by key), validated as a whole-workflow upload.",
    )
    @answers_refusals(UploadTaskDefinitionPayload, current="workflow")
    def upload_task_definition(
        self,
        info: Info,
        workflow_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global id of the workflow the task is part of.")
        ],
        expected_version: Annotated[int, strawberry.argument(description=_expected_version("workflow", "written"))],
        input: Annotated[  # type: ignore[valid-type]
            TaskInput,
            strawberry.argument(
                description="The task: it replaces the workflow's task with the same key, or is added after the others."
            ),
        ],
    ) -> UploadTaskDefinitionPayload | None:
        written = services.task_upload(
            acting_user=acting_user(info),
            workflow_id=workflow_id,
            expected_version=expected_version,
            task_document=input_to_document(doc.TASK, input),
        )
        return UploadTaskDefinitionPayload(
            task=cast(TaskDefinitionType, written.row),
            workflow=cast(WorkflowDefinitionType, written.row.workflow),
            warnings=ProblemType.list_from(written.warnings),
        )

    @strawberry.mutation(extensions=workflow_creator_required(), description="Create or edit a ticket definition.")
    @answers_refusals(UploadTicketDefinitionPayload, current="ticket_definition")
    def upload_ticket_definition(
        self,
        info: Info,
        input: Annotated[  # type: ignore[valid-type]
            TicketDefinitionInput,
            strawberry.argument(
                description="The ticket definition; with id and expectedVersion, an edit of that ticket definition."
            ),
        ],
    ) -> UploadTicketDefinitionPayload | None:
        document = input_to_document(doc.TICKET_DEFINITION, input)
        written = services.ticket_definition_upload(acting_user=acting_user(info), document=document)
        return UploadTicketDefinitionPayload(
            ticket_definition=cast(TicketDefinitionType, written.row), warnings=ProblemType.list_from(written.warnings)
        )

    @strawberry.mutation(
        extensions=workflow_creator_required(),
        description="Delete a workflow with its tasks and transitions; refused (IN_USE) while ticket definitions "
        "use it.",
    )
    @answers_refusals(DeleteWorkflowDefinitionPayload, current="workflow")
    def delete_workflow_definition(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the workflow to delete.")],
        expected_version: Annotated[int, strawberry.argument(description=_expected_version("workflow", "deleted"))],
    ) -> DeleteWorkflowDefinitionPayload | None:
        deleted_id = services.workflow_delete(
            acting_user=acting_user(info), workflow_id=id, expected_version=expected_version
        )
        return DeleteWorkflowDefinitionPayload(
            ok=True, deleted_id=strawberry.ID(global_id(models.WorkflowDefinition, deleted_id))
        )

    @strawberry.mutation(extensions=workflow_creator_required(), description="Delete a ticket definition.")
    @answers_refusals(DeleteTicketDefinitionPayload, current="ticket_definition")
    def delete_ticket_definition(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the ticket definition to delete.")],
        expected_version: Annotated[
            int, strawberry.argument(description=_expected_version("ticket definition", "deleted"))
        ],
    ) -> DeleteTicketDefinitionPayload | None:
        user = acting_user(info)
        deleted = services.ticket_definition_delete(
            acting_user=user, ticket_definition_id=id, expected_version=expected_version
        )
        return DeleteTicketDefinitionPayload(
            ok=True,
            deleted_id=strawberry.ID(global_id(models.TicketDefinition, deleted.id)),
            workflow=cast(WorkflowDefinitionType, selectors.workflow_get(acting_user=user, pk=deleted.workflow_id)),
        )
