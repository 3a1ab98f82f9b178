"""previewWorkflow: walking the demo workflows on sample data, the evaluator's outcomes,
sample data checks, and the GraphQL field (access, NOT_FOUND, writes nothing)."""

import copy
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel.global_ids import global_id
from tests.support.documents import small_workflow
from tests.support.ids import gid
from workflow_design.preview import MAX_STEPS_LIMIT, Outcome, preview_workflow
from workflow_design.services import workflow_upload

DEMO = Path(__file__).resolve().parents[1] / "workflow_design" / "demo"
UNUSED_WORKFLOW_ID = global_id("WorkflowDefinition", 987654321)


def demo(name: str) -> dict:
    return json.loads((DEMO / f"{name}.workflow.json").read_text())


EXPENSE_TICKET = {
    "amount": 200,
    "currency": "EUR",
    "employeeEmail": "ann@example.com",
    "costCenter": "CC-42",
    "description": "Taxi to the client",
    "receiptUrl": "https://receipts.example.com/r/1",
}
PAID = {"id": "pay_1", "status": "succeeded"}
SENT = {"messageId": "msg_1", "status": "sent"}


def unbounded_expense() -> dict:
    """The expense approval as the first edition had it: rework as often as the team lead asks."""
    document = demo("expense-approval")
    document["transitions"][3]["condition"] = {"==": [{"var": "tasks.manager_review.decision"}, "rework"]}
    return document


def claim(amount) -> dict:
    return {"amount": amount, "category": "travel", "justification": "Client visit"}


def expense_outputs(**outputs) -> dict:
    return {"submit": claim(200), "pay": PAID, "notify_employee": SENT, **outputs}


INCIDENT_TICKET = {"service": "checkout", "reporterEmail": "rita@example.com", "summary": "Checkout returns 502"}


def incident_outputs(severity: str) -> dict:
    return {
        "triage": {"severity": severity},
        "page_oncall": {"id": "PG-1"},
        "resolve": {"resolution": "Restarted the pods"},
        "notify_reporter": {"status": "sent"},
    }


def path_of(result) -> list[str]:
    return [step.task_key for step in result.steps]


def step_of(result, key: str, visit: int = 1):
    return next(s for s in result.steps if s.task_key == key and s.visit == visit)


def tried(step) -> list[tuple[int, bool]]:
    return [(t.transition_index, t.holds) for t in step.transitions_tried]


def located(problems) -> list[tuple[str, str]]:
    return [(p.code, p.path) for p in problems]


# --- the expense approval ----------------------------------------------------


class TestExpenseApproval:
    def test_small_amount_is_paid_without_finance(self):
        result = preview_workflow(
            demo("expense-approval"),
            ticket=EXPENSE_TICKET,
            task_outputs=expense_outputs(manager_review={"decision": "approve"}),
        )
        assert result.outcome == Outcome.ENDED
        assert result.problems == ()
        assert path_of(result) == ["submit", "manager_review", "pay", "notify_employee"]
        assert result.start_transition_index == 0
        # reject (30), rework (20), rework past its bound (15), finance (10: approve but not > 1000), pay (0)
        assert tried(step_of(result, "manager_review")) == [(2, False), (3, False), (11, False), (4, False), (5, True)]
        pay = step_of(result, "pay")
        assert pay.action_input == {
            "payee": "ann@example.com",
            "amount": 200,
            "currency": "EUR",
            "costCenter": "CC-42",
            "memo": "Expense claim: Taxi to the client",
        }
        assert pay.raw_response == PAID
        assert pay.output == {"paymentId": "pay_1", "status": "succeeded", "paid": True}
        notify = step_of(result, "notify_employee")
        assert notify.action_input == {
            "to": "ann@example.com",
            "subject": "Your expense claim has been paid",
            "body": "We paid 200 EUR (payment pay_1).",
        }
        assert notify.output == {"messageId": "msg_1", "delivered": True}
        assert notify.taken_transition_index == 10
        assert "transition 10 from 'notify_employee' leads to the end" in result.message

    def test_large_amount_goes_through_finance(self):
        outputs = expense_outputs(
            submit=claim(2500),
            manager_review={"decision": "approve"},
            finance_review={"decision": "approve", "glAccount": "6100"},
        )
        result = preview_workflow(demo("expense-approval"), ticket=EXPENSE_TICKET, task_outputs=outputs)
        assert result.outcome == Outcome.ENDED
        assert result.problems == ()
        assert path_of(result) == ["submit", "manager_review", "finance_review", "pay", "notify_employee"]
        assert tried(step_of(result, "manager_review")) == [(2, False), (3, False), (11, False), (4, True)]
        assert tried(step_of(result, "finance_review")) == [(7, True)]
        assert step_of(result, "pay").action_input["amount"] == 2500
        assert step_of(result, "notify_employee").action_input["body"] == "We paid 2500 EUR (payment pay_1)."

    def test_finance_rejection_notifies_without_paying(self):
        outputs = expense_outputs(
            submit=claim(2500),
            manager_review={"decision": "approve"},
            finance_review={"decision": "reject", "comment": "Over the hotel limit"},
        )
        result = preview_workflow(demo("expense-approval"), ticket=EXPENSE_TICKET, task_outputs=outputs)
        assert path_of(result) == ["submit", "manager_review", "finance_review", "notify_employee"]
        assert tried(step_of(result, "finance_review")) == [(7, False), (8, True)]
        assert step_of(result, "notify_employee").action_input == {
            "to": "ann@example.com",
            "subject": "Your expense claim was not approved",
            "body": "Manager:  Finance: Over the hotel limit",
        }

    def test_rework_loop_then_approval_uses_the_reworked_amount(self):
        # Submitted over 1000, reworked to 800: the reworked amount decides, so no finance review.
        outputs = expense_outputs(
            submit=claim(1200),
            manager_review=[{"decision": "rework", "comment": "Split the claim"}, {"decision": "approve"}],
            rework={"amount": 800, "justification": "Client visit, part 1", "changeNote": "Split"},
        )
        result = preview_workflow(demo("expense-approval"), ticket=EXPENSE_TICKET, task_outputs=outputs)
        assert result.outcome == Outcome.ENDED
        assert result.problems == ()
        assert path_of(result) == ["submit", "manager_review", "rework", "manager_review", "pay", "notify_employee"]
        assert [s.visit for s in result.steps] == [1, 1, 1, 2, 1, 1]
        assert tried(step_of(result, "manager_review", 1)) == [(2, False), (3, True)]
        assert step_of(result, "manager_review", 2).output == {"decision": "approve"}
        assert tried(step_of(result, "manager_review", 2)) == [
            (2, False),
            (3, False),
            (11, False),
            (4, False),
            (5, True),
        ]
        assert step_of(result, "pay").action_input["amount"] == 800
        assert step_of(result, "notify_employee").action_input["body"] == "We paid 800 EUR (payment pay_1)."

    def test_rework_to_a_large_amount_needs_finance(self):
        outputs = expense_outputs(
            manager_review=[{"decision": "rework"}, {"decision": "approve"}],
            rework={"amount": 1800, "justification": "Hotel added", "changeNote": "Added the hotel"},
            finance_review={"decision": "approve"},
        )
        result = preview_workflow(demo("expense-approval"), ticket=EXPENSE_TICKET, task_outputs=outputs)
        assert path_of(result) == [
            "submit",
            "manager_review",
            "rework",
            "manager_review",
            "finance_review",
            "pay",
            "notify_employee",
        ]

    def test_rejection_notifies_the_employee(self):
        outputs = expense_outputs(manager_review={"decision": "reject", "comment": "No receipt"})
        result = preview_workflow(demo("expense-approval"), ticket=EXPENSE_TICKET, task_outputs=outputs)
        assert result.outcome == Outcome.ENDED
        assert path_of(result) == ["submit", "manager_review", "notify_employee"]
        assert tried(step_of(result, "manager_review")) == [(2, True)]
        assert step_of(result, "notify_employee").action_input == {
            "to": "ann@example.com",
            "subject": "Your expense claim was not approved",
            "body": "Manager: No receipt Finance: ",
        }

    def test_the_rework_loop_stops_where_the_visit_count_says(self):
        """Rework while visits.rework < 2: the third request for rework rejects the claim (transition 11)."""
        outputs = expense_outputs(
            manager_review={"decision": "rework"},
            rework={"amount": 200, "justification": "Same again", "changeNote": "None"},
        )
        result = preview_workflow(demo("expense-approval"), ticket=EXPENSE_TICKET, task_outputs=outputs)
        assert result.outcome == Outcome.ENDED
        assert path_of(result) == [
            "submit",
            "manager_review",
            "rework",
            "manager_review",
            "rework",
            "manager_review",
            "notify_employee",
        ]
        assert [s.visit for s in result.steps] == [1, 1, 1, 2, 2, 3, 1]
        assert tried(step_of(result, "manager_review", 2)) == [(2, False), (3, True)]
        assert tried(step_of(result, "manager_review", 3)) == [(2, False), (3, False), (11, True)]
        assert step_of(result, "notify_employee").action_input["subject"] == "Your expense claim was not approved"

    def test_a_rework_loop_without_progress_stops_at_max_steps(self):
        outputs = expense_outputs(
            manager_review={"decision": "rework"},
            rework={"amount": 200, "justification": "Same again", "changeNote": "None"},
        )
        result = preview_workflow(unbounded_expense(), ticket=EXPENSE_TICKET, task_outputs=outputs, max_steps=9)
        assert result.outcome == Outcome.MAX_STEPS
        assert len(result.steps) == 9
        assert path_of(result)[:5] == ["submit", "manager_review", "rework", "manager_review", "rework"]
        assert result.message.startswith("Stopped after 9 step(s) (maxSteps) without reaching an end")
        assert "loops through 'rework' -> 'manager_review' -> 'rework'" in result.message
        assert "'manager_review' 4 times, 'rework' 4 times" in result.message

    def test_max_steps_is_capped(self):
        outputs = expense_outputs(
            manager_review={"decision": "rework"},
            rework={"amount": 200, "justification": "Same again", "changeNote": "None"},
        )
        result = preview_workflow(
            unbounded_expense(), ticket=EXPENSE_TICKET, task_outputs=outputs, max_steps=MAX_STEPS_LIMIT + 500
        )
        assert result.outcome == Outcome.MAX_STEPS
        assert len(result.steps) == MAX_STEPS_LIMIT

    def test_an_exhausted_list_is_a_missing_output_of_that_visit(self):
        outputs = expense_outputs(
            manager_review=[{"decision": "rework"}],
            rework={"amount": 200, "justification": "Fixed", "changeNote": "Receipt added"},
        )
        result = preview_workflow(demo("expense-approval"), ticket=EXPENSE_TICKET, task_outputs=outputs)
        assert result.outcome == Outcome.MISSING_OUTPUT
        assert path_of(result) == ["submit", "manager_review", "rework", "manager_review"]
        last = result.steps[-1]
        assert (last.visit, last.output, last.transitions_tried, last.taken_transition_index) == (2, None, (), None)
        assert "task 'manager_review' (step 4, visit 2)" in result.message
        assert "lists 1 item(s)" in result.message

    def test_a_missing_action_response_still_shows_the_request(self):
        outputs = expense_outputs(manager_review={"decision": "approve"})
        del outputs["pay"]
        result = preview_workflow(demo("expense-approval"), ticket=EXPENSE_TICKET, task_outputs=outputs)
        assert result.outcome == Outcome.MISSING_OUTPUT
        assert path_of(result) == ["submit", "manager_review", "pay"]
        pay = result.steps[-1]
        assert pay.action_input["amount"] == 200
        assert (pay.raw_response, pay.output) == (None, None)
        assert "taskOutputs has no 'pay'; add the task's raw response" in result.message


# --- the IT incident -----------------------------------------------------------


class TestIncident:
    def test_high_severity_pages_on_call(self):
        result = preview_workflow(demo("it-incident"), ticket=INCIDENT_TICKET, task_outputs=incident_outputs("high"))
        assert result.outcome == Outcome.ENDED
        assert result.problems == ()
        assert path_of(result) == ["triage", "page_oncall", "resolve", "notify_reporter"]
        assert tried(step_of(result, "triage")) == [(1, True)]
        page = step_of(result, "page_oncall")
        assert page.action_input == {"service": "checkout", "severity": "high"}
        assert page.output == {"pageId": "PG-1"}
        notify = step_of(result, "notify_reporter")
        assert notify.action_input == {"to": "rita@example.com", "body": "Restarted the pods"}
        assert notify.output == {"delivered": True}

    def test_low_severity_goes_straight_to_resolve(self):
        result = preview_workflow(demo("it-incident"), ticket=INCIDENT_TICKET, task_outputs=incident_outputs("low"))
        assert result.outcome == Outcome.ENDED
        assert path_of(result) == ["triage", "resolve", "notify_reporter"]
        assert tried(step_of(result, "triage")) == [(1, False), (2, True)]
        assert step_of(result, "notify_reporter").action_input == {
            "to": "rita@example.com",
            "body": "Restarted the pods",
        }


# --- other outcomes and rules of the walk --------------------------------------


FAILING = {">": [{"/": [1, {"var": "tasks.a.n"}]}, 0]}  # 1 / 0 raises in the engine
A_TO_END_WHEN_DONE = {"fromTask": "a", "toTask": None, "condition": {"var": "tasks.a.done"}, "priority": 0}


class TestWalkRules:
    def test_a_failing_condition_is_recorded_and_the_next_one_tried(self):
        document = small_workflow(
            [
                {"fromTask": None, "toTask": "a"},
                {"fromTask": "a", "toTask": "b", "condition": FAILING, "priority": 10},
                A_TO_END_WHEN_DONE,
                {"fromTask": "b", "toTask": None},
            ]
        )
        result = preview_workflow(document, ticket={}, task_outputs={"a": {"n": 0, "done": True}})
        assert result.outcome == Outcome.ENDED
        first, second = result.steps[0].transitions_tried
        assert (first.transition_index, first.holds) == (1, False)
        assert "NaN" in first.error
        assert (second.transition_index, second.holds, second.error) == (2, True, None)

    def test_no_condition_holding_is_stuck(self):
        document = small_workflow(
            [
                {"fromTask": None, "toTask": "a"},
                {"fromTask": "a", "toTask": "b", "condition": FAILING, "priority": 10},
                A_TO_END_WHEN_DONE,
                {"fromTask": "b", "toTask": None},
            ]
        )
        result = preview_workflow(document, ticket={}, task_outputs={"a": {"n": 0, "done": False}})
        assert result.outcome == Outcome.STUCK
        assert result.steps[-1].taken_transition_index is None
        assert "Stuck at task 'a' (step 1, visit 1)" in result.message
        assert "1 of them raised an error" in result.message

    def test_equal_priorities_follow_document_order(self):
        document = small_workflow(
            [
                {"fromTask": None, "toTask": "a"},
                {"fromTask": "a", "toTask": None, "condition": {"==": [1, 1]}},
                {"fromTask": "a", "toTask": "b", "condition": {"==": [2, 2]}},
                {"fromTask": "b", "toTask": None},
            ]
        )
        result = preview_workflow(document, ticket={}, task_outputs={"a": {}})
        assert path_of(result) == ["a"]
        assert tried(result.steps[0]) == [(1, True)]

    def test_start_transitions_are_chosen_by_the_same_rule(self):
        document = small_workflow(
            [
                {"fromTask": None, "toTask": "a"},
                {"fromTask": None, "toTask": None, "condition": {"var": "ticket.skip"}, "priority": 5},
                {"fromTask": "a", "toTask": "b"},
            ]
        )
        skipped = preview_workflow(document, ticket={"skip": True}, task_outputs={})
        assert skipped.outcome == Outcome.ENDED
        assert skipped.steps == ()
        assert [(t.transition_index, t.holds) for t in skipped.start_transitions_tried] == [(1, True)]
        assert skipped.message == "Ended at the start: start transition 1 leads to the end."
        walked = preview_workflow(document, ticket={"skip": False}, task_outputs={"a": {}, "b": {}})
        assert walked.start_transition_index == 0
        assert path_of(walked) == ["a", "b"]
        assert walked.message == "Ended after 2 step(s): task 'b' has no outgoing transition."

    def test_a_failing_transform_stops_the_walk(self):
        tasks = [
            {
                "key": "call",
                "title": "Call",
                "taskType": "SYNC_ACTION",
                "actionUrl": "https://api.example.com/x",
                "inputTransform": {"ok": {"var": "ticket.n"}, "ratio": {"/": [1, {"var": "ticket.n"}]}},
            }
        ]
        document = small_workflow([{"fromTask": None, "toTask": "call"}], tasks=tasks)
        result = preview_workflow(document, ticket={"n": 0}, task_outputs={"call": {}})
        assert result.outcome == Outcome.TRANSFORM_FAILED
        assert result.steps[0].error.startswith("Its inputTransform failed: entry 'ratio':")
        # Without an outputTransform, an action's output is its response.
        fine = preview_workflow(document, ticket={"n": 4}, task_outputs={"call": {"x": 1}})
        assert fine.outcome == Outcome.ENDED
        assert (fine.steps[0].action_input, fine.steps[0].output) == ({"ok": 4, "ratio": 0.25}, {"x": 1})

    def test_an_invalid_document_is_not_walked(self):
        document = demo("it-incident")
        del document["tasks"][2]["title"]
        document["transitions"][1]["toTask"] = "page_on_call"
        result = preview_workflow(document, ticket={}, task_outputs={})
        assert result.outcome == Outcome.INVALID
        assert result.steps == ()
        # The misspelt toTask is read as the task it is closest to: page_oncall is not also unreachable.
        assert located(result.problems) == [
            ("REQUIRED", "/tasks/2/title"),
            ("UNKNOWN_TASK", "/transitions/1/toTask"),
        ]

    @pytest.mark.parametrize(
        ("ticket", "outputs", "problem"),
        [
            ([], {}, ("INVALID_TYPE", "/ticket")),
            ({}, "x", ("INVALID_TYPE", "/taskOutputs")),
            ({"summary": "x" * 300_000}, {}, ("TOO_LONG", "/ticket")),
        ],
        ids=["ticket-not-object", "outputs-not-object", "ticket-too-long"],
    )
    def test_unusable_sample_data_is_refused(self, ticket, outputs, problem):
        result = preview_workflow(demo("it-incident"), ticket=ticket, task_outputs=outputs)
        assert result.outcome == Outcome.INVALID
        assert located(result.problems) == [problem]


# --- checks of the sample data ---------------------------------------------------


def test_invalid_sample_data_is_reported_with_paths_and_the_walk_goes_on():
    ticket = {**EXPENSE_TICKET, "amount": "lots", "employeEmail": "bob@example.com", "receiptUrl": "ftp://x"}
    outputs = expense_outputs(
        submit={"amount": -5, "category": "food", "expenseDate": "2024-13-01"},
        manager_review=[{"decision": "rework"}, {"decision": "maybe"}],
        rework={"amount": 200, "justification": "Fixed", "changeNote": "Receipt"},
        pay={"id": 123, "status": "succeeded"},
        manager_reveiw={"decision": "approve"},
    )
    result = preview_workflow(demo("expense-approval"), ticket=ticket, task_outputs=outputs)
    # The sample data's problems do not stop the walk ("maybe" is no decision: stuck there).
    assert result.outcome == Outcome.STUCK
    assert path_of(result) == ["submit", "manager_review", "rework", "manager_review"]
    assert located(result.problems) == [
        ("INVALID_FIELD_VALUE", "/ticket/amount"),
        ("INVALID_FIELD_VALUE", "/ticket/receiptUrl"),
        ("UNKNOWN_FIELD", "/ticket/employeEmail"),
        ("INVALID_OUTPUT", "/taskOutputs/submit"),  # justification is required
        ("INVALID_OUTPUT", "/taskOutputs/submit/amount"),
        ("INVALID_OUTPUT", "/taskOutputs/submit/category"),
        ("INVALID_OUTPUT", "/taskOutputs/submit/expenseDate"),
        ("INVALID_OUTPUT", "/taskOutputs/manager_review/1/decision"),
        ("UNKNOWN_TASK", "/taskOutputs/manager_reveiw"),
    ]
    messages = {p.path: p.message for p in result.problems}
    assert 'expected a number, got "lots"' in messages["/ticket/amount"]
    assert "Did you mean 'employeeEmail'?" in messages["/ticket/employeEmail"]
    assert "'justification' is a required property" in messages["/taskOutputs/submit"]
    assert '"maybe" is not one of ["approve", "reject", "rework"]' in messages["/taskOutputs/manager_review/1/decision"]
    assert "Did you mean 'manager_review'?" in messages["/taskOutputs/manager_reveiw"]


def test_an_actions_transformed_output_is_checked_at_its_response():
    outputs = expense_outputs(manager_review={"decision": "approve"}, pay={"id": 123, "status": "succeeded"})
    result = preview_workflow(demo("expense-approval"), ticket=EXPENSE_TICKET, task_outputs=outputs)
    assert result.outcome == Outcome.ENDED
    assert located(result.problems) == [("INVALID_OUTPUT", "/taskOutputs/pay")]
    assert "outputTransform of task 'pay'" in result.problems[0].message
    assert "at /paymentId: 123 is not of type 'string'" in result.problems[0].message


def test_the_sample_values_are_left_unchanged():
    outputs, ticket = incident_outputs("high"), copy.deepcopy(INCIDENT_TICKET)
    sent = copy.deepcopy((outputs, ticket))
    preview_workflow(demo("it-incident"), ticket=ticket, task_outputs=outputs)
    assert (outputs, ticket) == sent


# --- GraphQL -----------------------------------------------------------------------

PREVIEW = """
query($input: WorkflowInput, $workflowId: ID, $version: Int, $ticket: JSON!, $taskOutputs: JSON!, $maxSteps: Int) {
  previewWorkflow(input: $input, workflowId: $workflowId, version: $version, ticket: $ticket,
                  taskOutputs: $taskOutputs, maxSteps: $maxSteps) {
    outcome message startTransitionIndex
    startTransitionsTried { transitionIndex fromTask toTask priority condition holds error }
    steps {
      taskKey taskType visit output actionInput response takenTransitionIndex error
      transitionsTried { transitionIndex fromTask toTask priority condition holds error }
    }
    problems { code message path }
  }
}"""


def preview(gql, tenant, **variables) -> dict:
    return gql.data(PREVIEW, variables, token=tenant.token)["previewWorkflow"]


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.django_db
class TestGraphQL:
    def test_preview_of_a_document_over_http(self, gql, tenant_a):
        result = preview(
            gql, tenant_a, input=demo("it-incident"), ticket=INCIDENT_TICKET, taskOutputs=incident_outputs("high")
        )
        assert result["outcome"] == "ENDED"
        assert result["problems"] == []
        assert result["startTransitionIndex"] == 0
        assert [s["taskKey"] for s in result["steps"]] == ["triage", "page_oncall", "resolve", "notify_reporter"]
        page = result["steps"][1]
        assert page == {
            "taskKey": "page_oncall",
            "taskType": "SYNC_ACTION",
            "visit": 1,
            "output": {"pageId": "PG-1"},
            "actionInput": {"service": "checkout", "severity": "high"},
            "response": {"id": "PG-1"},
            "takenTransitionIndex": 3,
            "error": None,
            "transitionsTried": [
                {
                    "transitionIndex": 3,
                    "fromTask": "page_oncall",
                    "toTask": "resolve",
                    "priority": 0,
                    "condition": None,
                    "holds": True,
                    "error": None,
                }
            ],
        }
        assert result["steps"][0]["transitionsTried"][0]["condition"] == {
            "==": [{"var": "tasks.triage.severity"}, "high"]
        }

    def test_preview_writes_nothing(self, gql, tenant_a):
        tenant_a.user(company_roles=["team_lead", "finance"])  # the reviews' assignees
        workflow = workflow_upload(acting_user=tenant_a.admin, document=demo("expense-approval")).row
        before = row_counts()
        outputs = expense_outputs(
            submit={"amount": -1},  # invalid sample data, reported
            manager_review=[{"decision": "rework"}, {"decision": "approve"}],
            rework={"amount": 1500, "justification": "More", "changeNote": "Added hotel"},
            finance_review={"decision": "approve"},
        )
        with CaptureQueriesContext(connection) as captured:
            by_id = preview(gql, tenant_a, workflowId=gid(workflow), ticket=EXPENSE_TICKET, taskOutputs=outputs)
            by_input = preview(
                gql, tenant_a, input=demo("expense-approval"), ticket=EXPENSE_TICKET, taskOutputs=outputs
            )
            looping = preview(
                gql,
                tenant_a,
                workflowId=gid(workflow),
                version=1,
                ticket=EXPENSE_TICKET,
                taskOutputs={**outputs, "manager_review": {"decision": "rework"}},
                maxSteps=6,
            )
        assert captured.captured_queries, "the capture saw nothing: the check below would be vacuous"
        statements = [q["sql"] for q in captured.captured_queries]
        assert all(sql.lstrip().upper().startswith("SELECT") for sql in statements), statements
        assert row_counts() == before
        assert by_id == by_input
        assert by_id["outcome"] == "ENDED"
        assert [s["taskKey"] for s in by_id["steps"]] == [
            "submit",
            "manager_review",
            "rework",
            "manager_review",
            "finance_review",
            "pay",
            "notify_employee",
        ]
        assert {(p["code"], p["path"]) for p in by_id["problems"]} == {
            ("INVALID_OUTPUT", "/taskOutputs/submit"),
            ("INVALID_OUTPUT", "/taskOutputs/submit/amount"),
        }
        assert looping["outcome"] == "MAX_STEPS"
        assert len(looping["steps"]) == 6
        assert "loops through" in looping["message"]

    def test_an_invalid_document_is_located_under_input(self, gql, tenant_a):
        document = demo("it-incident")
        document["tasks"][0]["taskType"] = "FROM"
        result = preview(gql, tenant_a, input=document, ticket={}, taskOutputs={})
        assert result["outcome"] == "INVALID"
        assert result["steps"] == []
        assert [(p["code"], p["path"]) for p in result["problems"]] == [("INVALID_TYPE", "/tasks/0/taskType")]

    @pytest.mark.parametrize(
        "given",
        [{}, {"input": "doc", "workflowId": "1"}, {"input": "doc", "version": 1}],
        ids=["neither", "both", "input-with-version"],
    )
    def test_exactly_one_of_input_and_workflow_id(self, gql, tenant_a, given):
        variables = {k: demo("it-incident") if v == "doc" else v for k, v in given.items()}
        result = preview(gql, tenant_a, ticket={}, taskOutputs={}, **variables)
        assert result["outcome"] == "INVALID"
        assert [(p["code"], p["path"]) for p in result["problems"]] == [("REQUIRED", "")]

    def test_another_companys_workflow_is_not_found(self, gql, tenant_a, tenant_b):
        workflow = workflow_upload(acting_user=tenant_a.admin, document=demo("it-incident")).row
        arguments = {"ticket": INCIDENT_TICKET, "taskOutputs": incident_outputs("low")}
        own = preview(gql, tenant_a, workflowId=gid(workflow), **arguments)
        assert own["outcome"] == "ENDED", "company A cannot preview its own workflow: the check would be vacuous"
        foreign = gql.post(PREVIEW, {"workflowId": gid(workflow), **arguments}, token=tenant_b.token)
        nonexistent = gql.post(PREVIEW, {"workflowId": UNUSED_WORKFLOW_ID, **arguments}, token=tenant_b.token)
        malformed = gql.post(PREVIEW, {"workflowId": "abc", **arguments}, token=tenant_b.token)
        of_a_task = gql.post(PREVIEW, {"workflowId": gid(workflow.tasks.first()), **arguments}, token=tenant_b.token)
        assert foreign == nonexistent == malformed == of_a_task
        result = foreign["data"]["previewWorkflow"]
        assert (result["outcome"], result["steps"]) == ("INVALID", [])
        assert [(p["code"], p["path"]) for p in result["problems"]] == [("NOT_FOUND", "/workflowId")]
        # Another company's versions are just as invisible.
        assert gql.post(PREVIEW, {"workflowId": gid(workflow), "version": 1, **arguments}, token=tenant_b.token) == (
            gql.post(PREVIEW, {"workflowId": UNUSED_WORKFLOW_ID, "version": 1, **arguments}, token=tenant_b.token)
        )

    def test_an_unknown_version_of_an_own_workflow(self, gql, tenant_a):
        workflow = workflow_upload(acting_user=tenant_a.admin, document=demo("it-incident")).row
        result = preview(gql, tenant_a, workflowId=gid(workflow), version=7, ticket={}, taskOutputs={})
        assert [(p["code"], p["path"]) for p in result["problems"]] == [("NOT_FOUND", "/version")]

    def test_sample_data_problems_over_http(self, gql, tenant_a):
        outputs = {**incident_outputs("severe"), "triag": {}}
        result = preview(gql, tenant_a, input=demo("it-incident"), ticket={"service": 5}, taskOutputs=outputs)
        assert result["outcome"] == "ENDED"  # "severe" is no severity: the default transition to resolve
        assert [(p["code"], p["path"]) for p in result["problems"]] == [
            ("INVALID_FIELD_VALUE", "/ticket/service"),
            ("INVALID_OUTPUT", "/taskOutputs/triage/severity"),
            ("UNKNOWN_TASK", "/taskOutputs/triag"),
        ]

    def test_needs_the_workflow_creator_role(self, gql, tenant_a):
        _, token = tenant_a.user(company_roles=["support_agent"])
        variables = {"input": demo("it-incident"), "ticket": {}, "taskOutputs": {}}
        forbidden = gql.post(PREVIEW, variables, token=token)
        assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        anonymous = gql.post(PREVIEW, variables)
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
