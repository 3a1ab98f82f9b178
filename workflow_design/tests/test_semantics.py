"""Semantic validation: types, data flow and coverage of a workflow's rules (issue 13).

Each check has a document that triggers exactly it (code and JSON Pointer asserted), built
by one change to a purchase-request workflow that is itself clean; correct documents that
use the same features (loops with exits, array operators, `missing`, exclusive branches,
narrowing by a test) must stay clean.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.documents import DEMO, FORM_LAYOUT
from workflow_design.validation import validate_workflow
from workflow_design.validation.problems import shown

CONTRACT_DEMO = DEMO / "it-incident.workflow.json"

APPROVAL_OUTPUT = {
    "type": "object",
    "properties": {
        "decision": {"type": "string", "enum": ["approve", "reject"]},
        "comment": {"type": "string"},
        "items": {
            "type": "array",
            "items": {"type": "object", "properties": {"owner": {"type": "string"}, "qty": {"type": "integer"}}},
        },
    },
    "required": ["decision"],
}
PURCHASE: dict[str, Any] = {
    "title": "Purchase request",
    "fields": [
        {"fieldName": "amount", "fieldType": "number"},
        {"fieldName": "vendor", "fieldType": "string"},
        {"fieldName": "urgent", "fieldType": "boolean"},
        {"fieldName": "requester", "fieldType": "email"},
    ],
    "tasks": [
        {
            "key": "approval",
            "title": "Approve",
            "taskType": "FORM",
            "outputSchema": APPROVAL_OUTPUT,
            "editLayout": FORM_LAYOUT,
        },
        {
            "key": "create_po",
            "title": "Create the purchase order",
            "taskType": "SYNC_ACTION",
            "actionUrl": "https://erp.example.com/purchase-orders",
            "retry": {"maxAttempts": 2},
            "inputSchema": {
                "type": "object",
                "properties": {"vendor": {"type": "string"}, "amount": {"type": "number"}},
                "required": ["vendor", "amount"],
                "additionalProperties": False,
            },
            "inputTransform": {"vendor": {"var": "ticket.vendor"}, "amount": {"var": "ticket.amount"}},
            "outputSchema": {
                "type": "object",
                "properties": {"poNumber": {"type": "string"}},
                "required": ["poNumber"],
            },
            "outputTransform": {"poNumber": {"var": "response.poNumber"}},
            "timeoutSeconds": 30,
        },
        {
            "key": "notify",
            "title": "Tell the requester",
            "taskType": "ASYNC_ACTION",
            "actionUrl": "https://mail.example.com/send",
            "retry": {"maxAttempts": 2},
            "inputTransform": {
                "to": {"var": "ticket.requester"},
                # Narrowed: the `then` branch runs only when create_po ran (its poNumber is set).
                "text": {
                    "if": [
                        {"var": "tasks.create_po.poNumber"},
                        {"cat": ["Ordered: ", {"var": "tasks.create_po.poNumber"}]},
                        {"cat": ["Rejected: ", {"var": ["tasks.approval.comment", ""]}]},
                    ]
                },
            },
        },
    ],
    "transitions": [
        {"fromTask": None, "toTask": "approval"},
        {
            "fromTask": "approval",
            "toTask": "create_po",
            "priority": 10,
            "condition": {"==": [{"var": "tasks.approval.decision"}, "approve"]},
        },
        {
            "fromTask": "approval",
            "toTask": "notify",
            "priority": 5,
            "condition": {"==": [{"var": "tasks.approval.decision"}, "reject"]},
        },
        {"fromTask": "approval", "toTask": "notify"},
        {"fromTask": "create_po", "toTask": "notify"},
        {"fromTask": "notify", "toTask": None},
    ],
}
APPROVE = "/transitions/1/condition"


def purchase(change: Callable[[dict[str, Any]], object] | None = None) -> dict[str, Any]:
    document = copy.deepcopy(PURCHASE)
    if change is not None:
        change(document)
    return document


def located(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.code, p.path) for p in validate_workflow(document)]


def condition(index: int, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["transitions"][index]["condition"] = value

    return change


def task_prop(index: int, name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["tasks"][index][name] = value

    return change


def without_transitions(*indices: int) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["transitions"] = [t for i, t in enumerate(document["transitions"]) if i not in indices]

    return change


def decision_is(value: Any) -> dict[str, Any]:
    return {"==": [{"var": "tasks.approval.decision"}, value]}


# --- the clean documents --------------------------------------------------------------------


def test_the_purchase_request_is_clean():
    assert located(purchase()) == []


@pytest.mark.parametrize("path", sorted(DEMO.glob("*.workflow.json")), ids=lambda p: p.name)
def test_the_demo_workflows_are_clean(path):
    """The rework loop with its exit (bounded by visits), defaults for tasks that may not have run (an action
    whose error route skips its output too), an `if` on a task's output that may be absent, enum branches. The
    contract's example (it-incident) predates failing actions: its two actions warn that nothing handles their
    failures, and nothing else."""
    document = json.loads(path.read_text())
    expected = [("NO_ERROR_HANDLING", "/tasks/1"), ("NO_ERROR_HANDLING", "/tasks/3")] if path == CONTRACT_DEMO else []
    assert located(document) == expected


@pytest.mark.parametrize(
    ("index", "value"),
    [
        # array operators typed by the items of the array they go through
        (1, {"some": [{"var": "tasks.approval.items"}, {">": [{"var": "qty"}, 5]}]}),
        (1, {"all": [{"var": "tasks.approval.items"}, {"==": [{"var": "owner"}, "it"]}]}),
        (1, {">": [{"reduce": [{"var": "tasks.approval.items"}, {"+": [{"var": "current.qty"}, 1]}, 0]}, 3]}),
        (1, {"==": [{"var": "tasks.approval.items.0.owner"}, "it"]}),
        # `missing`, and a read with a default, of values that may be absent
        (1, {"!": {"missing": "tasks.approval.comment"}}),
        (1, {"in": [{"var": "tasks.approval.decision"}, ["approve"]]}),
        (1, {"and": [decision_is("approve"), {"!": {"var": ["ticket.urgent", False]}}]}),
        # ordered comparisons of numbers and of strings
        (1, {"and": [decision_is("approve"), {"<": [100, {"var": "ticket.amount"}, 5000]}]}),
        (1, {"and": [decision_is("approve"), {">": [{"var": "ticket.vendor"}, "M"]}]}),
    ],
)
def test_correct_conditions_stay_clean(index, value):
    assert located(purchase(condition(index, value))) == []


def test_exclusive_conditions_of_one_priority_are_not_ambiguous():
    def same_priority(document):
        document["transitions"][2]["priority"] = 10  # == "reject" beside == "approve"
        for op in (">", "<="):  # two ranges of one number
            condition = {op: [{"var": "ticket.amount"}, 1000]}
            document["transitions"].append(
                {"fromTask": "create_po", "toTask": None, "priority": 3, "condition": condition}
            )

    assert located(purchase(same_priority)) == []


def test_overlapping_conditions_of_one_priority_stay_ambiguous():
    def same_priority(document):
        document["transitions"][2]["priority"] = 10
        document["transitions"][2]["condition"] = {"!=": [{"var": "tasks.approval.decision"}, "reject"]}

    assert located(purchase(same_priority)) == [("AMBIGUOUS_PRIORITY", "/transitions/2")]


# --- conditions -----------------------------------------------------------------------------


def test_a_condition_written_as_text_is_an_error_that_shows_the_jsonlogic():
    document = purchase(condition(1, "tasks.approval.decision == 'approve'"))
    problems = validate_workflow(document)
    assert [(p.code, p.path) for p in problems] == [("INVALID_CONDITION", APPROVE)]
    assert '{"==": [{"var": "tasks.approval.decision"}, "approve"]}' in problems[0].message


@pytest.mark.parametrize("value", [5000, ["approve"], 0.5])
def test_a_literal_condition_is_an_error(value):
    assert located(purchase(condition(1, value))) == [("INVALID_CONDITION", APPROVE)]


@pytest.mark.parametrize(
    ("value", "verdict"),
    [(False, "never holds"), ({"==": [1, 1]}, "always holds"), ({"in": ["x", ["a", "b"]]}, "never holds")],
)
def test_a_constant_condition_is_a_warning(value, verdict):
    problems = validate_workflow(purchase(condition(1, value)))
    assert [(p.code, p.path, p.severity) for p in problems] == [("CONSTANT_CONDITION", APPROVE, "warning")]
    assert verdict in problems[0].message


# --- types ----------------------------------------------------------------------------------


def test_a_value_outside_the_enum_is_named_with_the_closest_one():
    problems = validate_workflow(purchase(condition(1, decision_is("approved"))))
    assert [(p.code, p.path) for p in problems] == [("NOT_IN_ENUM", f"{APPROVE}/==/1")]
    assert "Did you mean 'approve'?" in problems[0].message
    assert '"approve", "reject"' in problems[0].message


def test_in_with_a_list_checks_each_value_against_the_enum():
    value = {"in": [{"var": "tasks.approval.decision"}, ["approve", "rejected"]]}
    assert located(purchase(condition(1, value))) == [("NOT_IN_ENUM", f"{APPROVE}/in/1/1")]


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"==": [{"var": "ticket.vendor"}, 5000]}, "/==/1"),  # a string compared with a number
        ({"==": [{"var": "ticket.urgent"}, "yes"]}, "/==/1"),  # a boolean with a string
        ({"===": [5000, {"var": "ticket.vendor"}]}, "/===/0"),
        ({"==": [{"var": "ticket.vendor"}, {"var": "ticket.amount"}]}, "/==/1"),  # two variables
        ({"in": ["x", {"var": "ticket.amount"}]}, "/in/1"),  # `in` on a number
        ({">": [{"+": [{"var": "ticket.vendor"}, 1]}, 5]}, "/>/0/+/0"),  # arithmetic on a string
        ({">": [{"var": "ticket.amount"}, "1000"]}, "/>/1"),  # a number ordered against a string
        ({"<": [{"var": "ticket.urgent"}, 1]}, "/</0"),  # a boolean ordered
        ({"some": [{"var": "ticket.vendor"}, {"var": ""}]}, "/some/0"),  # an array operator on a string
    ],
)
def test_operands_of_the_wrong_type(value, path):
    assert located(purchase(condition(1, {"and": [decision_is("approve"), value]}))) == [
        ("TYPE_MISMATCH", f"{APPROVE}/and/1{path}")
    ]


@pytest.mark.parametrize(
    ("value", "path", "suggestion"),
    [
        ({"var": "tasks.approval.items.0.ownr"}, "", "tasks.approval.items.0.owner"),
        ({"some": [{"var": "tasks.approval.items"}, {"var": "qtty"}]}, "/some/1", "the item.qty"),
        ({"var": "tasks.approval.decision.code"}, "", None),  # a string has no properties
    ],
)
def test_nested_paths_resolve_through_the_schema(value, path, suggestion):
    problems = validate_workflow(purchase(condition(1, {"and": [decision_is("approve"), value]})))
    assert [(p.code, p.path) for p in problems] == [("UNKNOWN_VARIABLE", f"{APPROVE}/and/1{path}")]
    if suggestion:
        assert f"Did you mean '{suggestion}'?" in problems[0].message


# --- transforms against the schema they build -----------------------------------------------

CREATE_PO = "/tasks/1"


@pytest.mark.parametrize(
    ("transform", "expected"),
    [
        ({"vendor": {"var": "ticket.vendor"}}, [("MISSING_PROPERTY", f"{CREATE_PO}/inputTransform")]),
        (
            {"vendor": {"var": "ticket.vendor"}, "amount": {"var": "ticket.amount"}, "amt": 1},
            [("UNKNOWN_PROPERTY", f"{CREATE_PO}/inputTransform/amt")],
        ),
        (
            {"vendor": {"var": "ticket.vendor"}, "amount": {"var": "ticket.vendor"}},
            [("TYPE_MISMATCH", f"{CREATE_PO}/inputTransform/amount")],
        ),
        (
            {"vendor": {"var": "ticket.urgent"}, "amount": {"*": [{"var": "ticket.amount"}, 2]}},
            [("TYPE_MISMATCH", f"{CREATE_PO}/inputTransform/vendor")],
        ),
    ],
)
def test_an_input_transform_builds_what_the_input_schema_says(transform, expected):
    assert located(purchase(task_prop(1, "inputTransform", transform))) == expected


def test_an_output_transform_builds_what_the_output_schema_says():
    transform = {"poNumber": {"+": [1, 2]}}
    assert located(purchase(task_prop(1, "outputTransform", transform))) == [
        ("TYPE_MISMATCH", f"{CREATE_PO}/outputTransform/poNumber")
    ]


def test_text_that_names_a_variable_is_a_warning():
    transform = {"vendor": "ticket.vendor", "amount": {"var": "ticket.amount"}}
    problems = validate_workflow(purchase(task_prop(1, "inputTransform", transform)))
    assert [(p.code, p.path, p.severity) for p in problems] == [
        ("VARIABLE_AS_TEXT", f"{CREATE_PO}/inputTransform/vendor", "warning")
    ]
    assert '{"var": "ticket.vendor"}' in problems[0].message


# --- data flow ------------------------------------------------------------------------------


def test_a_start_transition_reads_only_ticket_fields():
    def start_on_a_task(document):
        document["transitions"][0]["condition"] = decision_is("approve")
        document["transitions"].insert(1, {"fromTask": None, "toTask": "approval", "priority": -1})

    problems = validate_workflow(purchase(start_on_a_task))
    assert [(p.code, p.path) for p in problems] == [("NOT_YET_RUN", "/transitions/0/condition/==/0")]
    assert "start transition" in problems[0].message


def test_an_early_branch_cannot_read_a_later_tasks_output():
    value = {"and": [decision_is("approve"), {"var": "tasks.create_po.poNumber"}]}
    assert located(purchase(condition(1, value))) == [("NOT_YET_RUN", f"{APPROVE}/and/1")]


def test_a_task_that_ran_on_some_paths_only_is_a_warning_naming_the_path():
    text = {"cat": ["Ordered: ", {"var": "tasks.create_po.poNumber"}]}
    problems = validate_workflow(
        purchase(task_prop(2, "inputTransform", {"to": {"var": "ticket.requester"}, "text": text}))
    )
    assert [(p.code, p.path, p.severity) for p in problems] == [
        ("MAY_NOT_HAVE_RUN", "/tasks/2/inputTransform/text/cat/1", "warning")
    ]
    assert "coming from 'approval' (/transitions/2)" in problems[0].message


def test_the_latest_visit_of_a_task_on_a_loop_may_be_read_after_it():
    def rework_loop(document):
        document["transitions"][4] = {
            "fromTask": "create_po",
            "toTask": "approval",
            "condition": {"==": [{"var": "tasks.create_po.poNumber"}, ""]},
            "priority": 1,
        }
        document["transitions"].append({"fromTask": "create_po", "toTask": "notify"})
        # approval runs again after create_po: reading create_po there is fine with a default
        document["transitions"][1]["condition"] = {
            "and": [decision_is("approve"), {"!": {"var": ["tasks.create_po.poNumber", None]}}]
        }

    assert located(purchase(rework_loop)) == []


# --- coverage -------------------------------------------------------------------------------


def test_an_enum_value_no_transition_takes_is_named():
    problems = validate_workflow(purchase(without_transitions(2, 3)))
    assert [(p.code, p.path, p.severity) for p in problems] == [("UNCOVERED_CASE", "/tasks/0", "warning")]
    assert "'tasks.approval.decision' is \"reject\"" in problems[0].message


def test_false_with_no_transition_is_named():
    def only_urgent(document):
        document["transitions"][0]["condition"] = {"==": [{"var": "ticket.urgent"}, True]}

    problems = validate_workflow(purchase(only_urgent))
    assert [(p.code, p.path) for p in problems] == [("UNCOVERED_CASE", "/transitions/0")]
    assert "'ticket.urgent' is false" in problems[0].message


def test_an_absent_property_no_transition_takes_is_named():
    def decision_optional(document):
        document["tasks"][0]["outputSchema"]["required"] = []
        del document["transitions"][3]

    problems = validate_workflow(purchase(decision_optional))
    assert [(p.code, p.path) for p in problems] == [("UNCOVERED_CASE", "/tasks/0")]
    assert "'tasks.approval.decision' is absent" in problems[0].message


def test_numbers_compared_with_literals_are_covered_by_ranges():
    def by_amount(document):
        document["transitions"][1]["condition"] = {">": [{"var": "ticket.amount"}, 1000]}
        document["transitions"][2]["condition"] = {"<": [{"var": "ticket.amount"}, 1000]}
        del document["transitions"][3]

    problems = validate_workflow(purchase(by_amount))
    assert [(p.code, p.path) for p in problems] == [("UNCOVERED_CASE", "/tasks/0")]
    assert "'ticket.amount' is 1000" in problems[0].message


def test_a_start_transition_straight_to_the_end_shadows_the_workflow():
    def ends_at_once(document):
        document["transitions"].insert(0, {"fromTask": None, "toTask": None, "priority": 10})

    assert located(purchase(ends_at_once)) == [("SHADOWED_TRANSITION", "/transitions/1")]


# --- messages -------------------------------------------------------------------------------


def test_messages_show_values_as_json():
    problems = validate_workflow(purchase(condition(1, {"==": [{"var": "ticket.urgent"}, "null"]})))
    assert [p.code for p in problems] == ["TYPE_MISMATCH"]
    assert "None" not in problems[0].message
    assert "a boolean" in problems[0].message
    assert shown(None) == "null"


# --- what an attacker tried -------------------------------------------------------------------


def test_a_long_condition_decided_in_every_case_is_bounded_work(monkeypatch):
    """An `or` of 20,000 literals beside six booleans was walked once per case (128) and per
    question: 10 s for 241 KB. The analysis now spends at most MAX_WORK steps per document."""
    from workflow_design.validation import coverage

    calls = []
    decide = coverage.Cases._decide
    monkeypatch.setattr(coverage.Cases, "_decide", lambda self, *a: calls.append(1) or decide(self, *a))

    def long_or(document):
        document["fields"] += [{"fieldName": f"b{i}", "fieldType": "boolean"} for i in range(6)]
        flags = [{"var": f"ticket.b{i}"} for i in range(6)]
        document["transitions"][0]["condition"] = {"or": [*flags, *[1] * 20_000]}

    assert located(purchase(long_or)) == []
    assert len(calls) <= coverage.MAX_WORK


def test_whole_numbers_are_covered_by_whole_numbers():
    def by_count(document):
        document["fields"].append({"fieldName": "count", "fieldType": "integer"})
        document["transitions"][0]["condition"] = {"<=": [{"var": "ticket.count"}, 1]}
        document["transitions"].insert(
            1, {"fromTask": None, "toTask": "approval", "condition": {">=": [{"var": "ticket.count"}, 2]}}
        )

    assert located(purchase(by_count)) == []  # no case "1.5"


def test_a_comparison_with_null_is_decided_with_a_value_that_is_not_null():
    document = purchase(condition(0, {"and": [{"var": "ticket.urgent"}, {"!=": [{"var": "ticket.vendor"}, None]}]}))
    problems = validate_workflow(document)
    assert [(p.code, p.path) for p in problems] == [("UNCOVERED_CASE", "/transitions/0")]
    assert "'ticket.urgent' is false" in problems[0].message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # texts ordered: values between the literals are not represented, so no verdict
        ({"<=": [{"var": "ticket.vendor"}, "b"]}, {">=": [{"var": "ticket.vendor"}, "y"]}),
        # a value of a kind no literal has (here a text, where both compare with booleans)
        ({"==": [{"var": "tasks.approval.flag"}, True]}, {"==": [{"var": "tasks.approval.flag"}, False]}),
    ],
)
def test_cases_the_representatives_cannot_cover_stay_undecided(first, second):
    def two_ways(document):
        document["tasks"][0]["outputSchema"]["properties"]["flag"] = {
            "anyOf": [{"type": "boolean"}, {"type": "string"}]
        }
        document["tasks"][0]["outputSchema"]["required"] = ["decision", "flag"]
        document["transitions"][1]["condition"] = first
        document["transitions"][2]["condition"] = second
        del document["transitions"][3]

    # Not claimed covered (which could end STUCK), not claimed uncovered (a guess): no warning.
    assert located(purchase(two_ways)) == []
