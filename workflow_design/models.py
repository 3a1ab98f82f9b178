"""The seed's four tables, plus the version snapshots of workflow documents.

Models stay thin: what a valid definition is lives in `validation/`, how it is
written in `services.py`. Every row carries its company so that one scoping
rule (company_id = the acting user's) covers every table; on PostgreSQL,
composite foreign keys (migration 0002) make a row's company equal to its
workflow's, so that cannot drift.

Model docstrings and help texts are written for API readers: the GraphQL types take
their descriptions from them. A column that holds a property of the document takes
the description the document declaration gives it (`documented`), so the two say the
same. A relation's help text describes both of its ends: strawberry-django gives the
reverse relation (`workflow.tasks`) the foreign key's help text too.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models

from users.models import Company, described_id
from workflow_design import document as doc
from workflow_design.document import TASK_TYPE_RULES

# The task types of the document declaration, as Django choices (and a GraphQL enum). django-stubs know
# only Choices' members syntax, not this functional one (an enum's, with (value, label) as each value).
TaskType = models.TextChoices(  # type: ignore[call-overload]
    "TaskType", [(rule.task_type, (rule.task_type, rule.label)) for rule in TASK_TYPE_RULES.values()]
)


def documented(obj: doc.DocObject, name: str) -> str:
    """The help text of a column holding the document property `name` of `obj`: its declared description."""
    return obj.prop(name).description


class CompanyOwned(models.Model):
    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The company it belongs to; only that company's users see it.",
    )

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
    version = models.PositiveIntegerField(
        default=1,
        help_text="1 when created; one more with each upload that changes it (an identical upload changes nothing).",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was created (its first upload).")
    updated_at = models.DateTimeField(auto_now=True, help_text="When an upload last changed it (its version went up).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The user who created it (its first upload); null once that user is deleted.",
    )

    class Meta:
        abstract = True


class WorkflowDefinition(Authored):
    """A workflow: the tasks a ticket goes through and the transitions between them, as of its current version."""

    id = described_id("Id of the workflow.")
    title = models.CharField(max_length=255, help_text=documented(doc.WORKFLOW, "title"))
    description = models.TextField(null=True, blank=True, help_text=documented(doc.WORKFLOW, "description"))
    # Stored as the seed's [{Label, Desc, URI}] (workflow_design.codec).
    ext_ref = models.JSONField(default=list, blank=True, help_text=documented(doc.WORKFLOW, "extRef"))
    # Stored as the seed's [{FieldName, FieldType}] (workflow_design.codec).
    fields = models.JSONField(default=list, blank=True, help_text=documented(doc.WORKFLOW, "fields"))
    display_layout = models.TextField(null=True, blank=True, help_text=documented(doc.WORKFLOW, "displayLayout"))

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
    """A task of a workflow, as of its current version: a form a person fills in, or an action calling a URL."""

    id = described_id("Id of the task; it stays the same while uploads keep a task with its key.")
    workflow = models.ForeignKey(
        WorkflowDefinition,
        on_delete=models.CASCADE,
        related_name="tasks",
        help_text="Links a task and its workflow: task.workflow is the workflow it is part of, workflow.tasks "
        "lists its tasks in document order.",
    )
    key = models.CharField(max_length=64, help_text=documented(doc.TASK, "key"))
    position = models.PositiveIntegerField(
        default=0, help_text="Place of the task among the workflow document's tasks, counting from 0."
    )
    title = models.CharField(max_length=255, help_text=documented(doc.TASK, "title"))
    description = models.TextField(null=True, blank=True, help_text=documented(doc.TASK, "description"))
    ext_ref = models.JSONField(default=list, blank=True, help_text=documented(doc.TASK, "extRef"))
    task_type = models.CharField(max_length=12, choices=TaskType.choices, help_text=documented(doc.TASK, "taskType"))
    input_schema = models.JSONField(null=True, blank=True, help_text=documented(doc.TASK, "inputSchema"))
    output_schema = models.JSONField(null=True, blank=True, help_text=documented(doc.TASK, "outputSchema"))
    edit_layout = models.TextField(null=True, blank=True, help_text=documented(doc.TASK, "editLayout"))
    display_layout = models.TextField(null=True, blank=True, help_text=documented(doc.TASK, "displayLayout"))
    assignee_roles = models.JSONField(default=list, blank=True, help_text=documented(doc.TASK, "assigneeRoles"))
    # Null for the first edition's actions, which named no method: POST, as the document's default says.
    http_method = models.CharField(
        max_length=6,
        null=True,
        blank=True,
        choices=[(m, m) for m in doc.HTTP_METHODS],
        help_text=documented(doc.TASK, "httpMethod"),
    )
    action_url = models.TextField(null=True, blank=True, help_text=documented(doc.TASK, "actionUrl"))
    input_transform = models.JSONField(null=True, blank=True, help_text=documented(doc.TASK, "inputTransform"))
    output_transform = models.JSONField(null=True, blank=True, help_text=documented(doc.TASK, "outputTransform"))
    timeout_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text=documented(doc.TASK, "timeoutSeconds")
    )
    retry = models.JSONField(null=True, blank=True, help_text=documented(doc.TASK, "retry"))

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
    """An edge of a workflow's graph, from a task (or the start) to a task (or the end)."""

    id = described_id(
        "Id of the transition; it stays the same while uploads keep a transition with its ends, condition and priority."
    )
    workflow = models.ForeignKey(
        WorkflowDefinition,
        on_delete=models.CASCADE,
        related_name="transitions",
        help_text="Links a transition and its workflow: transition.workflow is the workflow it is part of, "
        "workflow.transitions lists its transitions in document order.",
    )
    from_task = models.ForeignKey(
        TaskDefinition,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outgoing",
        help_text="Links a transition and the task it leaves: transition.fromTask is that task (null for a start "
        "transition), task.outgoing lists the transitions leaving it.",
    )
    to_task = models.ForeignKey(
        TaskDefinition,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="incoming",
        help_text="Links a transition and the task it leads to: transition.toTask is that task (null where the "
        "workflow ends), task.incoming lists the transitions entering it.",
    )
    condition = models.JSONField(null=True, blank=True, help_text=documented(doc.TRANSITION, "condition"))
    priority = models.IntegerField(default=0, help_text=documented(doc.TRANSITION, "priority"))
    on_error = models.JSONField(default=list, blank=True, help_text=documented(doc.TRANSITION, "onError"))
    position = models.PositiveIntegerField(
        default=0,
        help_text="Place of the transition among the workflow document's transitions, counting from 0; of two "
        "with the same priority, the earlier is tried first.",
    )

    class Meta:
        db_table = "workflow_transitions"
        ordering = ["workflow_id", "position"]
        indexes = [models.Index(fields=["company", "workflow", "position"])]

    def __str__(self) -> str:
        return f"{self.from_task_id} -> {self.to_task_id}"


class TicketDefinition(Authored):
    """A kind of ticket: the workflow its tickets run, values of its fields, and which roles may use it."""

    id = described_id("Id of the ticket definition.")
    title = models.CharField(max_length=255, help_text=documented(doc.TICKET_DEFINITION, "title"))
    description = models.TextField(null=True, blank=True, help_text=documented(doc.TICKET_DEFINITION, "description"))
    ext_ref = models.JSONField(default=list, blank=True, help_text=documented(doc.TICKET_DEFINITION, "extRef"))
    # PROTECT: a workflow in use cannot be deleted (the database refuses it too).
    workflow = models.ForeignKey(
        WorkflowDefinition,
        on_delete=models.PROTECT,
        related_name="ticket_definitions",
        help_text="Links a ticket definition and the workflow its tickets run: ticketDefinition.workflow is that "
        "workflow, workflow.ticketDefinitions lists the ticket definitions running it (a workflow in use cannot be "
        "deleted).",
    )
    # Stored as the seed's {FieldName: Value}.
    fields = models.JSONField(default=dict, blank=True, help_text=documented(doc.TICKET_DEFINITION, "fields"))
    company_role_access = models.JSONField(
        default=list, blank=True, help_text=documented(doc.TICKET_DEFINITION, "companyRoleAccess")
    )
    edit_layout = models.TextField(null=True, blank=True, help_text=documented(doc.TICKET_DEFINITION, "editLayout"))
    display_layout = models.TextField(
        null=True, blank=True, help_text=documented(doc.TICKET_DEFINITION, "displayLayout")
    )
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
    """One version of a workflow, whose full document is kept (exportWorkflow returns it)."""

    id = described_id("Id of this version's record (exportWorkflow takes the workflow's id and the version).")
    workflow = models.ForeignKey(WorkflowDefinition, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(
        help_text="The version: 1 for the first upload, one more for each upload that changed the workflow."
    )
    document = models.JSONField()
    # The document's compact UTF-8 JSON size, set at insert: what the version counts against
    # the company's storage quota (Company.stored_document_bytes holds the sum).
    size_bytes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, help_text="When this version was uploaded.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The user who uploaded this version; null once that user is deleted.",
    )

    class Meta:
        db_table = "workflow_versions"
        ordering = ["workflow_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "version"], name="workflow_versions_unique"),
        ]

    def __str__(self) -> str:
        return f"workflow {self.workflow_id} v{self.version}"
