"""Rows written straight through the ORM, for tests of the data model and the read API
(the upload path has its own tests). Like the services, they move the company's data
generation, so that no cached answer outlives them."""

from users.generations import company_data_changed
from users.models import User
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.services import ticket_definition_access_sync


def build_workflow(user: User, *, title: str = "Incident", tasks: int = 3) -> WorkflowDefinition:
    """A chain start -> t0 -> t1 -> ... -> end, with one ticket definition."""
    workflow = WorkflowDefinition.objects.create(
        company_id=user.company_id,
        title=title,
        created_by=user,
        ext_ref=[{"Label": "Runbook", "Desc": "How to", "URI": "https://wiki.example.com/rb"}],
        fields=[{"FieldName": "service", "FieldType": "string"}],
    )
    task_rows = TaskDefinition.objects.bulk_create(
        TaskDefinition(
            company_id=user.company_id,
            workflow=workflow,
            key=f"t{i}",
            position=i,
            title=f"Task {i}",
            task_type="FORM",
            output_schema={"type": "object", "properties": {"done": {"type": "boolean"}}},
            created_by=user,
        )
        for i in range(tasks)
    )
    ends = [None, *task_rows]
    WorkflowTransition.objects.bulk_create(
        WorkflowTransition(company_id=user.company_id, workflow=workflow, from_task=a, to_task=b, position=i)
        for i, (a, b) in enumerate(zip(ends, [*task_rows, None], strict=True))
    )
    company_data_changed(company_id=user.company_id)
    return workflow


def build_ticket_definition(
    workflow: WorkflowDefinition, *, title: str = "Outage", roles: list[str] = ()
) -> TicketDefinition:
    ticket = TicketDefinition.objects.create(
        company_id=workflow.company_id,
        workflow=workflow,
        title=title,
        fields={"service": "checkout"},
        company_role_access=list(roles),
        created_by=workflow.created_by,
    )
    ticket_definition_access_sync(ticket_definition=ticket)
    company_data_changed(company_id=workflow.company_id)
    return ticket
