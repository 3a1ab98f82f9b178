"""The benchmark's SQL limit (bench/sql_limit.py) answers R1, R2 and R3 exactly as GraphQL does: the same JSON
after parsing, keys in the same order, in ONE statement besides authentication, for the edge cases the benchmark's
generated data never has (nulls, empty lists, whole-second timestamps, a second page of ticket definitions, another
company's workflow, an empty page). Real HTTP through Django's test client, with the benchmark's URL root, as the
application's role under row-level security; the statement-scope plugin checks every table reference names the
company. PostgreSQL only: the statement is PostgreSQL's JSON.
"""

import json
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import queries
from bench.documents import TICKET_DEFINITION, generated_workflow
from kernel.global_ids import global_id
from tests.builders import build_ticket_definition, build_workflow
from workflow_design.models import TaskDefinition, WorkflowDefinition
from workflow_design.services import ticket_definition_upload, workflow_upload


@pytest.fixture(autouse=True)
def _postgresql_and_bench_urls(settings):
    if connection.vendor != "postgresql":
        reason = "the SQL limit is one PostgreSQL statement (this run uses SQLite)"
        print(f"SKIPPED: {reason}", file=sys.stderr)
        pytest.skip(reason)
    settings.ROOT_URLCONF = "bench.urls"


def _same_answers(gql, client, token: str, query: str, variables: dict, path: str) -> dict:
    expected = gql.post(query, variables, token=token, HTTP_CACHE_CONTROL="no-cache")
    assert "errors" not in expected, expected["errors"]
    with CaptureQueriesContext(connection) as statements:
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Type"] == "application/json"
    answer = json.loads(response.content)
    # dumps keeps the keys' order: equal text means equal values in the same order.
    assert json.dumps(answer, indent=1) == json.dumps(expected, indent=1)
    answering = [s["sql"] for s in statements.captured_queries if "json_build_object" in s["sql"]]
    assert len(answering) == 1, [s["sql"][:200] for s in statements.captured_queries]
    return answer


def _r1(gql, client, token: str, workflow_id: str) -> dict:
    path = queries.r1_path(workflow_id, root=queries.SQL_LIMIT)
    return _same_answers(gql, client, token, queries.R1, {"id": workflow_id}, path)["data"]["workflowDefinition"]


def _page(gql, client, token: str, query: str, depth: str, first: int) -> dict:
    path = queries.list_path(first, depth, root=queries.SQL_LIMIT)
    return _same_answers(gql, client, token, query, {"first": first}, path)["data"]["workflowDefinitions"]


def test_a_generated_workflow_with_more_ticket_definitions_than_a_page(gql, client, tenant_a):
    written = workflow_upload(acting_user=tenant_a.admin, document=generated_workflow(6, 9, title="Generated"))
    workflow_id = global_id(WorkflowDefinition, written.row.pk)
    for n in range(queries.TICKET_DEFINITIONS_PAGE + 1):
        document = {**TICKET_DEFINITION, "title": f"Ticket {n}", "workflowId": workflow_id}
        ticket_definition_upload(acting_user=tenant_a.admin, document=document)
    workflow = _r1(gql, client, tenant_a.token, workflow_id)
    assert len(workflow["tasks"]) == 6
    assert len(workflow["transitions"]) == 9
    tickets = workflow["ticketDefinitions"]
    assert tickets["totalCount"] == 11
    assert tickets["pageInfo"]["hasNextPage"] is True
    assert len(tickets["edges"]) == queries.TICKET_DEFINITIONS_PAGE


def test_nulls_empty_lists_and_whole_second_timestamps(gql, client, tenant_a):
    workflow = build_workflow(tenant_a.admin, tasks=2)
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(
        ext_ref=[], fields=[], created_by=None, updated_at=workflow.updated_at.replace(microsecond=0)
    )
    TaskDefinition.objects.filter(workflow=workflow, position=0).update(
        ext_ref=[{"Label": "No desc", "URI": "https://example.com/x"}],
        created_at=workflow.created_at.replace(microsecond=0),
    )
    answer = _r1(gql, client, tenant_a.token, global_id(WorkflowDefinition, workflow.pk))
    assert answer["createdBy"] is None
    assert answer["extRef"] == []
    assert answer["fields"] == []
    assert "." not in answer["updatedAt"]
    assert "." not in answer["tasks"][0]["createdAt"]
    assert answer["tasks"][0]["extRef"] == [{"label": "No desc", "uri": "https://example.com/x", "desc": None}]
    assert answer["transitions"][0]["fromTask"] is None
    assert answer["transitions"][-1]["toTask"] is None
    assert answer["ticketDefinitions"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }


def test_another_companys_workflow_and_a_malformed_id_are_null(gql, client, tenant_a, tenant_b):
    theirs = build_workflow(tenant_b.admin)
    build_ticket_definition(theirs)
    assert _r1(gql, client, tenant_a.token, global_id(WorkflowDefinition, theirs.pk)) is None
    assert _r1(gql, client, tenant_a.token, "not-an-id") is None


@pytest.mark.parametrize(("query", "depth"), [(queries.R2, "shallow"), (queries.R3, "full")])
def test_pages_of_workflows_only_the_companys(gql, client, tenant_a, tenant_b, query, depth):
    for n in range(3):
        build_ticket_definition(build_workflow(tenant_a.admin, title=f"Ours {n}", tasks=n + 1))
    build_workflow(tenant_b.admin, title="Theirs")
    page = _page(gql, client, tenant_a.token, query, depth, 2)
    assert page["totalCount"] == 3
    assert page["pageInfo"]["hasNextPage"] is True
    assert len(page["edges"]) == 2
    assert _page(gql, client, tenant_a.token, query, depth, 3)["pageInfo"]["hasNextPage"] is False
    assert _page(gql, client, tenant_a.token, query, depth, 0)["totalCount"] == 3


def test_an_empty_page(gql, client, tenant_a):
    page = _page(gql, client, tenant_a.token, queries.R2, "shallow", 10)
    assert page == {"totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None}, "edges": []}


def test_refused_without_workflow_creator_as_the_baselines_refuse(client, tenant_a):
    _, token = tenant_a.user()
    for path in (queries.r1_path("x", root=queries.SQL_LIMIT), queries.list_path(5, "full", root=queries.SQL_LIMIT)):
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert client.get(path).status_code == 401
