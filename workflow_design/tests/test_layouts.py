"""Layouts against the layout contract (issue 15): one test per problem code and per check (code,
JSON Pointer, and the line and column in the message), correct layouts of every kind that stay clean,
the parse bounds and the cache, and arbitrary text as layouts never making the validator raise."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import time

import pytest
from cachetools import LRUCache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.documents import DEMO, FALLBACK, FORM_LAYOUT
from workflow_design import layout_contract as contract
from workflow_design.validation import layout_source, layouts, validate_ticket_definition, validate_workflow
from workflow_design.validation.model import TaskView
from workflow_design.validation.problems import SUGGESTION_BUDGET
from workflow_design.validation.types import of_schema

EXPENSE = json.loads((DEMO / "expense-approval.workflow.json").read_text())
EXPENSE_TICKET = {**json.loads((DEMO / "expense-approval.ticket.json").read_text()), "workflowId": "7"}
ROLES = {"finance"}
# The expense approval's tasks: 0 submit, 1 manager_review (decision, comment), 5 notify_employee (an action).
REVIEW, ACTION = 1, 5


def workflow_with(path: str, source: str | None) -> dict:
    """The expense approval with the layout at `path` (/displayLayout, /tasks/1/editLayout) set."""
    document = copy.deepcopy(EXPENSE)
    *parents, name = path.strip("/").split("/")
    node = document
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    node[name] = source
    return document


def problems_of(path: str, source: str) -> list[tuple[str, str, str]]:
    return [(p.code, p.path, p.message) for p in validate_workflow(workflow_with(path, source))]


def ticket_problems(**layouts: str) -> list[tuple[str, str, str]]:
    found = validate_ticket_definition(
        {**EXPENSE_TICKET, **layouts}, workflow_fields=EXPENSE["fields"], company_roles=ROLES
    )
    return [(p.code, p.path, p.message) for p in found]


def only(problems: list[tuple[str, str, str]]) -> tuple[str, str, str]:
    assert len(problems) == 1, problems
    return problems[0]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test reads its layouts anew (a cached verdict would hide the bound or count under test)."""
    layout_source._FACTS.clear()


# --- correct layouts stay clean ---------------------------------------------------------------


def test_the_contract_examples_are_clean_in_the_expense_approval():
    """The README's five examples (layout_contract.py): TSX with annotations and an interface, fragments,
    hooks, conditional rendering, map over arrays, destructuring in the body, optional chaining."""
    document = copy.deepcopy(EXPENSE)
    document["displayLayout"] = contract.WORKFLOW_DISPLAY.example
    document["tasks"][REVIEW]["editLayout"] = contract.TASK_EDIT.example
    document["tasks"][REVIEW]["displayLayout"] = contract.TASK_DISPLAY.example
    assert validate_workflow(document) == []
    assert ticket_problems(editLayout=contract.TICKET_EDIT.example, displayLayout=contract.TICKET_DISPLAY.example) == []


@pytest.mark.parametrize(
    "source",
    [
        # an arrow function, props as one object, a prop destructured in the body, an index and a method
        'import { List } from "@ticketflower/ui";\n'
        "const Review = (props) => {\n"
        "  const { value } = props;\n"
        "  const words = value.comment?.split(' ') ?? [];\n"
        "  return <List>{words.map((word, i) => <li key={i}>{word.toUpperCase()}</li>)}{props.fields.amount}</List>;\n"
        "};\n"
        "export default Review;\n",
        # memo around a named function, a TSX generic, a callback whose parameter shadows a prop
        'import { memo, useMemo } from "react";\n'
        "export default memo(function Review({ value, errors }: { value: { decision?: string }; errors: any[] }) {\n"
        "  const first = useMemo<string | undefined>(() => errors[0]?.message, [errors]);\n"
        "  return <>{[1, 2].map((value) => value.toFixed(1))}{first && <em>{first}</em>}{value.decision}</>;\n"
        "});\n",
        # export { X as default }, a local named like a global, template literals
        "function Review({ task, value }) {\n"
        "  const fetch = (what: string) => `${task.title}: ${what}`;\n"
        "  return <p title={fetch(value.decision)}>{value.comment}</p>;\n"
        "}\n"
        "export { Review as default };\n",
        # a component of the design system as the default export
        'export { default } from "@ticketflower/ui/forms/SchemaForm";\n',
        # JavaScript that TypeScript reserves: `satisfies` as a name
        "const satisfies = (decision) => decision === 'approve';\n"
        "export default function Review({ value }) { return <b>{satisfies(value.decision) ? 'yes' : 'no'}</b>; }\n",
    ],
    ids=["arrow", "memo-tsx", "export-clause", "re-export", "javascript-only"],
)
def test_correct_editlayouts_stay_clean(source):
    assert problems_of(f"/tasks/{REVIEW}/editLayout", source) == []


def test_the_demo_ticket_definitions_are_clean():
    for path in sorted(DEMO.glob("*.ticket.json")):
        workflow = json.loads(path.with_name(path.name.replace(".ticket", ".workflow")).read_text())
        ticket = {**json.loads(path.read_text()), "workflowId": "1"}
        roles = {"support_agent", "sre", "finance"}
        assert validate_ticket_definition(ticket, workflow_fields=workflow["fields"], company_roles=roles) == []


# --- INVALID_LAYOUT: syntax errors, located ---------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "export default function Review({ value }) {\n  return <p>{value.comment</p>;\n}\n",
            "Syntax error at line 2, column 27: expected '}' to close the '{' of line 2, column 13, found '</'.",
        ),
        (
            "export default function Review() {\n  return <div><span>hi</div>;\n}\n",
            "Syntax error at line 2, column 23: expected </span> to close the <span> of line 2, column 15, "
            "found </div>.",
        ),
        (
            "export default function Review() {\n  return <div>hi;\n}\n",
            "Syntax error at line 3, column 1: expected </div> to close the <div> of line 2, column 10, found '}'.",
        ),
        (
            "export default function Review({ value ) {\n  return null;\n}\n",
            "Syntax error at line 1, column 39: expected '}'.",
        ),
        (
            "export default function Review() {\n  const x = ;\n}\n",
            "Syntax error at line 2, column 13: unexpected ';' after '='; expected one of '(', '[', '{', a name,",
        ),
        (
            "Show a decision dropdown with approve and reject",
            "Syntax error at line 1, column 6: unexpected 'a' after 'Show'; expected one of ';'",
        ),
        (
            "export default function Review() {\n  return <p>é{'ü'}</p>; )\n}\n",
            "Syntax error at line 2, column 25: expected '}' to close the '{' of line 1, column 34, found ')'.",
        ),
    ],
    ids=["unclosed-brace", "mismatched-tag", "unclosed-tag", "missing-token", "missing-expression", "prose", "utf8"],
)
def test_a_syntax_error_is_located_with_what_was_expected(source, message):
    code, path, found = only(problems_of(f"/tasks/{REVIEW}/editLayout", source))
    assert (code, path) == ("INVALID_LAYOUT", f"/tasks/{REVIEW}/editLayout")
    assert found.startswith(message), found


def test_a_ticket_definitions_layout_with_a_syntax_error():
    assert ticket_problems(
        displayLayout="export default function T({ fields }) { return <p>{fields.amount}</b>; }"
    ) == [
        (
            "INVALID_LAYOUT",
            "/displayLayout",
            "Syntax error at line 1, column 66: expected </p> to close the <p> of line 1, column 48, found </b>.",
        )
    ]


# --- MISSING_COMPONENT ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("const Review = () => null;\n", "Line 1, column 1: the layout has no default export; expected a function"),
        ("class Review {}\nexport default Review;\n", "Line 2, column 1: the default export is a class;"),
        ("export default 42;\n", "Line 1, column 1: the default export is not a function;"),
        ("export default Reviw;\n", "Line 1, column 16: the default export names 'Reviw', which the layout does not"),
    ],
    ids=["no-default-export", "class", "number", "undeclared"],
)
def test_a_layout_without_a_default_exported_function_component(source, message):
    code, path, found = only(problems_of(f"/tasks/{REVIEW}/displayLayout", source))
    assert (code, path) == ("MISSING_COMPONENT", f"/tasks/{REVIEW}/displayLayout")
    assert found.startswith(message), found


# --- IMPORT_NOT_ALLOWED -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('import _ from "lodash";', "Line 1, column 1: a layout may import only 'react' and '@ticketflower/ui' "),
        ('export * from "https://cdn.example.com/x.js";', "not 'https://cdn.example.com/x.js'."),
        ('const dom = require("react-dom");', "Line 1, column 13: a layout may import only"),
        ("const m = import(`./${name}`);", "Line 1, column 11: import() of a module named when the layout runs"),
    ],
    ids=["import", "export-from", "require", "computed-import"],
)
def test_only_react_and_the_design_system_may_be_imported(line, message):
    source = f"{line}\nexport default function Review() {{ return null; }}\n"
    code, path, found = only(problems_of("/displayLayout", source))
    assert (code, path) == ("IMPORT_NOT_ALLOWED", "/displayLayout")
    assert message in found, found


def test_a_layout_gets_at_most_twenty_import_errors():
    imports = "".join(f'import m{n} from "lodash/{n}";\n' for n in range(30))
    found = problems_of("/displayLayout", imports + "export default function F() { return null; }")
    assert [code for code, _, _ in found] == ["IMPORT_NOT_ALLOWED"] * layouts.MAX_PROBLEMS_PER_CHECK


def test_subpaths_of_the_allowed_modules_may_be_imported():
    source = 'import { jsx } from "react/jsx-runtime";\nimport Icon from "@ticketflower/ui/icons/Check";\n'
    assert problems_of("/displayLayout", source + "export default function F() { return <Icon />; }") == []


def test_the_design_system_is_the_deployments_setting(settings):
    settings.LAYOUT_DESIGN_SYSTEM_PACKAGE = "@acme/design"
    source = 'import { Card } from "@ticketflower/ui";\nexport default function F() { return <Card />; }'
    code, path, message = only(
        ticket_problems(editLayout=source, displayLayout=source.replace("@ticketflower/ui", "@acme/design"))
    )
    assert (code, path) == ("IMPORT_NOT_ALLOWED", "/editLayout")
    assert "only 'react' and '@acme/design'" in message


# --- UNSAFE_LAYOUT ----------------------------------------------------------------------------


# (statement, construct, column): every construct of the contract, as a layout would write it.
ESCAPING = [
    ("return <div dangerouslySetInnerHTML={{ __html: output.comment }} />;", "dangerouslySetInnerHTML", 15),
    ('return eval("1 + 1");', "eval", 10),
    ('const f = new Function("return 1"); return f();', "Function", 17),
    ("return document.cookie;", "document.cookie", 10),
    ('localStorage.setItem("k", "v"); return null;', "localStorage", 3),
    ('fetch("https://evil.example.com"); return null;', "fetch", 3),
    ("const r = new window.XMLHttpRequest(); return null;", "XMLHttpRequest", 24),
    ('window.location = "https://evil.example.com"; return null;', "location assignment", 3),
    ('location.href = "https://evil.example.com"; return null;', "location assignment", 3),
    ("document.body.innerHTML = output.comment; return null;", "innerHTML", 3),
    ('setTimeout("alert(1)", 10); return null;', "setTimeout with a string", 3),
    ('navigator.sendBeacon("/x"); return null;', "navigator.sendBeacon", 3),
    (
        'return React.createElement("div", { dangerouslySetInnerHTML: { __html: "x" } });',
        "dangerouslySetInnerHTML",
        39,
    ),
    ('globalThis["localStorage"].clear(); return null;', "localStorage", 14),
    ("return sessionStorage.length;", "sessionStorage", 10),
    ('const db = indexedDB.open("x"); return null;', "indexedDB", 14),
    ('const s = new WebSocket("wss://x.example.com"); return null;', "WebSocket", 17),
    ('const e = new EventSource("/x"); return null;', "EventSource", 17),
    ("el.outerHTML = output.comment; return null;", "outerHTML", 3),
    ('el.insertAdjacentHTML("beforeend", output.comment); return null;', "insertAdjacentHTML", 3),
    ("document.write(output.comment); return null;", "document.write", 3),
    ("setInterval(`tick(${1})`, 10); return null;", "setInterval with a string", 3),
    ('document.location = "/x"; return null;', "location assignment", 3),
    ('location.assign("/x"); return null;', "location.assign", 3),
    ('window.location.replace("/x"); return null;', "location.replace", 3),
    ('window.open("https://x.example.com"); return null;', "window.open", 10),
]


def test_every_construct_of_the_contract_is_tried():
    assert {construct for _, construct, _ in ESCAPING} == set(contract.ESCAPES)


@pytest.mark.parametrize(("statement", "construct", "column"), ESCAPING)
def test_constructs_that_escape_the_component_are_errors(statement, construct, column):
    source = f"export default function Show({{ output }}) {{\n  {statement}\n}}\n"
    code, path, message = only(problems_of(f"/tasks/{REVIEW}/displayLayout", source))
    assert (code, path) == ("UNSAFE_LAYOUT", f"/tasks/{REVIEW}/displayLayout")
    assert message.startswith(f"Line 2, column {column}: {construct} "), message
    assert f"can allow '{contract.ESCAPES[construct].category}'" in message


def test_a_category_the_deployment_allows_is_not_reported(settings):
    source = 'export default function Show() { fetch("/api/x"); return <p>{localStorage.x}</p>; }'
    settings.LAYOUT_ALLOWED_ESCAPES = ["network"]
    assert [code for code, _, _ in problems_of("/displayLayout", source)] == ["UNSAFE_LAYOUT"]  # storage still
    settings.LAYOUT_ALLOWED_ESCAPES = ["network", "storage"]
    assert problems_of("/displayLayout", source) == []


def test_names_the_layout_binds_are_not_the_globals():
    source = (
        'import { fetch } from "@ticketflower/ui";\n'
        "export default function Show({ output }) {\n"
        "  const localStorage = new Map();\n"
        "  const eval = (x) => x;\n"
        "  return <p>{fetch(eval(localStorage.get(output.comment)))}</p>;\n"
        "}\n"
    )
    assert problems_of(f"/tasks/{REVIEW}/displayLayout", source) == []


# --- UNKNOWN_LAYOUT_PROP and UNDECLARED_PROPERTY (warnings) ------------------------------------


def test_a_prop_the_contract_does_not_provide_is_a_warning_with_a_suggestion():
    source = "export default function Review({ valeu, form }) { return null; }"
    assert problems_of(f"/tasks/{REVIEW}/editLayout", source) == [
        (
            "UNKNOWN_LAYOUT_PROP",
            f"/tasks/{REVIEW}/editLayout",
            "Line 1, column 34: a task's editLayout receives no prop 'valeu' (props: 'value', 'onChange', "
            "'onSubmit', 'errors', 'disabled', 'schema', 'fields', 'task'). Did you mean 'value'?",
        ),
        (
            "UNKNOWN_LAYOUT_PROP",
            f"/tasks/{REVIEW}/editLayout",
            "Line 1, column 41: a task's editLayout receives no prop 'form' (props: 'value', 'onChange', "
            "'onSubmit', 'errors', 'disabled', 'schema', 'fields', 'task').",
        ),
    ]


def test_each_kind_receives_its_own_props():
    source = "export default function F(props) { return <p>{props.output}{props.value}</p>; }"
    assert [m.split(": ", 1)[1][:40] for _, _, m in problems_of("/displayLayout", source)] == [
        "a workflow's displayLayout receives no p",
        "a workflow's displayLayout receives no p",
    ]
    assert [code for code, _, _ in ticket_problems(displayLayout=source)] == ["UNKNOWN_LAYOUT_PROP"] * 2


@pytest.mark.parametrize(
    ("layout", "statement", "message"),
    [
        (
            f"/tasks/{REVIEW}/editLayout",
            "return <p>{value.decison}</p>;",
            "Line 2, column 20: value.decison is not declared (value has the properties 'decision', 'comment', "
            "from the task's outputSchema). Did you mean 'decision'?",
        ),
        (
            f"/tasks/{REVIEW}/editLayout",
            "const { coment } = value; return coment;",
            "Line 2, column 11: value.coment is not declared (value has the properties 'decision', 'comment', "
            "from the task's outputSchema). Did you mean 'comment'?",
        ),
        (
            f"/tasks/{REVIEW}/displayLayout",
            "return <p>{fields.costCentre}</p>;",
            "Line 2, column 21: fields.costCentre is not declared (fields has the properties 'amount', 'currency',",
        ),
        (
            f"/tasks/{REVIEW}/displayLayout",
            "return <p>{task.name}</p>;",
            "Line 2, column 19: task.name is not declared (task has the properties 'key', 'title', 'description', "
            "'taskType', from the layout contract).",
        ),
        (
            "/displayLayout",
            "return <p>{outputs.manager_reveiw?.decision}</p>;",
            "Line 2, column 22: outputs.manager_reveiw is not declared (outputs has the properties 'submit', ",
        ),
        (
            "/displayLayout",
            "return <p>{outputs.manager_review.verdict}</p>;",
            "Line 2, column 37: outputs.manager_review.verdict is not declared (outputs.manager_review has the "
            "properties 'decision', 'comment', from the workflow's tasks and their outputSchemas).",
        ),
    ],
    ids=["value", "destructured", "fields", "task", "outputs", "outputs-deeper"],
)
def test_a_property_the_schema_or_fields_do_not_declare_is_a_warning(layout, statement, message):
    props = "{ value, output, fields, task, outputs }" if layout != "/displayLayout" else "{ outputs }"
    source = f"export default function F({props}) {{\n  {statement}\n}}\n"
    found = [p for p in problems_of(layout, source) if p[0] == "UNDECLARED_PROPERTY"]
    _, path, found_message = only(found)
    assert path == layout
    assert found_message.startswith(message), found_message


def test_a_layout_gets_at_most_twenty_warnings_and_a_document_a_hundred_suggestions():
    reads = "".join(f"{{value.wrong{n}}}" for n in range(30))
    source = f"export default function F({{ value }}) {{ return <p>{reads}</p>; }}"
    document = copy.deepcopy(EXPENSE)
    for task in document["tasks"][:4]:  # the four forms
        task["editLayout"] = source.replace("F(", f"F{task['key']}(")
    found = validate_workflow(document)
    assert len(found) == 4 * layouts.MAX_PROBLEMS_PER_CHECK
    assert {p.code for p in found} == {"UNDECLARED_PROPERTY"}
    assert found[0].message.startswith("Line 1, column 63: value.wrong0 is not declared")
    assert sum("Did you mean" in p.message for p in found) <= SUGGESTION_BUDGET


def test_what_the_schema_does_not_decide_is_not_judged():
    """Properties of strings and numbers (methods, length), computed keys, the fields of a workflow that was
    not found, and an output whose schema declares no properties."""
    source = (
        "export default function F({ output, fields }) {\n"
        "  const key = 'comment';\n"
        "  return <p>{output.comment.length}{output.decision.trim()}{output[key]}{fields.amount.toFixed()}</p>;\n"
        "}\n"
    )
    assert problems_of(f"/tasks/{REVIEW}/displayLayout", source) == []
    ticket = {**EXPENSE_TICKET, "displayLayout": "export default function F({ fields }) { return fields.anything; }"}
    assert validate_ticket_definition(ticket, workflow_fields=None, company_roles=ROLES) == []
    task = TaskView(0, "/tasks/0", {}, "a")
    shapes = layouts.LayoutShapes({}, [task], lambda key: of_schema({"type": "object"}))
    checker = layouts.LayoutChecker(contract.LayoutPolicy(), shapes)
    source = "export default function F({ output }) { return output.anything; }"
    assert checker.check(source, "/tasks/0/displayLayout", contract.TASK_DISPLAY, task) == []


# --- layouts on task types with no use for them -----------------------------------------------


def test_an_action_has_no_editlayout_but_may_have_a_displaylayout():
    document = copy.deepcopy(EXPENSE)
    document["tasks"][ACTION]["editLayout"] = FORM_LAYOUT
    document["tasks"][ACTION]["displayLayout"] = (
        "export default function Sent({ output }) { return <p>{output.delivered ? 'sent' : 'pending'}</p>; }"
    )
    assert [(p.code, p.path, p.message) for p in validate_workflow(document)] == [
        (
            "NOT_ALLOWED_FOR_TASK_TYPE",
            f"/tasks/{ACTION}/editLayout",
            "An ASYNC_ACTION task has no editLayout; remove it (only FORM tasks use editLayout).",
        )
    ]


# --- bounds -----------------------------------------------------------------------------------

# TypeScript's `a < b` or `a<b>(...)`: each `<` keeps the parse undecided to the end (~1.2 KB per byte).
AMBIGUOUS = "export default function F() { return a" + "<a" * 100_000 + "; }"


def test_a_layout_too_costly_to_read_is_refused_within_its_time_bound(monkeypatch):
    monkeypatch.setattr(layouts, "LAYOUT_SECONDS", 0.05)
    started = time.perf_counter()
    code, path, message = only(problems_of("/displayLayout", AMBIGUOUS))
    assert time.perf_counter() - started < 1.0
    assert (code, path) == ("INVALID_LAYOUT", "/displayLayout")
    assert message == "The layout was not checked: it took more than 0.05 s to read. Is it JavaScript (JSX or TSX)?"
    assert hashlib.sha256(AMBIGUOUS.encode()).digest() not in layout_source._FACTS  # depends on the moment


def test_a_parse_past_its_memory_bound_is_cancelled(monkeypatch):
    """The bound on the process's resident memory, as the parse sees it grow (a test below parses for
    real); it is read every 16th progress call."""
    readings = iter(range(0, 10**12, 10**6))  # a megabyte more at every reading
    monkeypatch.setattr(layout_source, "resident_memory", lambda: next(readings))
    monkeypatch.setattr(layout_source, "MAX_PARSE_MEMORY_BYTES", 3 * 10**6)
    code, _, message = only(problems_of("/displayLayout", AMBIGUOUS))
    assert (code, message) == ("INVALID_LAYOUT", "The layout was not checked: reading it needed more than 2 MiB.")


@pytest.mark.slow
def test_the_memory_bound_holds_for_a_real_parse():
    """The ambiguous layout at the 256 KiB limit (about 300 MB unbounded) grows the resident memory by at
    most the bound and what the parser took in its last 16 progress calls, and gives it back."""
    source = ("export default function F() { return a" + "<a" * 131_000 + "; }").encode()
    resident = layout_source.resident_memory
    before, grown = resident(), []

    def watched() -> int:
        grown.append(resident() - before)
        return grown[-1] + before

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layout_source, "resident_memory", watched)
        with pytest.raises(layout_source.TooCostly) as costly:
            layout_source.parse(layout_source.TSX, source, time.perf_counter() + 60)
    assert costly.value.what == "memory"
    assert max(grown) <= layout_source.MAX_PARSE_MEMORY_BYTES + 16 * 2**20, max(grown) // 2**20
    assert resident() - before < 16 * 2**20  # the cancelled parse gave its memory back


def test_past_the_document_budget_unread_layouts_are_refused_and_read_ones_pass(monkeypatch):
    document = copy.deepcopy(EXPENSE)
    assert validate_workflow(document) == []  # every layout read once, and kept
    document["tasks"][REVIEW]["displayLayout"] = contract.TASK_DISPLAY.example
    monkeypatch.setattr(layouts, "DOCUMENT_LAYOUT_SECONDS", 0.0)
    assert [(p.code, p.path) for p in validate_workflow(document)] == [
        ("INVALID_LAYOUT", f"/tasks/{REVIEW}/displayLayout")
    ]
    assert "this document's layouts took more than 0 s to check" in validate_workflow(document)[0].message


def test_walks_are_loops_not_recursions(monkeypatch):
    """10,000 nested arrow functions and brackets: no RecursionError (Python's limit is 1,000). The time
    bound is not under test: on a busy machine the broken one's two parses can pass 0.5 s."""
    monkeypatch.setattr(layouts, "LAYOUT_SECONDS", 10.0)
    nested = "export default function F() { return " + "() => (" * 10_000 + "1" + ")" * 10_000 + "; }"
    assert problems_of("/displayLayout", nested) == []
    broken = "export default function F() { return " + "[{(" * 10_000 + "; }"
    code, _, message = only(problems_of("/displayLayout", broken))
    assert code == "INVALID_LAYOUT"
    assert message.startswith("Syntax error at line 1, column "), message


# --- the cache --------------------------------------------------------------------------------


def test_a_layout_is_read_once_per_source(monkeypatch):
    reads = []
    real = layout_source.read_source
    monkeypatch.setattr(layout_source, "read_source", lambda *args: reads.append(1) or real(*args))
    document = copy.deepcopy(EXPENSE)
    layouts_in_document = sum(
        1 for t in [document, *document["tasks"]] for k in ("editLayout", "displayLayout") if k in t
    )
    assert validate_workflow(document) == []
    assert len(reads) == len(
        {t[k] for t in [document, *document["tasks"]] for k in ("editLayout", "displayLayout") if k in t}
    )
    assert len(reads) < layouts_in_document  # the two review tasks share their displayLayout
    for task in document["tasks"]:
        task["title"] += " (edited)"
    assert validate_workflow(document) == []
    assert len(reads) < layouts_in_document  # nothing read again


def test_the_cache_is_bounded_in_bytes_and_so_in_entries(monkeypatch):
    assert layout_source._FACTS.maxsize == layout_source.MAX_CACHE_BYTES
    small = LRUCache(maxsize=10 * 512, getsizeof=layout_source.LayoutFacts.size)
    monkeypatch.setattr(layout_source, "_FACTS", small)
    for n in range(25):
        layout_source.layout_facts(f"export default function F{n}() {{ return null; }}", time.perf_counter() + 1)
    assert len(small) == 10  # each counts as at least 512 bytes
    assert small.currsize <= small.maxsize


# --- arbitrary text never makes the validator raise -------------------------------------------

_TOKENS = [
    *("export", "default", "function", "import", "from", "const", "return", "=>", "class", "new", "as", "<", ">"),
    *("</", "/>", "{", "}", "(", ")", "[", "]", "${", "`", "'", '"', ";", ",", ".", "?.", "=", "...", "\n", " "),
    *("value", "props", "output", "fields", "window", "fetch", "eval", "location", "document", "cookie", "Form"),
    *('"react"', '"lodash"', "dangerouslySetInnerHTML", "satisfies", "<div>", "</div>", "<>", "</>", "é", "\u2028"),
]
# Raise for a deeper local run: LAYOUT_PROPERTY_EXAMPLES=5000 pytest workflow_design/tests/test_layouts.py
EXAMPLES = int(os.environ.get("LAYOUT_PROPERTY_EXAMPLES", "300"))
LAYOUT_TEXT = (
    st.text(max_size=200)
    | st.lists(st.sampled_from(_TOKENS), max_size=60).map("".join)
    | st.builds(
        lambda example, cut, insert: example[:cut] + insert + example[cut:],
        st.sampled_from([kind.example for kind in contract.LAYOUT_KINDS.values()]),
        st.integers(0, 1500),
        st.text(max_size=5) | st.sampled_from(_TOKENS),
    )
)


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=LAYOUT_TEXT, where=st.sampled_from(["/displayLayout", f"/tasks/{REVIEW}/editLayout"]))
def test_arbitrary_text_as_a_layout_never_makes_the_validator_raise(source, where):
    found = validate_workflow(workflow_with(where, source))
    assert not any(FALLBACK in problem.message for problem in found), found
    assert {problem.path for problem in found} <= {where}, found
    ticket = ticket_problems(editLayout=source)
    assert not any(FALLBACK in message for _, _, message in ticket), ticket
