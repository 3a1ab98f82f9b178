"""Print a workflow document (a version of it), in exactly the upload format."""

import json
from typing import Any

from workflow_design.management.version_command import WorkflowVersionCommand
from workflow_design.selectors import workflow_document_of


class Command(WorkflowVersionCommand):
    help = "Print the workflow document of a version (default: the current one) as JSON."

    def handle(self, *args: Any, workflow_id: str, version: int | None, **options: Any) -> None:
        snapshot = self.version_of(workflow_id, version)
        self.stdout.write(
            json.dumps(
                workflow_document_of(snapshot, current_version=snapshot.workflow.version), indent=2, ensure_ascii=False
            )
        )
