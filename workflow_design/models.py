"""The seed's four tables, plus the version snapshots of workflow documents.

Models stay thin: what a valid definition is lives in `validation/`, how it is
written in `services.py`. Every row carries its company so that one scoping
rule (company_id = the acting user's) covers every table; on PostgreSQL,
composite foreign keys (migration 0002) make a row's company equal to its
workflow's, so that cannot drift.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models

from users.models import Company
from workflow_design.document import TASK_TYPE_RULES

# The task types of the document declaration, as Django choices (and a GraphQL enum). django-stubs know
# only Choices' members syntax, not this functional one (an enum's, with (value, label) as each value).
TaskType = models.TextChoices(  # type: ignore[call-overload]
    "TaskType", [(rule.task_type, (rule.task_type, rule.label)) for rule in TASK_TYPE_RULES.values()]
)


class CompanyOwned(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def refresh_from_db(
        self, using: str | None = None, fields: Iterable[str] | None = None, from_queryset: Any = None
    ) -> None:
        """Reloads the row (or a deferred column of it, which Django loads this way) from its company's rows:
        the statement names the company, as every statement sent for a company does (docs/SCALING.md)."""
        if from_queryset is None and "company_id" not in self.get_deferred_fields():
            from_queryset = type(self)._base_manager.filter(company_id=self.company_id)
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)


class Authored(CompanyOwned):
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class WorkflowDefinition(Authored):
    title = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    ext_ref = models.JSONField(default=list, blank=True, help_text="[{Label, Desc, URI}]")
    fields = models.JSONField(default=list, blank=True, help_text="[{FieldName, FieldType}]")
    display_layout = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "workflow_definitions"
        indexes = [
            models.Index(fields=["company", "title"]),
            models.Index(fields=["company", "-updated_at"]),
        ]
        constraints = [
            # Target of the composite (workflow_id, company_id) foreign keys.
            models.UniqueConstraint(fields=["id", "company"], name="workflow_definitions_id_company"),
        ]

    def __str__(self) -> str:
        return self.title


class TaskDefinition(Authored):
    workflow = models.ForeignKey(WorkflowDefinition, on_delete=models.CASCADE, related_name="tasks")
    key = models.CharField(max_length=64, help_text="Unique in the workflow; transitions name tasks by key")
    position = models.PositiveIntegerField(default=0, help_text="Order in the workflow document")
    title = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    ext_ref = models.JSONField(default=list, blank=True)
    task_type = models.CharField(max_length=12, choices=TaskType.choices)
    input_schema = models.JSONField(null=True, blank=True)
    output_schema = models.JSONField(null=True, blank=True)
    edit_layout = models.TextField(null=True, blank=True)
    display_layout = models.TextField(null=True, blank=True)
    action_url = models.TextField(null=True, blank=True)
    input_transform = models.JSONField(null=True, blank=True)
    output_transform = models.JSONField(null=True, blank=True)
    timeout_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        db_table = "task_definitions"
        ordering = ["workflow_id", "position"]
        indexes = [
            models.Index(fields=["company", "workflow", "position"]),
            models.Index(fields=["company", "task_type"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "key"], name="task_definitions_key_unique"),
            models.CheckConstraint(
                condition=models.Q(task_type__in=TaskType.values), name="task_definitions_task_type_valid"
            ),
            models.UniqueConstraint(fields=["id", "workflow"], name="task_definitions_id_workflow"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.title}"


class WorkflowTransition(CompanyOwned):
    workflow = models.ForeignKey(WorkflowDefinition, on_delete=models.CASCADE, related_name="transitions")
    from_task = models.ForeignKey(
        TaskDefinition,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outgoing",
        help_text="null: a start transition",
    )
    to_task = models.ForeignKey(
        TaskDefinition,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="incoming",
        help_text="null: the workflow ends",
    )
    condition = models.JSONField(null=True, blank=True, help_text="JsonLogic; null means always")
    priority = models.IntegerField(default=0)
    position = models.PositiveIntegerField(default=0, help_text="Order in the workflow document")

    class Meta:
        db_table = "workflow_transitions"
        ordering = ["workflow_id", "position"]
        indexes = [models.Index(fields=["company", "workflow", "position"])]

    def __str__(self) -> str:
        return f"{self.from_task_id} -> {self.to_task_id}"


class TicketDefinition(Authored):
    title = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    ext_ref = models.JSONField(default=list, blank=True)
    # PROTECT: a workflow in use cannot be deleted (the database refuses it too).
    workflow = models.ForeignKey(WorkflowDefinition, on_delete=models.PROTECT, related_name="ticket_definitions")
    fields = models.JSONField(default=dict, blank=True, help_text="{FieldName: Value}")
    company_role_access = models.JSONField(default=list, blank=True, help_text="Company role names")
    edit_layout = models.TextField(null=True, blank=True)
    display_layout = models.TextField(null=True, blank=True)
    # The document's compact UTF-8 JSON size: what it counts against the company's storage quota.
    size_bytes = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "ticket_definitions"
        indexes = [
            models.Index(fields=["company", "title"]),
            models.Index(fields=["company", "workflow"]),
        ]

    def __str__(self) -> str:
        return self.title


class WorkflowVersion(CompanyOwned):
    """The full workflow document of one version, as `exportWorkflow` returns it."""

    workflow = models.ForeignKey(WorkflowDefinition, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    document = models.JSONField()
    # The document's compact UTF-8 JSON size, set at insert: what the version counts against
    # the company's storage quota (Company.stored_document_bytes holds the sum).
    size_bytes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "workflow_versions"
        ordering = ["workflow_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "version"], name="workflow_versions_unique"),
        ]

    def __str__(self) -> str:
        return f"workflow {self.workflow_id} v{self.version}"
