"""The database itself refuses incoherent definitions, whatever code writes them."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from tests.builders import build_ticket_definition, build_workflow
from workflow_design.models import TaskDefinition, WorkflowTransition

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="composite foreign keys and raw deferred-constraint checks exist on PostgreSQL only",
)


def check_constraints_now() -> None:
    """Django's foreign keys are deferred to commit; check them immediately, inside the test's transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        else:
            connection.check_constraints()


def task(workflow, **overrides) -> TaskDefinition:
    fields = {
        "company_id": workflow.company_id,
        "workflow": workflow,
        "key": "extra",
        "title": "Extra",
        "task_type": "FORM",
    }
    return TaskDefinition(**(fields | overrides))


@pytest.mark.django_db
class TestConstraints:
    def test_unknown_task_type_is_refused(self, tenant_a):
        workflow = build_workflow(tenant_a.admin)
        with pytest.raises(IntegrityError, match="task_type_valid"), transaction.atomic():
            task(workflow, task_type="MANUAL").save()

    def test_duplicate_task_key_in_a_workflow_is_refused(self, tenant_a):
        workflow = build_workflow(tenant_a.admin)
        with pytest.raises(IntegrityError), transaction.atomic():
            task(workflow, key="t0").save()
        task(build_workflow(tenant_a.admin, title="Other", tasks=0), key="t0").save()  # fine in another workflow

    def test_deleting_a_used_workflow_is_refused_by_the_orm(self, tenant_a):
        workflow = build_workflow(tenant_a.admin)
        build_ticket_definition(workflow)
        with pytest.raises(ProtectedError):
            workflow.delete()

    @postgresql_only
    def test_deleting_a_used_workflow_is_refused_by_the_database(self, tenant_a):
        workflow = build_workflow(tenant_a.admin)
        build_ticket_definition(workflow)
        with pytest.raises(IntegrityError, match="ticket_definitions"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM workflow_transitions WHERE workflow_id = %s", [workflow.pk])
                cursor.execute("DELETE FROM task_definitions WHERE workflow_id = %s", [workflow.pk])
                cursor.execute("DELETE FROM workflow_definitions WHERE id = %s", [workflow.pk])
            check_constraints_now()

    @postgresql_only
    def test_task_of_another_companys_workflow_is_refused(self, tenant_a, tenant_b):
        foreign_workflow = build_workflow(tenant_b.admin)
        with pytest.raises(IntegrityError, match="task_definitions_workflow_company_fk"), transaction.atomic():
            task(foreign_workflow, company_id=tenant_a.company.pk).save()
            check_constraints_now()

    @postgresql_only
    def test_transition_to_a_task_of_another_workflow_is_refused(self, tenant_a):
        first = build_workflow(tenant_a.admin, title="First")
        second = build_workflow(tenant_a.admin, title="Second")
        with pytest.raises(IntegrityError, match="workflow_transitions_to_task_workflow_fk"), transaction.atomic():
            WorkflowTransition.objects.create(
                company_id=tenant_a.company.pk, workflow=first, from_task=None, to_task=second.tasks.first()
            )
            check_constraints_now()

    @postgresql_only
    def test_ticket_definition_on_another_companys_workflow_is_refused(self, tenant_a, tenant_b):
        ticket = build_ticket_definition(build_workflow(tenant_a.admin))
        foreign_workflow = build_workflow(tenant_b.admin)
        ticket.workflow = foreign_workflow
        with pytest.raises(IntegrityError, match="ticket_definitions_workflow_company_fk"), transaction.atomic():
            ticket.save()
            check_constraints_now()
