"""The storage quota: a company's stored documents (workflow versions, ticket definitions) take at
most COMPANY_STORAGE_QUOTA_BYTES; an upload that would pass it is refused (QUOTA_EXCEEDED at "")
and writes nothing."""

import importlib

import pytest
from django.apps import apps
from django.db.models import F

from kernel.problems import ServiceError
from tests.support.documents import example
from tests.support.ids import pk_of
from tests.support.uploads import database_state, export, located, upload
from users.models import Company, User
from workflow_design.models import TicketDefinition, WorkflowVersion
from workflow_design.services import workflow_upload

DELETE = (
    "mutation($id: ID!, $v: Int!) { deleteWorkflowDefinition(id: $id, expectedVersion: $v) { ok errors { code } } }"
)
UPLOAD_TASK = """
mutation($id: ID!, $v: Int!, $input: TaskInput!) {
  uploadTaskDefinition(workflowId: $id, expectedVersion: $v, input: $input) { errors { code message path } }
}"""


def stored(company: Company) -> int:
    return Company.objects.values_list("stored_document_bytes", flat=True).get(pk=company.pk)


TICKET_UPLOAD = """mutation($input: TicketDefinitionInput!) {
  uploadTicketDefinition(input: $input) { ticketDefinition { id version } errors { code path } } }"""
TICKET_DELETE = """mutation($id: ID!, $v: Int!) {
  deleteTicketDefinition(id: $id, expectedVersion: $v) { ok errors { code } } }"""


def upload_ticket(gql, tenant, workflow_id: str, **changes) -> dict:
    document = {"title": "Outage", "workflowId": workflow_id, **changes}
    return gql.data(TICKET_UPLOAD, {"input": document}, token=tenant.token)["uploadTicketDefinition"]


def version_sizes(company: Company) -> list[int]:
    return list(WorkflowVersion.objects.filter(company=company).values_list("size_bytes", flat=True))


@pytest.mark.django_db
class TestUsage:
    def test_every_stored_version_counts_and_a_deleted_workflow_frees_its_versions(self, gql, tenant_a, tenant_b):
        created = upload(gql, tenant_a, example())["workflow"]
        edited = upload(gql, tenant_a, export(gql, tenant_a, created["id"]) | {"title": "Edited"})["workflow"]
        upload(gql, tenant_b, example())
        sizes = version_sizes(tenant_a.company)
        assert len(sizes) == 2
        assert all(size > 1000 for size in sizes)
        assert stored(tenant_a.company) == sum(sizes)
        assert stored(tenant_b.company) == sum(version_sizes(tenant_b.company))

        deleted = gql.data(DELETE, {"id": edited["id"], "v": edited["version"]}, token=tenant_a.token)
        assert deleted["deleteWorkflowDefinition"] == {"ok": True, "errors": []}
        assert stored(tenant_a.company) == 0
        assert stored(tenant_b.company) == sum(version_sizes(tenant_b.company))

    def test_ticket_definitions_count_as_they_change_and_free_their_bytes_when_deleted(self, gql, tenant_a):
        """28 MB of ticket definitions once went uncounted."""
        workflow = upload(gql, tenant_a, example())["workflow"]
        versions = stored(tenant_a.company)
        ticket = upload_ticket(gql, tenant_a, workflow["id"])["ticketDefinition"]
        small = TicketDefinition.objects.get(pk=pk_of(ticket["id"])).size_bytes
        assert small > 20
        assert stored(tenant_a.company) == versions + small
        edited = upload_ticket(
            gql, tenant_a, workflow["id"], id=ticket["id"], expectedVersion=1, description="d" * 5000
        )
        large = TicketDefinition.objects.get(pk=pk_of(ticket["id"])).size_bytes
        assert large > small + 5000
        assert stored(tenant_a.company) == versions + large
        gql.data(TICKET_DELETE, {"id": ticket["id"], "v": edited["ticketDefinition"]["version"]}, token=tenant_a.token)
        assert stored(tenant_a.company) == versions

    def test_a_ticket_definition_over_quota_is_refused(self, gql, tenant_a, settings):
        workflow = upload(gql, tenant_a, example())["workflow"]
        settings.COMPANY_STORAGE_QUOTA_BYTES = stored(tenant_a.company) + 1000
        before = database_state()
        refused = upload_ticket(gql, tenant_a, workflow["id"], description="d" * 2000)
        assert located(refused["errors"]) == [("QUOTA_EXCEEDED", "")]
        assert database_state() == before

    def test_the_migration_fills_in_the_sizes_of_ticket_definitions_stored_before(self, gql, tenant_a, tenant_b):
        for tenant in (tenant_a, tenant_b):
            workflow = upload(gql, tenant, example())["workflow"]
            upload_ticket(gql, tenant, workflow["id"], description="d" * 300)
        sizes = dict(TicketDefinition.objects.values_list("pk", "size_bytes"))
        totals = dict(Company.objects.values_list("pk", "stored_document_bytes"))
        for company_id, size in TicketDefinition.objects.values_list("company_id", "size_bytes"):
            Company.objects.filter(pk=company_id).update(stored_document_bytes=F("stored_document_bytes") - size)
        TicketDefinition.objects.update(size_bytes=0)

        importlib.import_module("workflow_design.migrations.0004_ticket_definition_size_bytes")._backfill(apps, None)
        assert dict(TicketDefinition.objects.values_list("pk", "size_bytes")) == sizes
        assert dict(Company.objects.values_list("pk", "stored_document_bytes")) == totals


@pytest.mark.django_db
class TestQuota:
    @pytest.fixture
    def nearly_full(self, gql, tenant_a, settings) -> dict:
        """One workflow stored, and room left for half a version more."""
        workflow = upload(gql, tenant_a, example())["workflow"]
        used = stored(tenant_a.company)
        settings.COMPANY_STORAGE_QUOTA_BYTES = used + used // 2
        return workflow

    def test_an_upload_over_quota_is_refused_and_writes_nothing(self, gql, tenant_a, nearly_full, settings):
        used, before = stored(tenant_a.company), database_state()
        for document in (example() | {"title": "Second"}, export(gql, tenant_a, nearly_full["id"]) | {"title": "v2"}):
            refused = upload(gql, tenant_a, document)
            assert refused["workflow"] is None
            assert located(refused["errors"]) == [("QUOTA_EXCEEDED", "")]
            message = refused["errors"][0]["message"]
            assert (
                f"already take {used / 1024:.1f} KiB of its {settings.COMPANY_STORAGE_QUOTA_BYTES / 1024:.1f} KiB"
                in (message)
            )
        assert database_state() == before
        assert stored(tenant_a.company) == used

        task = {**example()["tasks"][0], "title": "Renamed"}
        refused = gql.data(UPLOAD_TASK, {"id": nearly_full["id"], "v": 1, "input": task}, token=tenant_a.token)
        assert located(refused["uploadTaskDefinition"]["errors"]) == [("QUOTA_EXCEEDED", "")]

    def test_an_identical_upload_stores_nothing_and_is_accepted(self, gql, tenant_a, nearly_full):
        again = upload(gql, tenant_a, export(gql, tenant_a, nearly_full["id"]))
        assert again["errors"] == []
        assert again["workflow"]["version"] == 1

    def test_other_companies_have_their_own_quota(self, gql, tenant_b, nearly_full):
        assert upload(gql, tenant_b, example())["errors"] == []

    def test_deleting_makes_room_again(self, gql, tenant_a, nearly_full):
        gql.data(DELETE, {"id": nearly_full["id"], "v": 1}, token=tenant_a.token)
        assert upload(gql, tenant_a, example() | {"title": "Second"})["errors"] == []

    def test_the_charge_in_the_writing_transaction_decides(self, tenant_a, settings):
        """Concurrent uploads each loaded the usage before the other wrote: the conditional update
        of the company's counter refuses the one that would pass the quota, and it writes nothing."""
        loaded_before = User.objects.get(pk=tenant_a.admin.pk)
        workflow_upload(acting_user=tenant_a.admin, document=example())
        used = stored(tenant_a.company)
        settings.COMPANY_STORAGE_QUOTA_BYTES = used + used // 2
        before = database_state()
        with pytest.raises(ServiceError) as refused:
            workflow_upload(acting_user=loaded_before, document=example() | {"title": "Second"})
        assert [(p.code, p.path) for p in refused.value.errors] == [("QUOTA_EXCEEDED", "")]
        assert database_state() == before
        assert stored(tenant_a.company) == used

    def test_the_default_quota_is_one_gibibyte(self, settings):
        assert settings.COMPANY_STORAGE_QUOTA_BYTES == 1024**3
