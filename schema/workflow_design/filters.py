import strawberry
import strawberry_django

from schema.workflow_design.types import TaskType
from workflow_design import models


@strawberry_django.filter_type(models.WorkflowDefinition, lookups=True)
class WorkflowDefinitionFilter:
    id: strawberry.auto
    title: strawberry.auto


@strawberry_django.filter_type(models.TaskDefinition, lookups=True)
class TaskDefinitionFilter:
    id: strawberry.auto
    key: strawberry.auto
    title: strawberry.auto
    task_type: TaskType | None
    workflow_id: strawberry.ID | None = strawberry_django.filter_field(description="Tasks of this workflow.")


@strawberry_django.filter_type(models.TicketDefinition, lookups=True)
class TicketDefinitionFilter:
    id: strawberry.auto
    title: strawberry.auto
    workflow_id: strawberry.ID | None = strawberry_django.filter_field(description="Ticket definitions using it.")


@strawberry_django.order_type(models.WorkflowDefinition)
class WorkflowDefinitionOrder:
    id: strawberry.auto
    title: strawberry.auto
    created_at: strawberry.auto
    updated_at: strawberry.auto


@strawberry_django.order_type(models.TaskDefinition)
class TaskDefinitionOrder:
    id: strawberry.auto
    key: strawberry.auto
    title: strawberry.auto
    position: strawberry.auto
    updated_at: strawberry.auto


@strawberry_django.order_type(models.TicketDefinition)
class TicketDefinitionOrder:
    id: strawberry.auto
    title: strawberry.auto
    created_at: strawberry.auto
    updated_at: strawberry.auto
