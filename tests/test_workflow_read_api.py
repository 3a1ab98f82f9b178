"""The read API of workflow design: contents, filters, pagination, roles and company isolation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.builders import build_ticket_definition, build_workflow

WORKFLOW_TREE = """
query($pagination: OffsetPaginationInput) {
  workflowDefinitions(pagination: $pagination) {
    totalCount
    results {
      id title description displayLayout version createdAt updatedAt
      company { name }
      createdBy { username company { name } }
      extRef { label desc uri }
      fields { fieldName fieldType }
      tasks {
        id key title taskType inputSchema outputSchema version actionUrl timeoutSeconds
        extRef { label }
        createdBy { username }
        workflow { id }
        outgoing { id toTask { key } }
        incoming { id fromTask { key } }
      }
      transitions { id priority condition fromTask { key } toTask { key } workflow { id } }
      ticketDefinitions { id title fields companyRoleAccess workflow { id } createdBy { username } }
    }
  }
}"""


@pytest.mark.django_db
class TestWorkflowQueries:
    def test_workflow_tree_mirrors_the_rows(self, gql, tenant_a):
        workflow = build_workflow(tenant_a.admin, tasks=2)
        build_ticket_definition(workflow, roles=[])
        result = gql.data(WORKFLOW_TREE, token=tenant_a.token)["workflowDefinitions"]
        assert result["totalCount"] == 1
        (wf,) = result["results"]
        assert wf["title"] == "Incident"
        assert wf["version"] == 1
        assert wf["company"] == {"name": "Acme"}
        assert wf["createdBy"] == {"username": tenant_a.admin.username, "company": {"name": "Acme"}}
        assert wf["extRef"] == [{"label": "Runbook", "desc": "How to", "uri": "https://wiki.example.com/rb"}]
        assert wf["fields"] == [{"fieldName": "service", "fieldType": "string"}]
        assert [t["key"] for t in wf["tasks"]] == ["t0", "t1"]
        assert wf["tasks"][0]["taskType"] == "FORM"
        assert wf["tasks"][0]["outputSchema"] == {"type": "object", "properties": {"done": {"type": "boolean"}}}
        assert [t["toTask"]["key"] for t in wf["tasks"][0]["outgoing"]] == ["t1"]
        assert wf["tasks"][0]["incoming"][0]["fromTask"] is None
        assert [(t["fromTask"], t["toTask"]) for t in wf["transitions"]] == [
            (None, {"key": "t0"}),
            ({"key": "t0"}, {"key": "t1"}),
            ({"key": "t1"}, None),
        ]
        assert wf["ticketDefinitions"][0]["fields"] == {"service": "checkout"}
        assert wf["ticketDefinitions"][0]["workflow"] == {"id": wf["id"]}

    def test_filters_order_and_pagination(self, gql, tenant_a, settings):
        for title in ["Expense approval", "IT incident", "Onboarding", "Incident review"]:
            build_workflow(tenant_a.admin, title=title, tasks=1)
        query = """query($f: WorkflowDefinitionFilter, $o: WorkflowDefinitionOrder, $p: OffsetPaginationInput) {
          workflowDefinitions(filters: $f, order: $o, pagination: $p) {
            totalCount pageInfo { offset limit } results { title } } }"""
        found = gql.data(
            query, {"f": {"title": {"iContains": "incident"}}, "o": {"title": "DESC"}}, token=tenant_a.token
        )["workflowDefinitions"]
        assert found["totalCount"] == 2
        assert [r["title"] for r in found["results"]] == ["Incident review", "IT incident"]

        page = gql.data(query, {"o": {"title": "ASC"}, "p": {"offset": 1, "limit": 2}}, token=tenant_a.token)[
            "workflowDefinitions"
        ]
        assert page["totalCount"] == 4
        assert [r["title"] for r in page["results"]] == ["IT incident", "Incident review"]

        too_big = gql.data(query, {"p": {"limit": 10_000}}, token=tenant_a.token)["workflowDefinitions"]
        assert too_big["pageInfo"]["limit"] == settings.STRAWBERRY_DJANGO["PAGINATION_MAX_LIMIT"]

    def test_task_filters(self, gql, tenant_a):
        first = build_workflow(tenant_a.admin, title="First", tasks=2)
        build_workflow(tenant_a.admin, title="Second", tasks=3)
        query = """query($f: TaskDefinitionFilter) {
          taskDefinitions(filters: $f) { totalCount results { key workflow { title } } } }"""
        by_workflow = gql.data(query, {"f": {"workflowId": str(first.pk)}}, token=tenant_a.token)
        assert by_workflow["taskDefinitions"]["totalCount"] == 2
        by_type = gql.data(query, {"f": {"taskType": "FORM"}}, token=tenant_a.token)
        assert by_type["taskDefinitions"]["totalCount"] == 5
        by_type = gql.data(query, {"f": {"taskType": "SYNC_ACTION"}}, token=tenant_a.token)
        assert by_type["taskDefinitions"]["totalCount"] == 0

    def test_query_count_does_not_grow_with_the_number_of_workflows(self, gql, tenant_a):
        def count_queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                result = gql.data(WORKFLOW_TREE, {"pagination": {"limit": 100}}, token=tenant_a.token)
            assert result["workflowDefinitions"]["results"]
            return len(captured)

        workflow = build_workflow(tenant_a.admin, title="w0", tasks=3)
        build_ticket_definition(workflow)
        one = count_queries()
        for i in range(1, 50):
            workflow = build_workflow(tenant_a.admin, title=f"w{i}", tasks=3)
            build_ticket_definition(workflow)
        fifty = count_queries()
        assert fifty == one, f"{one} SQL statements for 1 workflow, {fifty} for 50"


@pytest.mark.django_db
class TestCompanyRoleAccess:
    """Users without workflow_creator see exactly the ticket definitions granted to their roles."""

    def test_role_holder_sees_granted_ticket_definitions_and_their_workflow_only(self, gql, tenant_a):
        _, agent_token = tenant_a.user(company_roles=["support_agent"])
        tenant_a.user(company_roles=["sre"])
        workflow = build_workflow(tenant_a.admin, title="Incident")
        granted = build_ticket_definition(workflow, title="Outage", roles=["support_agent", "sre"])
        build_ticket_definition(workflow, title="Postmortem", roles=["sre"])
        build_ticket_definition(build_workflow(tenant_a.admin, title="Secret"), title="Hidden", roles=["sre"])

        listed = gql.data(
            """{ ticketDefinitions { totalCount results {
                 id title workflow { title tasks { key } ticketDefinitions { title } } } } }""",
            token=agent_token,
        )["ticketDefinitions"]
        assert listed["totalCount"] == 1
        (ticket,) = listed["results"]
        assert ticket["id"] == str(granted.pk)
        assert ticket["workflow"]["title"] == "Incident"
        assert [t["key"] for t in ticket["workflow"]["tasks"]] == ["t0", "t1", "t2"]
        # Nested lists are scoped too: the other ticket definition of the workflow stays hidden.
        assert ticket["workflow"]["ticketDefinitions"] == [{"title": "Outage"}]

    def test_access_follows_the_users_roles(self, gql, tenant_a):
        from users.services import user_set_roles

        agent, agent_token = tenant_a.user(company_roles=["support_agent"])
        tenant_a.user(company_roles=["sre"])
        ticket = build_ticket_definition(build_workflow(tenant_a.admin), roles=["sre"])
        query = "query($id: ID!) { ticketDefinition(id: $id) { title } }"
        assert gql.data(query, {"id": str(ticket.pk)}, token=agent_token)["ticketDefinition"] is None
        user_set_roles(acting_user=tenant_a.admin, user_id=str(agent.pk), system_roles=[], company_roles=["sre"])
        assert gql.data(query, {"id": str(ticket.pk)}, token=agent_token)["ticketDefinition"] == {"title": "Outage"}
