from collections.abc import Iterable
from typing import Annotated, cast

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry.types import Info

from kernel.global_ids import pk_of
from schema.base import (
    ProblemType,
    acting_user,
    connection,
    login_required,
    model_field,
    rows_with_id,
    workflow_creator_required,
)
from schema.workflow_design.filters import (
    TaskDefinitionFilter,
    TaskDefinitionOrder,
    TicketDefinitionFilter,
    TicketDefinitionOrder,
    WorkflowDefinitionFilter,
    WorkflowDefinitionOrder,
)
from schema.workflow_design.inputs import WorkflowInput, input_to_document
from schema.workflow_design.types import (
    TaskDefinitionConnection,
    TaskDefinitionType,
    TicketDefinitionConnection,
    TicketDefinitionType,
    ValidationReport,
    WorkflowDefinitionConnection,
    WorkflowDefinitionType,
    WorkflowVersionConnection,
    WorkflowVersionType,
)
from workflow_design import document as doc
from workflow_design import language, models, selectors
from workflow_design.validation import errors, warnings

_NOT_FOUND_IS_NULL = "null when it does not exist or belongs to another company."
_WORKFLOW_ID = Annotated[strawberry.ID, strawberry.argument(description="Global id of the workflow.")]

# strawberry-django answers a queryset as its type (one row, or the list): the casts below say so to the type
# checker (its documented way). WorkflowInput is a class generated at run time (inputs.py), unknown to it.


@strawberry.type
class WorkflowDesignQuery:
    workflow_definitions: WorkflowDefinitionConnection | None = connection(
        filters=WorkflowDefinitionFilter,
        order=WorkflowDefinitionOrder,
        extensions=workflow_creator_required(),
        description="The workflows of your company; by default in the order they were created.",
    )

    @model_field(extensions=workflow_creator_required(), description=f"One workflow; {_NOT_FOUND_IS_NULL}")
    def workflow_definition(self, id: _WORKFLOW_ID) -> WorkflowDefinitionType | None:
        return cast(WorkflowDefinitionType | None, rows_with_id(models.WorkflowDefinition, id))

    task_definitions: TaskDefinitionConnection | None = connection(
        filters=TaskDefinitionFilter,
        order=TaskDefinitionOrder,
        extensions=workflow_creator_required(),
        description="The tasks of your company's workflows; by default by workflow, then in document order.",
    )

    @model_field(
        extensions=workflow_creator_required(),
        description="One task, by its id or by its workflow's id and its key (give one or the other: BAD_USER_INPUT "
        f"otherwise); {_NOT_FOUND_IS_NULL}",
    )
    def task_definition(
        self,
        id: Annotated[strawberry.ID | None, strawberry.argument(description="Global id of the task.")] = None,
        workflow_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="With key: global id of the task's workflow.")
        ] = None,
        key: Annotated[
            str | None, strawberry.argument(description="With workflowId: the task's key in the workflow.")
        ] = None,
    ) -> TaskDefinitionType | None:
        if id is not None and workflow_id is None and key is None:
            return cast(TaskDefinitionType | None, rows_with_id(models.TaskDefinition, id))
        if id is None and workflow_id is not None and key is not None:
            return cast(
                TaskDefinitionType | None,
                selectors.workflow_task_with_key(workflow_pk=pk_of(workflow_id, models.WorkflowDefinition), key=key),
            )
        raise GraphQLError("Give either id, or workflowId and key.", extensions={"code": "BAD_USER_INPUT"})

    ticket_definitions: TicketDefinitionConnection | None = connection(
        filters=TicketDefinitionFilter,
        order=TicketDefinitionOrder,
        extensions=login_required(),
        description="Ticket definitions: workflow creators see all of their company's, other users those granted to "
        "one of their company roles; by default in the order they were created.",
    )

    @model_field(extensions=login_required(), description=f"One ticket definition; {_NOT_FOUND_IS_NULL}")
    def ticket_definition(
        self, id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the ticket definition.")]
    ) -> TicketDefinitionType | None:
        return cast(TicketDefinitionType | None, rows_with_id(models.TicketDefinition, id))

    @strawberry.field(
        extensions=workflow_creator_required(),
        description="Check a workflow document as an upload by you would (its assigneeRoles against your company's "
        "roles); writes nothing.",
    )
    def validate_workflow(
        self,
        info: Info,
        input: Annotated[  # type: ignore[valid-type]
            WorkflowInput,
            strawberry.argument(description="The workflow document to check, as uploadWorkflow takes it."),
        ],
    ) -> ValidationReport | None:
        problems = selectors.workflow_validate(
            acting_user=acting_user(info), document=input_to_document(doc.WORKFLOW, input)
        )
        found_errors = errors(problems)
        return ValidationReport(
            valid=not found_errors,
            errors=ProblemType.list_from(found_errors),
            warnings=ProblemType.list_from(warnings(problems)),
        )

    @strawberry.field(
        extensions=workflow_creator_required(),
        description="The workflow document of a version (default: the current one), in the upload format; "
        "null when the workflow or version does not exist or belongs to another company.",
    )
    def export_workflow(
        self,
        info: Info,
        id: _WORKFLOW_ID,
        version: Annotated[
            int | None, strawberry.argument(description="The version to export; null or absent: the current one.")
        ] = None,
    ) -> JSON | None:
        document = selectors.workflow_export(acting_user=acting_user(info), workflow_id=id, version=version)
        return None if document is None else JSON(document)

    @connection(
        WorkflowVersionConnection | None,
        extensions=workflow_creator_required(),
        description="Every version of a workflow, oldest first (as its `versions`); empty when the workflow does not "
        "exist or belongs to another company.",
    )
    def workflow_versions(self, info: Info, id: _WORKFLOW_ID) -> Iterable[WorkflowVersionType]:
        return cast(
            Iterable[WorkflowVersionType], selectors.workflow_versions(acting_user=acting_user(info), workflow_id=id)
        )

    @strawberry.field(
        extensions=login_required(),
        description="The workflow language reference: the variables readable in each place of a workflow (conditions, "
        "transforms, array operator bodies), how transitions are chosen and what a failing condition does, the "
        "JsonLogic operators with their arities, task types, field types, limits, and every problem code with what "
        "triggers it and an example fix. Also served as /schemas/workflow-language.json.",
    )
    def workflow_language(self) -> JSON | None:
        return JSON(language.workflow_language())
