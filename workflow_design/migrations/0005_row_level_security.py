"""Row-level security on the workflow design tables (kernel/row_security.py): the application's role
(users/0009) sees the acting company's rows only. PostgreSQL only."""

from django.db import migrations

from kernel import row_security

TABLES = [
    "workflow_definitions",
    "task_definitions",
    "workflow_transitions",
    "ticket_definitions",
    "workflow_versions",
]


def secure(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        for statement in row_security.policy_sql(table, "company_id"):
            schema_editor.execute(statement)


def unsecure(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        for statement in row_security.policy_removal_sql(table):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0009_row_level_security"),
        ("workflow_design", "0004_ticket_definition_size_bytes"),
    ]

    operations = [
        migrations.RunPython(secure, unsecure),
    ]
