"""Write a workflow (a version of it) drawn as Mermaid or SVG to a file or standard output."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from workflow_design import diagram
from workflow_design.management.version_command import WorkflowVersionCommand
from workflow_design.selectors import draw, version_document


class Command(WorkflowVersionCommand):
    help = "Draw a workflow's version (default: the current one) as Mermaid flowchart text or as SVG."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--format", choices=[name.lower() for name in diagram.FORMATS], default="mermaid", help="default: mermaid"
        )
        parser.add_argument("-o", "--output", type=Path, help="the file to write (default: standard output)")

    def handle(
        self, *args: Any, workflow_id: str, version: int | None, format: str, output: Path | None, **options: Any
    ) -> None:
        snapshot = self.version_of(workflow_id, version)
        try:
            drawing = draw(version_document(snapshot), format.upper())
        except diagram.DiagramUnavailable as unavailable:
            raise CommandError(str(unavailable)) from None
        if output is None:
            self.stdout.write(drawing, ending="")
        else:
            output.write_text(drawing, encoding="utf-8")
            self.stderr.write(f"wrote version {snapshot.version} of {workflow_id} to {output}")
