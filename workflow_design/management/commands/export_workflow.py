"""Print a workflow document (a version of it), in exactly the upload format."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflow_design.selectors import any_company_version, workflow_document_of


class Command(BaseCommand):
    help = "Print the workflow document of a version (default: the current one) as JSON."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # --version here is the workflow version, not Django's own --version flag.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workflow_id", help="the workflow's global id (its `id`; import_workflows prints it)")
        parser.add_argument("--version", type=int, help="a past version (default: the current one)")

    def handle(self, *args: Any, workflow_id: str, version: int | None, **options: Any) -> None:
        snapshot = any_company_version(workflow_id=workflow_id, version=version)
        if snapshot is None:
            raise CommandError(f"no workflow {workflow_id}" + (f" with version {version}" if version else ""))
        self.stdout.write(
            json.dumps(
                workflow_document_of(snapshot, current_version=snapshot.workflow.version), indent=2, ensure_ascii=False
            )
        )
