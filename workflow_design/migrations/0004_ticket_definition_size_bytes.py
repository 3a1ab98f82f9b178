"""Each ticket definition's size (its canonical document's compact UTF-8 JSON, as the upload service
counts it) added to its company's stored bytes, for the storage quota."""

from django.db import migrations, models
from django.db.models import F

from kernel.values import json_bytes
from workflow_design import document as doc
from workflow_design.codec import row_document

_BATCH = 500


def _backfill(apps, schema_editor):
    TicketDefinition = apps.get_model("workflow_design", "TicketDefinition")
    Company = apps.get_model("users", "Company")
    batch, added = [], {}
    for ticket in TicketDefinition.objects.iterator(chunk_size=_BATCH):
        ticket.size_bytes = json_bytes(row_document(doc.TICKET_DEFINITION, ticket))
        added[ticket.company_id] = added.get(ticket.company_id, 0) + ticket.size_bytes
        batch.append(ticket)
        if len(batch) == _BATCH:
            TicketDefinition.objects.bulk_update(batch, ["size_bytes"])
            batch = []
    TicketDefinition.objects.bulk_update(batch, ["size_bytes"])
    for company_id, size in added.items():
        Company.objects.filter(pk=company_id).update(stored_document_bytes=F("stored_document_bytes") + size)


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0006_company_stored_document_bytes"),
        ("workflow_design", "0003_workflow_version_size_bytes"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticketdefinition",
            name="size_bytes",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(_backfill, migrations.RunPython.noop),
    ]
