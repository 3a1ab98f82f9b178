"""The storage quota: a company's stored workflow versions take at most COMPANY_STORAGE_QUOTA_BYTES;
an upload that would pass it is refused (QUOTA_EXCEEDED at "") and writes nothing."""

import importlib

import pytest
from django.apps import apps

from tests.test_workflow_upload import database_state, export, located, upload
from users.models import Company, User
from workflow_design.models import WorkflowVersion
from workflow_design.services import workflow_upload
from workflow_design.tests.test_validation import example

DELETE = (
    "mutation($id: ID!, $v: Int!) { deleteWorkflowDefinition(id: $id, expectedVersion: $v) { ok errors { code } } }"
)
UPLOAD_TASK = """
mutation($id: ID!, $v: Int!, $input: TaskInput!) {
  uploadTaskDefinition(workflowId: $id, expectedVersion: $v, input: $input) { errors { code message path } }
}"""


def stored(company: Company) -> int:
    return Company.objects.values_list("stored_version_bytes", flat=True).get(pk=company.pk)


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

    def test_the_migration_fills_in_sizes_and_totals_of_versions_stored_before(self, tenant_a, tenant_b):
        for tenant in (tenant_a, tenant_b, tenant_b):
            workflow_upload(acting_user=tenant.admin, document=example())
        sizes = dict(WorkflowVersion.objects.values_list("pk", "size_bytes"))
        totals = dict(Company.objects.values_list("pk", "stored_version_bytes"))
        WorkflowVersion.objects.update(size_bytes=0)
        Company.objects.update(stored_version_bytes=0)

        importlib.import_module("workflow_design.migrations.0003_workflow_version_size_bytes")._backfill(apps, None)
        assert dict(WorkflowVersion.objects.values_list("pk", "size_bytes")) == sizes
        assert dict(Company.objects.values_list("pk", "stored_version_bytes")) == totals


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
        outcome = workflow_upload(acting_user=loaded_before, document=example() | {"title": "Second"})
        assert [(p.code, p.path) for p in outcome.errors] == [("QUOTA_EXCEEDED", "")]
        assert database_state() == before
        assert stored(tenant_a.company) == used

    def test_the_default_quota_is_one_gibibyte(self, settings):
        assert settings.COMPANY_STORAGE_QUOTA_BYTES == 1024**3
