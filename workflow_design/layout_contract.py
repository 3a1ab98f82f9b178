"""The layout contract: what a React layout of a workflow document or ticket definition is, declared
once.

A layout (editLayout, displayLayout) is the source of a React component that the frontend renders
for agents and requesters. This module says, per kind of layout, which props the frontend gives
it and their shapes (derived from the task's outputSchema and the workflow's fields), the module's
form, what it may import and which constructs that escape the component it must not use. The
validator (validation/layouts.py) enforces it, the language reference (language.py) publishes it,
and the README shows it with one example per kind; tests keep all three to this declaration.

The two settings it depends on are read by `layout_policy()` when a check runs, the way
validation/action_urls.py reads ACTION_URLS_ALLOW_PRIVATE_HOSTS: a deployment decides them, not a
document. Without configured Django settings (the validator used on its own), the defaults apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings

from workflow_design import document as doc

# --- what a prop's shape is derived from ----------------------------------------------------

OUTPUT = "output"  # the task's outputSchema
FIELD_VALUES = "field-values"  # one property per field of the workflow, typed by its fieldType
OUTPUTS = "outputs"  # one property per task of the workflow: its output, or null
DERIVED_SHAPES = {
    OUTPUT: "the task's output: the shape its outputSchema declares",
    FIELD_VALUES: "an object with one property per field of the workflow, of its fieldType's type (see fieldTypes)",
    OUTPUTS: "an object with one property per task key of the workflow: the output of the task's latest visit, "
    "of the shape its outputSchema declares, or null while it has not run",
}


@dataclass(frozen=True)
class LayoutProp:
    name: str
    type: str  # in TypeScript's notation, for people
    description: str
    derived_from: str | None = None  # one of DERIVED_SHAPES, or None: `shape` says it
    shape: dict[str, Any] | None = None  # a JSON Schema; None with derived_from, or for functions and schemas


@dataclass(frozen=True)
class LayoutKind:
    layout: str  # the document's content marker (doc.TASK_EDIT_LAYOUT, ...)
    name: str  # for messages: "a task's editLayout"
    where: str  # the document property holding it
    shown: str  # when the frontend renders it
    props: tuple[LayoutProp, ...]
    example: str  # a complete layout of this kind, clean under the checks (tests hold it to that)

    @cached_property
    def by_name(self) -> dict[str, LayoutProp]:
        return {prop.name: prop for prop in self.props}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "additionalProperties": False}


_TEXT, _TEXT_OR_NULL = {"type": "string"}, {"type": ["string", "null"]}
_TASK = _object(
    {"key": _TEXT, "title": _TEXT, "description": _TEXT_OR_NULL, "taskType": {"enum": list(doc.TASK_TYPES)}}
)
_DEFINITION = _object({"title": _TEXT, "description": _TEXT_OR_NULL})
_WORKFLOW = _object(
    {
        "title": _TEXT,
        "description": _TEXT_OR_NULL,
        "tasks": {
            "type": "array",
            "items": _object({"key": _TEXT, "title": _TEXT, "taskType": _TASK["properties"]["taskType"]}),
        },
        "transitions": {
            "type": "array",
            "items": _object({"fromTask": _TEXT_OR_NULL, "toTask": _TEXT_OR_NULL}),
        },
    }
)
_ERRORS = {"type": "array", "items": _object({"path": _TEXT, "message": _TEXT})}

# Props of the two edit layouts, which differ only in what the value is.
_ON_CHANGE = LayoutProp("onChange", "(value: Value) => void", "Replaces the value with the one given.")
_ON_SUBMIT = LayoutProp("onSubmit", "() => void", "Submits the value; the frontend checks it first and fills errors.")
_ERRORS_PROP = LayoutProp(
    "errors",
    "{ path: string; message: string }[]",
    "What is wrong with the value: a JSON Pointer into value and a sentence each; empty while it is valid.",
    shape=_ERRORS,
)
_DISABLED = LayoutProp(
    "disabled",
    "boolean",
    "True while the value is being submitted, or when the user may not change it.",
    shape={"type": "boolean"},
)
_FIELDS = LayoutProp(
    "fields", "Fields", "The ticket's field values (null for a field without one).", derived_from=FIELD_VALUES
)
_TASK_PROP = LayoutProp(
    "task", "{ key: string; title: string; description: string | null; taskType: TaskType }", "The task.", shape=_TASK
)
_DEFINITION_PROP = LayoutProp(
    "definition", "{ title: string; description: string | null }", "The ticket definition.", shape=_DEFINITION
)

TASK_EDIT = LayoutKind(
    doc.TASK_EDIT_LAYOUT,
    "a task's editLayout",
    "TaskInput.editLayout",
    "The form a person fills in when a ticket reaches a FORM task; only FORM tasks have one.",
    (
        LayoutProp(
            "value",
            "Output",
            "The form's value, which onSubmit makes the task's output.",
            derived_from=OUTPUT,
        ),
        _ON_CHANGE,
        _ON_SUBMIT,
        _ERRORS_PROP,
        _DISABLED,
        LayoutProp("schema", "JSONSchema", "The task's outputSchema, for forms generated from it."),
        _FIELDS,
        _TASK_PROP,
    ),
    """\
import { useState } from "react";
import { Button, Stack, TextArea } from "@ticketflower/ui";

type Decision = "approve" | "reject";

export default function ApprovalForm({ value, onChange, onSubmit, errors, disabled, fields }) {
  const [confirming, setConfirming] = useState<Decision | null>(null);
  const decide = (decision: Decision) => onChange({ ...value, decision });
  return (
    <Stack>
      <p>Amount: {fields.amount} {fields.currency}</p>
      {(["approve", "reject"] as Decision[]).map((decision) => (
        <Button key={decision} pressed={value.decision === decision} onClick={() => decide(decision)}>
          {decision}
        </Button>
      ))}
      <TextArea
        label="Comment"
        value={value.comment ?? ""}
        onChange={(comment: string) => onChange({ ...value, comment })}
      />
      {errors.map((error) => <p key={error.path}>{error.message}</p>)}
      {confirming ? (
        <Button disabled={disabled} onClick={onSubmit}>Confirm: {confirming}</Button>
      ) : (
        <Button disabled={disabled || !value.decision} onClick={() => setConfirming(value.decision)}>Submit</Button>
      )}
    </Stack>
  );
}
""",
)

TASK_DISPLAY = LayoutKind(
    doc.TASK_DISPLAY_LAYOUT,
    "a task's displayLayout",
    "TaskInput.displayLayout",
    "How a visit of the task is shown on a ticket, for any task type.",
    (
        LayoutProp(
            "output",
            "Output | null",
            "The output of the task's latest visit; null while the task has not finished.",
            derived_from=OUTPUT,
        ),
        _FIELDS,
        _TASK_PROP,
    ),
    """\
import { Badge, Card } from "@ticketflower/ui";

export default function ApprovalResult({ output, task }) {
  if (output === null) {
    return <Card title={task.title}>Waiting for a decision</Card>;
  }
  return (
    <Card title={task.title}>
      <Badge tone={output.decision === "approve" ? "success" : "danger"}>{output.decision}</Badge>
      {output.comment && <p>{output.comment}</p>}
    </Card>
  );
}
""",
)

WORKFLOW_DISPLAY = LayoutKind(
    doc.WORKFLOW_DISPLAY_LAYOUT,
    "a workflow's displayLayout",
    "WorkflowInput.displayLayout",
    "How a ticket's way through the workflow is shown.",
    (
        LayoutProp(
            "workflow",
            "{ title: string; description: string | null; tasks: { key: string; title: string; taskType: TaskType }[]; "
            "transitions: { fromTask: string | null; toTask: string | null }[] }",
            "The workflow: its tasks and the transitions between them.",
            shape=_WORKFLOW,
        ),
        _FIELDS,
        LayoutProp(
            "outputs", "{ [taskKey: string]: Output | null }", "Each task's latest output.", derived_from=OUTPUTS
        ),
        LayoutProp(
            "currentTask",
            "string | null",
            "The key of the task the ticket is at; null once it has ended.",
            shape=_TEXT_OR_NULL,
        ),
    ),
    """\
import React from "react";
import { Steps } from "@ticketflower/ui";

export default function ExpenseProgress({ workflow, outputs, currentTask }) {
  return (
    <>
      <h2>{workflow.title}</h2>
      <Steps>
        {workflow.tasks.map((task) => (
          <Steps.Item key={task.key} active={task.key === currentTask} done={outputs[task.key] !== null}>
            {task.title}
          </Steps.Item>
        ))}
      </Steps>
      {outputs.manager_review?.decision === "reject" && <p>Rejected by the manager.</p>}
    </>
  );
}
""",
)

TICKET_EDIT = LayoutKind(
    doc.TICKET_EDIT_LAYOUT,
    "a ticket definition's editLayout",
    "TicketDefinitionInput.editLayout",
    "The form a requester fills in to open a ticket of this kind.",
    (
        LayoutProp(
            "value",
            "Fields",
            "The ticket's field values being entered, starting from the ticket definition's fields.",
            derived_from=FIELD_VALUES,
        ),
        _ON_CHANGE,
        _ON_SUBMIT,
        _ERRORS_PROP,
        _DISABLED,
        LayoutProp(
            "schema",
            "JSONSchema",
            "An object schema with one property per field of the workflow (see fieldTypes), for forms generated "
            "from it.",
        ),
        _DEFINITION_PROP,
    ),
    """\
import { Button, Form, NumberInput, TextInput } from "@ticketflower/ui";

interface Props {
  value: { amount: number | null; currency: string | null };
  onChange: (value: Props["value"]) => void;
  onSubmit: () => void;
  disabled: boolean;
  definition: { title: string };
}

export default function ExpenseClaim({ value, onChange, onSubmit, disabled, definition }: Props) {
  return (
    <Form title={definition.title} onSubmit={onSubmit}>
      <NumberInput label="Amount" value={value.amount} onChange={(amount: number) => onChange({ ...value, amount })} />
      <TextInput
        label="Currency"
        value={value.currency ?? "EUR"}
        onChange={(currency: string) => onChange({ ...value, currency })}
      />
      <Button type="submit" disabled={disabled}>Send</Button>
    </Form>
  );
}
""",
)

TICKET_DISPLAY = LayoutKind(
    doc.TICKET_DISPLAY_LAYOUT,
    "a ticket definition's displayLayout",
    "TicketDefinitionInput.displayLayout",
    "How a ticket of this kind is shown.",
    (_FIELDS, _DEFINITION_PROP),
    """\
import { Card, Field } from "@ticketflower/ui";

export default function ExpenseTicket(props) {
  const { fields, definition } = props;
  return (
    <Card title={definition.title}>
      <Field label="Amount">{fields.amount} {fields.currency}</Field>
      {fields.costCenter ? <Field label="Cost center">{fields.costCenter}</Field> : null}
    </Card>
  );
}
""",
)

LAYOUT_KINDS = {kind.layout: kind for kind in (TASK_EDIT, TASK_DISPLAY, WORKFLOW_DISPLAY, TICKET_EDIT, TICKET_DISPLAY)}

MODULE_FORM = (
    "An ES module in JSX or TSX whose default export is a function component: export default function "
    "Name(props) { ... }, or export default of an arrow function, of a function declared in the module, or of "
    "memo(...) / forwardRef(...) around one. Its first parameter receives the props of its kind; the component "
    "renders what it returns. Nothing is global: components and hooks come from the allowed imports."
)

# --- imports ---------------------------------------------------------------------------------

REACT = "react"
DESIGN_SYSTEM_SETTING = "LAYOUT_DESIGN_SYSTEM_PACKAGE"
DEFAULT_DESIGN_SYSTEM = "@ticketflower/ui"

# --- constructs that escape the component ----------------------------------------------------

# The setting's words: a deployment may allow a category of constructs (LAYOUT_ALLOWED_ESCAPES).
ALLOWED_ESCAPES_SETTING = "LAYOUT_ALLOWED_ESCAPES"
ESCAPE_CATEGORIES: dict[str, str] = {
    "html": "inserts HTML the browser parses, outside React's escaping (cross-site scripting)",
    "code": "runs text as code",
    "cookies": "reads or writes the user's cookies",
    "storage": "reads or writes what the browser keeps for the whole site",
    "network": "sends or fetches data outside the frontend's API",
    "navigation": "moves the user to another page or window",
}


@dataclass(frozen=True)
class Escape:
    construct: str  # as a message names it
    category: str  # one of ESCAPE_CATEGORIES


ESCAPES = {
    escape.construct: escape
    for escape in (
        Escape("dangerouslySetInnerHTML", "html"),
        Escape("innerHTML", "html"),
        Escape("outerHTML", "html"),
        Escape("insertAdjacentHTML", "html"),
        Escape("document.write", "html"),
        Escape("eval", "code"),
        Escape("Function", "code"),
        Escape("setTimeout with a string", "code"),
        Escape("setInterval with a string", "code"),
        Escape("document.cookie", "cookies"),
        Escape("localStorage", "storage"),
        Escape("sessionStorage", "storage"),
        Escape("indexedDB", "storage"),
        Escape("fetch", "network"),
        Escape("XMLHttpRequest", "network"),
        Escape("WebSocket", "network"),
        Escape("EventSource", "network"),
        Escape("navigator.sendBeacon", "network"),
        Escape("location assignment", "navigation"),
        Escape("location.assign", "navigation"),
        Escape("location.replace", "navigation"),
        Escape("window.open", "navigation"),
    )
}


@dataclass(frozen=True)
class LayoutPolicy:
    """What a deployment allows layouts: the modules they may import, the escape categories they may use."""

    design_system: str = DEFAULT_DESIGN_SYSTEM
    allowed_escapes: frozenset[str] = frozenset()

    @property
    def modules(self) -> tuple[str, ...]:
        return (REACT, self.design_system)

    def may_import(self, module: str) -> bool:
        """`react`, the design-system package, and their subpaths (`@ticketflower/ui/icons`)."""
        return any(module == allowed or module.startswith(allowed + "/") for allowed in self.modules)


def layout_policy() -> LayoutPolicy:
    """The deployment's policy, from the settings LAYOUT_DESIGN_SYSTEM_PACKAGE and LAYOUT_ALLOWED_ESCAPES
    (checked when the settings load); the defaults when Django's settings are not configured."""
    if not settings.configured:
        return LayoutPolicy()
    return LayoutPolicy(settings.LAYOUT_DESIGN_SYSTEM_PACKAGE, frozenset(settings.LAYOUT_ALLOWED_ESCAPES))
