"""Each stored version's size (its document's compact UTF-8 JSON, as the upload service
counts it) and each company's total of them, for the storage quota: filled in for the versions
stored before."""

import json

import orjson
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

_BATCH = 500


def _size(document) -> int:
    try:
        return len(orjson.dumps(document))
    except orjson.JSONEncodeError:  # an integer beyond 64 bits
        return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())


def _backfill(apps, schema_editor):
    WorkflowVersion = apps.get_model("workflow_design", "WorkflowVersion")
    Company = apps.get_model("users", "Company")
    batch = []
    for version in WorkflowVersion.objects.only("pk", "document").iterator(chunk_size=_BATCH):
        version.size_bytes = _size(version.document)
        batch.append(version)
        if len(batch) == _BATCH:
            WorkflowVersion.objects.bulk_update(batch, ["size_bytes"])
            batch = []
    WorkflowVersion.objects.bulk_update(batch, ["size_bytes"])
    totals = (
        WorkflowVersion.objects.filter(company_id=OuterRef("pk"))
        .values("company_id")
        .annotate(total=Sum("size_bytes"))
        .values("total")
    )
    Company.objects.update(stored_version_bytes=Coalesce(Subquery(totals), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0004_company_stored_version_bytes"),
        ("workflow_design", "0002_company_consistency"),
    ]

    operations = [
        migrations.AddField(
            model_name="workflowversion",
            name="size_bytes",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(_backfill, migrations.RunPython.noop),
    ]
