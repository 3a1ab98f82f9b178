from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_persisted_query_cache_table(apps, schema_editor):
    # Named, as the throttles' table is (0007): made whichever backend serves the persisted queries today.
    call_command(
        "createcachetable",
        settings.PERSISTED_QUERY_CACHE_TABLE,
        database=schema_editor.connection.alias,
        verbosity=0,
    )


def drop_persisted_query_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.PERSISTED_QUERY_CACHE_TABLE)}")


class Migration(migrations.Migration):
    """The table of CACHES["persisted-queries"] without Redis: query texts registered by hash
    (schema/persisted_queries.py). Here beside the throttles' table: the API layer has no migrations."""

    dependencies = [
        ("users", "0007_throttle_cache_table"),
    ]

    operations = [
        migrations.RunPython(create_persisted_query_cache_table, drop_persisted_query_cache_table),
    ]
