"""Row-level security on the users domain's company-owned tables, and the application's role
(kernel/row_security.py). PostgreSQL only: SQLite development databases go without."""

from django.conf import settings
from django.db import migrations

from kernel import row_security

# (table, the column naming its company, readable by every company while a user is being found)
TABLES = [
    ("company", "id", True),
    ("users", "company_id", True),
    ("company_roles", "company_id", False),
]


def secure(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in row_security.application_role_sql(settings.DATABASE_APP_ROLE):
        schema_editor.execute(statement)
    for table, column, while_authenticating in TABLES:
        for statement in row_security.policy_sql(table, column, readable_while_authenticating=while_authenticating):
            schema_editor.execute(statement)


def unsecure(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _column, _while_authenticating in TABLES:
        for statement in row_security.policy_removal_sql(table):
            schema_editor.execute(statement)
    for statement in row_security.application_role_removal_sql(settings.DATABASE_APP_ROLE):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0008_persisted_query_cache_table"),
    ]

    operations = [
        migrations.RunPython(secure, unsecure),
    ]
