"""Who may call each mutation (generated from the schema), and that another company's
objects are NOT_FOUND to every mutation, exactly like a nonexistent id."""

import pytest
from graphql import get_named_type, is_list_type, is_non_null_type
from strawberry.permission import PermissionExtension
from strawberry.utils.str_converters import to_camel_case

from conftest import PASSWORD
from kernel.global_ids import global_id
from schema import Mutation, schema
from tests.builders import build_ticket_definition
from tests.support.documents import example
from tests.support.ids import gid
from workflow_design.services import workflow_upload

MUTATIONS = sorted(schema._schema.mutation_type.fields.items())
STRAWBERRY_MUTATIONS = {to_camel_case(f.python_name): f for f in Mutation.__strawberry_definition__.fields}
PUBLIC = {"createCompany", "login", "refreshToken"}
UNUSED_PK = 987654321
UNUSED_WORKFLOW_ID = global_id("WorkflowDefinition", UNUSED_PK)
SAMPLES = {
    "ID": UNUSED_WORKFLOW_ID,
    "Int": 1,
    "String": "sample",
    "WorkflowInput": example(),
    "TaskInput": example()["tasks"][0],
    "TicketDefinitionInput": {"title": "T", "workflowId": UNUSED_WORKFLOW_ID},
    "CreateUserInput": {"username": "someone", "email": "s@example.com", "password": PASSWORD},
    "CreateCompanyInput": {"companyName": "C", "username": "u", "email": "u@example.com", "password": PASSWORD},
}


def call(name: str, field) -> tuple[str, dict]:
    required = {n: a for n, a in field.args.items() if is_non_null_type(a.type)}
    values = {}
    for arg_name, arg in required.items():
        inner = arg.type.of_type
        values[arg_name] = [] if is_list_type(inner) else SAMPLES[get_named_type(arg.type).name]
    declared = ", ".join(f"${n}: {a.type}" for n, a in required.items())
    passed = ", ".join(f"{n}: ${n}" for n in required)
    return f"mutation({declared}) {{ {name}({passed}) {{ __typename }} }}", values


def required_permission(name: str) -> str | None:
    """The system permission a mutation needs, "login", or None for a public one."""
    for extension in STRAWBERRY_MUTATIONS[name].extensions:
        if isinstance(extension, PermissionExtension):
            for permission in extension.permissions:
                return getattr(permission, "permission", "login")
    return None


def test_every_mutation_is_public_on_purpose_or_guarded():
    unguarded = {name for name, _ in MUTATIONS if required_permission(name) is None}
    assert unguarded == PUBLIC


GUARDED = [m for m in MUTATIONS if m[0] not in PUBLIC]
NEEDS_SYSTEM_ROLE = [m for m in GUARDED if required_permission(m[0]) != "login"]


def mutation_ids(value) -> str:
    return value if isinstance(value, str) else ""


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "field"), GUARDED, ids=mutation_ids)
def test_anonymous_gets_unauthenticated(gql, name, field):
    query, values = call(name, field)
    body = gql.post(query, values)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "field"), NEEDS_SYSTEM_ROLE, ids=mutation_ids)
def test_user_without_the_system_role_gets_forbidden(gql, tenant_a, name, field):
    _, token = tenant_a.user(company_roles=["support_agent"])
    query, values = call(name, field)
    body = gql.post(query, values, token=token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body


@pytest.fixture
def company_a(tenant_a):
    workflow = workflow_upload(acting_user=tenant_a.admin, document=example()).row
    ticket = build_ticket_definition(workflow)
    return workflow, ticket


def both_answers(gql, tenant, query: str, foreign: dict, nonexistent: dict) -> tuple[dict, dict]:
    return gql.post(query, foreign, token=tenant.token), gql.post(query, nonexistent, token=tenant.token)


@pytest.mark.django_db
class TestAnotherCompanysObjectsAreNotFound:
    def test_edit_workflow(self, gql, tenant_b, company_a):
        workflow, _ = company_a
        query = """mutation($input: WorkflowInput!) {
          uploadWorkflow(input: $input) { workflow { id } errors { code message path } } }"""
        foreign, nonexistent = both_answers(
            gql,
            tenant_b,
            query,
            {"input": {**example(), "id": gid(workflow), "expectedVersion": 1}},
            {"input": {**example(), "id": UNUSED_WORKFLOW_ID, "expectedVersion": 1}},
        )
        assert foreign["data"]["uploadWorkflow"]["errors"][0]["code"] == "NOT_FOUND"
        assert_same_answer(foreign, nonexistent, gid(workflow), UNUSED_WORKFLOW_ID)

    def test_upload_task(self, gql, tenant_b, company_a):
        workflow, _ = company_a
        query = """mutation($id: ID!, $task: TaskInput!) {
          uploadTaskDefinition(workflowId: $id, expectedVersion: 1, input: $task) {
            task { id } errors { code message path } } }"""
        task = example()["tasks"][0]
        foreign, nonexistent = both_answers(
            gql, tenant_b, query, {"id": gid(workflow), "task": task}, {"id": UNUSED_WORKFLOW_ID, "task": task}
        )
        assert foreign["data"]["uploadTaskDefinition"]["errors"] == [
            {"code": "NOT_FOUND", "message": f"no workflow with id {gid(workflow)}", "path": "/workflowId"}
        ]
        assert_same_answer(foreign, nonexistent, gid(workflow), UNUSED_WORKFLOW_ID)

    def test_ticket_definition_on_another_companys_workflow(self, gql, tenant_b, company_a):
        workflow, _ = company_a
        query = """mutation($input: TicketDefinitionInput!) {
          uploadTicketDefinition(input: $input) { ticketDefinition { id } errors { code message path } } }"""
        foreign, nonexistent = both_answers(
            gql,
            tenant_b,
            query,
            {"input": {"title": "Outage", "workflowId": gid(workflow)}},
            {"input": {"title": "Outage", "workflowId": UNUSED_WORKFLOW_ID}},
        )
        assert foreign["data"]["uploadTicketDefinition"]["errors"][0]["code"] == "NOT_FOUND"
        assert foreign["data"]["uploadTicketDefinition"]["errors"][0]["path"] == "/workflowId"
        assert_same_answer(foreign, nonexistent, gid(workflow), UNUSED_WORKFLOW_ID)

    @pytest.mark.parametrize("mutation", ["deleteWorkflowDefinition", "deleteTicketDefinition"])
    def test_delete(self, gql, tenant_b, company_a, mutation):
        workflow, ticket = company_a
        target = workflow if mutation == "deleteWorkflowDefinition" else ticket
        unused = global_id(type(target), UNUSED_PK)
        query = (
            f"mutation($id: ID!) {{ {mutation}(id: $id, expectedVersion: 1) {{ ok errors {{ code message path }} }} }}"
        )
        foreign, nonexistent = both_answers(gql, tenant_b, query, {"id": gid(target)}, {"id": unused})
        assert foreign["data"][mutation]["errors"][0]["code"] == "NOT_FOUND"
        assert_same_answer(foreign, nonexistent, gid(target), unused)
        target.refresh_from_db()  # still there


@pytest.mark.django_db
class TestAnIdOfAnotherTypeIsNotFound:
    """A global id of another type answers like an unknown id of the right type, at its pointer."""

    def test_upload_task_with_a_tasks_id_for_the_workflow(self, gql, tenant_a, company_a):
        workflow, _ = company_a
        task_id = gid(workflow.tasks.first())
        query = """mutation($id: ID!, $task: TaskInput!) {
          uploadTaskDefinition(workflowId: $id, expectedVersion: 1, input: $task) { errors { code message path } } }"""
        task = example()["tasks"][0]
        wrong, unknown = both_answers(
            gql, tenant_a, query, {"id": task_id, "task": task}, {"id": UNUSED_WORKFLOW_ID, "task": task}
        )
        assert wrong["data"]["uploadTaskDefinition"]["errors"][0]["path"] == "/workflowId"
        assert_same_answer(wrong, unknown, task_id, UNUSED_WORKFLOW_ID)

    def test_edit_a_ticket_definition_with_its_workflows_id(self, gql, tenant_a, company_a):
        workflow, _ = company_a
        query = """mutation($input: TicketDefinitionInput!) {
          uploadTicketDefinition(input: $input) { errors { code message path } } }"""
        edit = {"title": "Outage", "workflowId": gid(workflow), "expectedVersion": 1}
        unused = global_id("TicketDefinition", UNUSED_PK)
        wrong, unknown = both_answers(
            gql, tenant_a, query, {"input": edit | {"id": gid(workflow)}}, {"input": edit | {"id": unused}}
        )
        assert wrong["data"]["uploadTicketDefinition"]["errors"] == [
            {"code": "NOT_FOUND", "message": f"no ticket definition with id {gid(workflow)}", "path": "/id"}
        ]
        assert_same_answer(wrong, unknown, gid(workflow), unused)

    def test_delete_a_workflow_by_a_users_id(self, gql, tenant_a, company_a):
        user_id = gid(tenant_a.admin)
        query = "mutation($id: ID!) { deleteWorkflowDefinition(id: $id, expectedVersion: 1) { errors { code path } } }"
        wrong, unknown = both_answers(gql, tenant_a, query, {"id": user_id}, {"id": UNUSED_WORKFLOW_ID})
        assert wrong["data"]["deleteWorkflowDefinition"]["errors"] == [{"code": "NOT_FOUND", "path": "/id"}]
        assert wrong == unknown


def assert_same_answer(foreign: dict, nonexistent: dict, foreign_id: str, nonexistent_id: str) -> None:
    """Identical but for the id the caller sent themselves."""
    assert str(foreign).replace(foreign_id, "<id>") == str(nonexistent).replace(nonexistent_id, "<id>")
