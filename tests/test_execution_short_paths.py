"""The execution context's short paths (schema/execution.py) answer exactly what
graphql-core's general path answers: the same data, and for rows it cannot complete
plainly (null in a non-null column, a value the scalar refuses) the same errors at the
same paths, with the same null propagation."""

import json

import pytest
from django.conf import settings

from tests.builders import build_ticket_definition
from tests.support.documents import example
from workflow_design.models import TaskDefinition, WorkflowTransition
from workflow_design.services import workflow_upload

EVERYTHING = """
query($withTasks: Boolean!) {
  workflowDefinitions(order: {id: ASC}) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node {
      __typename id title description displayLayout version createdAt updatedAt
      company { id name }
      createdBy { id username company { name } }
      extRef { label uri desc }
      fields { fieldName fieldType }
      tasks @include(if: $withTasks) {
        ...TaskParts
        heading: title
        outgoing { id toTask { key } }
        incoming { fromTask { key position } }
      }
      transitions {
        id priority position condition
        fromTask { __typename id key workflow { id } }
        toTask { id key createdBy { username } }
        workflow { title }
      }
      ticketDefinitions(first: 5) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id title fields companyRoleAccess workflow { id } createdBy { username } } }
      }
      versions { edges { node { id version document { title tasks { key } } } } }
    } }
  }
}
fragment TaskParts on TaskDefinition {
  id key position title description taskType inputSchema outputSchema editLayout displayLayout
  actionUrl inputTransform outputTransform timeoutSeconds version createdAt updatedAt
  createdBy { id username }
  extRef { label }
}"""


class ValueFor:
    """A model attribute answering `value` for the row with primary key `pk` (as if the
    row held it), and the stored value for every other row."""

    def __init__(self, name: str, pk: int, value):
        self.name, self.pk, self.value = name, pk, value

    def __get__(self, row, owner=None):
        if row is None:
            return self
        return self.value if row.pk == self.pk else row.__dict__[self.name]

    def __set__(self, row, value):
        row.__dict__[self.name] = value


def both_answers(gql, token: str, monkeypatch, variables: dict) -> tuple[dict, dict]:
    def answer():
        # no-cache: each side computes its answer (the same request would otherwise be a hit).
        return gql.post(EVERYTHING, variables, token=token, HTTP_CACHE_CONTROL="no-cache")

    short = answer()
    with monkeypatch.context() as patch:
        patch.setattr(settings, "GRAPHQL_EXECUTION_SHORT_PATHS", False)
        general = answer()
    for error in short.get("errors", []) + general.get("errors", []):
        error.get("extensions", {}).pop("requestId", None)  # one per request
    return short, general


@pytest.fixture
def workflows(tenant_a):
    first = workflow_upload(acting_user=tenant_a.admin, document=example()).row
    second = workflow_upload(acting_user=tenant_a.admin, document=example() | {"title": "Second"}).row
    tenant_a.user(company_roles=["support_agent"])
    build_ticket_definition(first, title="Outage", roles=["support_agent"])
    return first, second


@pytest.mark.django_db
class TestShortPathsAnswerLikeGraphqlCore:
    @pytest.mark.parametrize("with_tasks", [True, False])
    def test_same_data(self, gql, tenant_a, workflows, monkeypatch, with_tasks):
        short, general = both_answers(gql, tenant_a.token, monkeypatch, {"withTasks": with_tasks})
        assert "errors" not in short
        assert json.dumps(short) == json.dumps(general)  # same keys, same order, same values
        results = [edge["node"] for edge in short["data"]["workflowDefinitions"]["edges"]]
        assert [w["title"] for w in results] == ["IT incident", "Second"]
        assert ("tasks" in results[0]) is with_tasks
        assert results[0]["transitions"][0]["fromTask"] is None

    def test_null_in_a_non_null_column(self, gql, tenant_a, workflows, monkeypatch):
        task = TaskDefinition.objects.filter(workflow=workflows[0]).order_by("position")[1]
        monkeypatch.setattr(TaskDefinition, "title", ValueFor("title", task.pk, None))
        short, general = both_answers(gql, tenant_a.token, monkeypatch, {"withTasks": True})
        assert short == general
        assert short["data"] == {"workflowDefinitions": None}  # null propagates up to the nullable root field
        # A server-side failure: masked for the client (the log has "Cannot return null...").
        assert short["errors"][0]["message"] == "Unexpected error."
        assert short["errors"][0]["path"] == ["workflowDefinitions", "edges", 0, "node", "tasks", 1, "title"]

    def test_value_the_scalar_refuses(self, gql, tenant_a, workflows, monkeypatch):
        transition = WorkflowTransition.objects.filter(workflow=workflows[1]).order_by("position")[2]
        monkeypatch.setattr(WorkflowTransition, "priority", ValueFor("priority", transition.pk, 2**40))
        short, general = both_answers(gql, tenant_a.token, monkeypatch, {"withTasks": False})
        assert short == general
        assert short["data"] == {"workflowDefinitions": None}
        assert short["errors"][0]["path"] == ["workflowDefinitions", "edges", 1, "node", "transitions", 2, "priority"]
        assert short["errors"][0]["message"] == "Int cannot represent non 32-bit signed integer value: 1099511627776"

    def test_null_in_a_nullable_column_and_a_related_row(self, gql, tenant_a, workflows, monkeypatch):
        task = TaskDefinition.objects.filter(workflow=workflows[0]).order_by("position")[0]
        monkeypatch.setattr(TaskDefinition, "description", ValueFor("description", task.pk, None))
        short, general = both_answers(gql, tenant_a.token, monkeypatch, {"withTasks": True})
        assert "errors" not in short
        assert short == general
        tasks = short["data"]["workflowDefinitions"]["edges"][0]["node"]["tasks"]
        assert tasks[0]["description"] is None
