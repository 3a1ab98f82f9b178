"""The bytes of a company's stored workflow versions, for the storage quota (filled for existing
versions by workflow_design 0003)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0003_username_unique_ignoring_case"),
    ]

    operations = [
        migrations.AddField(
            model_name="company",
            name="stored_version_bytes",
            field=models.BigIntegerField(default=0, editable=False),
        ),
    ]
