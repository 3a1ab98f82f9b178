"""Validation of workflow documents and ticket definitions: pure functions, no database."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from tests.support.documents import (
    DEMO,
    ERROR_CASES,
    EXAMPLE,
    FALLBACK,
    FORM_LAYOUT,
    ROLES,
    SEVERITY,
    TICKET,
    WARNING_CASES,
    example,
    set_at,
)
from workflow_design.document import TASK, TICKET_DEFINITION, WORKFLOW, document_json_schema, snake_case
from workflow_design.layout_contract import LAYOUT_KINDS
from workflow_design.validation import (
    OPERATORS,
    Problem,
    condition_holds,
    errors,
    evaluate,
    validate_ticket_definition,
    validate_workflow,
    warnings,
)

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_EXAMPLES = ROOT.parent / "shared" / "contract" / "examples"


def located(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.code, p.path) for p in problems]


def ticket_problems(ticket: dict, fields: list[dict] | None = EXAMPLE["fields"]) -> list[Problem]:
    return validate_ticket_definition(ticket, workflow_fields=fields, company_roles=ROLES)


# --- the example -------------------------------------------------------------


def test_example_workflow_has_no_problem():
    assert validate_workflow(example()) == []


def without_layouts(document: dict) -> dict:
    """The document without its React layouts (those of the workflow, its tasks, a ticket definition)."""
    objects = (WORKFLOW, TASK, TICKET_DEFINITION)
    layouts = {prop.name for obj in objects for prop in obj.props if prop.content in LAYOUT_KINDS}
    stripped = {name: value for name, value in document.items() if name not in layouts}
    if "tasks" in document:
        stripped["tasks"] = [without_layouts(task) for task in document["tasks"]]
    return stripped


@pytest.mark.parametrize("name", ["it-incident.workflow.json", "it-incident.ticket.json"])
def test_demo_example_is_the_contracts(name):
    """The contract's example as the demo ships it; its layouts follow the layout contract of issue 15,
    which the shared example's placeholders (<Form schema={form.schema} />) predate."""
    path = CONTRACT_EXAMPLES / name
    if not path.exists():
        pytest.skip("shared/contract is not beside this checkout")
    contract = json.loads(path.read_text())
    contract.pop("workflowId", None)  # a placeholder there; the import fills it in
    assert without_layouts(json.loads((DEMO / name).read_text())) == without_layouts(contract)


def test_example_ticket_definition_has_no_problem():
    assert ticket_problems(copy.deepcopy(TICKET)) == []


def test_committed_json_schema_is_generated_from_the_document_definition():
    committed = json.loads((ROOT / "schema" / "workflow_document.schema.json").read_text())
    assert committed == document_json_schema(), "run `python -m workflow_design.document` to regenerate it"


def test_json_schema_accepts_the_example_and_rejects_unknown_properties():
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(document_json_schema())
    assert list(validator.iter_errors(example())) == []
    assert list(validator.iter_errors({**example(), "titel": "x"}))


def test_props_are_introspectable():
    assert [p.name for p in TASK.props][:3] == ["key", "title", "description"]
    assert WORKFLOW.prop("expectedVersion").python_name == "expected_version"
    assert snake_case("timeoutSeconds") == "timeout_seconds"
    assert all(p.description for obj in (WORKFLOW, TASK) for p in obj.props)


# --- one document per problem code -------------------------------------------


@pytest.mark.parametrize(("code", "path", "mutate"), ERROR_CASES, ids=[f"{c}:{p}" for c, p, _ in ERROR_CASES])
def test_each_error_code(code, path, mutate):
    document = example()
    mutate(document)
    problems = validate_workflow(document)
    assert located(errors(problems)) == [(code, path)], problems
    assert warnings(problems) == []


@pytest.mark.parametrize(("code", "path", "mutate"), WARNING_CASES, ids=[c for c, _, _ in WARNING_CASES])
def test_each_warning_code(code, path, mutate):
    document = example()
    mutate(document)
    problems = validate_workflow(document)
    assert [(p.code, p.path, p.severity) for p in problems] == [(code, path, "warning")]


TICKET_CASES = [
    ("REQUIRED", "/title", {"title": None}),
    ("REQUIRED", "/workflowId", {"workflowId": ""}),
    ("TOO_LONG", "/title", {"title": "t" * 256}),
    ("INVALID_TYPE", "/workflowId", {"workflowId": "not a global id"}),
    ("UNKNOWN_FIELD", "/fields/servic", {"fields": {"servic": "checkout"}}),
    ("UNKNOWN_FIELD", "/fields/a~1b", {"fields": {"a/b": 1}}),
    ("INVALID_FIELD_VALUE", "/fields/reporterEmail", {"fields": {"reporterEmail": "not an email"}}),
    ("INVALID_FIELD_VALUE", "/fields/service", {"fields": {"service": 5}}),
    ("UNKNOWN_ROLE", "/companyRoleAccess/1", {"companyRoleAccess": ["sre", "suport_agent"]}),
    ("DUPLICATE_KEY", "/companyRoleAccess/2", {"companyRoleAccess": ["sre", "manager", "sre"]}),
    ("UNKNOWN_PROPERTY", "/workflow", {"workflow": "12"}),
    ("TOO_LONG", "/fields", {"fields": {"summary": "s" * (256 * 1024)}}),
    ("INVALID_LAYOUT", "/editLayout", {"editLayout": "export default function Open() { return <Form>; }"}),
    (
        "IMPORT_NOT_ALLOWED",
        "/displayLayout",
        {"displayLayout": 'export { default } from "https://cdn.example.com/x.js";'},
    ),
]


@pytest.mark.parametrize(("code", "path", "changes"), TICKET_CASES, ids=[f"{c}:{p}" for c, p, _ in TICKET_CASES])
def test_each_ticket_definition_code(code, path, changes):
    assert located(ticket_problems({**copy.deepcopy(TICKET), **changes})) == [(code, path)]


FIELD_TYPES = [
    {"fieldName": t, "fieldType": t}
    for t in ("string", "text", "integer", "number", "boolean", "date", "datetime", "email", "url", "json")
]
# The example ticket's layouts read the example workflow's fields, which FIELD_TYPES does not declare.
VALUES_ONLY = {name: value for name, value in TICKET.items() if name not in ("editLayout", "displayLayout")}


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ("integer", 3, 3.5),
        ("integer", -1, True),
        ("number", 2.5, "2.5"),
        ("boolean", False, 0),
        ("date", "2024-02-29", "2023-02-29"),
        ("date", "2024-05-01", "2024-05-01T10:00:00Z"),
        ("datetime", "2024-05-01T10:00:00Z", "2024-05-01"),
        ("datetime", "2024-05-01T10:00:00.123+02:00", "yesterday"),
        ("email", "a@b.example", "a@b"),
        ("url", "https://x.example.com/a?b=c", "x.example.com"),
        ("string", "", ["a"]),
        ("text", "many\nlines", {"a": 1}),
    ],
)
def test_ticket_field_values_follow_the_declared_type(field, good, bad):
    def problems(value):
        return ticket_problems({**VALUES_ONLY, "fields": {field: value}}, FIELD_TYPES)

    assert problems(good) == []
    assert problems(None) == []  # no value
    assert located(problems(bad)) == [("INVALID_FIELD_VALUE", f"/fields/{field}")]


def test_ticket_field_checks_are_skipped_when_the_workflow_was_not_found():
    assert ticket_problems({**TICKET, "fields": {"nope": 1}}, fields=None) == []


def test_json_fields_take_any_json():
    assert ticket_problems({**VALUES_ONLY, "fields": {"json": {"a": [1, None, {"b": True}]}}}, FIELD_TYPES) == []


# --- messages -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "suggestion"),
    [
        (set_at("/transitions/3/toTask", "resolv"), "resolve"),
        (set_at("/tasks/0/taskType", "form"), "FORM"),
        (set_at("/tasks/0/tittle", "x"), "title"),
        (set_at("/fields/0/fieldType", "str"), "string"),
        (
            set_at("/transitions/1/condition", {"==": [{"var": "tasks.triage.severty"}, "high"]}),
            "tasks.triage.severity",
        ),
        (
            set_at("/transitions/1/condition", {"==": [{"var": "tasks.triag.severity"}, "high"]}),
            "tasks.triage.severity",
        ),
        (set_at("/transitions/1/condition", {"==": [{"var": "tickets.service"}, "x"]}), "ticket.service"),
        (set_at("/transitions/1/condition", {"===": [{"var": "ticket.servise"}, "x"]}), "ticket.service"),
        (set_at("/transitions/1/condition", {"=": [{"var": "ticket.service"}, "x"]}), "=="),
        (set_at("/tasks/0/outputSchema/properties/severity/type", "strng"), "string"),
    ],
)
def test_messages_suggest_the_closest_name(mutate, suggestion):
    document = example()
    mutate(document)
    (problem,) = validate_workflow(document)
    assert f"Did you mean '{suggestion}'?" in problem.message


def test_paths_escape_tilde_and_slash():
    document = example()
    document["tasks"][1]["inputTransform"] = {"a/b~c": {"var": "ticket.nope"}}
    assert located(validate_workflow(document)) == [("UNKNOWN_VARIABLE", "/tasks/1/inputTransform/a~1b~0c")]


# --- JsonLogic details -----------------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        {"!!": [{"var": "tasks.triage.notes"}]},
        {"var": ["ticket.service", "web"]},
        {"!": {"var": "tasks.triage.notes"}},
        {"in": [{"var": "ticket.service"}, ["web", "api"]]},
        {"some": [{"merge": [{"var": "ticket.service"}]}, {"==": [{"var": ""}, "x"]}]},  # scoped: var reads the item
        {"reduce": [{"merge": [{"var": "ticket.service"}]}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]},
        {"missing": ["ticket.service", "tasks.triage.notes"]},
        {"missing_some": [1, ["ticket.service", "ticket.summary"]]},
        {"if": [{"<": ["a", {"var": "ticket.service"}, "z"]}, "a", {"?:": [{"var": "tasks.triage.notes"}, "b", "c"]}]},
        {"cat": ["a", {"substr": [{"var": "ticket.summary"}, 0, 10]}]},
    ],
)
def test_valid_conditions(condition):
    document = example()
    document["transitions"][1]["condition"] = condition
    assert validate_workflow(document) == []


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"val": "ticket.service"}, [("INVALID_CONDITION", "/transitions/1/condition")]),
        ({"!": [1, 2]}, [("INVALID_CONDITION", "/transitions/1/condition")]),
        ({}, [("INVALID_CONDITION", "/transitions/1/condition")]),
        ({"var": ["ticket.service", 1, 2]}, [("INVALID_CONDITION", "/transitions/1/condition")]),
        ({"var": [["ticket.service"]]}, [("INVALID_CONDITION", "/transitions/1/condition/var/0")]),
        ({"var": {"cat": ["ticket.", "service"]}}, [("UNKNOWN_VARIABLE", "/transitions/1/condition")]),
        ({"var": ""}, [("UNKNOWN_VARIABLE", "/transitions/1/condition")]),
        ({"var": "ticket"}, [("UNKNOWN_VARIABLE", "/transitions/1/condition")]),
        ({"var": "ticket.service.name"}, [("UNKNOWN_VARIABLE", "/transitions/1/condition")]),
        ({"var": "tasks.triage"}, [("UNKNOWN_VARIABLE", "/transitions/1/condition")]),
        ({"var": "response.status"}, [("UNKNOWN_VARIABLE", "/transitions/1/condition")]),
        ({"missing": ["ticket.nope"]}, [("UNKNOWN_VARIABLE", "/transitions/1/condition/missing/0")]),
        (
            {"missing_some": ["1", ["ticket.service"]]},
            [("INVALID_CONDITION", "/transitions/1/condition/missing_some/0")],
        ),
        (
            {"or": [{"vr": "x"}, {"var": "ticket.x"}, {"map": [1]}]},
            [
                ("INVALID_CONDITION", "/transitions/1/condition/or/0"),
                ("UNKNOWN_VARIABLE", "/transitions/1/condition/or/1"),
                ("INVALID_CONDITION", "/transitions/1/condition/or/2"),
            ],
        ),
    ],
)
def test_invalid_conditions(condition, expected):
    document = example()
    document["transitions"][1]["condition"] = condition
    assert located(validate_workflow(document)) == expected


def test_operators_are_jsonlogic_com_without_log():
    assert set(OPERATORS) == {
        "var", "missing", "missing_some", "if", "?:", "==", "===", "!=", "!==", "!", "!!", "or", "and",
        ">", ">=", "<", "<=", "max", "min", "+", "-", "*", "/", "%",
        "map", "reduce", "filter", "all", "none", "some", "merge", "in", "cat", "substr",
    }  # fmt: skip


def test_evaluation_uses_the_same_jsonlogic_engine():
    data = {"ticket": {"service": "web"}, "tasks": {"triage": {"severity": "high"}}}
    assert condition_holds(EXAMPLE["transitions"][1]["condition"], data) is True
    assert condition_holds(None, data) is True
    assert condition_holds({"==": [SEVERITY, "low"]}, data) is False
    assert evaluate({"var": ["ticket.nope", "fallback"]}, data) == "fallback"
    assert evaluate("literal", data) == "literal"


# --- many mistakes at once ------------------------------------------------------------


def test_all_problems_are_reported_at_once_in_document_order():
    document = example()
    document["title"] = ""
    document["fields"].append({"fieldName": "service", "fieldType": "str"})
    document["tasks"][0]["timeoutSeconds"] = 5
    document["tasks"][1]["actionUrl"] = "pager.example.com"
    document["tasks"][1]["timeoutSeconds"] = 900
    document["tasks"][1]["inputTransform"]["severity"] = {"var": "tasks.triage.sev"}
    document["tasks"][2]["key"] = "triage"
    document["transitions"][1]["condition"] = {"==": [{"var": "tasks.triage.severity"}, "high"], "x": 1}
    document["transitions"].append({"fromTask": "nowhere", "toTask": None, "extra": True})
    assert located(validate_workflow(document)) == [
        ("REQUIRED", "/title"),
        ("DUPLICATE_FIELD", "/fields/3/fieldName"),
        ("UNKNOWN_FIELD_TYPE", "/fields/3/fieldType"),
        ("NOT_ALLOWED_FOR_TASK_TYPE", "/tasks/0/timeoutSeconds"),
        ("INVALID_URL", "/tasks/1/actionUrl"),
        ("UNKNOWN_VARIABLE", "/tasks/1/inputTransform/severity"),
        ("INVALID_TIMEOUT", "/tasks/1/timeoutSeconds"),
        ("DUPLICATE_KEY", "/tasks/2/key"),
        # with its key changed, task 'resolve' is gone for the rules that named it:
        ("UNKNOWN_VARIABLE", "/tasks/3/inputTransform/body"),
        ("INVALID_CONDITION", "/transitions/1/condition"),
        ("UNKNOWN_TASK", "/transitions/2/toTask"),
        ("UNKNOWN_TASK", "/transitions/3/toTask"),
        ("UNKNOWN_TASK", "/transitions/4/fromTask"),
        ("UNKNOWN_TASK", "/transitions/6/fromTask"),
        ("UNKNOWN_PROPERTY", "/transitions/6/extra"),
    ]


def test_absent_properties_are_reported_in_definition_order():
    document = _with(tasks=[{}], transitions=[{"fromTask": None, "toTask": None}])
    assert located(validate_workflow(document)) == [
        ("REQUIRED", "/tasks/0/key"),
        ("REQUIRED", "/tasks/0/title"),
        ("REQUIRED", "/tasks/0/taskType"),
    ]


# --- hostile input ------------------------------------------------------------------------


def _deep(depth: int, make=lambda inner: {"a": inner}):
    value = {}
    for _ in range(depth):
        value = make(value)
    return value


def _cyclic():
    value = {"title": "x"}
    value["self"] = value
    return value


def _cyclic_condition():
    document = example()
    condition = {"and": []}
    condition["and"].append(condition)
    document["transitions"][1]["condition"] = condition
    return document


def _with(**changes):
    return {**example(), **changes}


HOSTILE = {
    "none": None,
    "list": [],
    "string": "workflow",
    "number": 3.5,
    "bool": True,
    "empty": {},
    "nested_doc": _deep(5000),
    "cyclic_doc": _cyclic(),
    "non_string_keys": {1: 2, None: 3, "title": "x"},
    "tasks_not_list": _with(tasks="abc"),
    "tasks_not_dicts": _with(tasks=[1, None, "a", [], {}]),
    "transitions_not_dicts": _with(transitions=[None, 5, "x", [None]]),
    "ends_wrong_types": _with(transitions=[{"fromTask": 1, "toTask": {"a": 1}, "priority": "high", "condition": 3}]),
    "fields_junk": _with(fields=[None, {"fieldName": [], "fieldType": {}}, "x"]),
    "extref_junk": _with(extRef={"label": "x"}),
    "deep_condition": _with(transitions=[{"fromTask": None, "toTask": "triage", "condition": _deep(5000)}]),
    "deep_list_condition": _with(
        transitions=[{"fromTask": None, "toTask": "triage", "condition": _deep(5000, lambda inner: [inner])}]
    ),
    "deep_schema": _with(tasks=[{**EXAMPLE["tasks"][0], "outputSchema": _deep(3000, lambda s: {"items": s})}]),
    "cyclic_condition": _cyclic_condition(),
    "nan_condition": _with(transitions=[{"fromTask": None, "toTask": "triage", "condition": float("nan")}]),
    "not_json_value": _with(title={1, 2}, description=b"bytes"),
    "weird_rules": _with(
        transitions=[
            {"fromTask": None, "toTask": "triage", "condition": {"var": [None]}},
            {"fromTask": "triage", "toTask": None, "condition": {"map": 5, "missing_some": None}},
            {"fromTask": "triage", "toTask": None, "condition": {1: 2}},
            {"fromTask": "triage", "toTask": None, "condition": {"missing_some": [True, "x"]}},
            {"fromTask": "triage", "toTask": None, "condition": {"if": []}},
        ]
    ),
    "too_many_tasks": _with(tasks=[{"key": f"t{i}"} for i in range(1001)]),
    "cycles_everywhere": _with(
        tasks=[{**EXAMPLE["tasks"][2], "key": f"t{i}"} for i in range(50)],
        transitions=[{"fromTask": f"t{i}", "toTask": f"t{(i * 7 + j) % 50}"} for i in range(50) for j in range(3)],
    ),
    "huge_strings": _with(title="x" * 10_000_000, description="y" * 1_000_000),
    "huge_numbers": _with(
        id=10**5000,
        tasks=[{**EXAMPLE["tasks"][1], "timeoutSeconds": 10**5000, "key": 10**5000}],
        transitions=[{"fromTask": None, "toTask": "page_oncall", "priority": -(10**5000)}],
    ),
}


@pytest.mark.parametrize("document", HOSTILE.values(), ids=HOSTILE.keys())
def test_validator_never_raises(document):
    problems = validate_workflow(document)
    assert all(isinstance(p, Problem) for p in problems)
    assert not any(FALLBACK in p.message for p in problems), problems
    if document is not None and not (isinstance(document, dict) and document == example()):
        assert problems, "a hostile document must report something"


@pytest.mark.parametrize("document", HOSTILE.values(), ids=HOSTILE.keys())
def test_ticket_validator_never_raises(document):
    problems = validate_ticket_definition(document, workflow_fields=[1, None, {"fieldName": 5}], company_roles=set())
    assert not any(FALLBACK in p.message for p in problems), problems


def test_hostile_ticket_field_value():
    ticket = {**TICKET, "fields": {"service": 10**5000}}
    assert located(ticket_problems(ticket)) == [("INVALID_TYPE", "/fields")]  # not JSON


def test_hostile_ticket_definition_values():
    ticket = {**TICKET, "fields": {"service": _deep(5000)}, "companyRoleAccess": [None, 5, "sre", "sre"]}
    problems = validate_ticket_definition(ticket, workflow_fields=EXAMPLE["fields"], company_roles={"sre"})
    assert located(problems) == [
        ("TOO_LONG", "/fields"),
        ("INVALID_TYPE", "/companyRoleAccess/0"),
        ("INVALID_TYPE", "/companyRoleAccess/1"),
        ("DUPLICATE_KEY", "/companyRoleAccess/3"),
    ]


def test_too_many_tasks_skips_per_item_checks():
    document = _with(tasks=[{"key": "BAD"}] * 1001)
    assert located(validate_workflow(document)) == [("TOO_MANY", "/tasks")]


def _big_workflow(tasks: int = 1000, transitions: int = 5000) -> dict:
    """A valid workflow at the limits: a chain plus conditional jumps."""
    rng = random.Random(7)
    document = {
        "title": "Big",
        "fields": [{"fieldName": "n", "fieldType": "integer"}],
        "tasks": [
            {
                "key": f"t{i}",
                "title": f"Task {i}",
                "taskType": "FORM",
                "outputSchema": {"type": "object", "properties": {"value": {"type": "integer"}}},
                "editLayout": FORM_LAYOUT,
            }
            for i in range(tasks)
        ],
        "transitions": [{"fromTask": None, "toTask": "t0"}, {"fromTask": f"t{tasks - 1}", "toTask": None}],
    }
    document["transitions"] += [{"fromTask": f"t{i}", "toTask": f"t{i + 1}"} for i in range(tasks - 1)]
    extra = transitions - len(document["transitions"])
    for n in range(extra):
        source = n % tasks
        document["transitions"].append(
            {
                "fromTask": f"t{source}",
                "toTask": f"t{rng.randrange(tasks)}",  # the conditions differ: never a duplicate
                "condition": {">": [{"var": f"tasks.t{source}.value"}, n // tasks]},
                "priority": n // tasks + 1,  # distinct per source task: no AMBIGUOUS_PRIORITY
            }
        )
    return document


def test_workflow_at_the_limits_is_valid():
    document = _big_workflow()
    assert len(document["tasks"]) == 1000
    assert len(document["transitions"]) == 5000
    assert validate_workflow(document) == []


def test_graph_mistakes_at_the_limits_are_all_reported():
    document = _big_workflow()
    for transition in document["transitions"]:
        if transition["fromTask"] is not None and transition["toTask"] is not None:
            transition["toTask"] = "t_" + transition["toTask"]  # every reference broken
    problems = validate_workflow(document)
    assert {p.code for p in problems} == {"UNKNOWN_TASK", "UNREACHABLE_TASK"}
    assert sum(p.code == "UNKNOWN_TASK" for p in problems) == 4998
