"""Writes of workflow design. Every write goes through here, in one transaction that
also moves the company's data generation (users.generations).

An upload is validated as a whole document first (the same pure validator as
`validateWorkflow` and the import command); only a document without errors is
written, with batched statements whose number does not grow with its size. A refusal
is a ServiceError carrying every problem found (warnings too); an upload that is
written returns what it wrote and the warnings (`Written`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, NamedTuple, TypeVar

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from guardian.models import GroupObjectPermission
from guardian.shortcuts import assign_perm

from kernel.global_ids import global_id, pk_of
from kernel.problems import Problem, ServiceError, errors, warnings
from kernel.scoping import own_row, visible_to
from kernel.values import json_bytes, json_text
from users.generations import writes_company_data
from users.models import Company, CompanyRole, User
from users.selectors import company_role_names
from workflow_design import document as doc
from workflow_design.codec import canonical, row_document, row_values, workflow_fields_from_storage
from workflow_design.models import (
    Authored,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
    WorkflowVersion,
)
from workflow_design.selectors import (
    VIEW_TICKET_DEFINITION,
    assignable_roles,
    version_document,
    workflow_current_version,
)
from workflow_design.validation import validate_ticket_definition, validate_workflow
from workflow_design.validation.problems import quoted_list
from workflow_design.validation.ticket import (
    FIELD_VALUE_RULES,
    check_field_values,
    declared_field_types,
    field_value_fits,
)

_NESTED_ROWS = ("tasks", "transitions")


Row = TypeVar("Row")
Versioned = TypeVar("Versioned", bound=Authored)


@dataclass(frozen=True)
class Written(Generic[Row]):
    """What an upload wrote (or kept, for an upload identical to the stored version), and the
    warnings its validation found."""

    row: Row
    warnings: list[Problem] = field(default_factory=list)


# --- edits ---------------------------------------------------------------------------------


def _write_if_valid(problems: list[Problem], write: Callable[[], Row]) -> Written[Row]:
    """Writes only when validation found no error; a refusal, of the document or of the write
    itself (not found, version conflict, quota), keeps the warnings beside its errors."""
    if errors(problems):
        raise ServiceError(problems)
    try:
        return Written(write(), warnings(problems))
    except ServiceError as exc:
        raise exc.with_problems([*exc.problems, *warnings(problems)]) from exc


def row_at_version(
    model: type[Versioned],
    *,
    acting_user: User,
    object_id: Any,
    expected_version: Any,
    noun: str,
    path: str = "/id",
    lock: bool = True,
) -> Versioned:
    """The acting user's row with that id (NOT_FOUND otherwise), row-locked so that
    concurrent edits serialize, and at the version the client based its change on
    (VERSION_CONFLICT otherwise)."""
    row = own_row(
        model._default_manager.all(), acting_user=acting_user, object_id=object_id, path=path, noun=noun, lock=lock
    )
    if row.version != expected_version:
        problem = Problem(
            "VERSION_CONFLICT",
            f"it is at version {row.version}, not {expected_version}: someone changed it since you read it; "
            "read it again and re-apply your change",
            "/expectedVersion",
        )
        raise ServiceError([problem], current=row)
    return row


def _row_to_write(model: type[Versioned], *, acting_user: User, document: dict[str, Any], noun: str) -> Versioned:
    """A new row of the acting user's company (no `id`), or the row the document edits."""
    if document.get("id") is None:
        return model(company_id=acting_user.company_id, created_by=acting_user, version=0)
    return row_at_version(
        model,
        acting_user=acting_user,
        object_id=document["id"],
        expected_version=document.get("expectedVersion"),
        noun=noun,
    )


# --- workflows ---------------------------------------------------------------------------


def workflow_upload(*, acting_user: User, document: Any) -> Written[WorkflowDefinition]:
    """Creates a workflow, or edits one (document `id` + `expectedVersion`), all or nothing."""
    problems = validate_workflow(document, company_roles=assignable_roles(acting_user=acting_user, document=document))
    return _write_if_valid(problems, lambda: _workflow_write(acting_user=acting_user, document=document))


@writes_company_data
def _workflow_write(*, acting_user: User, document: dict[str, Any]) -> WorkflowDefinition:
    content = canonical(doc.WORKFLOW, document)
    workflow = _row_to_write(WorkflowDefinition, acting_user=acting_user, document=document, noun="workflow")
    previous: dict[str, Any] = {}
    if workflow.pk is not None:
        previous = version_document(workflow_current_version(workflow))
        if json_text(previous) == json_text(content):
            return workflow  # identical upload: nothing changes
        # Under the row lock _row_to_write took. A ticket definition's write takes the same lock before
        # it writes, so it has either committed by now (and is read here) or waits, and then checks its
        # values against the fields written here (_ticket_definition_write).
        _fields_in_use_check(workflow=workflow, fields=content.get("fields", []))
    size = json_bytes(content)
    # Refused before anything is written when the usage loaded with the user already says so; the
    # charge after the writes decides under concurrent uploads.
    used = acting_user.company.stored_document_bytes
    if used + size > settings.COMPANY_STORAGE_QUOTA_BYTES:
        raise _quota_exceeded(used=used, size=size)
    _named_roles_lock(acting_user=acting_user, named=_assignees(content))
    for name, value in row_values(doc.WORKFLOW, content, skip=_NESTED_ROWS).items():
        setattr(workflow, name, value)
    workflow.version += 1
    workflow.save()
    tasks_by_key = _tasks_write(workflow, content.get("tasks", []), previous.get("tasks", []), acting_user)
    _transitions_write(workflow, content.get("transitions", []), tasks_by_key, edited=bool(previous))
    WorkflowVersion.objects.create(
        company_id=workflow.company_id,
        workflow=workflow,
        version=workflow.version,
        document=content,
        size_bytes=size,
        created_by=acting_user,
    )
    _storage_charge(company_id=workflow.company_id, size=size)
    return workflow


def _fields_in_use_check(*, workflow: WorkflowDefinition, fields: list[dict[str, Any]]) -> None:
    """FIELD_IN_USE when the edit removes a field that a ticket definition of the workflow gives a
    value, or changes a field's type so that such a value no longer fits it. Compares with the
    stored fields of the locked row; reads ticket definitions (one statement) only when a field is
    removed or retyped."""
    new_fields = {entry["fieldName"]: (index, entry["fieldType"]) for index, entry in enumerate(fields)}
    new_types = {name: field_type for name, (_, field_type) in new_fields.items()}
    stored_types = declared_field_types(workflow_fields_from_storage(workflow.fields))
    changed = [name for name, field_type in stored_types.items() if new_types.get(name) != field_type]
    if not changed:
        return
    holders: dict[str, list[str]] = {name: [] for name in changed}
    holding = TicketDefinition.objects.filter(
        company_id=workflow.company_id, workflow=workflow, fields__has_any_keys=changed
    ).order_by("title", "pk")
    for title, values in holding.values_list("title", "fields"):
        for name in changed:
            if name in values and (name not in new_types or not field_value_fits(values[name], new_types[name])):
                holders[name].append(title)
    problems = [
        _field_in_use(name, stored_types[name], new_fields.get(name), titles)
        for name, titles in holders.items()
        if titles
    ]
    if problems:
        raise ServiceError(problems)


def _field_in_use(name: str, stored_type: str, new_field: tuple[int, str] | None, titles: list[str]) -> Problem:
    """`new_field`: (position, fieldType) in the edited document, None when it is removed."""
    one = len(titles) == 1
    named = f"{len(titles)} ticket definition{'' if one else 's'} ({quoted_list(titles, limit=5)})"
    gives = "gives" if one else "give"
    if new_field is None:
        return Problem(
            "FIELD_IN_USE",
            f"The field '{name}' is removed, but {named} {gives} it a value. Remove the value from "
            f"{'that ticket definition' if one else 'those ticket definitions'} first, or keep the field.",
            "/fields",
        )
    position, new_type = new_field
    return Problem(
        "FIELD_IN_USE",
        f"The field '{name}' changes from {stored_type} to {new_type}, but {named} {gives} it a value that is not "
        f"{FIELD_VALUE_RULES[new_type][1]}. Change {'that value' if one else 'those values'} first, or keep "
        f"the type {stored_type}.",
        f"/fields/{position}/fieldType",
    )


def _storage_charge(*, company_id: int, size: int) -> None:
    """Counts `size` more bytes (fewer, when negative) against the company's quota, or refuses
    them: one conditional update in the writing transaction, so that concurrent uploads cannot
    together pass the quota and a refusal rolls back everything the upload wrote."""
    charged = Company.objects.filter(
        pk=company_id, stored_document_bytes__lte=settings.COMPANY_STORAGE_QUOTA_BYTES - size
    ).update(stored_document_bytes=F("stored_document_bytes") + size)
    if not charged:
        used = Company.objects.values_list("stored_document_bytes", flat=True).get(pk=company_id)
        raise _quota_exceeded(used=used, size=size)


def _quota_exceeded(*, used: int, size: int) -> ServiceError:
    return ServiceError.single(
        "QUOTA_EXCEEDED",
        f"this document takes {_bytes_text(size)}, and the company's stored documents (workflow versions, "
        f"ticket definitions) already take {_bytes_text(used)} of its "
        f"{_bytes_text(settings.COMPANY_STORAGE_QUOTA_BYTES)} quota; delete those you no longer need",
    )


def _bytes_text(count: int) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _tasks_write(
    workflow: WorkflowDefinition, tasks: list[dict[str, Any]], previous_tasks: list[dict[str, Any]], acting_user: User
) -> dict[str, TaskDefinition]:
    """Matches tasks by key: a changed task gets version + 1, an unchanged one keeps its
    row and version, a removed one is deleted (with the transitions touching it), a new one
    starts at version 1."""
    company_rows = TaskDefinition.objects.filter(company_id=workflow.company_id)
    # Only what matching and versioning read: a changed row gets every content column from the document, and
    # loading the others (schemas, layouts, transforms: JSON decoded per row) is most of an edit's reading.
    stored = company_rows.filter(workflow=workflow).only(
        "id", "company_id", "workflow_id", "key", "position", "version"
    )
    existing = {task.key: task for task in stored} if previous_tasks else {}
    previous = {task["key"]: task for task in previous_tasks}
    now = timezone.now()
    created, changed, moved, by_key = [], [], [], {}
    for position, task_content in enumerate(tasks):
        key = task_content["key"]
        row = existing.pop(key, None)
        if row is None:
            row = TaskDefinition(
                company_id=workflow.company_id,
                workflow=workflow,
                position=position,
                created_by=acting_user,
                **row_values(doc.TASK, task_content),
            )
            created.append(row)
        elif json_text(previous.get(key)) != json_text(task_content):
            for name, value in row_values(doc.TASK, task_content).items():
                setattr(row, name, value)
            row.position, row.version, row.updated_at = position, row.version + 1, now
            changed.append(row)
        elif row.position != position:
            row.position = position
            moved.append(row)
        by_key[key] = row
    if existing:
        company_rows.filter(pk__in=[row.pk for row in existing.values()]).delete()
    TaskDefinition.objects.bulk_create(created)
    if changed:
        columns = [*row_values(doc.TASK, {}).keys(), "position", "version", "updated_at"]
        company_rows.bulk_update(changed, columns)
    if moved:
        company_rows.bulk_update(moved, ["position"])
    return by_key


# What makes a transition the same one across uploads: its ends (task keys), condition, priority and errors.
_TransitionIdentity = tuple[str | None, str | None, bytes, int, tuple[str, ...]]


def _transitions_write(
    workflow: WorkflowDefinition,
    transitions: list[dict[str, Any]],
    tasks_by_key: dict[str, TaskDefinition],
    *,
    edited: bool,
) -> None:
    """Matches transitions by their ends, condition, priority and onError, as tasks are matched by key: an
    unchanged one keeps its row (and id) and takes its new position, a removed one is deleted, a
    new one is inserted. Client caches and the designer's graph keep their keys for the edges an
    edit leaves alone. A constant number of statements, whatever the number of transitions."""
    stored: dict[_TransitionIdentity, list[WorkflowTransition]] = {}
    if edited:  # (the transitions of removed tasks went with them, in _tasks_write)
        key_of: dict[int | None, str | None] = {row.pk: key for key, row in tasks_by_key.items()}
        key_of[None] = None  # a start (from nowhere) or an end (to nowhere)
        company_rows = WorkflowTransition.objects.filter(company_id=workflow.company_id)
        rows = company_rows.filter(workflow=workflow).only(
            "id", "from_task_id", "to_task_id", "condition", "priority", "on_error", "position"
        )
        for row in rows.order_by("position"):
            identity = (
                key_of[row.from_task_id],
                key_of[row.to_task_id],
                json_text(row.condition),
                row.priority,
                tuple(row.on_error),
            )
            stored.setdefault(identity, []).append(row)
    created, moved = [], []
    for position, transition in enumerate(transitions):
        condition, priority = transition.get("condition"), transition.get("priority", 0)
        on_error = transition.get("onError", [])
        kept = stored.get(
            (transition["fromTask"], transition["toTask"], json_text(condition), priority, tuple(on_error))
        )
        if kept:
            row = kept.pop(0)
            if row.position != position:
                row.position = position
                moved.append(row)
            continue
        created.append(
            WorkflowTransition(
                company_id=workflow.company_id,
                workflow=workflow,
                from_task=tasks_by_key.get(transition["fromTask"]),
                to_task=tasks_by_key.get(transition["toTask"]),
                condition=condition,
                priority=priority,
                on_error=on_error,
                position=position,
            )
        )
    removed = [row.pk for rows in stored.values() for row in rows]
    if removed:
        WorkflowTransition.objects.filter(company_id=workflow.company_id, pk__in=removed).delete()
    if moved:
        WorkflowTransition.objects.filter(company_id=workflow.company_id).bulk_update(moved, ["position"])
    WorkflowTransition.objects.bulk_create(created)


def task_upload(
    *, acting_user: User, workflow_id: Any, expected_version: int, task_document: Any
) -> Written[TaskDefinition]:
    """Creates or replaces one task (matched by key) of a workflow, validated and written
    exactly as the whole workflow would be. Problems point into the task sent; one
    elsewhere in the workflow points at "" and says where it is."""
    # Not locked here: the whole-workflow write below locks and checks the version again.
    workflow = row_at_version(
        WorkflowDefinition,
        acting_user=acting_user,
        object_id=workflow_id,
        expected_version=expected_version,
        noun="workflow",
        path="/workflowId",
        lock=False,
    )
    document: dict[str, Any] = {"id": global_id(WorkflowDefinition, workflow.pk), "expectedVersion": expected_version}
    document |= version_document(workflow_current_version(workflow))
    tasks = list(document.get("tasks", []))
    key = task_document.get("key") if isinstance(task_document, dict) else None
    index = next((i for i, task in enumerate(tasks) if task["key"] == key), len(tasks))
    tasks[index : index + 1] = [task_document]
    document["tasks"] = tasks

    task_prefix = f"/tasks/{index}"
    try:
        written = workflow_upload(acting_user=acting_user, document=document)
    except ServiceError as exc:
        raise exc.with_problems([_relocated(p, task_prefix) for p in exc.problems]) from exc
    task = TaskDefinition.objects.get(company_id=written.row.company_id, workflow=written.row, key=key)
    task.workflow = written.row  # the row just written: answering with it needs no statement
    return Written(task, [_relocated(p, task_prefix) for p in written.warnings])


def _relocated(problem: Problem, task_prefix: str) -> Problem:
    if problem.path == task_prefix or problem.path.startswith(task_prefix + "/"):
        return Problem(problem.code, problem.message, problem.path[len(task_prefix) :], problem.severity)
    if problem.path in ("/expectedVersion", "/workflowId"):
        return problem
    return Problem(problem.code, f"in the workflow at {problem.path or '/'}: {problem.message}", "", problem.severity)


@writes_company_data
def workflow_delete(*, acting_user: User, workflow_id: Any, expected_version: int) -> int:
    """Deletes a workflow with its tasks, transitions and versions; answers its id."""
    workflow = row_at_version(
        WorkflowDefinition,
        acting_user=acting_user,
        object_id=workflow_id,
        expected_version=expected_version,
        noun="workflow",
    )
    users = list(
        TicketDefinition.objects.filter(company_id=workflow.company_id, workflow=workflow).values_list(
            "title", flat=True
        )[:5]
    )
    if users:
        titles = ", ".join(f"'{title}'" for title in users)
        raise ServiceError.single("IN_USE", f"ticket definitions use this workflow: {titles}", "/id")
    versions = WorkflowVersion.objects.filter(company_id=workflow.company_id, workflow=workflow)
    freed = versions.aggregate(total=Sum("size_bytes"))["total"] or 0
    deleted_id = workflow.pk
    WorkflowTransition.objects.filter(company_id=workflow.company_id, workflow=workflow).delete()
    workflow.delete()
    _storage_charge(company_id=workflow.company_id, size=-freed)
    return deleted_id


# --- ticket definitions ------------------------------------------------------------------


def ticket_definition_upload(*, acting_user: User, document: Any) -> Written[TicketDefinition]:
    """Creates or edits a ticket definition; its role access becomes guardian permissions."""
    workflow_id = document.get("workflowId") if isinstance(document, dict) else None
    pk = pk_of(workflow_id, WorkflowDefinition)
    workflow = None if pk is None else visible_to(WorkflowDefinition.objects.all(), acting_user).filter(pk=pk).first()
    roles = company_role_names(company_id=acting_user.company_id)
    problems = validate_ticket_definition(
        document,
        workflow_fields=workflow_fields_from_storage(workflow.fields) if workflow else None,
        company_roles=roles,
    )
    if workflow is None and workflow_id is not None and not any(p.path == "/workflowId" for p in problems):
        problems.insert(0, Problem("NOT_FOUND", f"no workflow with id {workflow_id}", "/workflowId"))
    return _write_if_valid(problems, lambda: _ticket_definition_write(acting_user=acting_user, document=document))


@writes_company_data
def _ticket_definition_write(*, acting_user: User, document: dict[str, Any]) -> TicketDefinition:
    content = canonical(doc.TICKET_DEFINITION, document)
    # Locked first, as workflow_delete and workflow edits lock it: either the deletion waits and then
    # sees this ticket definition (IN_USE), or this write waits and finds the workflow gone.
    workflow = own_row(
        WorkflowDefinition.objects.all(),
        acting_user=acting_user,
        object_id=content["workflowId"],
        path="/workflowId",
        noun="workflow",
        lock=True,
    )
    # The values were validated against the fields read before this lock; a workflow edit committed
    # since then checked FIELD_IN_USE without this definition, so its fields are checked here.
    stale = check_field_values(
        content.get("fields", {}), declared_field_types(workflow_fields_from_storage(workflow.fields))
    )
    if stale:
        raise ServiceError(stale)
    ticket = _row_to_write(TicketDefinition, acting_user=acting_user, document=document, noun="ticket definition")
    if ticket.pk is not None and row_document(doc.TICKET_DEFINITION, ticket) == content:
        ticket.workflow = workflow  # the row locked above: answering with it needs no statement
        return ticket  # identical upload: nothing changes
    access = content.get("companyRoleAccess", [])
    _named_roles_lock(
        acting_user=acting_user, named=[(name, f"/companyRoleAccess/{i}") for i, name in enumerate(access)]
    )
    for name, value in row_values(doc.TICKET_DEFINITION, content).items():
        setattr(ticket, name, value)
    ticket.workflow = workflow  # the row locked above (its id a number again, not the document's text)
    size, stored = json_bytes(content), ticket.size_bytes
    ticket.version, ticket.size_bytes = ticket.version + 1, size
    ticket.save()
    ticket_definition_access_sync(ticket_definition=ticket)
    _storage_charge(company_id=ticket.company_id, size=size - stored)
    return ticket


def _assignees(content: dict[str, Any]) -> list[tuple[str, str]]:
    """(role name, path) of every FORM task's assigneeRoles."""
    return [
        (name, f"/tasks/{t}/assigneeRoles/{i}")
        for t, task in enumerate(content.get("tasks", []))
        for i, name in enumerate(task.get("assigneeRoles", []))
    ]


def _named_roles_lock(*, acting_user: User, named: list[tuple[str, str]]) -> None:
    """Locks the company roles a document names (name, path), as company_role_delete does, so that a role
    deleted since validation is refused here rather than left granted to no group or assigned to nobody."""
    if not named:
        return
    locked = set(
        CompanyRole.objects.select_for_update()
        .filter(company_id=acting_user.company_id, name__in={name for name, _ in named})
        .values_list("name", flat=True)
    )
    problems = [
        Problem("UNKNOWN_ROLE", f"the company has no role '{name}' (any more)", path)
        for name, path in named
        if name not in locked
    ]
    if problems:
        raise ServiceError(problems)


class TicketDefinitionDeleted(NamedTuple):
    id: int
    workflow_id: int  # the workflow whose ticket definitions no longer list it


@writes_company_data
def ticket_definition_delete(
    *, acting_user: User, ticket_definition_id: Any, expected_version: int
) -> TicketDefinitionDeleted:
    ticket = row_at_version(
        TicketDefinition,
        acting_user=acting_user,
        object_id=ticket_definition_id,
        expected_version=expected_version,
        noun="ticket definition",
    )
    deleted = TicketDefinitionDeleted(ticket.pk, ticket.workflow_id)
    _object_permissions(ticket).delete()  # generic relations: not removed by the delete itself
    ticket.delete()
    _storage_charge(company_id=ticket.company_id, size=-ticket.size_bytes)
    return deleted


def ticket_definition_access_sync(*, ticket_definition: TicketDefinition) -> None:
    """Makes the guardian view permissions of a ticket definition match its
    `company_role_access`: exactly the groups of the named company roles hold it."""
    _object_permissions(ticket_definition).delete()
    groups = Group.objects.filter(
        company_role__company_id=ticket_definition.company_id,
        company_role__name__in=ticket_definition.company_role_access,
    )
    if groups:
        assign_perm(VIEW_TICKET_DEFINITION, groups, ticket_definition)


def _object_permissions(ticket_definition: TicketDefinition) -> QuerySet[GroupObjectPermission]:
    return GroupObjectPermission.objects.filter(
        content_type__app_label="workflow_design",
        content_type__model="ticketdefinition",
        object_pk=str(ticket_definition.pk),
    )
