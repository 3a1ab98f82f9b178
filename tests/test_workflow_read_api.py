"""The read API of workflow design: contents, filters, connections, lookups, roles and company isolation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.builders import build_ticket_definition, build_workflow
from tests.support.documents import example
from tests.support.ids import gid
from workflow_design.services import workflow_upload

WORKFLOW_TREE = """
query($first: Int) {
  workflowDefinitions(first: $first) {
    totalCount
    edges { node {
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
      ticketDefinitions(first: 5) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id title fields companyRoleAccess workflow { id } createdBy { username } } }
      }
      versions { totalCount edges { node { id version } } }
    } }
  }
}"""


def nodes(connection_value: dict) -> list[dict]:
    return [edge["node"] for edge in connection_value["edges"]]


@pytest.mark.django_db
class TestWorkflowQueries:
    def test_workflow_tree_mirrors_the_rows(self, gql, tenant_a):
        workflow = build_workflow(tenant_a.admin, tasks=2)
        build_ticket_definition(workflow, roles=[])
        result = gql.data(WORKFLOW_TREE, token=tenant_a.token)["workflowDefinitions"]
        assert result["totalCount"] == 1
        (wf,) = nodes(result)
        assert wf["id"] == gid(workflow)
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
        (ticket,) = nodes(wf["ticketDefinitions"])
        assert ticket["fields"] == {"service": "checkout"}
        assert ticket["workflow"] == {"id": wf["id"]}
        assert wf["ticketDefinitions"]["pageInfo"] == {
            "hasNextPage": False,
            "endCursor": wf["ticketDefinitions"]["edges"][0]["cursor"],
        }
        assert wf["versions"] == {"totalCount": 0, "edges": []}  # built straight into the tables: no upload

    def test_filters_order_and_pages(self, gql, tenant_a, settings):
        for title in ["Expense approval", "IT incident", "Onboarding", "Incident review", "Intake"]:
            build_workflow(tenant_a.admin, title=title, tasks=1)
        query = """query($f: WorkflowDefinitionFilter, $o: WorkflowDefinitionOrder, $first: Int, $after: String,
                         $last: Int, $before: String) {
          workflowDefinitions(filters: $f, order: $o, first: $first, after: $after, last: $last, before: $before) {
            totalCount
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { cursor node { title } } } }"""

        def page(**variables) -> dict:
            return gql.data(query, variables, token=tenant_a.token)["workflowDefinitions"]

        def titles(found: dict) -> list[str]:
            return [node["title"] for node in nodes(found)]

        found = page(f={"title": {"iContains": "incident"}}, o={"title": "DESC"})
        assert found["totalCount"] == 2
        assert titles(found) == ["Incident review", "IT incident"]

        first = page(o={"title": "ASC"}, first=2)
        assert titles(first) == ["Expense approval", "IT incident"]
        assert first["totalCount"] == 5
        assert (first["pageInfo"]["hasNextPage"], first["pageInfo"]["hasPreviousPage"]) == (True, False)
        assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
        second = page(o={"title": "ASC"}, first=2, after=first["pageInfo"]["endCursor"])
        assert titles(second) == ["Incident review", "Intake"]
        assert (second["pageInfo"]["hasNextPage"], second["pageInfo"]["hasPreviousPage"]) == (True, True)
        last = page(o={"title": "ASC"}, first=2, after=second["pageInfo"]["endCursor"])
        assert titles(last) == ["Onboarding"]
        assert last["pageInfo"]["hasNextPage"] is False
        backwards = page(o={"title": "ASC"}, last=2, before=last["pageInfo"]["startCursor"])
        assert titles(backwards) == ["Incident review", "Intake"]
        assert page(o={"title": "ASC"}, last=1)["edges"][0]["node"]["title"] == "Onboarding"
        # Without first or last: the first PAGINATION_MAX_LIMIT.
        settings.PAGINATION_MAX_LIMIT = 100
        assert titles(page(o={"title": "ASC"})) == [
            "Expense approval",
            "IT incident",
            "Incident review",
            "Intake",
            "Onboarding",
        ]

    def test_ties_in_the_order_are_broken_by_creation(self, gql, tenant_a):
        """Pages of a list ordered by a column with equal values see each row once: ties go by primary key."""
        made = [build_workflow(tenant_a.admin, title="Same", tasks=1) for _ in range(5)]
        query = """query($after: String) { workflowDefinitions(order: {title: ASC}, first: 2, after: $after) {
          pageInfo { endCursor } edges { node { id } } } }"""
        seen, after = [], None
        for _ in range(3):
            found = gql.data(query, {"after": after}, token=tenant_a.token)["workflowDefinitions"]
            seen += [node["id"] for node in nodes(found)]
            after = found["pageInfo"]["endCursor"]
        assert seen == [gid(workflow) for workflow in made]

    @pytest.mark.parametrize(
        ("arguments", "refused"),
        [
            ("first: 101", "first"),
            ("first: -1", "first"),
            ("last: 1000", "last"),
            ('after: "not a cursor"', "after"),
            ('after: "YXJyYXljb25uZWN0aW9uOi0x"', "after"),  # arrayconnection:-1
            ('before: "V29ya2Zsb3dEZWZpbml0aW9uOjE="', "before"),  # a global id, not a cursor
        ],
    )
    def test_connection_arguments_a_connection_cannot_use(self, gql, tenant_a, arguments, refused):
        """Refused before anything runs, located at the argument, also in a nested connection that
        the optimizer prefetches while it resolves its parent (never an unexpected error)."""
        build_workflow(tenant_a.admin)
        for query in (
            f"{{ workflowDefinitions({arguments}) {{ totalCount }} }}",
            f"{{ workflowDefinitions {{ edges {{ node {{ ticketDefinitions({arguments}) {{ totalCount }} }} }} }} }}",
        ):
            body = gql.post(query, token=tenant_a.token)
            assert "data" not in body or body["data"] is None, body
            (error,) = body["errors"]
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": refused}, error
            assert error["locations"][0]["column"] == query.index(refused) + 1

    def test_a_refused_page_size_in_a_variable_names_it(self, gql, tenant_a):
        body = gql.post("query($n: Int) { users(first: $n) { totalCount } }", {"n": 500}, token=tenant_a.token)
        assert body["errors"][0]["extensions"] == {
            "code": "BAD_USER_INPUT",
            "argument": "first",
            "variable": "n",
            "path": "/variables/n",
        }
        assert body["errors"][0]["message"] == "users(first:) must be from 0 to 100, got 500."

    def test_task_by_key(self, gql, tenant_a, tenant_b):
        workflow = build_workflow(tenant_a.admin, tasks=2)
        task = workflow.tasks.get(key="t1")
        of_workflow = """query($id: ID!, $key: String!) {
          workflowDefinition(id: $id) { task(key: $key) { id key createdBy { username } } } }"""
        found = gql.data(of_workflow, {"id": gid(workflow), "key": "t1"}, token=tenant_a.token)["workflowDefinition"]
        assert found["task"] == {"id": gid(task), "key": "t1", "createdBy": {"username": tenant_a.admin.username}}
        missing = gql.data(of_workflow, {"id": gid(workflow), "key": "t9"}, token=tenant_a.token)
        assert missing["workflowDefinition"]["task"] is None

        query = """query($workflowId: ID, $key: String, $id: ID) {
          taskDefinition(workflowId: $workflowId, key: $key, id: $id) { id key } }"""
        by_key = {"workflowId": gid(workflow), "key": "t1"}
        assert gql.data(query, by_key, token=tenant_a.token)["taskDefinition"] == {"id": gid(task), "key": "t1"}
        assert gql.data(query, {**by_key, "key": "t9"}, token=tenant_a.token)["taskDefinition"] is None
        assert gql.data(query, {**by_key, "workflowId": gid(task)}, token=tenant_a.token)["taskDefinition"] is None
        assert gql.data(query, by_key, token=tenant_b.token)["taskDefinition"] is None
        for unclear in ({"workflowId": gid(workflow)}, {**by_key, "id": gid(task)}, {}):
            body = gql.post(query, unclear, token=tenant_a.token)
            assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
            assert body["data"] == {"taskDefinition": None}

    def test_task_filters(self, gql, tenant_a):
        first = build_workflow(tenant_a.admin, title="First", tasks=2)
        build_workflow(tenant_a.admin, title="Second", tasks=3)
        query = """query($f: TaskDefinitionFilter) {
          taskDefinitions(filters: $f) { totalCount edges { node { key workflow { title } } } } }"""
        by_workflow = gql.data(query, {"f": {"workflowId": gid(first)}}, token=tenant_a.token)
        assert by_workflow["taskDefinitions"]["totalCount"] == 2
        by_task_id = gql.data(query, {"f": {"workflowId": gid(first.tasks.first())}}, token=tenant_a.token)
        assert by_task_id["taskDefinitions"]["totalCount"] == 0  # an id of another type names no workflow
        by_type = gql.data(query, {"f": {"taskType": "FORM"}}, token=tenant_a.token)
        assert by_type["taskDefinitions"]["totalCount"] == 5
        by_type = gql.data(query, {"f": {"taskType": "SYNC_ACTION"}}, token=tenant_a.token)
        assert by_type["taskDefinitions"]["totalCount"] == 0

    def test_query_count_does_not_grow_with_the_number_of_workflows(self, gql, tenant_a):
        def count_queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                result = gql.data(WORKFLOW_TREE, {"first": 100}, token=tenant_a.token)
            assert result["workflowDefinitions"]["edges"]
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
def test_nodes_read_one_statement_per_type_whatever_the_number_of_ids(gql, tenant_a):
    workflows = [build_workflow(tenant_a.admin, title=f"w{i}", tasks=2) for i in range(20)]
    tasks = [task for workflow in workflows for task in workflow.tasks.all()]
    query = """query($ids: [ID!]!) { nodes(ids: $ids) {
      id ... on WorkflowDefinition { title tasks { key } } ... on TaskDefinition { key workflow { title } } } }"""

    def statements(rows: list) -> int:
        with CaptureQueriesContext(connection) as captured:
            answered = gql.data(query, {"ids": [gid(row) for row in rows]}, token=tenant_a.token)["nodes"]
        assert [node["id"] for node in answered] == [gid(row) for row in rows]
        return len(captured)

    few = statements([workflows[0], tasks[0]])
    assert statements(workflows + tasks[:40]) == few


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
            """{ ticketDefinitions { totalCount edges { node {
                 id title workflow { title tasks { key } ticketDefinitions { totalCount edges { node { title } } } }
               } } } }""",
            token=agent_token,
        )["ticketDefinitions"]
        assert listed["totalCount"] == 1
        (ticket,) = nodes(listed)
        assert ticket["id"] == gid(granted)
        assert ticket["workflow"]["title"] == "Incident"
        assert [t["key"] for t in ticket["workflow"]["tasks"]] == ["t0", "t1", "t2"]
        # Nested lists are scoped too: the other ticket definition of the workflow stays hidden.
        assert ticket["workflow"]["ticketDefinitions"] == {"totalCount": 1, "edges": [{"node": {"title": "Outage"}}]}

    def test_node_answers_a_role_holder_what_the_typed_fields_show_them(self, gql, tenant_a):
        """A granted ticket definition, its workflow and the workflow's tasks and transitions; not another
        workflow, not the workflow's versions, not the company's roles."""
        _, agent_token = tenant_a.user(company_roles=["support_agent"])
        workflow = build_workflow(tenant_a.admin, title="Incident")
        granted = build_ticket_definition(workflow, roles=["support_agent"])
        hidden = build_workflow(tenant_a.admin, title="Secret")

        versioned = workflow_upload(acting_user=tenant_a.admin, document=example()).row
        build_ticket_definition(versioned, title="Also granted", roles=["support_agent"])
        role = tenant_a.company.roles.get(name="support_agent")
        visible = [workflow, granted, workflow.tasks.first(), workflow.transitions.first(), versioned]
        invisible = [hidden, hidden.tasks.first(), versioned.versions.first(), role]
        query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
        answered = gql.data(query, {"ids": [gid(row) for row in visible + invisible]}, token=agent_token)["nodes"]
        assert answered == [{"id": gid(row)} for row in visible] + [None] * len(invisible)

    def test_access_follows_the_users_roles(self, gql, tenant_a):
        from users.services import user_set_roles

        agent, agent_token = tenant_a.user(company_roles=["support_agent"])
        tenant_a.user(company_roles=["sre"])
        ticket = build_ticket_definition(build_workflow(tenant_a.admin), roles=["sre"])
        query = "query($id: ID!) { ticketDefinition(id: $id) { title } }"
        assert gql.data(query, {"id": gid(ticket)}, token=agent_token)["ticketDefinition"] is None
        user_set_roles(acting_user=tenant_a.admin, user_id=gid(agent), system_roles=[], company_roles=["sre"])
        assert gql.data(query, {"id": gid(ticket)}, token=agent_token)["ticketDefinition"] == {"title": "Outage"}
