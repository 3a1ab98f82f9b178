"""What the commands that read one version of a workflow share: its arguments and its lookup."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflow_design.models import WorkflowVersion
from workflow_design.selectors import any_company_version


class WorkflowVersionCommand(BaseCommand):
    """A command taking a workflow's global id and an optional --version (default: the current one)."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # --version here is the workflow version, not Django's own --version flag.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workflow_id", help="the workflow's global id (its `id`; import_workflows prints it)")
        parser.add_argument("--version", type=int, help="a past version (default: the current one)")

    def version_of(self, workflow_id: str, version: int | None) -> WorkflowVersion:
        """The version asked for, of any company (the operator's tool); CommandError when there is none."""
        snapshot = any_company_version(workflow_id=workflow_id, version=version)
        if snapshot is None:
            raise CommandError(f"no workflow {workflow_id}" + (f" with version {version}" if version else ""))
        return snapshot
