"""The single definition of the workflow document's shape.

Everything that knows what a workflow document (``WorkflowInput``) or a ticket
definition document (``TicketDefinitionInput``) looks like derives from the
declarations in this module: the validator (``workflow_design.validation``),
the generated JSON Schema (``schema/workflow_document.schema.json``) and the
strawberry GraphQL input types.

Design decisions that the declarations encode:

* Every prop is optional at the type level (GraphQL input type, JSON Schema).
  ``required`` is a rule the validator reports as a located ``REQUIRED``
  problem, so a client gets a JSON Pointer instead of a GraphQL parse error.
* For the same reason enums (``taskType``, ``fieldType``) are plain strings at
  the GraphQL level: an unknown value becomes a located problem.
* ``nullable`` props (``fromTask``/``toTask``) give ``null`` a meaning, so the
  GraphQL layer must keep "absent" (strawberry ``UNSET``) apart from ``null``.
* ``invalid_code`` is the problem code for a value of the wrong type or form;
  missing values are always ``REQUIRED`` and oversized ones ``TOO_LONG`` /
  ``TOO_MANY``.

Run ``python -m workflow_design.document`` to regenerate the JSON Schema file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

# --- constants ---------------------------------------------------------------

FIELD_TYPES = ("string", "text", "integer", "number", "boolean", "date", "datetime", "email", "url", "json")
TASK_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
# A field is read as ticket.<fieldName> in JsonLogic, where "." separates names.
FIELD_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
# A global id (kernel/global_ids): base64 text. Which object it names, if any, the write decides
# (NOT_FOUND, as for an id that does not exist).
ID_PATTERN = r"^[A-Za-z0-9+/]+={0,2}$"

MAX_TASKS = 1000
MAX_TRANSITIONS = 5000
MAX_JSON_BYTES = 256 * 1024
MAX_LAYOUT_BYTES = 256 * 1024
MAX_TITLE = 255
MAX_DESCRIPTION_BYTES = 64 * 1024  # a page of prose is a few KiB
MAX_LINK_DESCRIPTION_BYTES = 4 * 1024
MAX_FIELDS = 500
MAX_EXT_REFS = 50
MAX_ROLE_ACCESS = 200
MAX_SYNC_TIMEOUT_SECONDS = 300
MAX_URL_LENGTH = 8192  # what common HTTP servers accept in a request line; real URLs stay far below
MAX_ASSIGNEE_ROLES = MAX_ROLE_ACCESS
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
DEFAULT_HTTP_METHOD = "POST"  # the first edition's actions, which named no method, POST
# How an action can fail (after its retries): what `retry.errors`, a transition's `onError` and
# the variable error.code name.
ACTION_ERROR_MEANINGS = {
    "TIMEOUT": "No answer within the task's timeoutSeconds.",
    "HTTP_4XX": "The service answered with a 4xx status (it refused the request).",
    "HTTP_5XX": "The service answered with a 5xx status (it failed).",
    "NETWORK": "No answer at all: the name did not resolve, the connection failed or broke, or TLS failed.",
}
ACTION_ERRORS = tuple(ACTION_ERROR_MEANINGS)
MAX_ATTEMPTS = 10
MAX_RETRY_INTERVAL_SECONDS = 3600
MAX_BACKOFF_RATE = 10
DEFAULT_BACKOFF_RATE = 2
# Not in the contract: bounds the recursion of every checker (and of
# jsonschema, which fails near 200 levels); real schemas and rules stay far below.
MAX_JSON_DEPTH = 64

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# --- rules per task type -----------------------------------------------------


@dataclass(frozen=True)
class TaskTypeRule:
    task_type: str
    label: str  # for people (Django's admin)
    meaning: str  # what a task of this type is, one sentence (API and reference)
    needs: tuple[tuple[str, str], ...] = ()  # (prop, code when it is missing)
    forbidden: tuple[str, ...] = ()  # props the type does not use: NOT_ALLOWED_FOR_TASK_TYPE
    max_timeout: int | None = None  # INVALID_TIMEOUT above it
    output_schema_type: str | None = None  # the outputSchema's "type" must be this
    layout_warning: str | None = None  # MISSING_LAYOUT (a warning) when this prop is absent


TASK_TYPE_RULES = {
    rule.task_type: rule
    for rule in (
        TaskTypeRule(
            "FORM",
            "Form",
            "A person fills in a form whose fields outputSchema declares; what they enter is the task's output.",
            needs=(("outputSchema", "REQUIRED"),),
            forbidden=("actionUrl", "httpMethod", "inputTransform", "outputTransform", "timeoutSeconds", "retry"),
            output_schema_type="object",
            layout_warning="editLayout",
        ),
        TaskTypeRule(
            "SYNC_ACTION",
            "Synchronous action",
            "An HTTP call to actionUrl, answered within timeoutSeconds (at most 300).",
            needs=(("actionUrl", "MISSING_ACTION_URL"),),
            forbidden=("editLayout", "assigneeRoles"),
            max_timeout=MAX_SYNC_TIMEOUT_SECONDS,
        ),
        TaskTypeRule(
            "ASYNC_ACTION",
            "Asynchronous action",
            "An HTTP call to actionUrl whose answer comes later (within timeoutSeconds, when given).",
            needs=(("actionUrl", "MISSING_ACTION_URL"),),
            forbidden=("editLayout", "assigneeRoles"),
        ),
    )
}
TASK_TYPES = tuple(TASK_TYPE_RULES)


# --- kinds of props ----------------------------------------------------------

STRING = "string"  # short single-line string
TEXT = "text"  # long string (descriptions, React layout source)
INTEGER = "integer"
NUMBER = "number"
ID = "id"  # GraphQL ID: the global id of an object of the type `names`
ENUM = "enum"  # a string out of `values`
URL = "url"  # an absolute http(s) URL
JSON = "json"  # free JSON (schemas, JsonLogic, ticket field values)
OBJECT = "object"  # one nested `item` object
OBJECT_LIST = "object_list"  # a list of `item` objects
STRING_LIST = "string_list"  # a list of strings
ENUM_LIST = "enum_list"  # a list of strings out of `values`, each at most once
KINDS = (STRING, TEXT, INTEGER, NUMBER, ID, ENUM, URL, JSON, OBJECT, OBJECT_LIST, STRING_LIST, ENUM_LIST)

# --- what a JSON prop contains (drives the deeper checks) --------------------

JSON_SCHEMA = "json-schema"  # a JSON Schema 2020-12
CONDITION = "jsonlogic-condition"  # a JsonLogic expression
TRANSFORM = "jsonlogic-transform"  # an object whose values are JsonLogic expressions
FIELD_VALUES = "ticket-field-values"  # an object {fieldName: value}
# --- what a URL prop holds ---
URL_TEMPLATE = "url-template"  # a URL whose {placeholders} are variables (validation.url_templates)

# --- which React layout a TEXT prop holds (workflow_design.layout_contract: the props each receives) ---

TASK_EDIT_LAYOUT = "task-edit-layout"
TASK_DISPLAY_LAYOUT = "task-display-layout"
WORKFLOW_DISPLAY_LAYOUT = "workflow-display-layout"
TICKET_EDIT_LAYOUT = "ticket-edit-layout"
TICKET_DISPLAY_LAYOUT = "ticket-display-layout"

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_case(camel: str) -> str:
    """``timeoutSeconds`` -> ``timeout_seconds``, ``extRef`` -> ``ext_ref``."""
    return _CAMEL_BOUNDARY.sub("_", camel).lower()


@dataclass(frozen=True)
class Prop:
    """One property of a document object."""

    name: str  # camelCase, as in GraphQL and the JSON document
    kind: str  # one of KINDS
    description: str  # one line; becomes the GraphQL / JSON Schema description
    required: bool = False  # reported as REQUIRED when absent (or null/blank unless nullable)
    nullable: bool = False  # null is a meaningful value, distinct from "absent"
    required_with: str | None = None  # required when this other prop is given
    max_length: int | None = None  # characters
    max_bytes: int | None = None  # UTF-8 bytes of a string, or of serialized JSON
    max_items: int | None = None  # for lists; TOO_MANY above it
    min_items: int = 0  # for ENUM_LIST: fewer entries are `invalid_code`
    values: tuple[str, ...] = ()  # for ENUM and ENUM_LIST
    pattern: str | None = None  # regex a string value must match
    # For INTEGER and NUMBER. With a maximum, the shape check reports a value outside [minimum, maximum]
    # as `invalid_code`; a minimum alone is for the JSON Schema (a rule checks the range, with its words).
    minimum: int | None = None
    maximum: int | None = None
    default: Any = None  # what an absent value means (JSON Schema's `default`)
    item: DocObject | None = None  # for OBJECT and OBJECT_LIST
    json_types: tuple[str, ...] = ()  # for JSON: allowed JSON types, empty = any
    content: str | None = (
        None  # JSON: what the value means (JSON_SCHEMA, ...); TEXT: which layout (TASK_EDIT_LAYOUT, ...)
    )
    invalid_code: str = "INVALID_TYPE"  # code for a value of the wrong type or form
    names: str | None = None  # for ID: the type of the object named (WorkflowDefinition, ...)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r} for {self.name!r}")
        if (self.kind in (OBJECT, OBJECT_LIST)) != (self.item is not None):
            raise ValueError(f"{self.name!r}: `item` goes with kinds object and object_list, and only with them")
        if (self.kind == ID) != (self.names is not None):
            raise ValueError(f"{self.name!r}: `names` goes with kind id, and only with it")

    @property
    def python_name(self) -> str:
        return snake_case(self.name)

    @property
    def named_type(self) -> str:
        """`names` of an ID prop, which always has one (__post_init__)."""
        if self.names is None:
            raise TypeError(f"{self.name!r} is not an id")
        return self.names

    @property
    def item_object(self) -> DocObject:
        """`item` of an OBJECT or OBJECT_LIST prop, which always has one (__post_init__)."""
        if self.item is None:
            raise TypeError(f"{self.name!r} is not an object or an object list")
        return self.item


@dataclass(frozen=True)
class DocObject:
    """A JSON object of the document (a GraphQL input type)."""

    name: str  # the GraphQL input type name
    description: str
    props: tuple[Prop, ...] = field(default=())

    @cached_property
    def by_name(self) -> dict[str, Prop]:
        return {prop.name: prop for prop in self.props}

    def prop(self, name: str) -> Prop:
        return self.by_name[name]


# --- the document ------------------------------------------------------------

_LAYOUT = "React component source (at most 256 KiB)"

EXT_REF = DocObject(
    "ExtRef",
    "A link to an external resource (runbook, wiki page, ...).",
    (
        Prop("label", STRING, "Short text shown for the link.", required=True),
        Prop("desc", TEXT, "What the linked resource is about (at most 4 KiB).", max_bytes=MAX_LINK_DESCRIPTION_BYTES),
        Prop(
            "uri",
            URL,
            "Absolute http(s) URL of the resource (at most 8192 characters).",
            required=True,
            max_length=MAX_URL_LENGTH,
            invalid_code="INVALID_URL",
        ),
    ),
)

WORKFLOW_FIELD = DocObject(
    "WorkflowField",
    "A field that every ticket of the workflow carries; read in JsonLogic as ticket.<fieldName>.",
    (
        Prop(
            "fieldName",
            STRING,
            "Name of the field, unique in the workflow: letters, digits and _, not starting with a digit, "
            "at most 64 characters.",
            required=True,
            pattern=FIELD_NAME_PATTERN,
            invalid_code="INVALID_KEY",
        ),
        Prop(
            "fieldType",
            ENUM,
            "Type of the field's value.",
            required=True,
            values=FIELD_TYPES,
            invalid_code="UNKNOWN_FIELD_TYPE",
        ),
    ),
)


def _ext_ref_prop() -> Prop:
    return Prop(
        "extRef", OBJECT_LIST, "Links to external resources (at most 50).", item=EXT_REF, max_items=MAX_EXT_REFS
    )


def _description_prop(what: str) -> Prop:
    return Prop("description", TEXT, f"{what} (at most 64 KiB).", max_bytes=MAX_DESCRIPTION_BYTES)


def _layout_prop(name: str, what: str, layout: str) -> Prop:
    return Prop(name, TEXT, f"{what}: {_LAYOUT}.", max_bytes=MAX_LAYOUT_BYTES, content=layout)


def _json_prop(name: str, description: str, content: str, json_types: tuple[str, ...], code: str) -> Prop:
    return Prop(
        name,
        JSON,
        description,
        max_bytes=MAX_JSON_BYTES,
        json_types=json_types,
        content=content,
        invalid_code=code,
    )


def _schema_prop(name: str, description: str) -> Prop:
    # A 2020-12 schema is an object or a boolean.
    return _json_prop(name, description, JSON_SCHEMA, ("object", "boolean"), "INVALID_JSON_SCHEMA")


def _transform_prop(name: str, description: str) -> Prop:
    return _json_prop(name, description, TRANSFORM, ("object",), "INVALID_TRANSFORM")


def _action_errors_prop(name: str, description: str, *, min_items: int = 0) -> Prop:
    return Prop(
        name,
        ENUM_LIST,
        description,
        values=ACTION_ERRORS,
        max_items=len(ACTION_ERRORS),
        min_items=min_items,
        invalid_code="INVALID_ACTION_ERRORS",
    )


RETRY = DocObject(
    "RetryPolicy",
    "How an action task tries again after a failed attempt: the n-th retry waits intervalSeconds x "
    "backoffRate^(n-1) seconds.",
    (
        Prop(
            "maxAttempts",
            INTEGER,
            f"Attempts in all, the first included (1 to {MAX_ATTEMPTS}).",
            required=True,
            minimum=1,
            maximum=MAX_ATTEMPTS,
            invalid_code="INVALID_RETRY",
        ),
        Prop(
            "intervalSeconds",
            INTEGER,
            f"Seconds to wait before the first retry (0 to {MAX_RETRY_INTERVAL_SECONDS}); default 0.",
            minimum=0,
            maximum=MAX_RETRY_INTERVAL_SECONDS,
            default=0,
            invalid_code="INVALID_RETRY",
        ),
        Prop(
            "backoffRate",
            NUMBER,
            f"The interval's multiplier for each further retry (1 to {MAX_BACKOFF_RATE}); default "
            f"{DEFAULT_BACKOFF_RATE}.",
            minimum=1,
            maximum=MAX_BACKOFF_RATE,
            default=DEFAULT_BACKOFF_RATE,
            invalid_code="INVALID_RETRY",
        ),
        _action_errors_prop(
            "errors",
            "The errors that are retried, out of TIMEOUT, HTTP_4XX, HTTP_5XX and NETWORK; absent: all four.",
        ),
    ),
)

TASK = DocObject(
    "TaskInput",
    "One task of the workflow, identified by its key.",
    (
        Prop(
            "key",
            STRING,
            "Identifier of the task, unique in the workflow: lowercase letters, digits and _, "
            "starting with a letter, at most 64 characters.",
            required=True,
            pattern=TASK_KEY_PATTERN,
            invalid_code="INVALID_KEY",
        ),
        Prop("title", STRING, "Title of the task (at most 255 characters).", required=True, max_length=MAX_TITLE),
        _description_prop("What the task is for"),
        _ext_ref_prop(),
        Prop(
            "taskType",
            ENUM,
            "FORM (a person fills in outputSchema), SYNC_ACTION (an HTTP call answered within "
            "timeoutSeconds, at most 300) or ASYNC_ACTION (an HTTP call answered later).",
            required=True,
            values=TASK_TYPES,
        ),
        _schema_prop("inputSchema", "JSON Schema (2020-12) of the data the task receives."),
        _schema_prop("outputSchema", "JSON Schema (2020-12) of the data the task produces; for a FORM, the form."),
        _layout_prop("editLayout", "Form layout of a FORM task", TASK_EDIT_LAYOUT),
        _layout_prop("displayLayout", "How the task is shown", TASK_DISPLAY_LAYOUT),
        Prop(
            "assigneeRoles",
            STRING_LIST,
            "Names of the company roles whose holders may work this FORM task (at most 200); absent or empty: "
            "anyone with access to the ticket. FORM only.",
            max_items=MAX_ASSIGNEE_ROLES,
        ),
        Prop(
            "httpMethod",
            ENUM,
            "HTTP method of an action task's request: GET, POST, PUT, PATCH or DELETE; absent means POST. "
            "Actions only.",
            values=HTTP_METHODS,
            default=DEFAULT_HTTP_METHOD,
        ),
        Prop(
            "actionUrl",
            URL,
            "Absolute http(s) URL template an action task calls, e.g. https://shop.example/orders/{ticket.orderId}: "
            "each {placeholder} is a variable (ticket.<field>, tasks.<key>.<property>, visits.<key>), filled in "
            "percent-encoded; {{ and }} are literal braces; no placeholder before the path; at most 8192 characters. "
            "Actions only.",
            max_length=MAX_URL_LENGTH,
            invalid_code="INVALID_URL",
            content=URL_TEMPLATE,
        ),
        _transform_prop(
            "inputTransform",
            "Object of JsonLogic expressions building the request of an action task.",
        ),
        _transform_prop(
            "outputTransform",
            "Object of JsonLogic expressions turning the action's response (variable response) into its output.",
        ),
        Prop(
            "timeoutSeconds",
            INTEGER,
            "Seconds to wait for an action task (positive; at most 300 for SYNC_ACTION).",
            minimum=1,
            invalid_code="INVALID_TIMEOUT",
        ),
        Prop(
            "retry",
            OBJECT,
            "When a failed attempt of an action task is tried again (absent: never). Actions only.",
            item=RETRY,
        ),
    ),
)

TRANSITION = DocObject(
    "TransitionInput",
    "An edge of the workflow graph. From a task, transitions are tried in descending priority, "
    "then in document order; the first whose condition holds is taken.",
    (
        Prop(
            "fromTask",
            STRING,
            "Key of the task the transition leaves; null marks a start transition (send null: an absent "
            "fromTask is REQUIRED).",
            required=True,
            nullable=True,
        ),
        Prop(
            "toTask",
            STRING,
            "Key of the task the transition leads to; null ends the workflow (send null: an absent toTask is "
            "REQUIRED).",
            required=True,
            nullable=True,
        ),
        _json_prop(
            "condition",
            "JsonLogic expression that must hold for the transition to be taken; absent or null means always.",
            CONDITION,
            (),
            "INVALID_CONDITION",
        ),
        Prop("priority", INTEGER, "Higher priorities are tried first; default 0."),
        _action_errors_prop(
            "onError",
            "Makes this an error transition: it leaves an action task, and is tried only when the action failed "
            "with one of these errors (TIMEOUT, HTTP_4XX, HTTP_5XX, NETWORK) after its retries; its condition may "
            "read the variable error. Ordinary transitions are never taken after a failure.",
            min_items=1,
        ),
    ),
)


def _edit_target_props(noun: str, type_name: str) -> tuple[Prop, Prop]:
    """`id` and `expectedVersion`: which stored object an upload edits, and which version of it."""
    return (
        Prop(
            "id",
            ID,
            f"Global id of the {noun} to edit (its `id`, as the API answers it); omit to create a new one.",
            pattern=ID_PATTERN,
            names=type_name,
        ),
        Prop(
            "expectedVersion",
            INTEGER,
            "Version the edit is based on; required with id.",
            required_with="id",
            minimum=1,
        ),
    )


WORKFLOW = DocObject(
    "WorkflowInput",
    "A workflow document: the input of uploadWorkflow, the output of exportWorkflow and the import/export file.",
    (
        *_edit_target_props("workflow", "WorkflowDefinition"),
        Prop("title", STRING, "Title of the workflow (at most 255 characters).", required=True, max_length=MAX_TITLE),
        _description_prop("What the workflow is for"),
        _ext_ref_prop(),
        Prop(
            "fields",
            OBJECT_LIST,
            "Fields every ticket of the workflow carries (at most 500).",
            item=WORKFLOW_FIELD,
            max_items=MAX_FIELDS,
        ),
        _layout_prop("displayLayout", "How the workflow is shown", WORKFLOW_DISPLAY_LAYOUT),
        Prop("tasks", OBJECT_LIST, "The tasks (at most 1000).", item=TASK, max_items=MAX_TASKS),
        Prop(
            "transitions",
            OBJECT_LIST,
            "The transitions between tasks (at most 5000).",
            item=TRANSITION,
            max_items=MAX_TRANSITIONS,
        ),
    ),
)

TICKET_DEFINITION = DocObject(
    "TicketDefinitionInput",
    "A ticket definition: a kind of ticket that runs a workflow.",
    (
        *_edit_target_props("ticket definition", "TicketDefinition"),
        Prop(
            "title",
            STRING,
            "Title of the ticket definition (at most 255 characters).",
            required=True,
            max_length=MAX_TITLE,
        ),
        _description_prop("What this kind of ticket is for"),
        _ext_ref_prop(),
        Prop(
            "workflowId",
            ID,
            "Global id of the workflow tickets of this kind run.",
            required=True,
            pattern=ID_PATTERN,
            names="WorkflowDefinition",
        ),
        Prop(
            "fields",
            JSON,
            "Default values of the workflow's fields: an object {fieldName: value} (at most 256 KiB as JSON).",
            max_bytes=MAX_JSON_BYTES,
            json_types=("object",),
            content=FIELD_VALUES,
        ),
        Prop(
            "companyRoleAccess",
            STRING_LIST,
            "Names of the company roles that may use this kind of ticket (at most 200).",
            max_items=MAX_ROLE_ACCESS,
        ),
        _layout_prop("editLayout", "Ticket form layout", TICKET_EDIT_LAYOUT),
        _layout_prop("displayLayout", "How a ticket is shown", TICKET_DISPLAY_LAYOUT),
    ),
)

# --- JSON Schema generation --------------------------------------------------

_NULL = "null"


def _prop_json_schema(prop: Prop) -> dict[str, Any]:
    """JSON Schema of one prop; every prop also accepts null (= absent)."""
    schema: dict[str, Any]
    if prop.kind in (STRING, TEXT):
        schema = {"type": ["string", _NULL]}
        if prop.max_length is not None:
            schema["maxLength"] = prop.max_length
    elif prop.kind == INTEGER:
        schema = {"type": ["integer", _NULL]}
    elif prop.kind == NUMBER:
        schema = {"type": ["number", _NULL]}
    elif prop.kind == ID:
        schema = {"type": ["string", _NULL]}
    elif prop.kind == ENUM:
        schema = {"type": ["string", _NULL], "enum": [*prop.values, None]}
    elif prop.kind == URL:
        schema = {"type": ["string", _NULL], "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"}
        if prop.max_length is not None:
            schema["maxLength"] = prop.max_length
    elif prop.kind == JSON:
        schema = {}
        if prop.json_types:
            schema["type"] = [*prop.json_types, _NULL]
        if prop.content == JSON_SCHEMA:
            schema["$ref"] = JSON_SCHEMA_DIALECT
    elif prop.kind == OBJECT:
        schema = {"anyOf": [{"$ref": f"#/$defs/{prop.item_object.name}"}, {"type": _NULL}]}
    elif prop.kind == OBJECT_LIST:
        schema = {"type": ["array", _NULL], "items": {"$ref": f"#/$defs/{prop.item_object.name}"}}
    elif prop.kind == ENUM_LIST:
        schema = {"type": ["array", _NULL], "items": {"enum": list(prop.values)}, "uniqueItems": True}
        if prop.min_items:
            schema["minItems"] = prop.min_items
    else:  # STRING_LIST
        schema = {"type": ["array", _NULL], "items": {"type": "string"}}
    if prop.pattern is not None:
        schema["pattern"] = prop.pattern
    if prop.minimum is not None:
        schema["minimum"] = prop.minimum
    if prop.maximum is not None:
        schema["maximum"] = prop.maximum
    if prop.default is not None:
        schema["default"] = prop.default
    if prop.max_items is not None:
        schema["maxItems"] = prop.max_items
    # Required-ness is a validator rule (a located REQUIRED problem), not a
    # type-level constraint; say it in the description only.
    required = "Required. " if prop.required else ""
    schema["description"] = required + prop.description
    return schema


def _object_json_schema(obj: DocObject) -> dict[str, Any]:
    return {
        "type": "object",
        "description": obj.description,
        "properties": {prop.name: _prop_json_schema(prop) for prop in obj.props},
        "additionalProperties": False,
    }


def _nested_objects(obj: DocObject) -> list[DocObject]:
    found: list[DocObject] = []
    for prop in obj.props:
        if prop.item is not None and prop.item not in found:
            found.append(prop.item)
            found.extend(o for o in _nested_objects(prop.item) if o not in found)
    return found


def _root_json_schema(root: DocObject, schema_id: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DIALECT, "$id": schema_id, "title": root.name}
    schema.update(_object_json_schema(root))
    schema["$defs"] = {obj.name: _object_json_schema(obj) for obj in _nested_objects(root)}
    return schema


def document_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of the workflow document (WorkflowInput)."""
    return _root_json_schema(WORKFLOW, "urn:ticketflower:workflow-document")


def ticket_definition_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of a ticket definition document (TicketDefinitionInput)."""
    return _root_json_schema(TICKET_DEFINITION, "urn:ticketflower:ticket-definition")


SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "workflow_document.schema.json"


def write_document_json_schema(path: Path = SCHEMA_FILE) -> Path:
    """Write document_json_schema() pretty-printed with sorted keys."""
    text = json.dumps(document_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_document_json_schema())
