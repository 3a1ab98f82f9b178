"""Read-only admin pages: definitions change only through the validated upload."""

from typing import TypeVar

from django.contrib import admin
from django.http import HttpRequest

from workflow_design.models import (
    CompanyOwned,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
    WorkflowVersion,
)

Row = TypeVar("Row", bound=CompanyOwned)


class ReadOnlyAdmin(admin.ModelAdmin[Row]):
    list_filter = ["company"]
    list_select_related = ["company"]

    def has_add_permission(self, request: HttpRequest, obj: Row | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Row | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Row | None = None) -> bool:
        return False


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(ReadOnlyAdmin[WorkflowDefinition]):
    list_display = ["title", "company", "version", "updated_at", "created_by"]
    search_fields = ["title"]


@admin.register(TaskDefinition)
class TaskDefinitionAdmin(ReadOnlyAdmin[TaskDefinition]):
    list_display = ["key", "title", "task_type", "workflow", "company", "version"]
    list_filter = ["company", "task_type"]
    list_select_related = ["company", "workflow"]
    search_fields = ["key", "title"]


@admin.register(WorkflowTransition)
class WorkflowTransitionAdmin(ReadOnlyAdmin[WorkflowTransition]):
    list_display = ["workflow", "from_task", "to_task", "priority", "company"]
    list_select_related = ["company", "workflow", "from_task", "to_task"]


@admin.register(TicketDefinition)
class TicketDefinitionAdmin(ReadOnlyAdmin[TicketDefinition]):
    list_display = ["title", "workflow", "company", "version", "updated_at"]
    list_select_related = ["company", "workflow"]
    search_fields = ["title"]


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(ReadOnlyAdmin[WorkflowVersion]):
    list_display = ["workflow", "version", "size_bytes", "created_at", "created_by", "company"]
    list_select_related = ["company", "workflow", "created_by"]
