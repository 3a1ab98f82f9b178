"""The registry of problem codes: every code that checking or writing a workflow document, a
ticket definition or a preview's sample data can answer with, declared once with its severity,
what triggers it and an example fix.

The published language reference (`workflow_design.language`) lists this registry, and
tests/test_language_reference.py keeps it equal to the codes the validators and services use:
a code used but not declared here, or declared but used nowhere, fails the test. The codes of
the contract (`../shared/contract/API.md`) keep their meaning; the others extend that list.
"""

from __future__ import annotations

from dataclasses import dataclass

from kernel.problems import ERROR, WARNING


@dataclass(frozen=True)
class ProblemCode:
    code: str
    severity: str  # ERROR: nothing is written; WARNING: reported, and the upload is saved
    trigger: str  # what makes it reported, one sentence
    example_fix: str  # how an author typically fixes it, one sentence


def _registry(*codes: ProblemCode) -> dict[str, ProblemCode]:
    registry: dict[str, ProblemCode] = {}
    for code in codes:
        if code.code in registry:
            raise ValueError(f"the problem code {code.code} is declared twice")
        registry[code.code] = code
    return registry


PROBLEM_CODES = _registry(
    # --- the shape of a document ------------------------------------------------------------
    ProblemCode(
        "REQUIRED",
        ERROR,
        "A required property is absent, null or blank (a workflow's title, a task's key, a FORM's outputSchema, "
        "expectedVersion beside id, previewWorkflow given neither input nor workflowId).",
        'Add the property, e.g. "title": "Expense approval" on the workflow.',
    ),
    ProblemCode(
        "INVALID_TYPE",
        ERROR,
        "A value has the wrong JSON type or is not one of its allowed values (tasks that is not an array, a "
        "priority that is a string, an unknown taskType), or a document or sample datum is not a JSON object.",
        'Send the type the document\'s JSON Schema names, e.g. "priority": 10 rather than "priority": "10".',
    ),
    ProblemCode(
        "UNKNOWN_PROPERTY",
        ERROR,
        "An object of the document has a key its format does not define (an import file's misspelt key), or a "
        "transform gives a property its target schema forbids (additionalProperties false).",
        "Remove the key or correct its spelling as the message suggests, e.g. taskType rather than type.",
    ),
    ProblemCode(
        "INVALID_CHARACTER",
        ERROR,
        "Text contains a NUL character or an unpaired surrogate, which no database column can store.",
        "Remove the control character from the text (it usually comes from a copy and paste).",
    ),
    ProblemCode(
        "TOO_LONG",
        ERROR,
        "A text is longer, or a JSON value larger or nested deeper, than its limit (see limits).",
        "Shorten the text, or move long prose to a page linked from extRef.",
    ),
    ProblemCode(
        "TOO_MANY",
        ERROR,
        "A list has more entries than its limit (tasks, transitions, fields, extRef, companyRoleAccess, "
        "assigneeRoles; see limits).",
        "Split the workflow into smaller ones, or drop entries that are not needed.",
    ),
    ProblemCode(
        "TOO_MANY_PROBLEMS",
        ERROR,
        "More problems were found than an answer lists (10,000); the last one counts the rest, and is a warning "
        "when all of the rest are warnings.",
        "Fix the problems listed, which usually share a cause, and check the document again.",
    ),
    ProblemCode(
        "INVALID_KEY",
        ERROR,
        "A task key or a field name does not match its pattern (see names).",
        'Write task keys like "manager_approval" and field names like "costCenter".',
    ),
    ProblemCode(
        "DUPLICATE_KEY",
        ERROR,
        "Two tasks of a workflow have the same key, or a ticket definition's companyRoleAccess or a task's "
        "assigneeRoles names a role twice.",
        "Rename one of the tasks (and the transitions that name it), or remove the repeated role.",
    ),
    ProblemCode(
        "DUPLICATE_FIELD",
        ERROR,
        "Two fields of a workflow have the same fieldName.",
        "Remove one of the two fields, or rename it.",
    ),
    ProblemCode(
        "UNKNOWN_FIELD_TYPE",
        ERROR,
        "A field's fieldType is not one of the field types.",
        'Use one of the field types, e.g. "number" for an amount.',
    ),
    ProblemCode(
        "INVALID_URL",
        ERROR,
        "An actionUrl (with its placeholders read as plain path segments) or an extRef uri is not an absolute "
        "http(s) URL.",
        'Write the whole URL with its scheme, e.g. "https://erp.example.com/orders".',
    ),
    ProblemCode(
        "INVALID_URL_TEMPLATE",
        ERROR,
        "An actionUrl template has a brace that is neither a placeholder nor doubled, a placeholder that names no "
        "variable, or a placeholder in its scheme or host (the host an action calls is fixed).",
        'Put placeholders in the path or query, e.g. "https://shop.example/orders/{ticket.orderId}", and write '
        "{{ or }} for a literal brace.",
    ),
    ProblemCode(
        "INVALID_RETRY",
        ERROR,
        "A retry policy's maxAttempts (1-10), intervalSeconds (0-3600) or backoffRate (1-10) is out of its range "
        "or not a number.",
        'Use a bounded policy, e.g. "retry": {"maxAttempts": 3, "intervalSeconds": 30, "backoffRate": 2}.',
    ),
    ProblemCode(
        "INVALID_ACTION_ERRORS",
        ERROR,
        "A transition's onError or a retry policy's errors lists something other than TIMEOUT, HTTP_4XX, "
        "HTTP_5XX and NETWORK, lists one twice, or (onError) lists none.",
        'Name the errors, e.g. "onError": ["TIMEOUT", "HTTP_5XX"]; leave onError out for an ordinary transition.',
    ),
    # --- tasks and their types ----------------------------------------------------------------
    ProblemCode(
        "MISSING_ACTION_URL",
        ERROR,
        "A SYNC_ACTION or ASYNC_ACTION task has no actionUrl.",
        'Add the URL the action calls, e.g. "actionUrl": "https://erp.example.com/orders".',
    ),
    ProblemCode(
        "UNSAFE_ACTION_URL",
        ERROR,
        "An actionUrl's host is localhost or a literal loopback, private, link-local or cloud-metadata address, "
        "or is ambiguous (a backslash before the path), unless the deployment allows private hosts.",
        "Call the service by its public host name, e.g. https://erp.example.com rather than http://10.0.0.5.",
    ),
    ProblemCode(
        "NOT_ALLOWED_FOR_TASK_TYPE",
        ERROR,
        "A task has a property its task type does not use (a FORM with actionUrl, httpMethod, inputTransform, "
        "outputTransform, timeoutSeconds or retry; an action with editLayout or assigneeRoles, since an action "
        "has no form and nobody works it).",
        "Remove the property, or make the task an action if it is meant to call a service.",
    ),
    ProblemCode(
        "INVALID_TIMEOUT",
        ERROR,
        "A task's timeoutSeconds is not positive, or is above its task type's maximum (300 for a SYNC_ACTION).",
        "Use a timeout of at most 300 seconds, or make the task an ASYNC_ACTION for longer work.",
    ),
    ProblemCode(
        "INVALID_JSON_SCHEMA",
        ERROR,
        "An inputSchema or outputSchema is not a JSON Schema (2020-12) the service accepts (a $ref outside the "
        "schema, a pattern RE2 cannot compile, another $schema), or a FORM's outputSchema is not an object schema.",
        'Give a FORM an outputSchema like {"type": "object", "properties": {"decision": {"enum": ["approve", '
        '"reject"]}}}.',
    ),
    ProblemCode(
        "MISSING_LAYOUT",
        WARNING,
        "A FORM task has no editLayout, the form a person fills in.",
        "Add the React source of the form as editLayout.",
    ),
    # --- layouts (see layouts: the contract) --------------------------------------------------
    ProblemCode(
        "INVALID_LAYOUT",
        ERROR,
        "A layout (editLayout, displayLayout) does not parse as JSX or TSX (the message gives the line, the column "
        "and what was expected there), or could not be read within its time or memory bound (see limits).",
        "Correct the source where the message says, e.g. close the tag or brace it names.",
    ),
    ProblemCode(
        "MISSING_COMPONENT",
        ERROR,
        "A layout has no default export, or its default export is not a function component.",
        "Export the component: export default function Review({ value, onChange }) { ... }.",
    ),
    ProblemCode(
        "IMPORT_NOT_ALLOWED",
        ERROR,
        "A layout imports (import, export ... from, import(), require()) a module other than react and the "
        "design-system package the deployment names (layouts.imports), or a module named only when it runs.",
        'Take components from the design-system package, e.g. import { Button } from "@ticketflower/ui".',
    ),
    ProblemCode(
        "UNSAFE_LAYOUT",
        ERROR,
        "A layout uses a construct that escapes the component (dangerouslySetInnerHTML, eval, new Function, "
        "document.cookie, localStorage, fetch, XMLHttpRequest, an assignment to window.location, ...: "
        "layouts.escapes) that the deployment does not allow.",
        "Render text through React, which escapes it, and leave data and navigation to the props and the design "
        "system's components.",
    ),
    ProblemCode(
        "UNKNOWN_LAYOUT_PROP",
        WARNING,
        "A layout reads a prop its kind of layout does not receive (layouts.kinds), e.g. form in a task's editLayout.",
        "Read the props of the contract as the message suggests, e.g. value and onChange in an editLayout.",
    ),
    ProblemCode(
        "UNDECLARED_PROPERTY",
        WARNING,
        "A layout reads a property of value, output, fields or outputs that the task's outputSchema or the "
        "workflow's fields do not declare, or one of task, workflow or definition the contract does not give.",
        "Correct the name as the message suggests, or declare the property in the outputSchema.",
    ),
    ProblemCode(
        "NO_ERROR_HANDLING",
        WARNING,
        "An action task has neither a retry policy nor an error transition: when its call fails, the ticket "
        "stops there.",
        'Add "retry": {"maxAttempts": 3, "intervalSeconds": 10} to the task, or a transition from it with '
        '"onError": ["TIMEOUT", "HTTP_4XX", "HTTP_5XX", "NETWORK"] to where a person takes over.',
    ),
    # --- the graph ----------------------------------------------------------------------------
    ProblemCode(
        "NO_START",
        ERROR,
        "No transition has fromTask null, so no ticket can start.",
        'Add {"fromTask": null, "toTask": "<first task>"}.',
    ),
    ProblemCode(
        "INVALID_ERROR_TRANSITION",
        ERROR,
        "A transition with onError (an error transition) is a start transition or leaves a FORM task: only an "
        "action can fail.",
        "Remove onError from the transition, or make it leave the action whose failure it routes.",
    ),
    ProblemCode(
        "UNKNOWN_TASK",
        ERROR,
        "A transition's fromTask or toTask, or a key of previewWorkflow's taskOutputs, names no task of the workflow.",
        "Correct the key as the message suggests, or use null for a start (fromTask) or an end (toTask).",
    ),
    ProblemCode(
        "DUPLICATE_TRANSITION",
        ERROR,
        "Two transitions have the same fromTask, toTask and condition.",
        "Remove one of them.",
    ),
    ProblemCode(
        "UNREACHABLE_TASK",
        ERROR,
        "No path of transitions from a start transition leads to the task.",
        "Add a transition to the task from where it belongs, or remove the task.",
    ),
    ProblemCode(
        "NO_PATH_TO_END",
        ERROR,
        "No path from the task reaches an end (a transition with toTask null, or a task without outgoing "
        "transitions): a ticket that gets there can never finish.",
        'Add an exit to the loop, e.g. {"fromTask": "review", "toTask": null, "condition": ...}.',
    ),
    ProblemCode(
        "SHADOWED_TRANSITION",
        WARNING,
        "A transition is never taken because a transition without a condition from the same task (or among "
        "the start transitions) is tried before it.",
        "Give the conditional transition a higher priority than the unconditional one, or remove it.",
    ),
    ProblemCode(
        "AMBIGUOUS_PRIORITY",
        WARNING,
        "Two conditional transitions from one task (or two start transitions) have the same priority and their "
        "conditions can hold together, so only document order decides which is taken.",
        "Give the transitions distinct priorities, the preferred one higher.",
    ),
    ProblemCode(
        "UNCOVERED_CASE",
        WARNING,
        "A task's outgoing transitions (or the start transitions) are all conditional and some finite value they "
        "decide on (true or false, an enum value, an absent property) takes none of them: a ticket would be stuck.",
        "Add a transition without a condition as the default (lowest priority), or one for the values named.",
    ),
    # --- conditions and transforms ------------------------------------------------------------
    ProblemCode(
        "INVALID_CONDITION",
        ERROR,
        "A transition's condition is not a JsonLogic operation the service runs: an object without exactly one "
        "key, an unknown operator (or log), a wrong number of arguments, or a bare literal that is not a boolean.",
        'Write an operation, e.g. {"==": [{"var": "tasks.approval.decision"}, "approve"]} rather than the text '
        "\"tasks.approval.decision == 'approve'\".",
    ),
    ProblemCode(
        "INVALID_TRANSFORM",
        ERROR,
        "An inputTransform or outputTransform is not an object whose values are JsonLogic expressions, or one of "
        "them breaks a rule of conditions.",
        'Write an object of expressions, e.g. {"poNumber": {"var": "response.id"}}.',
    ),
    ProblemCode(
        "UNKNOWN_VARIABLE",
        ERROR,
        "A var, missing or URL placeholder names a variable that is not in scope where it is read: no such "
        "field, task or output property, visits of no task, response outside an outputTransform, error outside "
        "an error transition's condition, or a name computed at run time.",
        'Use the name the message suggests, e.g. "ticket.amount" for "ticket.ammount".',
    ),
    ProblemCode(
        "TYPE_MISMATCH",
        ERROR,
        "A comparison, arithmetic or array operator has operands whose types can never fit, or a transform gives "
        "a value of the wrong type for its target schema.",
        'Compare with a value of the property\'s type, e.g. {">": [{"var": "ticket.amount"}, 5000]} rather than '
        '"5000" for a number field.',
    ),
    ProblemCode(
        "NOT_IN_ENUM",
        ERROR,
        "A literal compared with a property that has an enum or const, or that a transform gives such a property, "
        "is not one of its values.",
        'Use one of the values, as the message suggests: "approve" rather than "approved".',
    ),
    ProblemCode(
        "CONSTANT_CONDITION",
        WARNING,
        "A condition is always false, or always true without being written true.",
        "Write the condition on the value it means to decide, or drop a condition that always holds.",
    ),
    ProblemCode(
        "VARIABLE_AS_TEXT",
        WARNING,
        'A string literal names a variable, e.g. "response.poNumber", where {"var": ...} was meant.',
        'Read the variable: {"var": "response.poNumber"}.',
    ),
    ProblemCode(
        "NOT_YET_RUN",
        ERROR,
        "A condition or transform reads the output of a task that cannot have run on any path to it (start "
        "transitions read only ticket fields).",
        "Read a task that runs before this point, or move the condition after the task it reads.",
    ),
    ProblemCode(
        "MAY_NOT_HAVE_RUN",
        WARNING,
        "A condition or transform reads the output of a task that may not have run on some path to it (the "
        "message names the path); the value is then null.",
        'Route every path through that task, or handle its absence, e.g. {"var": ["tasks.review.decision", "none"]}.',
    ),
    ProblemCode(
        "MISSING_PROPERTY",
        ERROR,
        "A transform lacks a property its target schema (inputSchema or outputSchema) requires.",
        'Add the property to the transform, e.g. "amount": {"var": "ticket.amount"}.',
    ),
    # --- ticket definitions -------------------------------------------------------------------
    ProblemCode(
        "UNKNOWN_FIELD",
        ERROR,
        "A ticket definition, or a preview's ticket, gives a value for a field the workflow does not declare.",
        "Use one of the workflow's field names as the message suggests, or declare the field in the workflow.",
    ),
    ProblemCode(
        "INVALID_FIELD_VALUE",
        ERROR,
        "A ticket field value does not fit its field type (a string for a number field, a date not in yyyy-mm-dd).",
        'Give a value of the field type, e.g. "dueDate": "2025-03-31".',
    ),
    ProblemCode(
        "FIELD_IN_USE",
        ERROR,
        "A workflow edit removes a field a ticket definition gives a value, or changes its type so that the value "
        "no longer fits it.",
        "Remove the value from the ticket definitions the message names first, or keep the field.",
    ),
    ProblemCode(
        "UNKNOWN_ROLE",
        ERROR,
        "A ticket definition's companyRoleAccess, or a FORM task's assigneeRoles, names a role the company does "
        "not have.",
        "Create the company role first (createCompanyRole), or correct its name as the message suggests.",
    ),
    # --- previews -----------------------------------------------------------------------------
    ProblemCode(
        "INVALID_OUTPUT",
        ERROR,
        "In previewWorkflow, a task's sample output, or the output its outputTransform makes of a sample "
        "response, does not match the task's outputSchema.",
        "Give sample data that the form or action could really produce, or correct the outputSchema.",
    ),
    # --- reads ---------------------------------------------------------------------------------
    ProblemCode(
        "DIAGRAM_UNAVAILABLE",
        ERROR,
        "workflowDiagram could not draw the workflow as SVG: Graphviz is not installed on the server, or its "
        "layout took longer than 10 s or would be too large, now or in the last 10 minutes (a graph whose layout "
        "failed is not tried again sooner), or another of the company's drawings is being laid out (one at a "
        "time); the message says which.",
        "Ask for the MERMAID format, which needs no layout on the server, or split a very large workflow.",
    ),
    # --- writes -------------------------------------------------------------------------------
    ProblemCode(
        "NOT_FOUND",
        ERROR,
        "A global id names no object of its type in the caller's company (another company's objects, ids of "
        "another type and malformed ids alike), or a version that does not exist.",
        "Use the id the API answered for the object (e.g. from workflowDefinitions); a file exported before "
        "global ids holds a number there: export it again.",
    ),
    ProblemCode(
        "VERSION_CONFLICT",
        ERROR,
        "expectedVersion is not the current version (someone changed the object since it was read), or a "
        "concurrent write of the same data won.",
        "Read the object again (exportWorkflow), re-apply the change and send it with the current version.",
    ),
    ProblemCode(
        "IN_USE",
        ERROR,
        "A workflow that ticket definitions run on is deleted, or a company role that a ticket definition grants "
        "access to or a workflow's task is assigned to.",
        "Delete or move the ticket definitions (or take the role out of the tasks) the message names first.",
    ),
    ProblemCode(
        "QUOTA_EXCEEDED",
        ERROR,
        "The company's stored documents (workflow versions, ticket definitions) would exceed its storage quota.",
        "Delete workflows and ticket definitions that are no longer needed.",
    ),
)
