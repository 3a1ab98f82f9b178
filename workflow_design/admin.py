"""Read-only admin pages: definitions change only through the validated upload."""

from django.contrib import admin

from workflow_design.models import (
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
    WorkflowVersion,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    list_filter = ["company"]
    list_select_related = ["company"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(ReadOnlyAdmin):
    list_display = ["title", "company", "version", "updated_at", "created_by"]
    search_fields = ["title"]


@admin.register(TaskDefinition)
class TaskDefinitionAdmin(ReadOnlyAdmin):
    list_display = ["key", "title", "task_type", "workflow", "company", "version"]
    list_filter = ["company", "task_type"]
    list_select_related = ["company", "workflow"]
    search_fields = ["key", "title"]


@admin.register(WorkflowTransition)
class WorkflowTransitionAdmin(ReadOnlyAdmin):
    list_display = ["workflow", "from_task", "to_task", "priority", "company"]
    list_select_related = ["company", "workflow", "from_task", "to_task"]


@admin.register(TicketDefinition)
class TicketDefinitionAdmin(ReadOnlyAdmin):
    list_display = ["title", "workflow", "company", "version", "updated_at"]
    list_select_related = ["company", "workflow"]
    search_fields = ["title"]


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(ReadOnlyAdmin):
    list_display = ["workflow", "version", "size_bytes", "created_at", "created_by", "company"]
    list_select_related = ["company", "workflow", "created_by"]
