"""The storage quota counts ticket definitions too, not only workflow versions. After the
backfill of the versions' sizes, which writes the field under its old name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0005_company_role_name_no_trailing_newline"),
        ("workflow_design", "0003_workflow_version_size_bytes"),
    ]

    operations = [
        migrations.RenameField(model_name="company", old_name="stored_version_bytes", new_name="stored_document_bytes"),
    ]
