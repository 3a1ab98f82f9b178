"""Committed artifacts that clients rely on must match what the code builds."""

from pathlib import Path

from django.core.management import call_command
from strawberry.printer import print_schema

from schema import schema

ROOT = Path(__file__).resolve().parent.parent


def test_committed_sdl_is_what_the_code_exports():
    committed = (ROOT / "schema" / "schema.graphql").read_text()
    assert committed.rstrip("\n") == print_schema(schema).rstrip("\n"), (
        "schema/schema.graphql is stale: run `.venv/bin/python manage.py export_schema schema "
        "--path schema/schema.graphql` and commit it"
    )


def test_migrations_are_complete(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
