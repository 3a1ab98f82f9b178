"""The workflow language reference: what an author of conditions, transforms and layouts needs to know,
as one JSON document (served at /schemas/workflow-language.json and as the GraphQL field
workflowLanguage).

It is built from what enforces the language, so that it cannot drift from it: the operators and
their arities from the validator's catalogue (validation.jsonlogic.OPERATORS), truthiness by
asking the evaluation engine itself, the task types from document.TASK_TYPE_RULES, field types
from the ticket value rules, limits and name patterns from the document's declarations, the
layout contract from layout_contract.py under the deployment's policy, and every problem code
from the registry (validation.codes). The prose says what the preview
evaluator (workflow_design.preview, the runtime's transition semantics) does; the tests hold
it to that behaviour.
"""

from __future__ import annotations

from typing import Any

from workflow_design import document as doc
from workflow_design import layout_contract as contract
from workflow_design.preview import Outcome

from .validation.codes import PROBLEM_CODES
from .validation.jsonlogic import MAX_BODY_LITERAL_BYTES, OPERATORS, evaluate
from .validation.layout_source import MAX_PARSE_MEMORY_BYTES
from .validation.layouts import DOCUMENT_LAYOUT_SECONDS, LAYOUT_SECONDS, MAX_PROBLEMS_PER_CHECK
from .validation.problems import MAX_PROBLEMS
from .validation.ticket import FIELD_VALUE_RULES

# What each operator does, in one sentence. The catalogue (names, arities, scoped arguments)
# comes from OPERATORS; a test keeps these sentences to exactly its operators.
OPERATOR_SUMMARIES = {
    "var": 'Reads a variable by its dotted name; {"var": [name, default]} gives default when the value is '
    "null or absent.",
    "==": 'Equal after JsonLogic\'s type conversion (1 == "1" holds).',
    "===": "Equal, and of the same type.",
    "!=": "Not equal after type conversion.",
    "!==": "Not equal, or of different types.",
    ">": "Greater than.",
    ">=": "Greater than or equal.",
    "<": "Less than; with three arguments, whether the second lies strictly between the first and the third.",
    "<=": "Less than or equal; with three arguments, whether the second lies between the first and the third.",
    "!": "Not: true when its argument is falsy.",
    "!!": "Whether its argument is truthy.",
    "and": "The first falsy argument, or the last one.",
    "or": "The first truthy argument, or the last one.",
    "if": "if / then / else-if / then / ... / else: the value after the first condition that is truthy.",
    "?:": "condition ? then : else.",
    "+": "Sum of numbers (numeric text is converted); with one argument, that argument as a number.",
    "-": "Difference; with one argument, its negation.",
    "*": "Product.",
    "/": "Quotient.",
    "%": "Remainder of a division.",
    "max": "The largest number.",
    "min": "The smallest number.",
    "cat": "Concatenation of its arguments as text.",
    "substr": "Part of a text from a start position (negative counts from the end), of an optional length.",
    "in": "Whether the first argument is an item of the array, or a substring of the text, given second.",
    "merge": "One array of the items of its array arguments (one level) and its other arguments.",
    "filter": "The items of the array for which the body is truthy.",
    "map": "The body's value for each item of the array.",
    "reduce": "Folds the array: the body reads current and accumulator, starting from the third argument.",
    "all": "Whether the body is truthy for every item; false for an empty array.",
    "some": "Whether the body is truthy for at least one item.",
    "none": "Whether the body is truthy for no item.",
    "missing": "The names among its arguments whose variables are null or absent.",
    "missing_some": "The names missing, when fewer than the first argument of the names given second are present.",
}

# --- variables ------------------------------------------------------------------------------

_TICKET = {
    "name": "ticket.<fieldName>",
    "type": "the field's fieldType (see fieldTypes); a json field's properties read as ticket.<fieldName>.<property>",
    "value": "the ticket's value of the field; null when the ticket has none",
}
_TASKS = {
    "name": "tasks.<taskKey>.<property>",
    "type": "the property's type in the task's outputSchema; nested properties and array items read through it, "
    "e.g. tasks.<taskKey>.items.0.owner",
    "value": "the output of the task's LATEST visit (a loop that visits the task again replaces it); null when "
    "the task has not run",
}
_RESPONSE = {
    "name": "response",
    "type": "any JSON (an action does not declare its response)",
    "value": "the action's raw response; its parts read as response.<property>",
}
_VISITS = {
    "name": "visits.<taskKey>",
    "type": "integer",
    "value": "how many times the task has run so far, the current run included when read in the task's own "
    'outgoing transitions; 0 before its first run. Bounds a loop, e.g. {"<": [{"var": "visits.rework"}, 2]}',
}
_ERROR = {
    "name": "error.code, error.status, error.attempts, error.message",
    "type": "code: one of TIMEOUT, HTTP_4XX, HTTP_5XX, NETWORK; status: integer or null; attempts: integer; "
    "message: string",
    "value": "how the action failed after its last attempt: the error, the HTTP status of an HTTP error (null for "
    "TIMEOUT and NETWORK), the attempts made (retries included) and a short description",
}
_TAKEN_WHEN_TRUTHY = (
    "The transition is taken when the condition's value is truthy (see evaluation.truthiness); a transition "
    "without a condition (absent or null) always is."
)
_READ_CHECKS = ["UNKNOWN_VARIABLE", "TYPE_MISMATCH", "NOT_IN_ENUM", "VARIABLE_AS_TEXT"]
_RUN_CHECKS = ["NOT_YET_RUN", "MAY_NOT_HAVE_RUN"]
_CONDITION_CHECKS = ["INVALID_CONDITION", *_READ_CHECKS, "CONSTANT_CONDITION"]
_TRANSFORM_CHECKS = ["INVALID_TRANSFORM", *_READ_CHECKS, "MISSING_PROPERTY", "UNKNOWN_PROPERTY"]


def _registered(*codes: str) -> list[str]:
    """The codes, each checked to be in the registry: the reference names no code that does not exist."""
    unknown = [code for code in codes if code not in PROBLEM_CODES]
    if unknown:
        raise ValueError(f"the language reference names unregistered problem codes: {unknown}")
    return list(codes)


def _scope(
    place: str, where: str, variables: list[dict[str, str]], result: str, notes: list[str], checks: list[str]
) -> dict[str, Any]:
    return {
        "place": place,
        "where": where,
        "variables": variables,
        "result": result,
        "notes": notes,
        "checkedBy": _registered(*checks),
    }


def _scopes() -> list[dict[str, Any]]:
    scoped = sorted(name for name, spec in OPERATORS.items() if spec.scoped_arg is not None)
    return [
        _scope(
            "start transition condition",
            "/transitions/<index>/condition of a transition whose fromTask is null",
            [_TICKET],
            f"{_TAKEN_WHEN_TRUTHY} Start transitions are tried when a ticket starts.",
            ["No task has run yet: a start transition reads only ticket fields."],
            [*_CONDITION_CHECKS, "NOT_YET_RUN"],
        ),
        _scope(
            "transition condition",
            "/transitions/<index>/condition of a transition whose fromTask names a task (without onError)",
            [_TICKET, _TASKS, _VISITS],
            f"{_TAKEN_WHEN_TRUTHY} The transitions leaving a task are tried when its visit ends (for an action, "
            "when its call succeeded: never after a failure).",
            ["tasks.<fromTask> is the output of the visit that has just ended."],
            [*_CONDITION_CHECKS, *_RUN_CHECKS],
        ),
        _scope(
            "error transition condition",
            "/transitions/<index>/condition of a transition with onError (it leaves an action task)",
            [_TICKET, _TASKS, _VISITS, _ERROR],
            f"{_TAKEN_WHEN_TRUTHY} An action's error transitions whose onError names the error are tried when "
            "its call failed after its retries.",
            [
                "tasks.<fromTask> is null: a failed visit leaves no output, and what comes after an error "
                "transition knows only what ran before the action.",
                "error is readable here only (UNKNOWN_VARIABLE elsewhere).",
            ],
            [*_CONDITION_CHECKS, *_RUN_CHECKS, "INVALID_ERROR_TRANSITION", "INVALID_ACTION_ERRORS"],
        ),
        _scope(
            "actionUrl placeholder",
            "each {variable} of /tasks/<index>/actionUrl, action tasks only",
            [_TICKET, _TASKS, _VISITS],
            "The variable's value, as text (a number or boolean as JSON writes it, null as nothing), "
            "percent-encoded into the URL (a / too).",
            [
                "Evaluated when the action's visit begins, as its inputTransform is.",
                "Placeholders stand after the host: the host an action calls is fixed by the document; {{ and }} "
                "are literal braces.",
                "A placeholder reads a text, a number or a boolean, not an object or an array.",
            ],
            ["INVALID_URL_TEMPLATE", "UNKNOWN_VARIABLE", "TYPE_MISMATCH", *_RUN_CHECKS, "UNSAFE_ACTION_URL"],
        ),
        _scope(
            "inputTransform",
            "/tasks/<index>/inputTransform/<property>, action tasks only",
            [_TICKET, _TASKS, _VISITS],
            "The object of the expressions' values is the request the action sends (null without an inputTransform).",
            [
                "Evaluated when the action's visit begins: tasks.<thisTask> is its previous visit's output, null on "
                "the first."
            ],
            [*_TRANSFORM_CHECKS, *_RUN_CHECKS],
        ),
        _scope(
            "outputTransform",
            "/tasks/<index>/outputTransform/<property>, action tasks only",
            [_TICKET, _TASKS, _VISITS, _RESPONSE],
            "The object of the expressions' values is the task's output, read afterwards as tasks.<thisTask> "
            "(without an outputTransform, the output is the response itself).",
            ["tasks.<thisTask> is still its previous visit's output here, null on the first."],
            [*_TRANSFORM_CHECKS, *_RUN_CHECKS],
        ),
        _scope(
            "array operator body",
            f"the scopedArgument of {', '.join(scoped)} (see operators)",
            [
                {
                    "name": '"" (the empty name)',
                    "type": "the type the array's items schema gives",
                    "value": "the current item (not in reduce)",
                },
                {
                    "name": "<property>",
                    "type": "the property's type in the items schema",
                    "value": "a property of the current item (not in reduce)",
                },
                {
                    "name": "current, accumulator",
                    "type": "the items' type; the type of reduce's third argument, the initial value",
                    "value": "in a reduce body: the current item, and the value accumulated so far",
                },
            ],
            "Evaluated once per item of the array given as the operator's first argument.",
            [
                "Inside a body var reads the current item, not ticket, tasks or response: compute what the body "
                "needs from them outside it.",
                f"A body's literal values are copied into the result per item: at most {MAX_BODY_LITERAL_BYTES} "
                "bytes of them.",
            ],
            ["INVALID_CONDITION", "INVALID_TRANSFORM", "TYPE_MISMATCH"],
        ),
    ]


# --- evaluation -----------------------------------------------------------------------------

# Values a condition may produce, from which the engine's own verdicts make the truthiness table.
_TRUTHINESS_SAMPLES: list[Any] = [None, False, True, 0, 1, -1, 0.5, "", "0", "false", "no", [], [0], {}, {"a": 1}]


def _truthiness() -> dict[str, list[Any]]:
    verdicts = [(value, bool(evaluate({"!!": [{"var": "value"}]}, {"value": value}))) for value in _TRUTHINESS_SAMPLES]
    return {
        "falsy": [value for value, truthy in verdicts if not truthy],
        "truthyExamples": [value for value, truthy in verdicts if truthy],
    }


def _evaluation() -> dict[str, Any]:
    return {
        "transitionChoice": "The transitions leaving a task are tried in descending priority (default 0), then in "
        "document order; the first whose condition holds is taken. Start transitions (fromTask null) are chosen "
        "by the same rule when a ticket starts.",
        "end": "A transition with toTask null ends the workflow; so does a task without outgoing transitions.",
        "noTransitionHolds": "When no transition's condition holds, the ticket is stuck at that task (or before "
        f"its start); previewWorkflow ends with outcome {Outcome.STUCK}.",
        "failingCondition": "A condition whose evaluation raises an error (arithmetic on text, an operator on a "
        "value it cannot take) counts as not holding, and the next transition is tried. previewWorkflow records it "
        "in the transition's trial (transitionsTried): holds false, error the reason; a STUCK message counts "
        "the conditions that raised.",
        "failingTransform": "A transform whose evaluation raises stops the ticket at its task; previewWorkflow "
        f"ends with outcome {Outcome.TRANSFORM_FAILED} and names the failing entry.",
        "latestVisit": "tasks.<taskKey> is the output of the task's latest visit: a loop that visits a task again "
        "replaces the output the earlier visit left (a failed action's visit leaves null).",
        "request": f"An action sends an HTTP request with its httpMethod (absent: {doc.DEFAULT_HTTP_METHOD}) to its "
        "actionUrl template filled in, with the object its inputTransform builds as the body (null without one).",
        "failingAction": "An action's attempt fails with TIMEOUT (no answer within timeoutSeconds), HTTP_4XX or "
        "HTTP_5XX (the status), or NETWORK (no answer at all). A failure its retry policy's errors name (all four "
        "when it names none) is tried again, up to maxAttempts attempts in all; the n-th retry waits "
        f"intervalSeconds x backoffRate^(n-1) seconds (backoffRate {doc.DEFAULT_BACKOFF_RATE} by default). After "
        "the last attempt, or at once for an error not retried, the task's output is null and its error "
        "transitions whose onError names the error are tried (in priority, then document order), their "
        "conditions reading error; ordinary transitions are never taken after a failure. When none is taken, "
        f"the ticket stops at the action; previewWorkflow ends with outcome {Outcome.ACTION_FAILED}.",
        "response": "After a successful attempt (a 2xx status), response is the answer's body (JSON, or its text "
        "when it is not JSON), read only by the outputTransform. After a failure there is no response: the "
        "outputTransform does not run, and error says what failed (an HTTP error's body is not given to rules).",
        "actionErrors": [{"code": code, "meaning": meaning} for code, meaning in doc.ACTION_ERROR_MEANINGS.items()],
        "httpMethods": list(doc.HTTP_METHODS),
        "truthiness": _truthiness(),
    }


# --- the document's parts -------------------------------------------------------------------


def _operators() -> list[dict[str, Any]]:
    return [
        {
            "name": spec.name,
            "minArguments": spec.min_args,
            "maxArguments": spec.max_args,
            "arity": spec.arity(),
            "scopedArgument": spec.scoped_arg,
            "summary": OPERATOR_SUMMARIES.get(name),
        }
        for name, spec in OPERATORS.items()
    ]


def _task_types() -> list[dict[str, Any]]:
    return [
        {
            "taskType": rule.task_type,
            "label": rule.label,
            "meaning": rule.meaning,
            "output": "what the person enters in the form, valid against outputSchema"
            if "outputTransform" in rule.forbidden
            else "its outputTransform applied to the action's raw response (the response itself without one)",
            "requires": [{"property": prop, "problemCodes": _registered(code)} for prop, code in rule.needs],
            "forbids": [
                {"property": prop, "problemCodes": _registered("NOT_ALLOWED_FOR_TASK_TYPE")} for prop in rule.forbidden
            ],
            "recommends": [{"property": rule.layout_warning, "problemCodes": _registered("MISSING_LAYOUT")}]
            if rule.layout_warning
            else [],
            "maxTimeoutSeconds": rule.max_timeout,
            "outputSchemaType": rule.output_schema_type,
        }
        for rule in doc.TASK_TYPE_RULES.values()
    ]


def _field_types() -> list[dict[str, str]]:
    return [{"fieldType": field_type, "value": FIELD_VALUE_RULES[field_type][1]} for field_type in doc.FIELD_TYPES]


def _names() -> list[dict[str, Any]]:
    return [
        {"name": f"{obj.name}.{prop.name}", "pattern": prop.pattern, "problemCodes": _registered(prop.invalid_code)}
        for obj, prop in _document_props()
        if prop.kind == doc.STRING and prop.pattern is not None
    ]


def _document_props() -> list[tuple[doc.DocObject, doc.Prop]]:
    objects = (
        doc.WORKFLOW,
        doc.WORKFLOW_FIELD,
        doc.TASK,
        doc.RETRY,
        doc.TRANSITION,
        doc.EXT_REF,
        doc.TICKET_DEFINITION,
    )
    return [(obj, prop) for obj in objects for prop in obj.props]


def _limits() -> list[dict[str, Any]]:
    limits: list[dict[str, Any]] = []
    for obj, prop in _document_props():
        for value, unit, code in (
            (prop.max_items, "entries", "TOO_MANY"),
            (prop.max_length, "characters", "TOO_LONG"),
            (prop.max_bytes, "bytes as JSON" if prop.kind == doc.JSON else "bytes of UTF-8", "TOO_LONG"),
        ):
            if value is not None:
                limits.append(_limit(f"{obj.name}.{prop.name}", value, unit, code))
        if prop.maximum is not None:
            limits.append(_limit(f"{obj.name}.{prop.name}", prop.maximum, "at most", prop.invalid_code))
    return [
        *limits,
        _limit("nesting of a JSON value", doc.MAX_JSON_DEPTH, "levels", "TOO_LONG"),
        _limit(
            "literal values in an array operator body",
            MAX_BODY_LITERAL_BYTES,
            "bytes",
            "INVALID_CONDITION",
            "INVALID_TRANSFORM",
        ),
        _limit("problems listed in one answer", MAX_PROBLEMS, "problems", "TOO_MANY_PROBLEMS"),
        _limit("time to read one layout", round(LAYOUT_SECONDS * 1000), "milliseconds", "INVALID_LAYOUT"),
        _limit(
            "time to read the layouts of one document (read once per deployment and source)",
            round(DOCUMENT_LAYOUT_SECONDS * 1000),
            "milliseconds",
            "INVALID_LAYOUT",
        ),
        _limit("memory parsing one layout may add", MAX_PARSE_MEMORY_BYTES, "bytes", "INVALID_LAYOUT"),
        _limit(
            "problems of one layout's imports, and of the props and properties it reads",
            MAX_PROBLEMS_PER_CHECK,
            "problems",
            "IMPORT_NOT_ALLOWED",
            "UNKNOWN_LAYOUT_PROP",
            "UNDECLARED_PROPERTY",
        ),
    ]


def _limit(what: str, maximum: int, unit: str, *codes: str) -> dict[str, Any]:
    return {"what": what, "max": maximum, "unit": unit, "problemCodes": _registered(*codes)}


# --- layouts ---------------------------------------------------------------------------------


def _layouts() -> dict[str, Any]:
    """The layout contract (layout_contract.py) under this deployment's policy."""
    policy = contract.layout_policy()
    return {
        "moduleForm": contract.MODULE_FORM,
        "imports": {
            "allowed": list(policy.modules),
            "note": "These modules and their subpaths (react/..., <package>/...), by name; the design-system package "
            f"is the deployment's setting {contract.DESIGN_SYSTEM_SETTING}.",
            "problemCodes": _registered("IMPORT_NOT_ALLOWED"),
        },
        "kinds": [
            {
                "property": kind.where,
                "shown": kind.shown,
                "props": [_layout_prop(prop) for prop in kind.props],
                "example": kind.example,
            }
            for kind in contract.LAYOUT_KINDS.values()
        ],
        "escapes": [
            {
                "construct": escape.construct,
                "category": escape.category,
                "allowed": escape.category in policy.allowed_escapes,
            }
            for escape in contract.ESCAPES.values()
        ],
        "escapeCategories": [
            {"category": category, "why": why, "allowed": category in policy.allowed_escapes}
            for category, why in contract.ESCAPE_CATEGORIES.items()
        ],
        "escapesNote": "Constructs are recognized as written (also through window., globalThis. and self.); the "
        f"deployment's setting {contract.ALLOWED_ESCAPES_SETTING} allows categories. The check is a lint, not a "
        "sandbox: the frontend still runs layouts under its Content Security Policy.",
        "problemCodes": _registered(
            "INVALID_LAYOUT",
            "MISSING_COMPONENT",
            "IMPORT_NOT_ALLOWED",
            "UNSAFE_LAYOUT",
            "UNKNOWN_LAYOUT_PROP",
            "UNDECLARED_PROPERTY",
            "MISSING_LAYOUT",
            "NOT_ALLOWED_FOR_TASK_TYPE",
        ),
    }


def _layout_prop(prop: contract.LayoutProp) -> dict[str, Any]:
    """`shape`: a JSON Schema the contract fixes; `derivedFrom`: what the document declares of it instead
    (both null for functions and schemas)."""
    derived = contract.DERIVED_SHAPES[prop.derived_from] if prop.derived_from is not None else None
    return {
        "name": prop.name,
        "type": prop.type,
        "description": prop.description,
        "shape": prop.shape,
        "derivedFrom": derived,
    }


def _problem_codes() -> list[dict[str, str]]:
    return [
        {"code": code.code, "severity": code.severity, "trigger": code.trigger, "exampleFix": code.example_fix}
        for code in PROBLEM_CODES.values()
    ]


def workflow_language() -> dict[str, Any]:
    """The language reference as JSON-able data; the same for every caller of one deployment."""
    return {
        "title": "TicketFlower workflow language reference",
        "documentSchema": "/schemas/workflow-document.json",
        "variables": _scopes(),
        "evaluation": _evaluation(),
        "operators": _operators(),
        "taskTypes": _task_types(),
        "fieldTypes": _field_types(),
        "names": _names(),
        "limits": _limits(),
        "layouts": _layouts(),
        "problemCodes": _problem_codes(),
    }
