"""Import workflow documents (and ticket definitions) from files, through the same
validated upload services as the API, all files in one transaction."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kernel.values import parse_id
from users.models import Company, User
from users.roles import DESIGN_WORKFLOWS
from workflow_design import services

WORKFLOW_SUFFIX = ".workflow.json"
TICKET_SUFFIX = ".ticket.json"


class Command(BaseCommand):
    help = (
        "Upload workflow documents (*.workflow.json) and ticket definitions (*.ticket.json) into a company. "
        "A ticket definition without workflowId runs the workflow of the same-named *.workflow.json of this run. "
        "Nothing is written unless every file is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--company", required=True, help="company name or id")
        parser.add_argument("--user", help="the workflow creator recorded as author (default: the company's first)")

    def handle(self, *args, files, company, user, **options):
        acting_user = _acting_user(company, user)
        imported: dict[str, str] = {}  # name prefix -> workflow id
        with transaction.atomic():
            for path in sorted(files, key=lambda p: not p.name.endswith(WORKFLOW_SUFFIX)):
                document = _read(path)
                if path.name.endswith(TICKET_SUFFIX):
                    prefix = path.name.removesuffix(TICKET_SUFFIX)
                    if "workflowId" not in document and prefix in imported:
                        document["workflowId"] = imported[prefix]
                    outcome = services.ticket_definition_upload(acting_user=acting_user, document=document)
                    written = outcome.ticket_definition
                else:
                    outcome = services.workflow_upload(acting_user=acting_user, document=document)
                    written = outcome.workflow
                    if written is not None:
                        imported[path.name.removesuffix(WORKFLOW_SUFFIX)] = str(written.pk)
                for problem in outcome.warnings:
                    self.stderr.write(f"{path}: warning {problem.code} at {problem.path or '/'}: {problem.message}")
                if outcome.errors:
                    lines = [f"{path}: {p.code} at {p.path or '/'}: {p.message}" for p in outcome.errors]
                    raise CommandError("nothing imported:\n" + "\n".join(lines))
                self.stdout.write(f"{path}: {type(written)._meta.verbose_name} {written.pk}, version {written.version}")


def _acting_user(company: str, username: str | None) -> User:
    pk = parse_id(company)
    found = Company.objects.filter(pk=pk) if pk is not None else Company.objects.filter(name=company)
    company_row = found.first()
    if company_row is None:
        raise CommandError(f"no company {company!r}")
    users = User.objects.filter(company=company_row, is_active=True).order_by("pk")
    if username:
        users = users.filter(username=username)
    creator = next((u for u in users if u.has_perm(DESIGN_WORKFLOWS)), None)
    if creator is None:
        raise CommandError(f"no active workflow creator {username or ''} in {company_row.name}".replace("  ", " "))
    return creator


def _read(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
