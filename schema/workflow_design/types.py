"""GraphQL types mirroring the four workflow design tables, every column included.

JSON columns whose shape the seed fixes (`extRef`, workflow `fields`) are typed
objects; free JSON (schemas, transforms, conditions, ticket field values) is
`JSON`. Every type derives from CompanyScopedType, so each list, single
object and nested relation is scoped to the acting user's company. A workflow's
own tasks and transitions are plain lists (the designer loads the whole graph at
once; a document holds at most 1,000 and 5,000); its ticket definitions and
versions, which grow without bound, are connections.
"""

from typing import Annotated, cast

import strawberry
import strawberry_django
from django.db.models import F, Prefetch
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry_django.relay import DjangoListConnection

from schema.base import ERRORS, WARNINGS, CompanyScopedType, ProblemType, connection, model_field, model_type
from schema.compiled_reads import stored_entries
from schema.users.types import CompanyType, UserType
from schema.workflow_design.documents import (
    ActionError,
    ExtRef,
    HttpMethod,
    RetryPolicy,
    TaskType,
    WorkflowDocument,
    WorkflowField,
    budgeted_document,
    typed_ext_refs,
    typed_retry,
    typed_workflow_fields,
)
from workflow_design import document as doc
from workflow_design import models, selectors
from workflow_design.codec import (
    EXT_REF_KEYS,
    WORKFLOW_FIELD_KEYS,
    ext_ref_from_storage,
    workflow_fields_from_storage,
)


@stored_entries(column="ext_ref", keys=EXT_REF_KEYS)
def _resolve_ext_ref(root) -> list[ExtRef]:  # type: ignore[valid-type]
    return typed_ext_refs(ext_ref_from_storage(root.ext_ref))


def ext_ref_field():
    """`extRef` of a definition: its stored links as typed objects."""
    return strawberry_django.field(
        resolver=_resolve_ext_ref, only=["ext_ref"], description="Links to external resources."
    )


# The current version of each workflow of a list, in one query; its document is read after its size is
# charged to the request's budget (documents.budgeted_document).
_CURRENT_VERSION = Prefetch(
    "versions",
    queryset=models.WorkflowVersion.objects.filter(version=F("workflow__version")).only(
        "id", "company_id", "workflow_id", "version", "size_bytes"
    ),
    to_attr="current_versions",
)
_BUDGET = (
    "; null, with a RESPONSE_TOO_LARGE error, once the request has read GRAPHQL_DOCUMENT_BYTES_PER_REQUEST of them."
)


@model_type(models.WorkflowDefinition, name="WorkflowDefinition")
class WorkflowDefinitionType(CompanyScopedType):
    company: CompanyType
    title: str
    description: str | None
    display_layout: str | None
    version: int
    created_at: strawberry.auto
    updated_at: strawberry.auto
    created_by: UserType | None
    tasks: list["TaskDefinitionType"] = model_field(description="Its tasks, in document order.")
    transitions: list["WorkflowTransitionType"] = model_field(description="Its transitions, in document order.")
    ticket_definitions: "TicketDefinitionConnection" = connection(
        extensions=[],
        description="The ticket definitions whose tickets run it, in the order they were created; while there is "
        "one, it cannot be deleted.",
    )
    versions: "WorkflowVersionConnection" = connection(
        extensions=[],
        description="Every version of the workflow, oldest first (empty for users without workflow_creator).",
    )

    @strawberry_django.field(description="Its task with this key; null when it has none.")
    def task(
        self,
        root: models.WorkflowDefinition,
        key: Annotated[str, strawberry.argument(description="The task's key, as in the workflow document.")],
    ) -> "TaskDefinitionType | None":
        # strawberry-django answers the queryset as its one row (or null), scoped and optimized for what is
        # selected of it: one statement per workflow asked. (Not root.tasks: when the workflow's tasks are
        # prefetched, its manager would filter that prefetch, with only the columns its selection read.)
        return cast("TaskDefinitionType | None", selectors.workflow_task_with_key(workflow_pk=root.pk, key=key))

    ext_ref: list[ExtRef] = ext_ref_field()  # type: ignore[valid-type]

    @strawberry_django.field(only=["fields"], description="The typed fields every ticket of the workflow carries.")
    @stored_entries(column="fields", keys=WORKFLOW_FIELD_KEYS)
    def fields(self, root: models.WorkflowDefinition) -> list[WorkflowField]:  # type: ignore[valid-type]
        return typed_workflow_fields(workflow_fields_from_storage(root.fields))

    @strawberry_django.field(
        prefetch_related=[_CURRENT_VERSION],
        only=["company_id", "version"],
        description="The workflow document of the current version, typed: what exportWorkflow answers as JSON "
        "without its id and expectedVersion, which an edit adds (this workflow's id and version)" + _BUDGET,
    )
    def document(self, root: models.WorkflowDefinition, info: Info) -> WorkflowDocument | None:  # type: ignore[valid-type]
        prefetched = getattr(root, "current_versions", None)
        snapshot = prefetched[0] if prefetched else selectors.workflow_current_version(root)
        return budgeted_document(info, snapshot)


@model_type(models.TaskDefinition, name="TaskDefinition")
class TaskDefinitionType(CompanyScopedType):
    company: CompanyType
    workflow: WorkflowDefinitionType = model_field(description="The workflow it is part of.")
    key: str
    position: int
    title: str
    description: str | None
    task_type: TaskType  # type: ignore[valid-type]  # an enum made at run time (documents.py)
    input_schema: JSON | None
    output_schema: JSON | None
    edit_layout: str | None
    display_layout: str | None
    # Names, as a ticket definition's companyRoleAccess: roles are named by name in every document and
    # mutation, a role that is assigned cannot be deleted (IN_USE), and companyRoles lists them.
    assignee_roles: list[str] = model_field(description=doc.TASK.prop("assigneeRoles").description)
    http_method: HttpMethod | None  # type: ignore[valid-type]  # an enum made at run time (documents.py)
    action_url: str | None
    input_transform: JSON | None
    output_transform: JSON | None
    timeout_seconds: int | None
    version: int
    created_at: strawberry.auto
    updated_at: strawberry.auto
    created_by: UserType | None
    outgoing: list["WorkflowTransitionType"] = model_field(description="Transitions leaving this task.")
    incoming: list["WorkflowTransitionType"] = model_field(description="Transitions entering this task.")

    ext_ref: list[ExtRef] = ext_ref_field()  # type: ignore[valid-type]

    @strawberry_django.field(only=["retry"], description=doc.TASK.prop("retry").description)
    def retry(self, root: models.TaskDefinition) -> RetryPolicy | None:  # type: ignore[valid-type]
        return typed_retry(root.retry)


@model_type(models.WorkflowTransition, name="WorkflowTransition")
class WorkflowTransitionType(CompanyScopedType):
    company: CompanyType
    workflow: WorkflowDefinitionType = model_field(description="The workflow it is part of.")
    from_task: TaskDefinitionType | None = model_field(description="null: a start transition.")
    to_task: TaskDefinitionType | None = model_field(description="null: the workflow ends here.")
    condition: JSON | None = model_field(description="JsonLogic; null means always.")
    priority: int
    position: int
    on_error: list[ActionError] = model_field(  # type: ignore[valid-type]
        description=doc.TRANSITION.prop("onError").description + " Empty for an ordinary transition."
    )


@model_type(models.TicketDefinition, name="TicketDefinition")
class TicketDefinitionType(CompanyScopedType):
    company: CompanyType
    title: str
    description: str | None
    workflow: WorkflowDefinitionType = model_field(description="The workflow its tickets run.")
    fields: JSON = model_field(description="Values of the workflow's fields: {fieldName: value}.")
    company_role_access: list[str] = model_field(
        description="Company roles whose holders may see this ticket definition."
    )
    edit_layout: str | None
    display_layout: str | None
    version: int
    created_at: strawberry.auto
    updated_at: strawberry.auto
    created_by: UserType | None

    ext_ref: list[ExtRef] = ext_ref_field()  # type: ignore[valid-type]


@model_type(models.WorkflowVersion, name="WorkflowVersion")
class WorkflowVersionType(CompanyScopedType):
    version: int
    created_at: strawberry.auto
    created_by: UserType | None

    @strawberry_django.field(
        only=["company_id", "size_bytes"],
        description="The workflow document of this version, typed (exportWorkflow with this version answers it as "
        "JSON): uploaded with the workflow's id and current version, it makes this version's content current again"
        + _BUDGET,
    )
    def document(self, root: models.WorkflowVersion, info: Info) -> WorkflowDocument | None:  # type: ignore[valid-type]
        return budgeted_document(info, root)


# The connections of workflow design, by the names the schema gives them.
WorkflowDefinitionConnection = DjangoListConnection[WorkflowDefinitionType]
TaskDefinitionConnection = DjangoListConnection[TaskDefinitionType]
TicketDefinitionConnection = DjangoListConnection[TicketDefinitionType]
WorkflowVersionConnection = DjangoListConnection[WorkflowVersionType]


@strawberry.type(description="What validateWorkflow found; nothing was written.")
class ValidationReport:
    valid: bool = strawberry.field(description="Whether the document has no error (warnings do not count).")
    errors: list[ProblemType] = strawberry.field(description="Every error, located: an upload would be refused.")
    warnings: list[ProblemType] = strawberry.field(description="Every warning, located: an upload would be saved.")


_CURRENT_ON_CONFLICT = "on VERSION_CONFLICT, as it now stands (nothing was written); else null when there is any error."


@strawberry.type(description="What uploadWorkflow wrote, or why it wrote nothing.")
class UploadWorkflowPayload:
    workflow: WorkflowDefinitionType | None = strawberry.field(
        default=None, description=f"The workflow as written; {_CURRENT_ON_CONFLICT}"
    )
    errors: list[ProblemType] = strawberry.field(default_factory=list, description=ERRORS)
    warnings: list[ProblemType] = strawberry.field(default_factory=list, description=WARNINGS)


@strawberry.type(description="What uploadTaskDefinition wrote, or why it wrote nothing.")
class UploadTaskDefinitionPayload:
    task: TaskDefinitionType | None = strawberry.field(
        default=None, description="The task as written; null when there is any error."
    )
    workflow: WorkflowDefinitionType | None = strawberry.field(
        default=None, description=f"The workflow as written (its new version); {_CURRENT_ON_CONFLICT}"
    )
    errors: list[ProblemType] = strawberry.field(default_factory=list, description=ERRORS)
    warnings: list[ProblemType] = strawberry.field(default_factory=list, description=WARNINGS)


@strawberry.type(description="What uploadTicketDefinition wrote, or why it wrote nothing.")
class UploadTicketDefinitionPayload:
    ticket_definition: TicketDefinitionType | None = strawberry.field(
        default=None, description=f"The ticket definition as written; {_CURRENT_ON_CONFLICT}"
    )
    errors: list[ProblemType] = strawberry.field(default_factory=list, description=ERRORS)
    warnings: list[ProblemType] = strawberry.field(default_factory=list, description=WARNINGS)


@strawberry.type(description="What deleteWorkflowDefinition deleted, or why it deleted nothing.")
class DeleteWorkflowDefinitionPayload:
    ok: bool = strawberry.field(default=False, description="Whether the workflow was deleted.")
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The global id of the deleted workflow (with its tasks and transitions), to evict from a cache.",
    )
    workflow: WorkflowDefinitionType | None = strawberry.field(
        default=None, description="On VERSION_CONFLICT, the workflow as it now stands (nothing was deleted); else null."
    )
    errors: list[ProblemType] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="What deleteTicketDefinition deleted, or why it deleted nothing.")
class DeleteTicketDefinitionPayload:
    ok: bool = strawberry.field(default=False, description="Whether the ticket definition was deleted.")
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The global id of the deleted ticket definition, to evict from a cache."
    )
    workflow: WorkflowDefinitionType | None = strawberry.field(
        default=None, description="The workflow it used, whose ticketDefinitions no longer count it."
    )
    ticket_definition: TicketDefinitionType | None = strawberry.field(
        default=None,
        description="On VERSION_CONFLICT, the ticket definition as it now stands (nothing was deleted); else null.",
    )
    errors: list[ProblemType] = strawberry.field(default_factory=list, description=ERRORS)
