"""Repeated reads answered from the response cache: never stale after any write, never
another user's answer, never an error kept (schema/response_cache.py, users/generations.py)."""

import copy
import json

import pytest
from django.test import Client

from conftest import PASSWORD
from tests.builders import build_ticket_definition
from tests.support.documents import example
from tests.support.ids import gid
from users.models import Company, User
from workflow_design.services import workflow_upload

DESIGN_VIEW = """
query($id: ID!) {
  workflowDefinition(id: $id) {
    title version company { name } createdBy { username }
    tasks { key title }
    ticketDefinitions { edges { node { title } } }
  }
  companyRoles { edges { node { name } } }
  users { edges { node { username } } }
}"""
TICKETS = "{ ticketDefinitions { totalCount edges { node { title } } } }"
WORKFLOW = "query($id: ID!) { workflowDefinition(id: $id) { title tasks { key } } }"


def read(client: Client, query: str, variables: dict | None = None, *, token: str, **headers):
    """(cache status header, parsed body) of one POST /graphql/."""
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **headers,
    )
    assert response.status_code == 200, response.content[:500]
    return response.headers.get("X-Response-Cache"), response.json()


@pytest.fixture
def incident(tenant_a):
    return workflow_upload(acting_user=tenant_a.admin, document=example()).row


@pytest.mark.django_db
class TestRepeatedReads:
    def test_a_repeated_read_is_a_hit_with_the_same_answer(self, client, tenant_a, incident):
        variables = {"id": gid(incident)}
        first = read(client, DESIGN_VIEW, variables, token=tenant_a.token)
        again = read(client, DESIGN_VIEW, variables, token=tenant_a.token)
        assert first[0] == "miss"
        assert again[0] == "hit"
        assert again[1] == first[1]
        assert "errors" not in first[1]
        assert first[1]["data"]["workflowDefinition"]["title"] == "IT incident"

    def test_node_reads_are_cached_and_see_every_write(self, client, tenant_a, incident):
        query = """query($id: ID!, $ids: [ID!]!) {
          node(id: $id) { ... on WorkflowDefinition { title } } nodes(ids: $ids) { id } }"""
        variables = {"id": gid(incident), "ids": [gid(incident), gid(tenant_a.admin)]}
        assert read(client, query, variables, token=tenant_a.token)[0] == "miss"
        status, body = read(client, query, variables, token=tenant_a.token)
        assert status == "hit"
        assert body["data"]["node"] == {"title": "IT incident"}
        workflow_upload(
            acting_user=tenant_a.admin, document=example() | {"id": gid(incident), "expectedVersion": 1, "title": "New"}
        )
        status, body = read(client, query, variables, token=tenant_a.token)
        assert (status, body["data"]["node"]) == ("miss", {"title": "New"})

    def test_no_cache_computes_afresh(self, client, tenant_a, incident):
        variables = {"id": gid(incident)}
        read(client, DESIGN_VIEW, variables, token=tenant_a.token)
        fresh = read(client, DESIGN_VIEW, variables, token=tenant_a.token, HTTP_CACHE_CONTROL="no-cache")
        assert fresh[0] == "miss"
        assert read(client, DESIGN_VIEW, variables, token=tenant_a.token)[0] == "hit"

    def test_other_variables_are_another_entry(self, client, tenant_a, incident):
        other = workflow_upload(acting_user=tenant_a.admin, document=example() | {"title": "Second"}).row
        read(client, DESIGN_VIEW, {"id": gid(incident)}, token=tenant_a.token)
        status, body = read(client, DESIGN_VIEW, {"id": gid(other)}, token=tenant_a.token)
        assert status == "miss"
        assert body["data"]["workflowDefinition"]["title"] == "Second"

    def test_errors_are_never_kept(self, client, tenant_a, incident):
        _reader, token = tenant_a.user()  # no role: FORBIDDEN
        for _ in range(2):
            status, body = read(client, DESIGN_VIEW, {"id": gid(incident)}, token=token)
            assert status == "miss"
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    def test_mutations_and_computations_are_not_cached(self, client, tenant_a, incident):
        validate = "query($input: WorkflowInput!) { validateWorkflow(input: $input) { valid } }"
        for _ in range(2):
            status, body = read(client, validate, {"input": example()}, token=tenant_a.token)
            assert status is None
            assert body["data"]["validateWorkflow"]["valid"] is True
        mutation = 'mutation { createCompanyRole(name: "auditor") { errors { code } } }'
        status, _ = read(client, mutation, token=tenant_a.token)
        assert status is None


@pytest.mark.django_db
class TestEveryWriteIsSeen:
    """After each kind of write, the next identical read is computed again and shows it."""

    def cached_view(self, client, tenant, workflow) -> dict:
        variables = {"id": gid(workflow)}
        read(client, DESIGN_VIEW, variables, token=tenant.token)
        status, body = read(client, DESIGN_VIEW, variables, token=tenant.token)
        assert status == "hit"
        return body["data"]

    def fresh_view(self, client, tenant, workflow) -> dict:
        status, body = read(client, DESIGN_VIEW, {"id": gid(workflow)}, token=tenant.token)
        assert status == "miss", "the read after a write came from the cache"
        assert "errors" not in body, body
        return body["data"]

    def mutate(self, client, tenant, mutation: str, variables: dict, field: str) -> dict:
        _, body = read(client, mutation, variables, token=tenant.token)
        payload = body["data"][field]
        assert payload["errors"] == [], payload
        return payload

    def test_workflow_upload(self, client, tenant_a, incident):
        self.cached_view(client, tenant_a, incident)
        document = example() | {"id": gid(incident), "expectedVersion": 1, "title": "Renamed"}
        self.mutate(
            client,
            tenant_a,
            "mutation($input: WorkflowInput!) { uploadWorkflow(input: $input) { errors { code } } }",
            {"input": document},
            "uploadWorkflow",
        )
        view = self.fresh_view(client, tenant_a, incident)["workflowDefinition"]
        assert (view["title"], view["version"]) == ("Renamed", 2)

    def test_task_upload(self, client, tenant_a, incident):
        self.cached_view(client, tenant_a, incident)
        task = copy.deepcopy(example()["tasks"][0]) | {"title": "Triage, quickly"}
        self.mutate(
            client,
            tenant_a,
            "mutation($w: ID!, $input: TaskInput!) { uploadTaskDefinition(workflowId: $w, expectedVersion: 1, "
            "input: $input) { errors { code } } }",
            {"w": gid(incident), "input": task},
            "uploadTaskDefinition",
        )
        tasks = self.fresh_view(client, tenant_a, incident)["workflowDefinition"]["tasks"]
        assert "Triage, quickly" in [t["title"] for t in tasks]

    def test_ticket_definition_upload_and_delete(self, client, tenant_a, incident):
        self.cached_view(client, tenant_a, incident)
        created = self.mutate(
            client,
            tenant_a,
            "mutation($input: TicketDefinitionInput!) { uploadTicketDefinition(input: $input) "
            "{ ticketDefinition { id version } errors { code } } }",
            {"input": {"title": "Outage", "workflowId": gid(incident), "fields": {"service": "checkout"}}},
            "uploadTicketDefinition",
        )["ticketDefinition"]
        assert self.fresh_view(client, tenant_a, incident)["workflowDefinition"]["ticketDefinitions"] == {
            "edges": [{"node": {"title": "Outage"}}]
        }
        self.cached_view(client, tenant_a, incident)
        self.mutate(
            client,
            tenant_a,
            "mutation($id: ID!, $v: Int!) { deleteTicketDefinition(id: $id, expectedVersion: $v) { errors { code } } }",
            {"id": created["id"], "v": created["version"]},
            "deleteTicketDefinition",
        )
        assert self.fresh_view(client, tenant_a, incident)["workflowDefinition"]["ticketDefinitions"] == {"edges": []}

    def test_workflow_delete(self, client, tenant_a, incident):
        self.cached_view(client, tenant_a, incident)
        self.mutate(
            client,
            tenant_a,
            "mutation($id: ID!) { deleteWorkflowDefinition(id: $id, expectedVersion: 1) { errors { code } } }",
            {"id": gid(incident)},
            "deleteWorkflowDefinition",
        )
        assert self.fresh_view(client, tenant_a, incident)["workflowDefinition"] is None

    def test_company_roles_and_users(self, client, tenant_a, incident):
        self.cached_view(client, tenant_a, incident)
        self.mutate(
            client,
            tenant_a,
            'mutation { createCompanyRole(name: "auditor") { errors { code } } }',
            {},
            "createCompanyRole",
        )
        assert {"node": {"name": "auditor"}} in self.fresh_view(client, tenant_a, incident)["companyRoles"]["edges"]
        self.cached_view(client, tenant_a, incident)
        self.mutate(
            client,
            tenant_a,
            "mutation($input: CreateUserInput!) { createUser(input: $input) { errors { code } } }",
            {"input": {"username": "newcomer", "email": "n@example.com", "password": "a-long-passphrase-9"}},
            "createUser",
        )
        assert {"node": {"username": "newcomer"}} in self.fresh_view(client, tenant_a, incident)["users"]["edges"]
        self.cached_view(client, tenant_a, incident)
        self.mutate(
            client,
            tenant_a,
            'mutation { deleteCompanyRole(name: "auditor") { errors { code } } }',
            {},
            "deleteCompanyRole",
        )
        assert {"node": {"name": "auditor"}} not in self.fresh_view(client, tenant_a, incident)["companyRoles"]["edges"]

    def test_names_changed_outside_the_api(self, client, tenant_a, incident):
        """The Django admin saves through the ORM: the model signals move the generation."""
        self.cached_view(client, tenant_a, incident)
        company = Company.objects.get(pk=tenant_a.company.pk)
        company.name = "Acme Renamed"
        company.save()
        assert self.fresh_view(client, tenant_a, incident)["workflowDefinition"]["company"] == {"name": "Acme Renamed"}
        self.cached_view(client, tenant_a, incident)
        author = User.objects.get(pk=tenant_a.admin.pk)
        author.username = "renamed_admin"
        author.save()
        view = self.fresh_view(client, tenant_a, incident)["workflowDefinition"]
        assert view["createdBy"] == {"username": "renamed_admin"}

    def test_a_login_keeps_the_entries(self, client, tenant_a, incident):
        self.cached_view(client, tenant_a, incident)
        login = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { errors { code } } }"
        self.mutate(client, tenant_a, login, {"u": tenant_a.admin.username, "p": PASSWORD}, "login")
        assert read(client, DESIGN_VIEW, {"id": gid(incident)}, token=tenant_a.token)[0] == "hit"


@pytest.mark.django_db
class TestScopes:
    def test_a_revoked_role_is_refused_not_served_from_the_cache(self, client, tenant_a, incident):
        designer, token = tenant_a.user(system_roles=["workflow_creator"])
        variables = {"id": gid(incident)}
        read(client, WORKFLOW, variables, token=token)
        assert read(client, WORKFLOW, variables, token=token)[0] == "hit"
        _, body = read(
            client,
            "mutation($id: ID!) { updateUserRoles(userId: $id, systemRoles: [], companyRoles: []) "
            "{ errors { code } } }",
            {"id": gid(designer)},
            token=tenant_a.token,
        )
        assert body["data"]["updateUserRoles"]["errors"] == []
        status, body = read(client, WORKFLOW, variables, token=token)
        assert status == "miss"
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    def test_users_with_other_scopes_get_their_own_answers(self, client, tenant_a, tenant_b, incident):
        _agent, agent_token = tenant_a.user(company_roles=["support_agent"])
        build_ticket_definition(incident, title="For agents", roles=["support_agent"])
        build_ticket_definition(incident, title="Internal", roles=[])
        answers = {}
        for name, token in (("designer", tenant_a.token), ("agent", agent_token), ("other company", tenant_b.token)):
            read(client, TICKETS, token=token)
            status, body = read(client, TICKETS, token=token)
            assert status == "hit", name
            answers[name] = sorted(e["node"]["title"] for e in body["data"]["ticketDefinitions"]["edges"])
        assert answers == {"designer": ["For agents", "Internal"], "agent": ["For agents"], "other company": []}

    def test_a_granted_role_is_seen_at_once(self, client, tenant_a, incident):
        tenant_a.user(company_roles=["support_agent"])
        build_ticket_definition(incident, title="For agents", roles=["support_agent"])
        user, token = tenant_a.user()
        read(client, TICKETS, token=token)
        assert read(client, TICKETS, token=token)[1]["data"]["ticketDefinitions"]["totalCount"] == 0
        _, body = read(
            client,
            'mutation($id: ID!) { updateUserRoles(userId: $id, systemRoles: [], companyRoles: ["support_agent"]) '
            "{ errors { code } } }",
            {"id": gid(user)},
            token=tenant_a.token,
        )
        assert body["data"]["updateUserRoles"]["errors"] == []
        status, body = read(client, TICKETS, token=token)
        assert status == "miss"
        assert body["data"]["ticketDefinitions"]["edges"] == [{"node": {"title": "For agents"}}]


@pytest.mark.django_db
class TestGenerations:
    """users.generations: role membership changed from either side moves the generation."""

    @pytest.mark.parametrize("change", ["add", "remove", "clear"])
    def test_group_side_membership_changes(self, tenant_a, tenant_b, change):
        from django.contrib.auth.models import Group

        group = Group.objects.create(name="shared-test-group")
        users = [tenant_a.user()[0], tenant_b.user()[0]]
        if change != "add":
            group.user_set.add(*users)

        def generations():
            return list(
                Company.objects.filter(pk__in=[u.company_id for u in users])
                .order_by("pk")
                .values_list("data_generation")
            )

        before = generations()
        if change == "clear":
            group.user_set.clear()
        else:
            getattr(group.user_set, change)(*users)
        assert all(after > was for (after,), (was,) in zip(generations(), before, strict=True))
