"""Write a workflow (a version of it) drawn as Mermaid or SVG to a file or standard output."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflow_design import diagram
from workflow_design.selectors import any_company_version, draw, version_document


class Command(BaseCommand):
    help = "Draw a workflow's version (default: the current one) as Mermaid flowchart text or as SVG."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # --version here is the workflow version, not Django's own --version flag.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workflow_id", help="the workflow's global id (its `id`; import_workflows prints it)")
        parser.add_argument("--version", type=int, help="a past version (default: the current one)")
        parser.add_argument(
            "--format", choices=[name.lower() for name in diagram.FORMATS], default="mermaid", help="default: mermaid"
        )
        parser.add_argument("-o", "--output", type=Path, help="the file to write (default: standard output)")

    def handle(
        self, *args: Any, workflow_id: str, version: int | None, format: str, output: Path | None, **options: Any
    ) -> None:
        snapshot = any_company_version(workflow_id=workflow_id, version=version)
        if snapshot is None:
            raise CommandError(f"no workflow {workflow_id}" + (f" with version {version}" if version else ""))
        try:
            drawing = draw(version_document(snapshot), format.upper())
        except diagram.DiagramUnavailable as unavailable:
            raise CommandError(str(unavailable)) from None
        if output is None:
            self.stdout.write(drawing, ending="")
        else:
            output.write_text(drawing, encoding="utf-8")
            self.stderr.write(f"wrote version {snapshot.version} of {workflow_id} to {output}")
