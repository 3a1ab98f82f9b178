"""Reads of workflow design; each takes the acting user and stays in their company.

The scoping rules registered here are the only place that decides which
definitions a user sees: workflow creators see all of their company's; other
users see the ticket definitions whose access list names one of their company
roles (guardian object permissions of the roles' groups), and the workflows
those run on.
"""

import contextlib
import datetime
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, TypedDict

from django.conf import settings
from django.core.cache import caches
from django.db.models import F, QuerySet
from guardian.shortcuts import get_objects_for_group, get_objects_for_user
from redis.exceptions import RedisError

from kernel.global_ids import global_id, pk_of
from kernel.problems import Problem
from kernel.scoping import Row, register_scope, visible_to
from users.models import CompanyRole, User
from users.role_uses import register_company_role_use
from users.roles import DESIGN_WORKFLOWS
from users.selectors import company_role_names
from workflow_design import diagram, diff, preview
from workflow_design.models import (
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
    WorkflowVersion,
)
from workflow_design.validation import errors, validate_workflow
from workflow_design.validation.budget import Budget

VIEW_TICKET_DEFINITION = "workflow_design.view_ticketdefinition"


def is_workflow_creator(user: User) -> bool:
    return user.has_perm(DESIGN_WORKFLOWS)


@register_scope(TicketDefinition)
def _ticket_definitions(queryset: QuerySet[TicketDefinition], user: User) -> QuerySet[TicketDefinition]:
    queryset = queryset.filter(company_id=user.company_id)
    if is_workflow_creator(user):
        return queryset
    return get_objects_for_user(user, VIEW_TICKET_DEFINITION, klass=queryset, accept_global_perms=False)


class _WorkflowId(TypedDict):
    workflow_id: int


def _granted_workflow_ids(user: User) -> QuerySet[TicketDefinition, _WorkflowId]:
    return _ticket_definitions(TicketDefinition.objects.all(), user).values("workflow_id")


def _design_rows(workflow_field: str) -> Callable[[QuerySet[Row], User], QuerySet[Row]]:
    """The rule for a workflow (`pk`) or one of its parts (`workflow_id`): all of the
    company's for workflow creators, else those of the workflows granted tickets run on."""

    def rule(queryset: QuerySet[Row], user: User) -> QuerySet[Row]:
        queryset = queryset.filter(company_id=user.company_id)
        if is_workflow_creator(user):
            return queryset
        return queryset.filter(**{f"{workflow_field}__in": _granted_workflow_ids(user)})

    return rule


register_scope(WorkflowDefinition)(_design_rows("pk"))
register_scope(TaskDefinition)(_design_rows("workflow_id"))
register_scope(WorkflowTransition)(_design_rows("workflow_id"))


@register_scope(WorkflowVersion)
def _workflow_versions(queryset: QuerySet[WorkflowVersion], user: User) -> QuerySet[WorkflowVersion]:
    if not is_workflow_creator(user):
        return queryset.none()
    return queryset.filter(company_id=user.company_id)


@register_company_role_use
def _ticket_definitions_granting_role(role: CompanyRole, limit: int) -> list[str]:
    """The ticket definitions whose access list names the role (its group's guardian permissions)."""
    granting = get_objects_for_group(
        role.group, VIEW_TICKET_DEFINITION, klass=TicketDefinition.objects.filter(company_id=role.company_id)
    )
    return [f"ticket definition '{title}'" for title in granting.values_list("title", flat=True)[:limit]]


@register_company_role_use
def _workflows_assigning_role(role: CompanyRole, limit: int) -> list[str]:
    """The workflows with a FORM task the role is assigned to (assigneeRoles)."""
    # Read in Python: JSON containment has no lookup on SQLite, and only tasks with assignees are read.
    assigning = (
        TaskDefinition.objects.filter(company_id=role.company_id, workflow__company_id=role.company_id)
        .exclude(assignee_roles=[])
        .order_by("workflow_id", "position")
        .values_list("workflow__title", "key", "assignee_roles")
    )
    uses: dict[str, list[str]] = {}
    for title, key, roles in assigning.iterator():
        if role.name in roles:
            if title not in uses and len(uses) >= limit:
                break
            uses.setdefault(title, []).append(key)
    return [f"workflow '{title}' (tasks {', '.join(keys)})" for title, keys in uses.items()]


def assignable_roles(*, acting_user: User, document: Any) -> set[str] | None:
    """The names of the user's company roles, which the document's assigneeRoles must name; None (and no
    statement) when no task of the document names any: there is nothing to judge."""
    tasks = document.get("tasks") if isinstance(document, dict) else None
    if not isinstance(tasks, list) or not any(isinstance(task, dict) and task.get("assigneeRoles") for task in tasks):
        return None
    return company_role_names(company_id=acting_user.company_id)


def workflow_validate(*, acting_user: User, document: Any) -> list[Problem]:
    """validateWorkflow: the problems an upload by this user would meet in the document (its assignees
    judged against the user's company roles); writes nothing."""
    return validate_workflow(document, company_roles=assignable_roles(acting_user=acting_user, document=document))


def workflow_get(*, acting_user: User, pk: int) -> WorkflowDefinition | None:
    return visible_to(WorkflowDefinition.objects.filter(pk=pk), acting_user).first()


def workflow_current_version(workflow: WorkflowDefinition) -> WorkflowVersion:
    """The workflow's current version, its document deferred (it may be megabytes; version_document reads it)."""
    versions = WorkflowVersion.objects.filter(company_id=workflow.company_id, workflow_id=workflow.pk)
    return versions.defer("document").get(version=workflow.version)


def workflow_task_with_key(*, workflow_pk: int | None, key: str) -> QuerySet[TaskDefinition]:
    """The task with that key of that workflow, as a queryset the API layer scopes to the acting user
    (none when the workflow id named no workflow)."""
    tasks = TaskDefinition.objects.all()
    return tasks.none() if workflow_pk is None else tasks.filter(workflow_id=workflow_pk, key=key)


def version_document(snapshot: WorkflowVersion) -> dict[str, Any]:
    """A version's stored document, read when its column was deferred (its size is checked first, the
    document may be megabytes): by company and id, as every statement for a company names it."""
    if "document" not in snapshot.get_deferred_fields():
        document: dict[str, Any] = snapshot.document
        return document
    versions = WorkflowVersion.objects.filter(company_id=snapshot.company_id, pk=snapshot.pk)
    stored: dict[str, Any] = versions.values_list("document", flat=True).get()
    return stored


def workflow_versions(*, acting_user: User, workflow_id: str) -> QuerySet[WorkflowVersion]:
    """The versions of the workflow with that global id, oldest first; none for another company's."""
    pk = pk_of(workflow_id, WorkflowDefinition)
    if pk is None:
        return WorkflowVersion.objects.none()
    return visible_to(WorkflowVersion.objects.filter(workflow_id=pk), acting_user).order_by("version")


def _own_version(*, acting_user: User, workflow_id: str, version: int | None) -> WorkflowVersion | None:
    """A version (the current one by default) of the workflow with that global id, its workflow joined; None when
    the workflow or version is not there for this user."""
    versions = (
        workflow_versions(acting_user=acting_user, workflow_id=workflow_id)
        .filter(workflow__company_id=acting_user.company_id)  # the joined workflow, named by its company too
        .select_related("workflow")
    )
    return (
        versions.filter(version=version).first()
        if version is not None
        else versions.filter(version=F("workflow__version")).first()
    )


def workflow_export(*, acting_user: User, workflow_id: str, version: int | None = None) -> dict[str, Any] | None:
    """The workflow document of a version (the current one by default), in exactly the
    upload format; `id` and the current version make an edited export re-upload as an
    edit. None when the workflow or version is not there for this user."""
    snapshot = _own_version(acting_user=acting_user, workflow_id=workflow_id, version=version)
    return workflow_document_of(snapshot, current_version=snapshot.workflow.version) if snapshot else None


def any_company_version(*, workflow_id: str, version: int | None) -> WorkflowVersion | None:
    """For the operator's management commands, which see every company: a version (the latest by default) of the
    workflow with that global id, its workflow joined."""
    snapshots = WorkflowVersion.objects.select_related("workflow").filter(
        workflow_id=pk_of(workflow_id, WorkflowDefinition)
    )
    return snapshots.filter(version=version).first() if version is not None else snapshots.order_by("-version").first()


def workflow_document_of(snapshot: WorkflowVersion, *, current_version: int) -> dict[str, Any]:
    """A version's document as exported: with the workflow's global id and current version, so that uploading it
    is an edit."""
    return {
        "id": global_id(WorkflowDefinition, snapshot.workflow_id),
        "expectedVersion": current_version,
        **snapshot.document,
    }


def workflow_preview(
    *,
    acting_user: User,
    document: dict[str, Any] | None,
    workflow_id: str | None,
    version: int | None,
    ticket: Any,
    task_outputs: Any,
    max_steps: int,
) -> preview.PreviewResult:
    """Walks a workflow on sample data, given either as a document or as a stored version;
    writes nothing. Problems point at the argument that carried what they are about."""
    if (document is None) == (workflow_id is None) or (document is not None and version is not None):
        problem = Problem(
            "REQUIRED",
            "Give the workflow either as input (a workflow document) or as workflowId with an optional "
            "version; exactly one of the two.",
            "",
        )
        return preview.PreviewResult.invalid([problem], problem.message)
    document_path = ""  # the document sent as `input`: rooted at it, as an upload's problems are
    if document is None:
        assert workflow_id is not None  # exactly one of the two, checked above
        document = workflow_export(acting_user=acting_user, workflow_id=workflow_id, version=version)
        if document is None:
            problem = _not_found(acting_user, workflow_id, version, id_path="/workflowId", version_path="/version")
            return preview.PreviewResult.invalid([problem], problem.message)
        document_path = "/workflowId"
    result = preview.preview_workflow(
        document,
        company_roles=assignable_roles(acting_user=acting_user, document=document),
        ticket=ticket,
        task_outputs=task_outputs,
        max_steps=max_steps,
        document_path=document_path,
        budget=Budget(steps=settings.PREVIEW_BUDGET_STEPS, seconds=settings.PREVIEW_BUDGET_SECONDS),
    )
    return _stored_document_problems(result) if document_path == "/workflowId" else result


def _not_found(user: User, workflow_id: str, version: int | None, *, id_path: str, version_path: str) -> Problem:
    """NOT_FOUND, the same for another company's workflow as for a nonexistent one: at the version's argument
    when the workflow is there, else at the workflow's id."""
    if version is not None and workflow_versions(acting_user=user, workflow_id=workflow_id).exists():
        return Problem("NOT_FOUND", f"The workflow has no version {version}; see workflowVersions.", version_path)
    return Problem("NOT_FOUND", "No workflow with this id in your company.", id_path)


def _stored_document_problems(result: preview.PreviewResult) -> preview.PreviewResult:
    """A stored document that fails today's validation: its problems point at /workflowId
    (the argument that named it) and say where in the document they are."""
    prefix = "/workflowId"
    problems = tuple(
        Problem(p.code, f"In the stored document at {p.path.removeprefix(prefix)}: {p.message}", prefix)
        if p.path.startswith(prefix + "/")
        else p
        for p in result.problems
    )
    return replace(result, problems=problems)


@dataclass(frozen=True)
class DiffResult:
    """workflowDiff's answer: the versions compared (None for a proposed document) and the changes, or problems."""

    from_version: int | None
    to_version: int | None
    changes: tuple[diff.Change, ...] = ()
    problems: tuple[Problem, ...] = ()


PROPOSED_PATH = "/proposed"


def workflow_diff(
    *,
    acting_user: User,
    workflow_id: str,
    from_version: int | None,
    to_version: int | None,
    proposed: dict[str, Any] | None,
) -> DiffResult:
    """The changes between two stored versions of a workflow (by default the previous and the current one), or
    from a stored version (by default the current one) to a proposed document, which is validated first and
    written nowhere. Problems point at the argument: /id, /from, /to, /proposed/... ."""
    current = _own_version(acting_user=acting_user, workflow_id=workflow_id, version=None)
    if current is None:
        problem = _not_found(acting_user, workflow_id, None, id_path="/id", version_path="")
        return DiffResult(None, None, problems=(problem,))
    if proposed is not None and to_version is not None:
        problem = Problem("REQUIRED", "Give either to (a stored version) or proposed (a document), not both.", "/to")
        return DiffResult(from_version, to_version, problems=(problem,))
    if proposed is None:
        to_version = current.version if to_version is None else to_version
        from_version = max(1, to_version - 1) if from_version is None else from_version
    else:
        from_version = current.version if from_version is None else from_version
    documents: dict[str, dict[str, Any]] = {}
    for path, version in (("/from", from_version), ("/to", to_version)):
        if version is None:
            continue
        snapshot = (
            current
            if version == current.version
            else _own_version(acting_user=acting_user, workflow_id=workflow_id, version=version)
        )
        if snapshot is None:
            problem = _not_found(acting_user, workflow_id, version, id_path="/id", version_path=path)
            return DiffResult(from_version, to_version, problems=(problem,))
        documents[path] = version_document(snapshot)
    problems: tuple[Problem, ...] = ()
    if proposed is not None:
        roles = assignable_roles(acting_user=acting_user, document=proposed)
        problems = tuple(
            replace(p, path=PROPOSED_PATH + p.path) for p in validate_workflow(proposed, company_roles=roles)
        )
        if errors(problems):
            return DiffResult(from_version, None, problems=problems)
        documents["/to"] = proposed
    changes = diff.workflow_diff(documents["/from"], documents["/to"])
    return DiffResult(from_version, to_version, tuple(changes), problems)


@dataclass(frozen=True)
class DiagramResult:
    """workflowDiagram's answer: the version drawn and the drawing (Mermaid text or SVG), or problems."""

    version: int | None
    text: str | None
    problems: tuple[Problem, ...] = ()


def workflow_diagram(*, acting_user: User, workflow_id: str, version: int | None, diagram_format: str) -> DiagramResult:
    """A version of a workflow (by default the current one) drawn as Mermaid or as SVG (diagram.FORMATS)."""
    snapshot = _own_version(acting_user=acting_user, workflow_id=workflow_id, version=version)
    if snapshot is None:
        return DiagramResult(
            None, None, (_not_found(acting_user, workflow_id, version, id_path="/id", version_path="/version"),)
        )
    try:
        return DiagramResult(snapshot.version, draw(snapshot, diagram_format))
    except diagram.DiagramUnavailable as unavailable:
        return DiagramResult(snapshot.version, None, (Problem("DIAGRAM_UNAVAILABLE", str(unavailable), "/format"),))


def draw(snapshot: WorkflowVersion, diagram_format: str) -> str:
    """A version's document drawn in one of diagram.FORMATS; DiagramUnavailable when SVG cannot be made."""
    document = version_document(snapshot)
    if diagram_format != diagram.SVG:
        return diagram.mermaid(document)
    return _laid_out_svg(diagram.dot_source(document), company_id=snapshot.company_id)


# A graph dot could not lay out is not tried again for this long: each try holds a worker for up to
# DOT_SECONDS, so a few clients asking again and again would hold them all.
FAILED_LAYOUT_RETRY_SECONDS = 600


@dataclass(frozen=True)
class _FailedLayout:
    message: str
    retry_after: datetime.datetime


def layout_slot_key(company_id: int) -> str:
    return f"diagram-layout:{company_id}"


@contextlib.contextmanager
def _layout_slot(company_id: int) -> Iterator[None]:
    """The company's one layout at a time, over every worker and server (CACHES["throttles"] is shared): a
    company's clients asking for many new drawings at once hold one worker, not all of them. Taken for
    DOT_SECONDS and a margin at most (a worker killed while laying out does not keep it); a cache that fails
    lets the layout run."""
    key = layout_slot_key(company_id)
    throttles = caches["throttles"]
    try:
        taken = throttles.add(key, True, timeout=int(diagram.DOT_SECONDS) + 5)
    except RedisError:
        taken = None
    if taken is False:
        raise diagram.DiagramUnavailable(
            "Another drawing of your company's is being laid out: try again in a few seconds, or ask for MERMAID."
        )
    try:
        yield
    finally:
        if taken:
            with contextlib.suppress(RedisError):
                throttles.delete(key)


def _laid_out_svg(dot: str, *, company_id: int) -> str:
    """dot's SVG of a DOT source, kept in CACHES["diagrams"] by the company and the source's SHA-256: a layout
    takes up to DOT_SECONDS of a worker, and a stored version's drawing never changes (a new one needs an
    upload). Per company, so that a drawing answered at once (not laid out) never tells that another company
    drew the same graph. A cache that fails is a miss. A layout that failed (diagram.LayoutFailed) is kept
    as such for FAILED_LAYOUT_RETRY_SECONDS, not longer: a busy server may have been the cause."""
    key = f"{company_id}:{hashlib.sha256(dot.encode('utf-8')).hexdigest()}"
    cache = caches["diagrams"]
    try:
        kept = cache.get(key)
    except RedisError:
        kept = None
    if isinstance(kept, str):
        return kept
    if isinstance(kept, _FailedLayout):
        raise diagram.DiagramUnavailable(
            f"{kept.message} It failed a moment ago: try again after {kept.retry_after:%Y-%m-%d %H:%M:%S} UTC."
        )
    try:
        with _layout_slot(company_id):
            drawn = diagram.layout_svg(dot)
    except diagram.LayoutFailed as failed:
        retry_after = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=FAILED_LAYOUT_RETRY_SECONDS)
        with contextlib.suppress(RedisError):
            cache.set(key, _FailedLayout(str(failed), retry_after), timeout=FAILED_LAYOUT_RETRY_SECONDS)
        raise
    with contextlib.suppress(RedisError):  # not kept: drawn again next time
        cache.set(key, drawn)
    return drawn
