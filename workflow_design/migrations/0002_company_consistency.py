"""Composite foreign keys that make every row's company (and every transition's
tasks' workflow) equal to its workflow's, so tenant data cannot drift apart.

Django cannot declare composite foreign keys, so they are added in SQL, on
PostgreSQL (the production database); SQLite development databases go without.
"""

from django.db import migrations

_CONSTRAINTS = [
    (
        "task_definitions",
        "task_definitions_workflow_company_fk",
        "(workflow_id, company_id)",
        "workflow_definitions (id, company_id)",
    ),
    (
        "workflow_transitions",
        "workflow_transitions_workflow_company_fk",
        "(workflow_id, company_id)",
        "workflow_definitions (id, company_id)",
    ),
    (
        "workflow_transitions",
        "workflow_transitions_from_task_workflow_fk",
        "(from_task_id, workflow_id)",
        "task_definitions (id, workflow_id)",
    ),
    (
        "workflow_transitions",
        "workflow_transitions_to_task_workflow_fk",
        "(to_task_id, workflow_id)",
        "task_definitions (id, workflow_id)",
    ),
    (
        "ticket_definitions",
        "ticket_definitions_workflow_company_fk",
        "(workflow_id, company_id)",
        "workflow_definitions (id, company_id)",
    ),
    (
        "workflow_versions",
        "workflow_versions_workflow_company_fk",
        "(workflow_id, company_id)",
        "workflow_definitions (id, company_id)",
    ),
]


def _add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, columns, target in _CONSTRAINTS:
        # Deferred like Django's own foreign keys, so ORM cascades keep working.
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY {columns} "
            f"REFERENCES {target} DEFERRABLE INITIALLY DEFERRED"
        )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _columns, _target in _CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")


class Migration(migrations.Migration):
    dependencies = [("workflow_design", "0001_initial")]

    operations = [migrations.RunPython(_add, _drop)]
