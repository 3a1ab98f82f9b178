"""PostgreSQL row-level security (kernel/row_security.py, ticketflower/tenancy.py, ticketflower/postgresql):
a query that forgot its scoping rule still sees only the acting company's rows.

The application's role (settings.DATABASE_APP_ROLE) does not own the tables; each request's transactions carry
its scope. Here: the policies on every company-owned table; the scoping rules deliberately bypassed, with the
API and with raw ORM queries still answering only the acting company's rows (every request of the suite runs
as the application's role: conftest.py); writes into another company refused; no scope, no rows; the scope
set per transaction, in autocommit and in transaction blocks, and gone after it (as transaction pooling needs).
"""

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from psycopg import sql

from kernel import scoping
from kernel.global_ids import global_id
from kernel.row_security import across_companies, acting_for_company, authenticating
from tests.builders import build_ticket_definition, build_workflow
from tests.support.operations import LIST, ONE
from users.models import Company, CompanyRole, User
from users.services import company_role_create
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-level security is PostgreSQL's (SQLite is for development only)"
    ),
    pytest.mark.statement_scope_exempt,  # queries that forgot their company, on purpose
]

COMPANY_OWNED = [Company, User, CompanyRole, WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition]


def as_application_role():
    """The application's role until the test's transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(settings.DATABASE_APP_ROLE)))


def as_owner_again():
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def setting(name: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [name])
        return cursor.fetchone()[0]


@pytest.fixture
def two_companies(tenant_a, tenant_b):
    """Each company with a workflow (tasks, transitions), a ticket definition and a company role."""
    for tenant in (tenant_a, tenant_b):
        build_ticket_definition(build_workflow(tenant.admin, title=f"{tenant.company.name} flow"))
        company_role_create(acting_user=tenant.admin, name="agent", description="")
    return tenant_a, tenant_b


@pytest.mark.django_db
def test_every_company_owned_table_has_the_policy():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name = 'company_id'"
        )
        owned = {row[0] for row in cursor.fetchall()} | {"company"}
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_policies p ON p.tablename = c.relname "
            "WHERE c.relrowsecurity AND NOT c.relforcerowsecurity AND p.policyname = 'tenant_isolation'"
        )
        secured = {row[0] for row in cursor.fetchall()}
    assert owned == {model._meta.db_table for model in COMPANY_OWNED} | {"workflow_versions"}
    assert owned <= secured, f"company-owned tables without row-level security: {sorted(owned - secured)}"


@pytest.mark.django_db
def test_the_application_role_owns_nothing_and_bypasses_nothing():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = %s",
            [settings.DATABASE_APP_ROLE],
        )
        assert cursor.fetchone() == (False, False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = %s",
            [settings.DATABASE_APP_ROLE],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT has_table_privilege(%s, 'django_migrations', 'INSERT')", [settings.DATABASE_APP_ROLE])
        assert cursor.fetchone()[0] is False


@pytest.mark.django_db
def test_raw_orm_queries_see_only_the_acting_company(two_companies):
    a, b = two_companies
    # The owner sees both companies: the queries below are not narrowed by anything of their own.
    assert WorkflowDefinition.objects.count() == 2
    as_application_role()
    with acting_for_company(a.company.pk):
        for model in COMPANY_OWNED:
            company_ids = {row.pk if model is Company else row.company_id for row in model._default_manager.all()}
            assert company_ids == {a.company.pk}, model.__name__
        assert WorkflowDefinition.objects.get().title == "Acme flow"
        assert not WorkflowDefinition.objects.filter(company_id=b.company.pk).exists()


@pytest.mark.django_db
def test_with_the_scoping_rules_bypassed_the_api_still_answers_one_company(two_companies, gql, monkeypatch):
    a, b = two_companies
    b_workflow = WorkflowDefinition.objects.get(company=b.company)
    for model in (WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition):
        monkeypatch.setitem(scoping._rules, model, lambda queryset, user: queryset)
    listed = gql.data(LIST, token=a.token)["workflowDefinitions"]
    assert [edge["node"]["title"] for edge in listed["edges"]] == ["Acme flow"]
    assert listed["totalCount"] == 1
    foreign = global_id(WorkflowDefinition, b_workflow.pk)
    assert gql.data(ONE, {"id": foreign}, token=a.token)["workflowDefinition"] is None
    tasks = gql.data("{ taskDefinitions(first: 100) { totalCount } }", token=a.token)
    assert tasks["taskDefinitions"]["totalCount"] == 3


@pytest.mark.django_db
def test_writes_into_another_company_are_refused(two_companies):
    a, b = two_companies
    as_application_role()
    with acting_for_company(a.company.pk):
        assert WorkflowDefinition.objects.filter(company=b.company).update(title="taken over") == 0
        assert WorkflowDefinition.objects.filter(company=b.company).delete()[0] == 0
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            WorkflowDefinition.objects.create(company=b.company, title="planted")
    as_owner_again()
    assert list(WorkflowDefinition.objects.filter(company=b.company).values_list("title", flat=True)) == ["Globex flow"]


@pytest.mark.django_db
def test_no_scope_no_rows_and_the_wider_scopes(two_companies):
    as_application_role()
    assert not WorkflowDefinition.objects.exists()
    assert not User.objects.exists()
    with authenticating():
        assert User.objects.count() == 2
        assert Company.objects.count() == 2
        assert not WorkflowDefinition.objects.exists()
        assert not CompanyRole.objects.exists()
    with across_companies():
        assert WorkflowDefinition.objects.count() == 2
        assert CompanyRole.objects.count() == 2


@pytest.mark.django_db
def test_the_scope_follows_changes_within_one_transaction(two_companies):
    a, b = two_companies
    as_application_role()
    with acting_for_company(a.company.pk):
        assert WorkflowDefinition.objects.get().company_id == a.company.pk
    with acting_for_company(b.company.pk):
        assert WorkflowDefinition.objects.get().company_id == b.company.pk
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")  # the savepoint's rollback ...
        assert WorkflowDefinition.objects.get().company_id == b.company.pk  # ... leaves the scope in place


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_each_statement_carries_its_scope_and_nothing_outlives_it(tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        build_workflow(tenant.admin, title=tenant.company.name)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(settings.DATABASE_APP_ROLE)))
    try:
        assert connection.get_autocommit()
        with acting_for_company(tenant_b.company.pk):
            assert list(WorkflowDefinition.objects.values_list("title", flat=True)) == ["Globex"]
            with transaction.atomic():
                assert WorkflowDefinition.objects.get().title == "Globex"
                assert setting("ticketflower.company_id") == str(tenant_b.company.pk)
        # A pooler hands the next transaction to another client: nothing of the scope is left.
        assert setting("ticketflower.company_id") == ""
        assert not WorkflowDefinition.objects.exists()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@pytest.mark.django_db(transaction=True)
def test_behind_a_transaction_pooler_the_statement_timeout_is_set_per_transaction(tenant_a, settings):
    settings.DATABASE_TRANSACTION_POOLING = True
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")  # what a pooled server session may have
    try:
        with acting_for_company(tenant_a.company.pk):
            assert setting("statement_timeout") == "15s"
            with transaction.atomic():
                assert setting("statement_timeout") == "15s"
        assert setting("statement_timeout") == "0"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
