"""Workflow documents and ticket definitions the tests send: the contract's example as the
demo data ships it, the mutations that break it once per problem code, and small documents
for previews. Plain dicts in the upload format; no Django needed."""

import copy
import json
from pathlib import Path

from workflow_design.document import MAX_TASKS

DEMO = Path(__file__).resolve().parents[2] / "workflow_design" / "demo"
# The contract's example, as the demo data ships it.
CONTRACT_EXAMPLE = json.loads((DEMO / "it-incident.workflow.json").read_text())
# A retry policy for an action: the second edition warns about an action with neither a retry policy nor an
# error route (NO_ERROR_HANDLING), which the contract's example predates.
RETRY = {"maxAttempts": 3, "intervalSeconds": 10}
# The contract's example with its actions retried: a document without problems.
EXAMPLE = {
    **CONTRACT_EXAMPLE,
    "tasks": [{**task, "retry": RETRY} if task["taskType"] != "FORM" else task for task in CONTRACT_EXAMPLE["tasks"]],
}
# The contract's ticket definition, for a workflow (its id a global id: kernel/global_ids).
TICKET = {**json.loads((DEMO / "it-incident.ticket.json").read_text()), "workflowId": "V29ya2Zsb3dEZWZpbml0aW9uOjEy"}
ROLES = {"support_agent", "sre", "manager"}
FALLBACK = "could not be validated"
# A FORM's editLayout that follows the layout contract: every FORM of a document that must be clean has one.
FORM_LAYOUT = "export default function Form({ value, onChange }) { return null; }"


def example() -> dict:
    return copy.deepcopy(EXAMPLE)


# --- mutations: each takes a document and changes it in place ------------------------------


def set_at(path: str, value):
    """A mutation setting /a/0/b (an absent last key is added)."""

    def mutate(document: dict) -> None:
        *parents, last = path.strip("/").split("/")
        node = document
        for token in parents:
            node = node[int(token)] if isinstance(node, list) else node[token]
        node[int(last) if isinstance(node, list) else last] = value

    return mutate


def delete_at(path: str):
    def mutate(document: dict) -> None:
        *parents, last = path.strip("/").split("/")
        node = document
        for token in parents:
            node = node[int(token)] if isinstance(node, list) else node[token]
        del node[int(last) if isinstance(node, list) else last]

    return mutate


def append_to(path: str, value):
    def mutate(document: dict) -> None:
        document[path.strip("/")].append(copy.deepcopy(value))

    return mutate


def rename_task(old: str, new: str):
    """Rename a task everywhere: its key, transitions and variables."""

    def mutate(document: dict) -> None:
        text = json.dumps(document).replace(f'"{old}"', f'"{new}"').replace(f"tasks.{old}.", f"tasks.{new}.")
        document.clear()
        document.update(json.loads(text))

    return mutate


def one_after_another(*mutations):
    def mutate(document: dict) -> None:
        for mutation in mutations:
            mutation(document)

    return mutate


ESCALATE_TASK = {
    "key": "escalate",
    "title": "Escalate",
    "taskType": "FORM",
    "outputSchema": {"type": "object", "properties": {"team": {"type": "string"}}},
    "editLayout": FORM_LAYOUT,
}
ORPHAN_TASK = {
    "key": "orphan",
    "title": "Orphan",
    "taskType": "ASYNC_ACTION",
    "actionUrl": "https://x.example.com/",
    "retry": RETRY,
}
SEVERITY = {"var": "tasks.triage.severity"}

# (code, path, mutation): the mutated example has exactly that problem, at that JSON Pointer.
ERROR_CASES = [
    ("REQUIRED", "/title", delete_at("/title")),
    ("REQUIRED", "/title", set_at("/title", "   ")),
    ("REQUIRED", "/tasks/1/taskType", delete_at("/tasks/1/taskType")),
    ("REQUIRED", "/transitions/3/fromTask", delete_at("/transitions/3/fromTask")),
    ("REQUIRED", "/fields/0/fieldType", delete_at("/fields/0/fieldType")),
    ("REQUIRED", "/extRef/0/uri", delete_at("/extRef/0/uri")),
    ("REQUIRED", "/expectedVersion", set_at("/id", "V29ya2Zsb3dEZWZpbml0aW9uOjEy")),
    ("REQUIRED", "/tasks/0/outputSchema", delete_at("/tasks/0/outputSchema")),
    ("TOO_LONG", "/title", set_at("/title", "x" * 256)),
    ("TOO_LONG", "/displayLayout", set_at("/displayLayout", "é" * (128 * 1024 + 1))),
    (
        "TOO_LONG",
        "/transitions/1/condition",
        set_at("/transitions/1/condition", {"in": [SEVERITY, ["x" * 300] * 1000]}),
    ),
    # A URL is capped before its template is read: 1,000 placeholders are not 1,000 variables to check.
    (
        "TOO_LONG",
        "/tasks/1/actionUrl",
        set_at("/tasks/1/actionUrl", "https://pager.example.com/" + "{ticket.service}/" * 1000),
    ),
    ("TOO_LONG", "/extRef/0/uri", set_at("/extRef/0/uri", "https://wiki.example.com/" + "x" * 8192)),
    ("TOO_MANY", "/tasks", set_at("/tasks", [EXAMPLE["tasks"][0]] * (MAX_TASKS + 1))),
    ("TOO_MANY", "/transitions", set_at("/transitions", [EXAMPLE["transitions"][0]] * 5001)),
    ("INVALID_KEY", "/tasks/2/key", rename_task("resolve", "Resolve")),
    ("INVALID_KEY", "/tasks/2/key", rename_task("resolve", "r" * 65)),
    ("INVALID_KEY", "/fields/3/fieldName", append_to("/fields", {"fieldName": "reporter.email", "fieldType": "email"})),
    ("INVALID_KEY", "/fields/3/fieldName", append_to("/fields", {"fieldName": "f" * 65, "fieldType": "string"})),
    ("DUPLICATE_KEY", "/tasks/4/key", append_to("/tasks", EXAMPLE["tasks"][2])),
    ("DUPLICATE_FIELD", "/fields/3/fieldName", append_to("/fields", {"fieldName": "service", "fieldType": "text"})),
    ("UNKNOWN_FIELD_TYPE", "/fields/0/fieldType", set_at("/fields/0/fieldType", "str")),
    ("UNKNOWN_TASK", "/transitions/3/toTask", set_at("/transitions/3/toTask", "resolv")),
    ("UNKNOWN_TASK", "/transitions/4/fromTask", set_at("/transitions/4/fromTask", "nobody")),
    ("DUPLICATE_TRANSITION", "/transitions/6", append_to("/transitions", EXAMPLE["transitions"][4])),
    ("NO_START", "/transitions", delete_at("/transitions/0")),
    ("UNREACHABLE_TASK", "/tasks/4", append_to("/tasks", ORPHAN_TASK)),
    (
        "NO_PATH_TO_END",
        "/tasks/4",
        one_after_another(
            append_to("/tasks", ESCALATE_TASK),
            append_to(
                "/transitions",
                {"fromTask": "triage", "toTask": "escalate", "priority": 5, "condition": {"==": [SEVERITY, "medium"]}},
            ),
            append_to("/transitions", {"fromTask": "escalate", "toTask": "escalate"}),
        ),
    ),
    (
        "INVALID_JSON_SCHEMA",
        "/tasks/0/outputSchema/properties/severity/type",
        set_at("/tasks/0/outputSchema/properties/severity/type", "strin"),
    ),
    ("INVALID_JSON_SCHEMA", "/tasks/0/inputSchema/required", set_at("/tasks/0/inputSchema/required", "summary")),
    ("INVALID_JSON_SCHEMA", "/tasks/2/outputSchema/type", set_at("/tasks/2/outputSchema/type", "array")),
    ("INVALID_JSON_SCHEMA", "/tasks/0/inputSchema", set_at("/tasks/0/inputSchema", "object")),
    # Nothing outside the document is ever read: only references inside the schema.
    (
        "INVALID_JSON_SCHEMA",
        "/tasks/0/outputSchema/properties/severity/$ref",
        set_at("/tasks/0/outputSchema/properties/severity", {"$ref": "file:///etc/passwd#/x"}),
    ),
    (
        "INVALID_JSON_SCHEMA",
        "/tasks/0/inputSchema/properties/summary/items/$ref",
        set_at("/tasks/0/inputSchema/properties/summary", {"items": {"$ref": "http://127.0.0.1:9/s.json"}}),
    ),
    (
        "INVALID_JSON_SCHEMA",
        "/tasks/0/outputSchema/$defs/a/$dynamicRef",
        set_at("/tasks/0/outputSchema/$defs", {"a": {"$dynamicRef": "https://example.com/s#meta"}}),
    ),
    (
        "INVALID_JSON_SCHEMA",
        "/tasks/0/outputSchema/properties/severity/$ref",
        set_at("/tasks/0/outputSchema/properties/severity", {"$ref": "#/$defs/level"}),
    ),
    # Patterns run on RE2: no backreferences, no lookaround.
    (
        "INVALID_JSON_SCHEMA",
        "/tasks/0/outputSchema/properties/severity/pattern",
        set_at("/tasks/0/outputSchema/properties/severity/pattern", r"^(\w)\1$"),
    ),
    (
        "INVALID_JSON_SCHEMA",
        "/tasks/0/outputSchema/patternProperties/(?=x)y",
        set_at("/tasks/0/outputSchema/patternProperties", {"(?=x)y": {"type": "string"}}),
    ),
    (
        "INVALID_JSON_SCHEMA",
        "/tasks/0/outputSchema/patternProperties",
        one_after_another(
            set_at("/tasks/0/outputSchema/patternProperties", {"^x_": {"type": "string"}}),
            set_at("/tasks/0/outputSchema/unevaluatedProperties", False),
        ),
    ),
    ("MISSING_ACTION_URL", "/tasks/1/actionUrl", delete_at("/tasks/1/actionUrl")),
    ("INVALID_URL", "/tasks/1/actionUrl", set_at("/tasks/1/actionUrl", "ftp://pager.example.com/page")),
    ("INVALID_URL", "/extRef/0/uri", set_at("/extRef/0/uri", "wiki/runbooks/incident")),
    ("NOT_ALLOWED_FOR_TASK_TYPE", "/tasks/0/timeoutSeconds", set_at("/tasks/0/timeoutSeconds", 10)),
    ("NOT_ALLOWED_FOR_TASK_TYPE", "/tasks/2/actionUrl", set_at("/tasks/2/actionUrl", "https://x.example.com/")),
    ("INVALID_TIMEOUT", "/tasks/1/timeoutSeconds", set_at("/tasks/1/timeoutSeconds", 301)),
    ("INVALID_TIMEOUT", "/tasks/3/timeoutSeconds", set_at("/tasks/3/timeoutSeconds", 0)),
    ("INVALID_TIMEOUT", "/tasks/3/timeoutSeconds", set_at("/tasks/3/timeoutSeconds", "60")),
    ("INVALID_CONDITION", "/transitions/1/condition", set_at("/transitions/1/condition", {"==": [SEVERITY]})),
    (
        "INVALID_CONDITION",
        "/transitions/1/condition/==/0",
        set_at("/transitions/1/condition", {"==": [{"vr": "tasks.triage.severity"}, "high"]}),
    ),
    ("INVALID_CONDITION", "/transitions/1/condition", set_at("/transitions/1/condition", {"log": SEVERITY})),
    (
        "INVALID_CONDITION",
        "/transitions/1/condition/and/1",
        set_at("/transitions/1/condition", {"and": [True, {"==": 1, "!=": 2}]}),
    ),
    (
        "UNKNOWN_VARIABLE",
        "/transitions/1/condition/==/0",
        set_at("/transitions/1/condition", {"==": [{"var": "tasks.triage.severty"}, "high"]}),
    ),
    (
        "UNKNOWN_VARIABLE",
        "/transitions/1/condition/==/0",
        set_at("/transitions/1/condition", {"==": [{"var": ["ticket.servce", "web"]}, "high"]}),
    ),
    (
        "UNKNOWN_VARIABLE",
        "/tasks/1/inputTransform/service",
        set_at("/tasks/1/inputTransform/service", {"var": "response.id"}),
    ),
    ("UNKNOWN_VARIABLE", "/tasks/1/inputTransform/service", set_at("/tasks/1/inputTransform/service", {"var": 1})),
    ("INVALID_TRANSFORM", "/tasks/1/inputTransform", set_at("/tasks/1/inputTransform", [{"var": "ticket.service"}])),
    ("INVALID_TRANSFORM", "/tasks/1/outputTransform/pageId", set_at("/tasks/1/outputTransform/pageId", {"id": 1})),
    ("NOT_ALLOWED_FOR_TASK_TYPE", "/tasks/1/editLayout", set_at("/tasks/1/editLayout", FORM_LAYOUT)),
    # Layouts against the layout contract (README "Layouts").
    (
        "INVALID_LAYOUT",
        "/tasks/2/editLayout",
        set_at("/tasks/2/editLayout", "export default function F() { return <p>{x</p>; }"),
    ),
    (
        "INVALID_LAYOUT",
        "/displayLayout",
        set_at("/displayLayout", "Show the steps as a diagram, with the current one bold."),
    ),
    ("MISSING_COMPONENT", "/tasks/0/displayLayout", set_at("/tasks/0/displayLayout", "const Show = () => null;")),
    (
        "IMPORT_NOT_ALLOWED",
        "/tasks/2/editLayout",
        set_at("/tasks/2/editLayout", 'import _ from "lodash";\nexport default function F() { return null; }'),
    ),
    (
        "UNSAFE_LAYOUT",
        "/tasks/2/displayLayout",
        set_at(
            "/tasks/2/displayLayout",
            "export default function F({ output }) {\n"
            "  return <div dangerouslySetInnerHTML={{ __html: output.resolution }} />;\n"
            "}",
        ),
    ),
    ("INVALID_TYPE", "/title", set_at("/title", 5)),
    ("INVALID_TYPE", "/tasks/0/taskType", set_at("/tasks/0/taskType", "FROM")),
    ("INVALID_TYPE", "/transitions/1/priority", set_at("/transitions/1/priority", "high")),
    ("UNKNOWN_PROPERTY", "/tasks/0/tittle", set_at("/tasks/0/tittle", "Triage")),
]


WARNING_CASES = [
    ("SHADOWED_TRANSITION", "/transitions/1", set_at("/transitions/2/priority", 20)),
    (
        "AMBIGUOUS_PRIORITY",
        "/transitions/6",
        append_to(
            "/transitions",
            # Overlaps the priority-10 transition's `== "high"` (severity "high" makes both hold).
            {
                "fromTask": "triage",
                "toTask": "resolve",
                "priority": 10,
                "condition": {"in": [SEVERITY, ["high", "medium"]]},
            },
        ),
    ),
    ("MISSING_LAYOUT", "/tasks/2/editLayout", delete_at("/tasks/2/editLayout")),
    (
        "UNKNOWN_LAYOUT_PROP",
        "/tasks/2/editLayout",
        set_at("/tasks/2/editLayout", "export default function F({ form }) { return null; }"),
    ),
    (
        "UNDECLARED_PROPERTY",
        "/tasks/0/displayLayout",
        set_at("/tasks/0/displayLayout", "export default function F({ output }) { return <b>{output.severty}</b>; }"),
    ),
]


def small_workflow(transitions: list[dict], tasks: list[dict] | None = None, fields=None) -> dict:
    """Forms `a` and `b` (outputs `n` and `done`) unless `tasks` are given, joined by `transitions`."""
    schema = {"type": "object", "properties": {"n": {"type": "number"}, "done": {"type": "boolean"}}}
    return {
        "title": "Small",
        "fields": fields or [{"fieldName": "skip", "fieldType": "boolean"}, {"fieldName": "n", "fieldType": "number"}],
        "tasks": tasks
        or [
            {"key": "a", "title": "A", "taskType": "FORM", "outputSchema": schema, "editLayout": FORM_LAYOUT},
            {"key": "b", "title": "B", "taskType": "FORM", "outputSchema": schema, "editLayout": FORM_LAYOUT},
        ],
        "transitions": transitions,
    }
