"""Concurrent requests that race for the same name or row, through a live server on PostgreSQL:
every answer is a located problem (DUPLICATE, IN_USE, NOT_FOUND, UNKNOWN_ROLE or VERSION_CONFLICT
for a transaction PostgreSQL aborted), never a top-level error, and what is stored stays whole."""

import threading

import psycopg
import pytest
from django.core.cache import caches
from django.db import OperationalError, connection

from conftest import PASSWORD, Tenant
from tests.support.documents import example
from tests.support.http import Reply, post_graphql
from tests.support.ids import gid
from users import services
from users.models import CompanyRole, RefreshToken, User
from users.tokens import refresh_token_hash
from workflow_design.models import TicketDefinition, WorkflowDefinition
from workflow_design.services import workflow_upload

pytestmark = pytest.mark.slow  # a live server and parallel requests

ROUNDS = 8
CREATE_ROLE = """mutation($name: String!) {
  createCompanyRole(name: $name) { companyRole { name } errors { code path } } }"""
DELETE_ROLE = "mutation($name: String!) { deleteCompanyRole(name: $name) { ok errors { code path } } }"
DELETE_WORKFLOW = """mutation($id: ID!) {
  deleteWorkflowDefinition(id: $id, expectedVersion: 1) { ok errors { code path } } }"""
UPLOAD_TICKET = """mutation($input: TicketDefinitionInput!) {
  uploadTicketDefinition(input: $input) { ticketDefinition { id } errors { code path } } }"""
UPDATE_ROLES = """mutation($id: ID!, $roles: [String!]!) {
  updateUserRoles(userId: $id, systemRoles: [], companyRoles: $roles) { errors { code path } } }"""
SIGN_UP = """mutation($input: CreateCompanyInput!) {
  createCompany(input: $input) { user { username } errors { code path } } }"""
REFRESH = """mutation($token: String!) {
  refreshToken(refreshToken: $token) { accessToken refreshToken errors { code path } } }"""

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions and row locks are tested on PostgreSQL"
)


def at_once(url: str, requests: list[tuple[str, dict, str | None]]) -> list[Reply]:
    """Sends the (query, variables, token) requests at the same moment; the replies in their order."""
    barrier = threading.Barrier(len(requests))
    replies: list[Reply | None] = [None] * len(requests)

    def send(index: int, query: str, variables: dict, token: str | None) -> None:
        barrier.wait()
        replies[index] = post_graphql(url, query, variables, token=token)

    threads = [threading.Thread(target=send, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return replies


def payloads(replies: list[Reply], field: str) -> list[dict]:
    """Each reply's mutation payload, once every reply is known to be an HTTP 200 without top-level errors."""
    for reply in replies:
        assert reply is not None
        assert reply.status == 200, reply.summary()
        assert reply.top_errors == [], reply.summary()
    return [reply.field(field) for reply in replies]


def located(payload: dict) -> list[tuple[str, str]]:
    return [(problem["code"], problem["path"]) for problem in payload["errors"]]


RETRY = [("VERSION_CONFLICT", "")]  # a transaction PostgreSQL aborted for a concurrent one


@pytest.fixture
def races(live_server, settings):
    """A company on a live server, sign-ups unthrottled and hashed fast (several per round)."""
    settings.SIGNUP_RATE = "10000/h"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    caches["throttles"].clear()
    return Tenant("Races"), f"{live_server.url}/graphql/"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_one_name_created_at_once_is_one_role_and_duplicates(races):
    tenant, url = races
    for round_number in range(ROUNDS):
        name = f"role_{round_number}"
        replies = at_once(url, [(CREATE_ROLE, {"name": name}, tenant.token)] * 4)
        outcomes = sorted(located(payload) for payload in payloads(replies, "createCompanyRole"))
        assert outcomes == [[]] + [[("DUPLICATE", "/name")]] * 3, outcomes
        assert CompanyRole.objects.filter(company=tenant.company, name=name).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_one_username_in_other_cases_signs_up_once(races):
    _tenant, url = races
    for round_number in range(ROUNDS):
        variants = [f"Alice{round_number}", f"alice{round_number}", f"ALICE{round_number}"]
        requests = [
            (
                SIGN_UP,
                {
                    "input": {
                        "companyName": f"C {name}",
                        "username": name,
                        "email": "a@example.com",
                        "password": PASSWORD,
                    }
                },
                None,
            )
            for name in variants
        ]
        outcomes = sorted(located(payload) for payload in payloads(at_once(url, requests), "createCompany"))
        assert outcomes == [[]] + [[("DUPLICATE", "/username")]] * 2, outcomes
        assert User.objects.filter(username__iexact=variants[0]).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_workflow_deleted_while_ticket_definitions_are_uploaded_onto_it(races):
    tenant, url = races
    for round_number in range(ROUNDS):
        workflow = workflow_upload(acting_user=tenant.admin, document=example()).row
        ticket = {"title": f"Ticket {round_number}", "workflowId": gid(workflow), "fields": {"service": "x"}}
        replies = at_once(
            url,
            [
                (DELETE_WORKFLOW, {"id": gid(workflow)}, tenant.token),
                (UPLOAD_TICKET, {"input": ticket}, tenant.token),
                (UPLOAD_TICKET, {"input": ticket | {"title": "Another"}}, tenant.token),
            ],
        )
        deleted, *uploads = payloads(replies[:1], "deleteWorkflowDefinition") + payloads(
            replies[1:], "uploadTicketDefinition"
        )
        stored = TicketDefinition.objects.filter(workflow_id=workflow.pk).count()
        if deleted["ok"]:
            assert not WorkflowDefinition.objects.filter(pk=workflow.pk).exists()
            assert stored == 0
            assert all(located(upload) in ([("NOT_FOUND", "/workflowId")], RETRY) for upload in uploads), uploads
        else:
            assert located(deleted) in ([("IN_USE", "/id")], RETRY), deleted
            assert stored == sum(upload["errors"] == [] for upload in uploads)
            assert all(located(upload) in ([], RETRY) for upload in uploads), uploads
            TicketDefinition.objects.filter(workflow_id=workflow.pk).delete()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_role_deleted_while_ticket_definitions_grant_it(races):
    tenant, url = races
    workflow = workflow_upload(acting_user=tenant.admin, document=example()).row
    for round_number in range(ROUNDS):
        name = f"agent_{round_number}"
        tenant.user(company_roles=[name])
        ticket = {"title": f"Ticket {round_number}", "workflowId": gid(workflow), "companyRoleAccess": [name]}
        replies = at_once(
            url,
            [(DELETE_ROLE, {"name": name}, tenant.token), (UPLOAD_TICKET, {"input": ticket}, tenant.token)],
        )
        deleted = payloads(replies[:1], "deleteCompanyRole")[0]
        uploaded = payloads(replies[1:], "uploadTicketDefinition")[0]
        if deleted["ok"]:
            assert located(uploaded) in ([("UNKNOWN_ROLE", "/companyRoleAccess/0")], RETRY), uploaded
            assert not TicketDefinition.objects.filter(title=ticket["title"]).exists()
        else:
            assert located(deleted) in ([("IN_USE", "/name")], RETRY), deleted
            assert located(uploaded) in ([], RETRY), uploaded


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_role_deleted_while_it_is_given_to_a_user(races):
    tenant, url = races
    user, _ = tenant.user()
    for round_number in range(ROUNDS):
        name = f"agent_{round_number}"
        CompanyRole.objects.create_with_group(company_id=tenant.company.pk, name=name)
        replies = at_once(
            url,
            [
                (DELETE_ROLE, {"name": name}, tenant.token),
                (UPDATE_ROLES, {"id": gid(user), "roles": [name]}, tenant.token),
            ],
        )
        deleted = payloads(replies[:1], "deleteCompanyRole")[0]
        given = payloads(replies[1:], "updateUserRoles")[0]
        # Holders do not keep a role from going: the update wins (then loses the role) or finds it gone.
        assert located(deleted) in ([], RETRY), deleted
        assert located(given) in ([], [("UNKNOWN_ROLE", "/companyRoles/0")], RETRY), given
        assert CompanyRole.objects.filter(company=tenant.company, name=name).exists() == bool(deleted["errors"])


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_one_refresh_token_used_at_once_gets_one_successor(races):
    """Tabs refreshing with one token at the same moment: they queue on the token's row lock, the first rotates
    it and the others get the same successor; nobody is logged out, and the family holds one live token."""
    tenant, url = races
    for _ in range(ROUNDS):
        first = services.token_pair_issue(user=tenant.admin).refresh_token
        refreshed = payloads(at_once(url, [(REFRESH, {"token": first}, None)] * 3), "refreshToken")
        assert [located(payload) for payload in refreshed] == [[]] * 3, refreshed
        (successor,) = {payload["refreshToken"] for payload in refreshed}
        family = RefreshToken.objects.filter(
            family=RefreshToken.objects.get(token_hash=refresh_token_hash(first)).family
        )
        assert family.count() == 2
        assert family.get(revoked_at__isnull=True).token_hash == refresh_token_hash(successor)


@pytest.mark.django_db
@pytest.mark.parametrize("mutation", ["createCompanyRole", "uploadWorkflow"])
def test_a_transaction_lost_to_a_concurrent_one_is_a_located_conflict(gql, tenant_a, monkeypatch, mutation):
    """Whatever deadlock or serialization failure is left (PostgreSQL picks a victim and rolls it back)
    is answered in the payload, for the client to retry, instead of DATABASE_UNAVAILABLE."""

    def deadlock(**_):
        raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected("deadlock detected")

    if mutation == "createCompanyRole":
        monkeypatch.setattr("users.services.company_role_create", deadlock)
        body = gql.post(CREATE_ROLE, {"name": "sre"}, token=tenant_a.token)
    else:
        monkeypatch.setattr("workflow_design.services._workflow_write", deadlock)
        body = gql.post(
            "mutation($input: WorkflowInput!) { uploadWorkflow(input: $input) { errors { code path } } }",
            {"input": example()},
            token=tenant_a.token,
        )
    assert "errors" not in body, body["errors"]
    assert body["data"][mutation]["errors"] == [{"code": "VERSION_CONFLICT", "path": ""}]
