import strawberry
import strawberry_django
from django.db.models import Model, Q

from kernel.global_ids import pk_of
from schema.workflow_design.documents import TaskType
from workflow_design import models


def id_match(prefix: str, field: str, value: str, model: type[Model]) -> Q:
    """Rows whose `field` is the row of `model` with the global id given; an id that is malformed or of
    another type matches nothing, like an unknown one."""
    pk = pk_of(value, model)
    return Q(**{f"{prefix}{field}": pk}) if pk is not None else Q(pk__in=[])


_FILTER = "; every condition given must hold."
_ORDER = ": give exactly one field, with its direction."
_TITLE = "Conditions on the title."


@strawberry_django.filter_type(models.WorkflowDefinition, lookups=True, description=f"Which workflows to list{_FILTER}")
class WorkflowDefinitionFilter:
    title: strawberry.auto = strawberry_django.filter_field(description=_TITLE)

    @strawberry_django.filter_field(description="The workflow with this global id.")
    def id(self, value: strawberry.ID, prefix: str) -> Q:
        return id_match(prefix, "id", value, models.WorkflowDefinition)


@strawberry_django.filter_type(models.TaskDefinition, lookups=True, description=f"Which tasks to list{_FILTER}")
class TaskDefinitionFilter:
    key: strawberry.auto = strawberry_django.filter_field(description="Conditions on the task's key.")
    title: strawberry.auto = strawberry_django.filter_field(description=_TITLE)
    task_type: TaskType | None = strawberry_django.filter_field(  # type: ignore[valid-type]  # an enum made at run time
        description="Tasks of this type."
    )

    @strawberry_django.filter_field(description="The task with this global id.")
    def id(self, value: strawberry.ID, prefix: str) -> Q:
        return id_match(prefix, "id", value, models.TaskDefinition)

    @strawberry_django.filter_field(description="Tasks of the workflow with this global id.")
    def workflow_id(self, value: strawberry.ID, prefix: str) -> Q:
        return id_match(prefix, "workflow_id", value, models.WorkflowDefinition)


@strawberry_django.filter_type(
    models.TicketDefinition, lookups=True, description=f"Which ticket definitions to list{_FILTER}"
)
class TicketDefinitionFilter:
    title: strawberry.auto = strawberry_django.filter_field(description=_TITLE)

    @strawberry_django.filter_field(description="The ticket definition with this global id.")
    def id(self, value: strawberry.ID, prefix: str) -> Q:
        return id_match(prefix, "id", value, models.TicketDefinition)

    @strawberry_django.filter_field(description="Ticket definitions using the workflow with this global id.")
    def workflow_id(self, value: strawberry.ID, prefix: str) -> Q:
        return id_match(prefix, "workflow_id", value, models.WorkflowDefinition)


_BY_ID = "By primary key: the order they were created in."
_BY_TITLE = "By title."
_BY_CREATED_AT = "By when they were created."
_BY_UPDATED_AT = "By when an upload last changed them."


@strawberry_django.order_type(models.WorkflowDefinition, description=f"How to sort workflows{_ORDER}")
class WorkflowDefinitionOrder:
    id: strawberry.auto = strawberry_django.order_field(description=_BY_ID)
    title: strawberry.auto = strawberry_django.order_field(description=_BY_TITLE)
    created_at: strawberry.auto = strawberry_django.order_field(description=_BY_CREATED_AT)
    updated_at: strawberry.auto = strawberry_django.order_field(description=_BY_UPDATED_AT)


@strawberry_django.order_type(models.TaskDefinition, description=f"How to sort tasks{_ORDER}")
class TaskDefinitionOrder:
    id: strawberry.auto = strawberry_django.order_field(description=_BY_ID)
    key: strawberry.auto = strawberry_django.order_field(description="By key.")
    title: strawberry.auto = strawberry_django.order_field(description=_BY_TITLE)
    position: strawberry.auto = strawberry_django.order_field(
        description="By place in their workflow's document (tasks of different workflows interleave)."
    )
    updated_at: strawberry.auto = strawberry_django.order_field(description=_BY_UPDATED_AT)


@strawberry_django.order_type(models.TicketDefinition, description=f"How to sort ticket definitions{_ORDER}")
class TicketDefinitionOrder:
    id: strawberry.auto = strawberry_django.order_field(description=_BY_ID)
    title: strawberry.auto = strawberry_django.order_field(description=_BY_TITLE)
    created_at: strawberry.auto = strawberry_django.order_field(description=_BY_CREATED_AT)
    updated_at: strawberry.auto = strawberry_django.order_field(description=_BY_UPDATED_AT)
