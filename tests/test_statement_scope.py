"""The statement-scope plugin (tests/support/statement_scope.py), which checks the whole suite: what it counts as
naming the company, and that a statement sent for a company without it is caught."""

import pytest

from kernel.row_security import acting_for_company
from tests.support import statement_scope
from workflow_design.models import WorkflowDefinition

NAMED = [
    'SELECT "workflow_definitions"."id" FROM "workflow_definitions" WHERE "workflow_definitions"."company_id" = %s',
    'SELECT 1 FROM "task_definitions" WHERE ("task_definitions"."company_id" = 7 AND "task_definitions"."key" = %s)',
    'SELECT U0."id" FROM "ticket_definitions" U0 WHERE U0."company_id" IN (%s, %s)',
    'UPDATE "company" SET "data_generation" = ("company"."data_generation" + %s) WHERE "company"."id" = %s',
    # A join by company columns carries the company from a table that names it to one that does not.
    'SELECT "users"."id" FROM "users" INNER JOIN "company" ON ("users"."company_id" = "company"."id") '
    'WHERE "users"."company_id" = %s',
    'INSERT INTO "workflow_transitions" ("company_id", "workflow_id", "position") VALUES (%s, %s, %s)',
]
UNNAMED = [
    ('SELECT "workflow_definitions"."id" FROM "workflow_definitions"', ['"workflow_definitions"']),
    ('DELETE FROM "workflow_transitions" WHERE "workflow_transitions"."workflow_id" = %s', ['"workflow_transitions"']),
    # Joined by the workflow's id only: the joined table's company is not named.
    (
        'SELECT "workflow_versions"."id" FROM "workflow_versions" INNER JOIN "workflow_definitions" ON '
        '("workflow_versions"."workflow_id" = "workflow_definitions"."id") WHERE "workflow_versions"."company_id" = %s',
        ['"workflow_definitions"'],
    ),
    ('SELECT U0."id" FROM "company_roles" U0 WHERE U0."name" = %s', ["U0"]),
    ('INSERT INTO "task_definitions" ("workflow_id", "key") VALUES (%s, %s)', ['"task_definitions"']),
]


@pytest.mark.parametrize("statement", NAMED)
def test_statements_that_name_their_company(statement):
    assert statement_scope.unscoped_references(statement) == []


@pytest.mark.parametrize(("statement", "unscoped"), UNNAMED)
def test_statements_that_do_not(statement, unscoped):
    assert statement_scope.unscoped_references(statement) == unscoped


def test_tables_that_no_company_owns_are_not_checked():
    assert statement_scope.unscoped_references('SELECT "auth_group"."id" FROM "auth_group"') is None


@pytest.mark.django_db
def test_a_query_sent_for_a_company_without_naming_it_is_caught(tenant_a):
    with acting_for_company(tenant_a.company.pk):
        list(WorkflowDefinition.objects.all())  # no scoping rule applied: the statement names no company
    caught = list(statement_scope._current_test_violations)
    statement_scope._current_test_violations.clear()  # seen: this test's own teardown must not fail on it
    assert [verdict.unscoped for verdict in caught] == [['"workflow_definitions"']]
    assert caught[0].origin == "outside the application's code"
