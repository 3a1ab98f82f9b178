from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_throttle_cache_table(apps, schema_editor):
    # Named, so that it is made whichever backend serves the throttles today: a deployment can move
    # from Redis to the database without a manual step.
    call_command(
        "createcachetable", settings.THROTTLE_CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0
    )


def drop_throttle_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.THROTTLE_CACHE_TABLE)}")


class Migration(migrations.Migration):
    """The table of CACHES["throttles"] without Redis: the throttles' counts (ticketflower/settings.py)."""

    dependencies = [
        ("users", "0006_company_stored_document_bytes"),
    ]

    operations = [
        migrations.RunPython(create_throttle_cache_table, drop_throttle_cache_table),
    ]
