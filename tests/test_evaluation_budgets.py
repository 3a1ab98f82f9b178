"""Work a client's data drives is bounded by construction: previews run on an evaluation
budget (steps, seconds, answer size) and end BUDGET_EXCEEDED when it is spent; patterns run
on RE2; uniqueness and e-mail checks are linear. Each case is one an attacker sent; each
answers in a fraction of the (generous) time bound it is held to, where the code before
took minutes, hours or all of the machine's memory."""

import json
import time
from contextlib import contextmanager

import pytest

from tests.test_preview import small_workflow
from workflow_design.preview import MAX_ANSWER_BYTES, Outcome, preview_workflow
from workflow_design.services import workflow_upload

PREVIEW = """query($input: WorkflowInput!, $ticket: JSON!, $taskOutputs: JSON!, $maxSteps: Int) {
  previewWorkflow(input: $input, ticket: $ticket, taskOutputs: $taskOutputs, maxSteps: $maxSteps) {
    outcome message steps { taskKey output transitionsTried { transitionIndex condition holds } }
    problems { code path message } } }"""
# A bound that only runaway work exceeds: each case below answers in well under a second.
SECONDS = 10


@contextmanager
def finishing_within(seconds: float):
    started = time.monotonic()
    yield
    assert time.monotonic() - started < seconds


def form(key: str, properties: dict) -> dict:
    schema = {"type": "object", "properties": properties}
    return {"key": key, "title": key, "taskType": "FORM", "outputSchema": schema, "editLayout": "x"}


def one_form(properties: dict) -> dict:
    return small_workflow(
        [{"fromTask": None, "toTask": "a"}, {"fromTask": "a", "toTask": None}], tasks=[form("a", properties)]
    )


def preview_over_http(gql, tenant, document: dict, outputs: dict, max_steps: int = 100) -> tuple[dict, int]:
    response = gql.client.post(
        "/graphql/",
        data=json.dumps(
            {
                "query": PREVIEW,
                "variables": {"input": document, "ticket": {}, "taskOutputs": outputs, "maxSteps": max_steps},
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tenant.token}",
    )
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]["previewWorkflow"], len(response.content)


@pytest.mark.django_db
class TestPreviewBudgets:
    def test_a_backtracking_pattern_is_matched_in_linear_time(self, gql, tenant_a):
        document = one_form({"code": {"type": "string", "pattern": "^(a+)+$"}})
        with finishing_within(SECONDS):  # Python's backtracking engine: about 12 s at 28 characters, x2 per more
            result, _ = preview_over_http(gql, tenant_a, document, {"a": {"code": "a" * 40 + "!"}})
        assert result["outcome"] == "ENDED"
        assert [(p["code"], p["path"]) for p in result["problems"]] == [("INVALID_OUTPUT", "/taskOutputs/a/code")]

    def test_unique_items_over_thousands_of_objects_is_linear(self, gql, tenant_a):
        document = one_form({"rows": {"type": "array", "uniqueItems": True}})
        rows = [{"row": i, "label": f"r{i}"} for i in range(6000)] + [{"label": "r7", "row": 7.0}]
        with finishing_within(SECONDS):  # pairwise comparison: 15 s at 4,000 objects
            result, _ = preview_over_http(gql, tenant_a, document, {"a": {"rows": rows}})
        assert [(p["code"], p["path"]) for p in result["problems"]] == [("INVALID_OUTPUT", "/taskOutputs/a/rows")]
        assert "non-unique" in result["problems"][0]["message"]

    def test_a_doubling_reduce_is_stopped_by_the_budget(self, gql, tenant_a):
        """Each step doubles a string: 26 steps would take 128 MiB, 34 all of the machine's memory."""
        doubling = {"reduce": [{"var": "response.steps"}, {"cat": [{"var": "accumulator"}] * 2}, "ab"]}
        action = {
            "key": "grow",
            "title": "Grow",
            "taskType": "SYNC_ACTION",
            "actionUrl": "https://actions.example.com/grow",
            "outputTransform": {"text": doubling},
        }
        document = small_workflow(
            [{"fromTask": None, "toTask": "grow"}, {"fromTask": "grow", "toTask": None}], tasks=[action]
        )
        result, size = preview_over_http(gql, tenant_a, document, {"grow": {"steps": list(range(26))}})
        assert result["outcome"] == "BUDGET_EXCEEDED"
        assert "evaluation steps" in result["message"]
        assert size < 64 * 1024

    def test_a_long_expensive_walk_is_stopped_by_the_budget(self, gql, tenant_a):
        """Every visit scans 5,000 items and loops back: 1,000 visits are 5 million operations."""
        scan = {"some": [{"var": "tasks.a.items"}, {"==": [{"var": ""}, -1]}]}
        document = small_workflow(
            [
                {"fromTask": None, "toTask": "a"},
                {"fromTask": "a", "toTask": None, "condition": scan, "priority": 1},
                {"fromTask": "a", "toTask": "a"},
            ],
            tasks=[form("a", {"items": {"type": "array"}})],
        )
        with finishing_within(SECONDS):
            result, _ = preview_over_http(gql, tenant_a, document, {"a": {"items": list(range(5000))}}, 1000)
        assert result["outcome"] == "BUDGET_EXCEEDED"
        assert "evaluation steps" in result["message"]
        assert 0 < len(result["steps"]) < 1000

    def test_a_huge_answer_is_cut_at_its_cap(self, gql, tenant_a):
        """300 failing conditions tried on each of up to 1,000 visits: 254 MB of answer, once."""
        transitions = [{"fromTask": None, "toTask": "a"}]
        transitions += [
            {"fromTask": "a", "toTask": None, "priority": 1, "condition": {"==": [{"var": "tasks.a.n"}, i]}}
            for i in range(300)
        ]
        transitions.append({"fromTask": "a", "toTask": "a"})
        document = small_workflow(transitions, tasks=[form("a", {"n": {"type": "number"}, "pad": {"type": "string"}})])
        with finishing_within(SECONDS):
            result, size = preview_over_http(gql, tenant_a, document, {"a": {"n": -1, "pad": "p" * 200_000}}, 1000)
        assert result["outcome"] == "BUDGET_EXCEEDED"
        assert "answer would be larger than 4 MiB" in result["message"]
        assert 0 < len(result["steps"]) < 1000
        assert size <= MAX_ANSWER_BYTES + 64 * 1024

    def test_a_reference_fan_out_is_stopped_by_the_budget(self):
        """Forty levels of `allOf` naming the next level twice: 2^40 checks of one valid value."""
        levels = {f"l{i}": {"allOf": [{"$ref": f"#/$defs/l{i + 1}"}] * 2} for i in range(40)}
        levels["l40"] = {"type": "string"}
        document = one_form({"x": {"$ref": "#/$defs/l0"}})
        document["tasks"][0]["outputSchema"]["$defs"] = levels
        with finishing_within(SECONDS):
            result = preview_workflow(document, ticket={}, task_outputs={"a": {"x": "valid"}})
        assert result.outcome == Outcome.BUDGET_EXCEEDED
        assert result.steps == ()

    def test_previews_within_the_budget_are_unchanged(self):
        document = one_form({"rows": {"type": "array", "uniqueItems": True, "items": {"pattern": "^r[0-9]+$"}}})
        result = preview_workflow(document, ticket={}, task_outputs={"a": {"rows": ["r1", "r2"]}})
        assert (result.outcome, result.problems) == (Outcome.ENDED, ())


@pytest.mark.django_db
def test_a_crafted_email_is_checked_in_linear_time(gql, tenant_a):
    """A value the e-mail regular expression took quadratic time on: 9 s at 40 KB."""
    workflow = workflow_upload(
        acting_user=tenant_a.admin,
        document=small_workflow(
            [{"fromTask": None, "toTask": "a"}],
            fields=[{"fieldName": "contact", "fieldType": "email"}],
            tasks=[form("a", {})],
        ),
    ).workflow
    crafted = "a@" + "a." * 50_000 + "@"
    with finishing_within(SECONDS):
        data = gql.data(
            """mutation($input: TicketDefinitionInput!) {
                 uploadTicketDefinition(input: $input) { errors { code path } } }""",
            {"input": {"title": "T", "workflowId": str(workflow.pk), "fields": {"contact": crafted}}},
            token=tenant_a.token,
        )
    assert data["uploadTicketDefinition"]["errors"] == [{"code": "INVALID_FIELD_VALUE", "path": "/fields/contact"}]
