"""Usernames unique regardless of case ("Alice" and "alice" are one user to people), decided by
the database so that concurrent sign-ups cannot both pass the services' checks."""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def _refuse_case_duplicates(apps, schema_editor):
    """Stops with the names to fix rather than with the database's bare unique violation."""
    User = apps.get_model("users", "User")
    clashes = list(
        User.objects.annotate(folded=Lower("username"))
        .values("folded")
        .annotate(users=Count("id"))
        .filter(users__gt=1)
        .values_list("folded", flat=True)[:20]
    )
    if clashes:
        raise RuntimeError(
            "usernames that differ only in case must be renamed before this migration: " + ", ".join(clashes)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0002_company_data_generation"),
    ]

    operations = [
        migrations.RunPython(_refuse_case_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("username"),
                name="users_username_ci_unique",
                violation_error_message="A user with that username already exists (usernames ignore case).",
            ),
        ),
    ]
