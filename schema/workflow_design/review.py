"""workflowDiff and workflowDiagram: reviewing a workflow's changes and looking at it. The work is
workflow_design.diff and workflow_design.diagram (read through the selectors); this module only maps
arguments and results."""

from __future__ import annotations

import base64
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from kernel.problems import errors, warnings
from schema.base import ProblemType, acting_user, described_enum, workflow_creator_required
from schema.workflow_design.inputs import WorkflowInput, input_to_document
from workflow_design import diagram, diff, selectors
from workflow_design import document as doc

ChangeKind = described_enum(
    "ChangeKind",
    {
        diff.ADDED: "Only in the new version: fromPath is null.",
        diff.REMOVED: "Only in the old version: toPath is null.",
        diff.CHANGED: "In both, with different properties (listed).",
    },
    "What happened to a field, task or transition between two versions.",
)
ChangeSubject = described_enum(
    "ChangeSubject",
    {
        diff.WORKFLOW: 'The workflow\'s own properties (title, description, extRef, displayLayout); paths are "".',
        diff.FIELD: "A field, identified by its fieldName.",
        diff.TASK: "A task, identified by its key (a changed key is a removal and an addition).",
        diff.TRANSITION: "A transition, identified by fromTask, toTask and its occurrence among the transitions "
        "with the same ends.",
    },
    "What a change is about.",
)


@strawberry.enum(description="How workflowDiagram draws a workflow.")
class DiagramFormat(Enum):
    MERMAID = strawberry.enum_value(
        diagram.MERMAID,
        description="Mermaid flowchart text (mermaid.js renders it; GitHub and GitLab render it in Markdown).",
    )
    SVG = strawberry.enum_value(
        diagram.SVG, description="An SVG image laid out by Graphviz on the server (DIAGRAM_UNAVAILABLE without it)."
    )


@strawberry.type(description="One change between two versions of a workflow.")
class WorkflowChange:
    kind: ChangeKind = strawberry.field(description="Added, removed or changed.")  # type: ignore[valid-type]
    what: ChangeSubject = strawberry.field(  # type: ignore[valid-type]
        description="The workflow, a field, a task or a transition."
    )
    key: str | None = strawberry.field(description="FIELD: its fieldName; TASK: its key; otherwise null.")
    from_task: str | None = strawberry.field(
        description="TRANSITION: the key of the task it leaves (null for a start transition); otherwise null."
    )
    to_task: str | None = strawberry.field(
        description="TRANSITION: the key of the task it leads to (null for an end); otherwise null."
    )
    occurrence: int | None = strawberry.field(
        description="TRANSITION: which of the transitions with the same ends it is, in document order (0 for the "
        "first); otherwise null."
    )
    properties: list[str] = strawberry.field(
        description=f"CHANGED: the properties that differ, in the document's order (e.g. title, condition, "
        f"priority); `{diff.ORDER}` for a transition that moved among its task's outgoing transitions (tried in "
        "document order among equal priorities). Empty for ADDED and REMOVED."
    )
    from_path: str | None = strawberry.field(
        description="JSON Pointer to it in the old version's document (/tasks/3); null when it is not there."
    )
    to_path: str | None = strawberry.field(
        description="JSON Pointer to it in the new version's (or proposed) document; null when it is not there."
    )

    @classmethod
    def from_domain(cls, change: diff.Change) -> WorkflowChange:
        return cls(
            kind=ChangeKind(change.kind),
            what=ChangeSubject(change.what),
            key=change.key,
            from_task=change.from_task,
            to_task=change.to_task,
            occurrence=change.occurrence,
            properties=list(change.properties),
            from_path=change.from_path,
            to_path=change.to_path,
        )


@strawberry.type(description="What changed between two versions of a workflow, or from one to a proposed document.")
class WorkflowDiff:
    from_version: int | None = strawberry.field(description="The old version compared; null when it was not found.")
    to_version: int | None = strawberry.field(
        description="The new version compared; null for a proposed document (or when it was not found)."
    )
    changes: list[WorkflowChange] = strawberry.field(
        description="The changes: the workflow's own, then fields, tasks, transitions; in each, removals in the old "
        "document's order, then additions and changes in the new one's. Empty when there are errors."
    )
    errors: list[ProblemType] = strawberry.field(
        description="Why nothing was compared: NOT_FOUND at /id, /from or /to; the proposed document's errors at "
        "/proposed/... (as uploadWorkflow would refuse it)."
    )
    warnings: list[ProblemType] = strawberry.field(
        description="The proposed document's warnings, at /proposed/... (an upload would be saved with them)."
    )

    @classmethod
    def from_domain(cls, result: selectors.DiffResult) -> WorkflowDiff:
        return cls(
            from_version=result.from_version,
            to_version=result.to_version,
            changes=[WorkflowChange.from_domain(change) for change in result.changes],
            errors=ProblemType.list_from(errors(result.problems)),
            warnings=ProblemType.list_from(warnings(result.problems)),
        )


@strawberry.type(description="A version of a workflow drawn.")
class WorkflowDiagram:
    version: int | None = strawberry.field(description="The version drawn; null when it was not found.")
    format: DiagramFormat = strawberry.field(description="The format asked for.")
    text: str | None = strawberry.field(
        description="The drawing: Mermaid flowchart text, or the SVG document; null when there are errors."
    )
    data_uri: str | None = strawberry.field(
        description="The drawing as a data: URI (image/svg+xml or text/plain, base64): paste it into a browser's "
        "address bar to look at it, e.g. from GraphiQL; null when there are errors."
    )
    errors: list[ProblemType] = strawberry.field(
        description="Why there is no drawing: NOT_FOUND at /id or /version, DIAGRAM_UNAVAILABLE at /format."
    )

    @classmethod
    def from_domain(cls, result: selectors.DiagramResult, diagram_format: DiagramFormat) -> WorkflowDiagram:
        media = "image/svg+xml" if diagram_format is DiagramFormat.SVG else "text/plain;charset=utf-8"
        text = result.text
        return cls(
            version=result.version,
            format=diagram_format,
            text=text,
            data_uri=None
            if text is None
            else f"data:{media};base64,{base64.b64encode(text.encode('utf-8')).decode('ascii')}",
            errors=ProblemType.list_from(list(result.problems)),
        )


_WORKFLOW_ID = Annotated[strawberry.ID, strawberry.argument(description="Global id of the workflow.")]


@strawberry.type
class ReviewQuery:
    @strawberry.field(
        extensions=workflow_creator_required(),
        description="What changed in a workflow: between two stored versions (default: the previous and the current "
        "one), or from a stored version (default: the current one) to a proposed document, such as an assistant's "
        "proposal before it is uploaded (validated first, written nowhere). Fields, tasks and transitions added, "
        "removed and changed, with the changed properties and JSON Pointers into both documents.",
    )
    def workflow_diff(
        self,
        info: Info,
        id: _WORKFLOW_ID,
        from_: Annotated[
            int | None,
            strawberry.argument(
                name="from",
                description="The old version; default: the one before `to` (the current one with `proposed`).",
            ),
        ] = None,
        to: Annotated[
            int | None,
            strawberry.argument(description="The new version; default: the current one. Not with `proposed`."),
        ] = None,
        proposed: Annotated[  # type: ignore[valid-type]  # a class generated at run time (inputs.py)
            WorkflowInput | None,
            strawberry.argument(
                description="A workflow document in the uploadWorkflow format to compare instead of a stored `to` "
                "version (its id and expectedVersion are not read)."
            ),
        ] = None,
    ) -> WorkflowDiff | None:
        result = selectors.workflow_diff(
            acting_user=acting_user(info),
            workflow_id=id,
            from_version=from_,
            to_version=to,
            proposed=None if proposed is None else input_to_document(doc.WORKFLOW, proposed),
        )
        return WorkflowDiff.from_domain(result)

    @strawberry.field(
        extensions=workflow_creator_required(),
        description="A version of a workflow drawn as a Mermaid flowchart or an SVG image: start and end, a shape per "
        "task type, conditions and priorities as edge labels, error transitions dashed.",
    )
    def workflow_diagram(
        self,
        info: Info,
        id: _WORKFLOW_ID,
        format: Annotated[DiagramFormat, strawberry.argument(description="MERMAID or SVG.")],
        version: Annotated[
            int | None, strawberry.argument(description="The version to draw; default: the current one.")
        ] = None,
    ) -> WorkflowDiagram | None:
        result = selectors.workflow_diagram(
            acting_user=acting_user(info), workflow_id=id, version=version, diagram_format=format.name
        )
        return WorkflowDiagram.from_domain(result, format)
