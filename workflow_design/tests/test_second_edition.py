"""The language's second edition (issue 18): who works a FORM, visits, failing actions, requests.

Each rule has a document that triggers exactly it (code and JSON Pointer asserted), made by one
change to an order workflow that uses every new construct and is itself clean.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.support.documents import DEMO, FORM_LAYOUT
from workflow_design import document as doc
from workflow_design.codec import canonical
from workflow_design.preview import Outcome, preview_workflow
from workflow_design.validation import validate_workflow

ROLES = {"team_lead", "finance", "it_support"}
ALL_ERRORS = list(doc.ACTION_ERRORS)
DECISION = {"var": "tasks.review.decision"}
ORDER: dict[str, Any] = {
    "title": "Order refund",
    "fields": [{"fieldName": "orderId", "fieldType": "string"}, {"fieldName": "amount", "fieldType": "number"}],
    "tasks": [
        {
            "key": "review",
            "title": "Review the refund",
            "taskType": "FORM",
            "assigneeRoles": ["team_lead", "finance"],
            "outputSchema": {
                "type": "object",
                "properties": {"decision": {"enum": ["refund", "reject", "ask"]}},
                "required": ["decision"],
            },
            "editLayout": FORM_LAYOUT,
        },
        {
            "key": "refund",
            "title": "Refund the order",
            "taskType": "SYNC_ACTION",
            "httpMethod": "PUT",
            "actionUrl": "https://shop.example/orders/{ticket.orderId}/refunds/{visits.refund}?note={{ok}}",
            "timeoutSeconds": 20,
            "retry": {"maxAttempts": 3, "intervalSeconds": 30, "backoffRate": 2, "errors": ["TIMEOUT", "HTTP_5XX"]},
            "outputSchema": {
                "type": "object",
                "properties": {"refundId": {"type": "string"}},
                "required": ["refundId"],
            },
        },
        {
            "key": "by_hand",
            "title": "Refund by hand",
            "taskType": "FORM",
            "assigneeRoles": ["finance"],
            "outputSchema": {"type": "object", "properties": {"refundId": {"type": "string"}}},
            "editLayout": FORM_LAYOUT,
        },
    ],
    "transitions": [
        {"fromTask": None, "toTask": "review"},
        {"fromTask": "review", "toTask": "refund", "condition": {"==": [DECISION, "refund"]}, "priority": 20},
        {
            "fromTask": "review",
            "toTask": "review",
            "condition": {"and": [{"==": [DECISION, "ask"]}, {"<": [{"var": "visits.review"}, 3]}]},
            "priority": 10,
        },
        {"fromTask": "review", "toTask": None},
        {"fromTask": "refund", "toTask": None},
        {
            "fromTask": "refund",
            "toTask": "by_hand",
            "onError": ["HTTP_4XX"],
            "condition": {"==": [{"var": "error.status"}, 409]},
            "priority": 5,
        },
        {"fromTask": "refund", "toTask": "by_hand", "onError": ALL_ERRORS},
        {"fromTask": "by_hand", "toTask": None},
    ],
}


def order() -> dict[str, Any]:
    return copy.deepcopy(ORDER)


def located(document: Any, roles: set[str] | None = ROLES) -> list[tuple[str, str]]:
    return [(p.code, p.path) for p in validate_workflow(document, company_roles=roles)]


def changed(path: str, value: Any) -> dict[str, Any]:
    """The order workflow with the value at `path` set (None: removed)."""
    document = order()
    *parents, last = path.strip("/").split("/")
    node: Any = document
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    key: Any = int(last) if isinstance(node, list) else last
    if value is None:
        del node[key]
    else:
        node[key] = value
    return document


def test_the_order_workflow_using_every_construct_is_clean():
    assert located(order()) == []


def test_the_demo_workflows_are_clean_against_the_roles_they_assign():
    for name in ("expense-approval", "employee-onboarding"):
        assert located(json.loads((DEMO / f"{name}.workflow.json").read_text())) == []


CASES = [
    # assignment
    ("UNKNOWN_ROLE", "/tasks/0/assigneeRoles/1", "/tasks/0/assigneeRoles", ["team_lead", "finanse"]),
    ("DUPLICATE_KEY", "/tasks/0/assigneeRoles/1", "/tasks/0/assigneeRoles", ["finance", "finance"]),
    ("TOO_MANY", "/tasks/0/assigneeRoles", "/tasks/0/assigneeRoles", ["finance"] * 201),
    ("INVALID_TYPE", "/tasks/0/assigneeRoles/0", "/tasks/0/assigneeRoles", [7]),
    ("NOT_ALLOWED_FOR_TASK_TYPE", "/tasks/1/assigneeRoles", "/tasks/1/assigneeRoles", ["finance"]),
    # requests
    ("INVALID_TYPE", "/tasks/1/httpMethod", "/tasks/1/httpMethod", "FETCH"),
    ("NOT_ALLOWED_FOR_TASK_TYPE", "/tasks/0/httpMethod", "/tasks/0/httpMethod", "GET"),
    ("INVALID_URL_TEMPLATE", "/tasks/1/actionUrl", "/tasks/1/actionUrl", "https://shop.example/orders/{ticket.orderId"),
    ("INVALID_URL_TEMPLATE", "/tasks/1/actionUrl", "/tasks/1/actionUrl", "https://shop.example/orders/}"),
    ("INVALID_URL_TEMPLATE", "/tasks/1/actionUrl", "/tasks/1/actionUrl", "https://shop.example/{ticket order}"),
    ("INVALID_URL_TEMPLATE", "/tasks/1/actionUrl", "/tasks/1/actionUrl", "https://{ticket.orderId}.example/x"),
    ("INVALID_URL_TEMPLATE", "/tasks/1/actionUrl", "/tasks/1/actionUrl", "https://shop.example{ticket.orderId}"),
    ("INVALID_URL", "/tasks/1/actionUrl", "/tasks/1/actionUrl", "shop.example/orders/{ticket.orderId}"),
    ("UNSAFE_ACTION_URL", "/tasks/1/actionUrl", "/tasks/1/actionUrl", "http://169.254.169.254/{ticket.orderId}"),
    ("UNKNOWN_VARIABLE", "/tasks/1/actionUrl", "/tasks/1/actionUrl", "https://shop.example/{ticket.orderid}"),
    ("NOT_YET_RUN", "/tasks/1/actionUrl", "/tasks/1/actionUrl", "https://shop.example/{tasks.by_hand.refundId}"),
    ("UNKNOWN_VARIABLE", "/tasks/1/actionUrl", "/tasks/1/actionUrl", "https://shop.example/{error.code}"),
    # retries
    ("INVALID_RETRY", "/tasks/1/retry/maxAttempts", "/tasks/1/retry/maxAttempts", 0),
    ("INVALID_RETRY", "/tasks/1/retry/maxAttempts", "/tasks/1/retry/maxAttempts", 11),
    ("INVALID_RETRY", "/tasks/1/retry/maxAttempts", "/tasks/1/retry/maxAttempts", 2.5),
    ("INVALID_RETRY", "/tasks/1/retry/intervalSeconds", "/tasks/1/retry/intervalSeconds", 3601),
    ("INVALID_RETRY", "/tasks/1/retry/intervalSeconds", "/tasks/1/retry/intervalSeconds", -1),
    ("INVALID_RETRY", "/tasks/1/retry/backoffRate", "/tasks/1/retry/backoffRate", 0.5),
    ("INVALID_RETRY", "/tasks/1/retry/backoffRate", "/tasks/1/retry/backoffRate", "2"),
    ("REQUIRED", "/tasks/1/retry/maxAttempts", "/tasks/1/retry/maxAttempts", None),
    ("UNKNOWN_PROPERTY", "/tasks/1/retry/attempts", "/tasks/1/retry/attempts", 3),
    ("INVALID_TYPE", "/tasks/1/retry", "/tasks/1/retry", 3),
    ("INVALID_ACTION_ERRORS", "/tasks/1/retry/errors/1", "/tasks/1/retry/errors", ["TIMEOUT", "HTTP_500"]),
    ("INVALID_ACTION_ERRORS", "/tasks/1/retry/errors/1", "/tasks/1/retry/errors", ["TIMEOUT", "TIMEOUT"]),
    ("NOT_ALLOWED_FOR_TASK_TYPE", "/tasks/0/retry", "/tasks/0/retry", {"maxAttempts": 2}),
    # error transitions
    ("INVALID_ACTION_ERRORS", "/transitions/6/onError", "/transitions/6/onError", []),
    ("INVALID_ACTION_ERRORS", "/transitions/6/onError/0", "/transitions/6/onError", ["TIMOUT"]),
    ("INVALID_ACTION_ERRORS", "/transitions/6/onError", "/transitions/6/onError", "TIMEOUT"),
    ("INVALID_ERROR_TRANSITION", "/transitions/7/onError", "/transitions/7/onError", ["TIMEOUT"]),
    ("INVALID_ERROR_TRANSITION", "/transitions/0/onError", "/transitions/0/onError", ["TIMEOUT"]),
    # variables
    ("UNKNOWN_VARIABLE", "/transitions/4/condition", "/transitions/4/condition", {"var": "error.code"}),
    ("UNKNOWN_VARIABLE", "/transitions/5/condition", "/transitions/5/condition", {"var": "error.reason"}),
    (
        "NOT_IN_ENUM",
        "/transitions/5/condition/==/1",
        "/transitions/5/condition",
        {"==": [{"var": "error.code"}, "4XX"]},
    ),
    (
        "TYPE_MISMATCH",
        "/transitions/5/condition/==/1",
        "/transitions/5/condition",
        {"==": [{"var": "error.status"}, "409"]},
    ),
    (
        "UNKNOWN_VARIABLE",
        "/transitions/2/condition/</0",
        "/transitions/2/condition",
        {"<": [{"var": "visits.reviw"}, 3]},
    ),
    ("UNKNOWN_VARIABLE", "/transitions/2/condition/</0", "/transitions/2/condition", {"<": [{"var": "visits"}, 3]}),
    (
        "TYPE_MISMATCH",
        "/transitions/2/condition/==/1",
        "/transitions/2/condition",
        {"==": [{"var": "visits.review"}, "3"]},
    ),
    # an error transition's condition reads what ran before the action: the failed visit left no output
    ("NOT_YET_RUN", "/transitions/5/condition", "/transitions/5/condition", {"var": "tasks.refund.refundId"}),
]


@pytest.mark.parametrize(("code", "path", "where", "value"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_each_rule_of_the_second_edition_is_located(code, path, where, value):
    assert located(changed(where, value)) == [(code, path)]


def test_did_you_mean_for_roles_errors_and_visits():
    messages = {
        p.code: p.message
        for document in (
            changed("/tasks/0/assigneeRoles", ["team_leed"]),
            changed("/transitions/6/onError", ["TIMOUT"]),
            changed("/transitions/2/condition", {"<": [{"var": "visits.reviw"}, 3]}),
        )
        for p in validate_workflow(document, company_roles=ROLES)
    }
    assert "Did you mean 'team_lead'?" in messages["UNKNOWN_ROLE"]
    assert "Did you mean 'TIMEOUT'?" in messages["INVALID_ACTION_ERRORS"]
    assert "Did you mean 'visits.review'?" in messages["UNKNOWN_VARIABLE"]


def test_roles_are_judged_only_against_a_company():
    assert located(changed("/tasks/0/assigneeRoles", ["anyone"]), roles=None) == []


def test_an_action_without_retry_or_error_route_is_a_warning():
    document = changed("/tasks/1/retry", None)
    document["transitions"] = [t for t in document["transitions"] if "onError" not in t]
    document["tasks"].pop(2)
    document["transitions"].pop()  # by_hand's
    problems = validate_workflow(document, company_roles=ROLES)
    assert [(p.code, p.path, p.severity) for p in problems] == [("NO_ERROR_HANDLING", "/tasks/1", "warning")]
    # Either one is enough: an error route alone, a retry policy alone (maxAttempts 1: deliberately none).
    assert located(changed("/tasks/1/retry", None)) == []
    document["tasks"][1]["retry"] = {"maxAttempts": 1}
    assert located(document) == []


def test_error_transitions_and_ordinary_ones_do_not_shadow_or_duplicate_each_other():
    document = order()
    # An unconditional error transition beside the unconditional ordinary one, to the same end.
    document["transitions"][6] = {"fromTask": "refund", "toTask": None, "onError": ALL_ERRORS}
    assert located(document) == []
    # Among error transitions, one catching every error a later one catches shadows it.
    document["transitions"].append({"fromTask": "refund", "toTask": "by_hand", "onError": ["TIMEOUT"]})
    assert located(document) == [("SHADOWED_TRANSITION", "/transitions/8")]


def test_after_an_error_route_the_failed_action_may_not_have_run():
    document = order()
    document["tasks"][2]["inputSchema"] = {"type": "object"}
    # by_hand is entered only through refund's error routes: refund's output is null there.
    again = {"fromTask": "by_hand", "toTask": "refund", "condition": {"var": "tasks.refund.refundId"}, "priority": 1}
    document["transitions"].append(again)
    assert located(document) == [("NOT_YET_RUN", "/transitions/8/condition")]


def test_a_placeholder_reads_a_scalar():
    document = order()
    document["tasks"][0]["outputSchema"]["properties"]["customer"] = {"type": "object"}
    document["tasks"][1]["actionUrl"] = "https://shop.example/{tasks.review.customer}"
    problems = validate_workflow(document, company_roles=ROLES)
    assert [(p.code, p.path) for p in problems] == [("TYPE_MISMATCH", "/tasks/1/actionUrl")]
    assert "{tasks.review.customer} is an object" in problems[0].message


def test_a_loop_bounded_by_visits_is_covered():
    """Every case of the review's decision and of its visit count is taken by some transition."""
    document = order()
    document["transitions"].pop(3)  # the default
    document["transitions"].append(
        {"fromTask": "review", "toTask": None, "condition": {"in": [DECISION, ["reject", "ask"]]}}
    )
    assert located(document) == []
    document["transitions"].pop()
    document["transitions"].append({"fromTask": "review", "toTask": None, "condition": {"==": [DECISION, "reject"]}})
    problems = validate_workflow(document, company_roles=ROLES)
    assert [(p.code, p.path) for p in problems] == [("UNCOVERED_CASE", "/tasks/0")]
    assert "'tasks.review.decision' is \"ask\" and 'visits.review' is 3" in problems[0].message


def test_documents_of_the_first_edition_mean_what_they_meant():
    """Nothing new is required: a document without the new props is canonical as it was."""
    first = json.loads((DEMO / "it-incident.workflow.json").read_text())
    assert canonical(doc.WORKFLOW, first) == first
    assert {p.code for p in validate_workflow(first, company_roles=set())} == {"NO_ERROR_HANDLING"}


def test_the_json_schema_describes_the_new_props():
    schema = doc.document_json_schema()
    task = schema["$defs"]["TaskInput"]["properties"]
    assert task["httpMethod"]["enum"] == [*doc.HTTP_METHODS, None]
    assert task["retry"]["anyOf"][0] == {"$ref": "#/$defs/RetryPolicy"}
    retry = schema["$defs"]["RetryPolicy"]["properties"]
    assert (retry["maxAttempts"]["minimum"], retry["maxAttempts"]["maximum"]) == (1, 10)
    assert (retry["backoffRate"]["type"], retry["backoffRate"]["maximum"]) == (["number", "null"], 10)
    on_error = schema["$defs"]["TransitionInput"]["properties"]["onError"]
    assert (on_error["items"]["enum"], on_error["minItems"], on_error["uniqueItems"]) == (ALL_ERRORS, 1, True)


# --- the preview, on the order workflow -----------------------------------------------------------


def walk(refund: Any, decision: str = "refund") -> Any:
    return preview_workflow(
        order(),
        ticket={"orderId": "A/1 b", "amount": 20},
        task_outputs={"review": {"decision": decision}, "refund": refund, "by_hand": {"refundId": "R-hand"}},
    )


def test_the_request_goes_to_the_template_filled_in_percent_encoded():
    result = walk({"refundId": "R-1"})
    refund = result.steps[1]
    assert (refund.http_method, refund.url) == ("PUT", "https://shop.example/orders/A%2F1%20b/refunds/1?note=%7Bok%7D")
    assert [(s.task_key, s.taken_transition_index) for s in result.steps] == [("review", 1), ("refund", 4)]


def test_an_error_transitions_condition_reads_the_error():
    """A 409 takes the conditional error route (5); another 4xx the catch-all (6): error.status decides."""
    conflict = walk({"$error": "HTTP_4XX", "status": 409})
    refund = conflict.steps[1]
    assert [(t.transition_index, t.holds) for t in refund.transitions_tried] == [(5, True)]
    assert refund.failure == {"code": "HTTP_4XX", "status": 409, "attempts": 1, "message": "HTTP 409"}
    missing = walk({"$error": "HTTP_4XX", "status": 404})
    assert [(t.transition_index, t.holds) for t in missing.steps[1].transitions_tried] == [(5, False), (6, True)]
    assert [s.task_key for s in missing.steps] == ["review", "refund", "by_hand"]


def test_retries_follow_the_policy_and_its_errors():
    """TIMEOUT and HTTP_5XX are retried, 3 attempts in all, 30 s then 60 s apart; NETWORK is not retried."""
    result = walk([{"$error": "TIMEOUT"}, {"$error": "HTTP_5XX"}, {"$error": "TIMEOUT"}])
    assert [(a.number, a.wait_seconds, a.error, a.status) for a in result.steps[1].attempts] == [
        (1, 0, "TIMEOUT", None),
        (2, 30, "HTTP_5XX", 500),
        (3, 60, "TIMEOUT", None),
    ]
    assert result.steps[1].failure["attempts"] == 3
    network = walk([{"$error": "NETWORK"}, {"refundId": "never used"}])
    assert [a.error for a in network.steps[1].attempts] == ["NETWORK"]
    assert network.steps[2].task_key == "by_hand"


def test_a_loop_bounded_by_visits_stops_where_the_count_says():
    result = walk({"refundId": "R-1"}, decision="ask")
    assert result.outcome == Outcome.ENDED
    assert [s.visit for s in result.steps] == [1, 2, 3]  # asked twice more, then the default ends it
    assert [t.transition_index for t in result.steps[-1].transitions_tried] == [1, 2, 3]
