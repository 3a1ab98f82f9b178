"""The SQL limit of the benchmark's reads (benchmark runs only): ONE hand-written statement per request that builds
the whole answer, `{"data": {...}}`, in PostgreSQL (`json_build_object` / `json_agg`), whose text is the body.

What a read cannot beat: no Python object per row, no serialization in Python; what is left is HTTP, the bearer
token's user, the permission check and the statement itself. The harness sets it beside GraphQL and the
hand-written views (bench/baseline.py) and asserts that its JSON equals GraphQL's after parsing, keys in the same
order (PostgreSQL writes `{"id" : ...}` with spaces and stored JSON columns as jsonb prints them, so the bytes
differ).

It sees what GraphQL sees for a user with workflow_creator (the permission required, as the baselines check it):
every table reference compares company_id with the user's company, as the scoping rules (kernel.scoping) do, under
the same bearer token middleware and row-level security role. Values are written as the API writes them: global
ids are base64 of "Type:pk" (kernel.global_ids), timestamps Python's isoformat in UTC (microseconds left out when
zero), stored JSON as stored, the seed's key spellings of extRef and fields renamed (workflow_design.codec).
The company id is an integer written into the statement (as the scope statement writes it,
ticketflower/postgresql/base.py), so that each comparison reads as one with a value.
"""

import time

from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from bench.baseline import permission_refusal, query_int
from bench.queries import STATEMENT_SECONDS_HEADER, TICKET_DEFINITIONS_PAGE
from kernel.global_ids import pk_of, type_name
from users.models import Company, User
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition


def _global_id(model: type[Model], column: str) -> str:
    # encode(..., 'base64') breaks lines every 76 characters.
    return f"translate(encode(convert_to('{type_name(model)}:' || {column}, 'UTF8'), 'base64'), E'\\n', '')"


def _cursor(offset: str) -> str:
    """strawberry's cursor of the row at `offset` (an SQL expression counting from 0)."""
    return f"translate(encode(convert_to('arrayconnection:' || ({offset}), 'UTF8'), 'base64'), E'\\n', '')"


def _timestamp(column: str) -> str:
    return (
        f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_trunc('second', "
        f"{column}) = {column} THEN '' ELSE to_char({column} AT TIME ZONE 'UTC', '.US') END || '+00:00'"
    )


def _object(*pairs: tuple[str, str]) -> str:
    return "json_build_object(" + ", ".join(f"'{key}', {value}" for key, value in pairs) + ")"


def _array(item: str, source: str, order: str) -> str:
    """A JSON array of `item` over the rows of `source` (FROM ... WHERE ...), [] when none."""
    return f"(SELECT COALESCE(json_agg({item} ORDER BY {order}), '[]'::json) FROM {source})"


def _renamed(column: str, alias: str, keys: dict[str, str]) -> str:
    """A stored list of the seed's objects (`column`) with its keys renamed: {API key: stored key}."""
    item = _object(*((key, f"{alias}.entry -> '{stored}'") for key, stored in keys.items()))
    source = f"jsonb_array_elements(COALESCE({column}, '[]'::jsonb)) WITH ORDINALITY AS {alias}(entry, n)"
    return _array(item, source, f"{alias}.n")


def _ext_ref(column: str, alias: str) -> str:
    return _renamed(column, alias, {"label": "Label", "uri": "URI", "desc": "Desc"})


def _author(row: str, alias: str, company: int) -> str:
    """createdBy { id username }: the row's author among the company's users, else null."""
    user = _object(("id", _global_id(User, f'{alias}."id"')), ("username", f'{alias}."username"'))
    where = f'{alias}."company_id" = {company} AND {alias}."id" = {row}."created_by_id"'
    return f'(SELECT {user} FROM "users" {alias} WHERE {where})'


def _connection(node: str, alias: str, table: str, where: str, first: int, company: int) -> str:
    """The first page, by id, of the rows of `table` (alias R14) meeting `where` as a connection
    {totalCount pageInfo {hasNextPage endCursor} edges {cursor node}}; `node` reads a row as `alias`.
    The total is a window over the page's rows (as GraphQL counts), or counted apart when the page is empty."""
    total = f"COALESCE(max(P.total), (SELECT count(*) FROM {table} R14 WHERE {where}))"
    page = (
        f'(SELECT R14."id" AS pk, row_number() OVER (ORDER BY R14."id") AS n, count(*) OVER () AS total '
        f'FROM {table} R14 WHERE {where} ORDER BY R14."id" LIMIT {first}) P '
        f'JOIN {table} {alias} ON {alias}."company_id" = {company} AND {alias}."id" = P.pk'
    )
    end_cursor = f"CASE WHEN count(*) > 0 THEN {_cursor('count(*) - 1')} END"
    edge = _object(("cursor", _cursor("P.n - 1")), ("node", node))
    connection = _object(
        ("totalCount", total),
        ("pageInfo", _object(("hasNextPage", f"{total} > {first}"), ("endCursor", end_cursor))),
        ("edges", f"COALESCE(json_agg({edge} ORDER BY P.n), '[]'::json)"),
    )
    return f"(SELECT {connection} FROM {page})"


def _task(company: int) -> str:
    """A task of FullWorkflow (alias T3, its author U4)."""
    return _object(
        ("id", _global_id(TaskDefinition, 'T3."id"')),
        ("key", 'T3."key"'),
        ("position", 'T3."position"'),
        ("title", 'T3."title"'),
        ("description", 'T3."description"'),
        ("taskType", 'T3."task_type"'),
        ("inputSchema", 'T3."input_schema"'),
        ("outputSchema", 'T3."output_schema"'),
        ("editLayout", 'T3."edit_layout"'),
        ("displayLayout", 'T3."display_layout"'),
        ("actionUrl", 'T3."action_url"'),
        ("inputTransform", 'T3."input_transform"'),
        ("outputTransform", 'T3."output_transform"'),
        ("timeoutSeconds", 'T3."timeout_seconds"'),
        ("version", 'T3."version"'),
        ("createdAt", _timestamp('T3."created_at"')),
        ("updatedAt", _timestamp('T3."updated_at"')),
        ("createdBy", _author("T3", "U4", company)),
        ("extRef", _ext_ref('T3."ext_ref"', "E5")),
    )


def _task_ref(alias: str) -> str:
    """{id key} of a transition's end, null when it has none (or the task is not the company's)."""
    ref = _object(("id", _global_id(TaskDefinition, f'{alias}."id"')), ("key", f'{alias}."key"'))
    return f'CASE WHEN {alias}."id" IS NULL THEN NULL ELSE {ref} END'


def _transitions(company: int) -> str:
    transition = _object(
        ("id", _global_id(WorkflowTransition, 'X6."id"')),
        ("fromTask", _task_ref("T7")),
        ("toTask", _task_ref("T8")),
        ("condition", 'X6."condition"'),
        ("priority", 'X6."priority"'),
        ("position", 'X6."position"'),
    )
    source = (
        f'"workflow_transitions" X6 '
        f'LEFT JOIN "task_definitions" T7 ON T7."company_id" = {company} AND T7."id" = X6."from_task_id" '
        f'LEFT JOIN "task_definitions" T8 ON T8."company_id" = {company} AND T8."id" = X6."to_task_id" '
        f'WHERE X6."company_id" = {company} AND X6."workflow_id" = W0."id"'
    )
    return _array(transition, source, 'X6."position"')


def _ticket_definitions(company: int) -> str:
    node = _object(
        ("id", _global_id(TicketDefinition, 'D9."id"')), ("title", 'D9."title"'), ("version", 'D9."version"')
    )
    where = f'R14."company_id" = {company} AND R14."workflow_id" = W0."id"'
    return _connection(node, "D9", '"ticket_definitions"', where, TICKET_DEFINITIONS_PAGE, company)


def _shallow_fields() -> tuple[tuple[str, str], ...]:
    return (
        ("id", _global_id(WorkflowDefinition, 'W0."id"')),
        ("title", 'W0."title"'),
        ("description", 'W0."description"'),
    )


def _shallow_workflow() -> str:
    """R2's node (alias W0)."""
    return _object(
        *_shallow_fields(),
        ("version", 'W0."version"'),
        ("createdAt", _timestamp('W0."created_at"')),
        ("updatedAt", _timestamp('W0."updated_at"')),
    )


def _full_workflow(company: int) -> str:
    """FullWorkflow (bench/queries.py) of the workflow aliased W0."""
    company_ref = _object(("id", _global_id(Company, 'C1."id"')), ("name", 'C1."name"'))
    return _object(
        *_shallow_fields(),
        ("displayLayout", 'W0."display_layout"'),
        ("version", 'W0."version"'),
        ("createdAt", _timestamp('W0."created_at"')),
        ("updatedAt", _timestamp('W0."updated_at"')),
        (
            "company",
            f'(SELECT {company_ref} FROM "company" C1 WHERE C1."id" = {company} AND C1."id" = W0."company_id")',
        ),
        ("createdBy", _author("W0", "U2", company)),
        ("extRef", _ext_ref('W0."ext_ref"', "E11")),
        ("fields", _renamed('W0."fields"', "F12", {"fieldName": "FieldName", "fieldType": "FieldType"})),
        (
            "tasks",
            _array(
                _task(company),
                f'"task_definitions" T3 WHERE T3."company_id" = {company} AND T3."workflow_id" = W0."id"',
                'T3."position"',
            ),
        ),
        ("transitions", _transitions(company)),
        ("ticketDefinitions", _ticket_definitions(company)),
    )


def _answer(statement: str, params: list | None = None) -> HttpResponse:
    """The statement's text as the body; how long it took to send it and fetch its text in a header."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        (body,) = cursor.fetchone()
    seconds = time.perf_counter() - started
    return HttpResponse(body, content_type="application/json", headers={STATEMENT_SECONDS_HEADER: f"{seconds:.6f}"})


def _data(field: str, value: str) -> str:
    return f"SELECT {_object(('data', _object((field, value))))}::text"


@require_GET
def workflow_full(request) -> HttpResponse | JsonResponse:
    """R1: workflowDefinition(id) { ...FullWorkflow } in one statement."""
    if refusal := permission_refusal(request):
        return refusal
    company = int(request.user.company_id)
    workflow = (
        f'(SELECT {_full_workflow(company)} FROM "workflow_definitions" W0 '
        f'WHERE W0."company_id" = {company} AND W0."id" = %s)'
    )
    return _answer(_data("workflowDefinition", workflow), [pk_of(request.GET.get("id"), WorkflowDefinition)])


@require_GET
def workflow_list(request) -> HttpResponse | JsonResponse:
    """R2 (depth=shallow) and R3 (depth=full): the first page of workflowDefinitions ordered by id, with
    totalCount and pageInfo, in one statement; `first` capped as GraphQL caps it."""
    if refusal := permission_refusal(request):
        return refusal
    company = int(request.user.company_id)
    first = min(query_int(request.GET.get("first"), 0), settings.PAGINATION_MAX_LIMIT)
    node = _full_workflow(company) if request.GET.get("depth") == "full" else _shallow_workflow()
    page = _connection(node, "W0", '"workflow_definitions"', f'R14."company_id" = {company}', first, company)
    return _answer(_data("workflowDefinitions", page))
