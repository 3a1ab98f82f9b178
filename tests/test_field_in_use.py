"""A workflow edit cannot remove or retype a field that its ticket definitions give a value
(FIELD_IN_USE), over HTTP: the example's fields are service (string), reporterEmail (email)
and summary (text, read by no rule)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.documents import example
from tests.support.uploads import database_state, export, located, upload
from workflow_design import services
from workflow_design.models import TicketDefinition, WorkflowDefinition
from workflow_design.services import workflow_upload

UPLOAD_TICKET = """
mutation($input: TicketDefinitionInput!) {
  uploadTicketDefinition(input: $input) { ticketDefinition { id } errors { code message path } }
}"""
SUMMARY = 2  # the index of the summary field


@pytest.fixture
def incident(gql, tenant_a) -> dict:
    """The example workflow as uploaded (version 1), exported for editing."""
    created = upload(gql, tenant_a, example())["workflow"]
    return export(gql, tenant_a, created["id"])


def give_values(gql, tenant, workflow: dict, *titled_values: tuple[str, dict]) -> None:
    for title, values in titled_values:
        document = {"title": title, "workflowId": workflow["id"], "fields": values}
        payload = gql.data(UPLOAD_TICKET, {"input": document}, token=tenant.token)["uploadTicketDefinition"]
        assert payload["errors"] == []


def without_summary(workflow: dict) -> dict:
    return workflow | {"fields": [field for field in workflow["fields"] if field["fieldName"] != "summary"]}


def summary_typed(workflow: dict, field_type: str) -> dict:
    edited = workflow | {"fields": [dict(field) for field in workflow["fields"]]}
    edited["fields"][SUMMARY]["fieldType"] = field_type
    return edited


@pytest.mark.django_db
class TestFieldInUse:
    def test_removing_a_field_a_ticket_definition_gives_a_value_is_refused_and_writes_nothing(
        self, gql, tenant_a, incident
    ):
        give_values(gql, tenant_a, incident, ("Printer on fire", {"summary": "Smoke"}), ("Outage", {}))
        before = database_state()
        payload = upload(gql, tenant_a, without_summary(incident))
        assert payload["workflow"] is None
        assert located(payload["errors"]) == [("FIELD_IN_USE", "/fields")]
        message = payload["errors"][0]["message"]
        assert "'summary'" in message
        assert "1 ticket definition ('Printer on fire') gives it a value" in message
        assert "Outage" not in message
        assert database_state() == before
        assert WorkflowDefinition.objects.get().version == 1

    def test_a_null_value_is_a_value_too(self, gql, tenant_a, incident):
        give_values(gql, tenant_a, incident, ("Printer on fire", {"summary": None}))
        payload = upload(gql, tenant_a, without_summary(incident))
        assert located(payload["errors"]) == [("FIELD_IN_USE", "/fields")]

    def test_the_message_names_five_ticket_definitions_and_counts_them_all(self, gql, tenant_a, incident):
        give_values(gql, tenant_a, incident, *((f"Ticket {n}", {"summary": "x"}) for n in range(7)))
        message = upload(gql, tenant_a, without_summary(incident))["errors"][0]["message"]
        assert "7 ticket definitions ('Ticket 0', 'Ticket 1', 'Ticket 2', 'Ticket 3', 'Ticket 4' and 2 more)" in message
        assert "Remove the value from those ticket definitions first, or keep the field." in message

    def test_a_retype_the_stored_values_do_not_fit_is_refused_at_the_field_type(self, gql, tenant_a, incident):
        give_values(gql, tenant_a, incident, ("Printer on fire", {"summary": "Smoke"}), ("Quiet", {"summary": None}))
        payload = upload(gql, tenant_a, summary_typed(incident, "integer"))
        assert located(payload["errors"]) == [("FIELD_IN_USE", f"/fields/{SUMMARY}/fieldType")]
        message = payload["errors"][0]["message"]
        assert "The field 'summary' changes from text to integer" in message
        assert "('Printer on fire')" in message
        assert "Quiet" not in message  # null fits every type
        assert "not an integer" in message
        assert WorkflowDefinition.objects.get().version == 1

    def test_a_retype_every_stored_value_fits_is_accepted(self, gql, tenant_a, incident):
        give_values(gql, tenant_a, incident, ("Printer on fire", {"summary": "Smoke"}))
        payload = upload(gql, tenant_a, summary_typed(incident, "string"))
        assert payload["errors"] == []
        assert payload["workflow"]["version"] == 2

    def test_removing_a_field_no_ticket_definition_gives_a_value_is_accepted(self, gql, tenant_a, incident):
        give_values(gql, tenant_a, incident, ("Outage", {"service": "checkout"}))
        payload = upload(gql, tenant_a, without_summary(incident))
        assert payload["errors"] == []
        assert payload["workflow"]["version"] == 2

    def test_ticket_definitions_are_read_only_when_a_field_is_removed_or_retyped(self, gql, tenant_a, incident):
        give_values(gql, tenant_a, incident, ("Outage", {"service": "checkout"}))

        def reads_of_ticket_definitions(document: dict) -> int:
            with CaptureQueriesContext(connection) as captured:
                assert upload(gql, tenant_a, document)["errors"] == []
            return sum('FROM "ticket_definitions"' in query["sql"] for query in captured)

        assert reads_of_ticket_definitions(incident | {"title": "Retitled"}) == 0
        assert reads_of_ticket_definitions(without_summary(incident) | {"expectedVersion": 2}) == 1

    def test_a_workflow_edit_between_a_ticket_definitions_validation_and_its_write(
        self, gql, tenant_a, incident, monkeypatch
    ):
        """The edit checked FIELD_IN_USE before this definition existed; the definition's write, under
        the workflow's lock, sees the field gone."""
        validate = services.validate_ticket_definition

        def validate_then_edit(document, **context):
            problems = validate(document, **context)
            workflow_upload(acting_user=tenant_a.admin, document=without_summary(incident))
            return problems

        monkeypatch.setattr(services, "validate_ticket_definition", validate_then_edit)
        document = {"title": "Late", "workflowId": incident["id"], "fields": {"summary": "Smoke"}}
        payload = gql.data(UPLOAD_TICKET, {"input": document}, token=tenant_a.token)["uploadTicketDefinition"]
        assert located(payload["errors"]) == [("UNKNOWN_FIELD", "/fields/summary")]
        assert WorkflowDefinition.objects.get().version == 2
        assert not TicketDefinition.objects.exists()
