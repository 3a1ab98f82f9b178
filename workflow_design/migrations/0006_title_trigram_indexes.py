"""Trigram indexes for the iContains filters on titles (`filters: {title: {iContains: "..."}}` of the workflow and
ticket definition lists), PostgreSQL only.

Django writes iContains as `UPPER("title"::text) LIKE UPPER(%s)` with the pattern `%...%`, which no B-tree index
serves: without these, a search scans all of a company's rows. The GIN index of pg_trgm (a trusted extension: a
database owner may create it) on exactly that expression finds the rows holding the pattern's trigrams. Task titles
are not indexed: task lists are read by workflow, and each upload rewrites hundreds of task rows.

Built CONCURRENTLY (not in a transaction: `atomic = False`), so that migrating a live database does not block writes
to the tables for the time the build takes. Row-level security keeps the application's role from this index (README,
Performance: its LIKE is not LEAKPROOF); the owner and the statistics use it.
"""

from django.db import migrations

INDEXES = [
    ("workflow_definitions_title_trgm", "workflow_definitions"),
    ("ticket_definitions_title_trgm", "ticket_definitions"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING gin (upper(title::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("workflow_design", "0005_row_level_security"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
