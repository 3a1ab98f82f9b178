import strawberry
import strawberry_django
from strawberry_django.pagination import OffsetPaginated

from schema.base import login_required, rows_with_id, workflow_creator_required
from schema.workflow_design.filters import (
    TaskDefinitionFilter,
    TaskDefinitionOrder,
    TicketDefinitionFilter,
    TicketDefinitionOrder,
    WorkflowDefinitionFilter,
    WorkflowDefinitionOrder,
)
from schema.workflow_design.types import TaskDefinitionType, TicketDefinitionType, WorkflowDefinitionType
from workflow_design import models

_NOT_FOUND_IS_NULL = "null when it does not exist or belongs to another company."


@strawberry.type
class WorkflowDesignQuery:
    workflow_definitions: OffsetPaginated[WorkflowDefinitionType] = strawberry_django.offset_paginated(
        filters=WorkflowDefinitionFilter, order=WorkflowDefinitionOrder, extensions=workflow_creator_required()
    )

    @strawberry_django.field(extensions=workflow_creator_required(), description=f"One workflow; {_NOT_FOUND_IS_NULL}")
    def workflow_definition(self, id: strawberry.ID) -> WorkflowDefinitionType | None:
        return rows_with_id(models.WorkflowDefinition, id)

    task_definitions: OffsetPaginated[TaskDefinitionType] = strawberry_django.offset_paginated(
        filters=TaskDefinitionFilter, order=TaskDefinitionOrder, extensions=workflow_creator_required()
    )

    @strawberry_django.field(extensions=workflow_creator_required(), description=f"One task; {_NOT_FOUND_IS_NULL}")
    def task_definition(self, id: strawberry.ID) -> TaskDefinitionType | None:
        return rows_with_id(models.TaskDefinition, id)

    ticket_definitions: OffsetPaginated[TicketDefinitionType] = strawberry_django.offset_paginated(
        filters=TicketDefinitionFilter,
        order=TicketDefinitionOrder,
        extensions=login_required(),
        description="Workflow creators see all of their company's; other users those granted to their company roles.",
    )

    @strawberry_django.field(extensions=login_required(), description=f"One ticket definition; {_NOT_FOUND_IS_NULL}")
    def ticket_definition(self, id: strawberry.ID) -> TicketDefinitionType | None:
        return rows_with_id(models.TicketDefinition, id)
