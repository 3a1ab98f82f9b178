"""Hand-written baselines of the benchmark's GraphQL operations (benchmark runs only).

Plain Django views: `prefetch_related` + `JsonResponse`, answering exactly the JSON that
/graphql/ answers for the operations in bench/queries.py (same field names, same order,
same value formats), so that the harness can assert equality and compare timings.

They see what GraphQL sees: the same bearer token middleware sets `request.user`, the same
permission (workflow_creator) is required, and every queryset, nested ones included, goes
through `kernel.scoping.visible_to`, the rule behind every GraphQL type. Writes call
the same service (`workflow_upload`) as the uploadWorkflow mutation. Ids are global ids
(kernel.global_ids), lists Relay connections whose cursors are strawberry's
("arrayconnection:<offset>" in base64), the first page counted by a window in its own query.
"""

import base64
import json
from typing import Any

from django.db.models import Count, Model, Prefetch, QuerySet, Window
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from bench.queries import TICKET_DEFINITIONS_PAGE
from kernel.global_ids import global_id, pk_of
from kernel.problems import ServiceError, concurrent_write_refused
from kernel.scoping import visible_to
from users.models import Company, User
from users.roles import DESIGN_WORKFLOWS
from workflow_design import selectors, services
from workflow_design.codec import ext_ref_from_storage, workflow_fields_from_storage
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

_COMPACT = {"separators": (",", ":")}  # what strawberry's Django view writes


def _answer(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse({"data": data}, json_dumps_params=_COMPACT)


def permission_refusal(request) -> JsonResponse | None:
    """The same checks as the GraphQL fields' permission extensions (bearer tokens only)."""
    user = request.user
    if not user.is_authenticated:
        message = getattr(request, "auth_error", None) or "send 'Authorization: Bearer <accessToken>'"
        code, status = "UNAUTHENTICATED", 401
    elif not user.has_perm(DESIGN_WORKFLOWS):
        message, code, status = "This operation needs the system role 'workflow_creator'.", "FORBIDDEN", 403
    else:
        return None
    return JsonResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status=status)


def query_int(raw: str | None, default: int) -> int:
    return int(raw) if raw and raw.isdigit() else default


def _id(row: Model) -> str:
    return global_id(type(row), row.pk)


def _cursor(offset: int) -> str:
    return base64.b64encode(f"arrayconnection:{offset}".encode()).decode()


def _connection(rows: list, total: int, has_next_page: bool, to_json) -> dict[str, Any]:
    """The first page of a list as a connection: {totalCount, pageInfo {hasNextPage endCursor}, edges}."""
    return {
        "totalCount": total,
        "pageInfo": {"hasNextPage": has_next_page, "endCursor": _cursor(len(rows) - 1) if rows else None},
        "edges": [{"cursor": _cursor(offset), "node": to_json(row)} for offset, row in enumerate(rows)],
    }


# --- querysets -------------------------------------------------------------------------


def _users(user: User) -> QuerySet:
    return visible_to(User.objects.select_related(None).only("id", "username", "company_id"), user)


def _full_workflows(user: User) -> QuerySet:
    task_refs = visible_to(TaskDefinition.objects.only("id", "key", "workflow_id", "position"), user)
    return visible_to(WorkflowDefinition.objects.all(), user).prefetch_related(
        Prefetch("company", queryset=visible_to(Company.objects.only("id", "name"), user)),
        Prefetch("created_by", queryset=_users(user)),
        Prefetch(
            "tasks",
            queryset=visible_to(TaskDefinition.objects.all(), user).prefetch_related(
                Prefetch("created_by", queryset=_users(user))
            ),
        ),
        Prefetch(
            "transitions",
            queryset=visible_to(WorkflowTransition.objects.all(), user).prefetch_related(
                Prefetch("from_task", queryset=task_refs), Prefetch("to_task", queryset=task_refs)
            ),
        ),
        Prefetch(
            "ticket_definitions",
            queryset=visible_to(
                TicketDefinition.objects.only("id", "title", "version", "workflow_id").order_by("pk"), user
            ),
        ),
    )


# --- JSON, in the GraphQL response's field order ---------------------------------------


def _id_key(task: TaskDefinition | None) -> dict | None:
    return None if task is None else {"id": _id(task), "key": task.key}


def _author(user: User | None) -> dict | None:
    return None if user is None else {"id": _id(user), "username": user.username}


def _ext_refs(stored: list) -> list[dict]:
    return [{"label": r["label"], "uri": r["uri"], "desc": r.get("desc")} for r in ext_ref_from_storage(stored)]


def _task_json(task: TaskDefinition) -> dict[str, Any]:
    return {
        "id": _id(task),
        "key": task.key,
        "position": task.position,
        "title": task.title,
        "description": task.description,
        "taskType": task.task_type,
        "inputSchema": task.input_schema,
        "outputSchema": task.output_schema,
        "editLayout": task.edit_layout,
        "displayLayout": task.display_layout,
        "actionUrl": task.action_url,
        "inputTransform": task.input_transform,
        "outputTransform": task.output_transform,
        "timeoutSeconds": task.timeout_seconds,
        "version": task.version,
        "createdAt": task.created_at.isoformat(),
        "updatedAt": task.updated_at.isoformat(),
        "createdBy": _author(task.created_by),
        "extRef": _ext_refs(task.ext_ref),
    }


def _transition_json(transition: WorkflowTransition) -> dict[str, Any]:
    return {
        "id": _id(transition),
        "fromTask": _id_key(transition.from_task),
        "toTask": _id_key(transition.to_task),
        "condition": transition.condition,
        "priority": transition.priority,
        "position": transition.position,
    }


def _ticket_definition_json(ticket: TicketDefinition) -> dict[str, Any]:
    return {"id": _id(ticket), "title": ticket.title, "version": ticket.version}


def _full_workflow_json(workflow: WorkflowDefinition) -> dict[str, Any]:
    company = workflow.company
    tickets = list(workflow.ticket_definitions.all())
    return {
        "id": _id(workflow),
        "title": workflow.title,
        "description": workflow.description,
        "displayLayout": workflow.display_layout,
        "version": workflow.version,
        "createdAt": workflow.created_at.isoformat(),
        "updatedAt": workflow.updated_at.isoformat(),
        "company": None if company is None else {"id": _id(company), "name": company.name},
        "createdBy": _author(workflow.created_by),
        "extRef": _ext_refs(workflow.ext_ref),
        "fields": [
            {"fieldName": f["fieldName"], "fieldType": f["fieldType"]}
            for f in workflow_fields_from_storage(workflow.fields)
        ],
        "tasks": [_task_json(task) for task in workflow.tasks.all()],
        "transitions": [_transition_json(transition) for transition in workflow.transitions.all()],
        "ticketDefinitions": _connection(
            tickets[:TICKET_DEFINITIONS_PAGE],
            len(tickets),
            len(tickets) > TICKET_DEFINITIONS_PAGE,
            _ticket_definition_json,
        ),
    }


def _shallow_workflow_json(workflow: WorkflowDefinition) -> dict[str, Any]:
    return {
        "id": _id(workflow),
        "title": workflow.title,
        "description": workflow.description,
        "version": workflow.version,
        "createdAt": workflow.created_at.isoformat(),
        "updatedAt": workflow.updated_at.isoformat(),
    }


def _problems(problems) -> list[dict]:
    return [{"code": p.code, "message": p.message, "path": p.path} for p in problems]


# --- views -----------------------------------------------------------------------------


@require_GET
def workflow_full(request) -> JsonResponse:
    """R1: workflowDefinition(id) { ...FullWorkflow }."""
    if refusal := permission_refusal(request):
        return refusal
    workflow = _full_workflows(request.user).filter(pk=pk_of(request.GET.get("id"), WorkflowDefinition)).first()
    return _answer({"workflowDefinition": None if workflow is None else _full_workflow_json(workflow)})


@require_GET
def workflow_list(request) -> JsonResponse:
    """R2 (depth=shallow) and R3 (depth=full): the first page of workflowDefinitions ordered by id, with
    totalCount and pageInfo; one row more than the page tells whether there is a next page."""
    if refusal := permission_refusal(request):
        return refusal
    first = query_int(request.GET.get("first"), 0)
    if request.GET.get("depth") == "full":
        rows, to_json = _full_workflows(request.user), _full_workflow_json
    else:
        rows = visible_to(WorkflowDefinition.objects.all(), request.user).only(
            "id", "title", "description", "version", "created_at", "updated_at"
        )
        to_json = _shallow_workflow_json
    counted = list(rows.order_by("id").annotate(total=Window(Count(1)))[: first + 1])
    total = counted[0].total if counted else rows.count()
    page = _connection(counted[:first], total, len(counted) > first, to_json)
    return _answer({"workflowDefinitions": page})


@csrf_exempt
@require_POST
def upload_workflow(request) -> JsonResponse:
    """W1/W2: uploadWorkflow(input) { workflow { id version tasks { key version } } errors warnings }."""
    if refusal := permission_refusal(request):
        return refusal
    try:
        document = json.loads(request.body)["input"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"errors": [{"message": "send {'input': document}"}]}, status=400)
    try:
        with concurrent_write_refused():  # as the mutation: a write lost to a concurrent one is refused
            written = services.workflow_upload(acting_user=request.user, document=document)
    except ServiceError as refusal:
        refused = {"workflow": None, "errors": _problems(refusal.errors), "warnings": _problems(refusal.warnings)}
        return _answer({"uploadWorkflow": refused})
    tasks = visible_to(TaskDefinition.objects.filter(workflow=written.row), request.user).only(
        "key", "version", "workflow_id", "position"
    )
    workflow = {
        "id": _id(written.row),
        "version": written.row.version,
        "tasks": [{"key": task.key, "version": task.version} for task in tasks],
    }
    return _answer({"uploadWorkflow": {"workflow": workflow, "errors": [], "warnings": _problems(written.warnings)}})


@require_GET
def export_workflow(request) -> JsonResponse:
    """exportWorkflow(id): the current version's document (used by the edits of W2 and L1)."""
    if refusal := permission_refusal(request):
        return refusal
    document = selectors.workflow_export(acting_user=request.user, workflow_id=request.GET.get("id", ""))
    return _answer({"exportWorkflow": document})
