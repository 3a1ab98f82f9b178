"""Import workflow documents (and ticket definitions) from files, through the same
validated upload services as the API, all files in one transaction."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kernel.global_ids import global_id
from kernel.problems import Problem, ServiceError
from kernel.values import parse_id
from users.models import Company, User
from users.roles import DESIGN_WORKFLOWS
from workflow_design import services
from workflow_design.models import TicketDefinition, WorkflowDefinition

WORKFLOW_SUFFIX = ".workflow.json"
TICKET_SUFFIX = ".ticket.json"


class Command(BaseCommand):
    help = (
        "Upload workflow documents (*.workflow.json) and ticket definitions (*.ticket.json) into a company. "
        "A ticket definition without workflowId runs the workflow of the same-named *.workflow.json of this run. "
        "Nothing is written unless every file is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--company", required=True, help="company name or id")
        parser.add_argument("--user", help="the workflow creator recorded as author (default: the company's first)")

    def handle(self, *args: Any, files: list[Path], company: str, user: str | None, **options: Any) -> None:
        acting_user = _acting_user(company, user)
        imported: dict[str, str] = {}  # name prefix -> the workflow's global id
        with transaction.atomic():
            for path in sorted(files, key=lambda p: not p.name.endswith(WORKFLOW_SUFFIX)):
                document = _read(path)
                try:
                    written = self._upload(path, document, acting_user, imported)
                except ServiceError as refusal:
                    self._warn(path, refusal.warnings)
                    lines = [f"{path}: {p.code} at {p.path or '/'}: {p.message}" for p in refusal.errors]
                    raise CommandError("nothing imported:\n" + "\n".join(lines)) from refusal
                self._warn(path, written.warnings)
                row = written.row
                self.stdout.write(
                    f"{path}: {type(row)._meta.verbose_name} {global_id(type(row), row.pk)}, version {row.version}"
                )

    def _upload(
        self, path: Path, document: Any, acting_user: User, imported: dict[str, str]
    ) -> services.Written[WorkflowDefinition] | services.Written[TicketDefinition]:
        if path.name.endswith(TICKET_SUFFIX):
            prefix = path.name.removesuffix(TICKET_SUFFIX)
            if isinstance(document, dict) and "workflowId" not in document and prefix in imported:
                document["workflowId"] = imported[prefix]
            return services.ticket_definition_upload(acting_user=acting_user, document=document)
        written = services.workflow_upload(acting_user=acting_user, document=document)
        imported[path.name.removesuffix(WORKFLOW_SUFFIX)] = global_id(WorkflowDefinition, written.row.pk)
        return written

    def _warn(self, path: Path, warnings: list[Problem]) -> None:
        for problem in warnings:
            self.stderr.write(f"{path}: warning {problem.code} at {problem.path or '/'}: {problem.message}")


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


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
