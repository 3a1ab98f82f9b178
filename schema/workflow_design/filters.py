import strawberry
import strawberry_django
from django.db.models import Q

from kernel.values import parse_id
from schema.workflow_design.documents import TaskType
from workflow_design import models


def id_match(prefix: str, field: str, value: str) -> Q:
    """Rows whose `field` is the id given; a malformed id matches nothing, like an unknown one."""
    pk = parse_id(value)
    return Q(**{f"{prefix}{field}": pk}) if pk is not None else Q(pk__in=[])


@strawberry_django.filter_type(models.WorkflowDefinition, lookups=True)
class WorkflowDefinitionFilter:
    title: strawberry.auto

    @strawberry_django.filter_field(description="The workflow with this id.")
    def id(self, value: strawberry.ID, prefix: str) -> Q:
        return id_match(prefix, "id", value)


@strawberry_django.filter_type(models.TaskDefinition, lookups=True)
class TaskDefinitionFilter:
    key: strawberry.auto
    title: strawberry.auto
    task_type: TaskType | None  # type: ignore[valid-type]  # an enum made at run time (documents.py)

    @strawberry_django.filter_field(description="The task with this id.")
    def id(self, value: strawberry.ID, prefix: str) -> Q:
        return id_match(prefix, "id", value)

    @strawberry_django.filter_field(description="Tasks of this workflow.")
    def workflow_id(self, value: strawberry.ID, prefix: str) -> Q:
        return id_match(prefix, "workflow_id", value)


@strawberry_django.filter_type(models.TicketDefinition, lookups=True)
class TicketDefinitionFilter:
    title: strawberry.auto

    @strawberry_django.filter_field(description="The ticket definition with this id.")
    def id(self, value: strawberry.ID, prefix: str) -> Q:
        return id_match(prefix, "id", value)

    @strawberry_django.filter_field(description="Ticket definitions using this workflow.")
    def workflow_id(self, value: strawberry.ID, prefix: str) -> Q:
        return id_match(prefix, "workflow_id", value)


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
