"""Work a client's data drives is bounded by construction: previews run on an evaluation
budget (steps, seconds, answer size) and end BUDGET_EXCEEDED when it is spent; patterns run
on RE2; uniqueness and e-mail checks are linear. Each case is one an attacker sent; each
answers in a fraction of the (generous) time bound it is held to, where the code before
took minutes, hours or all of the machine's memory."""

import difflib
import json
import time
from contextlib import contextmanager

import pytest

from tests.support.documents import FORM_LAYOUT, small_workflow
from tests.support.ids import gid
from workflow_design.preview import MAX_ANSWER_BYTES, Outcome, preview_workflow
from workflow_design.services import workflow_upload
from workflow_design.validation.budget import Budget, budget_scope
from workflow_design.validation.problems import MAX_PROBLEMS, SUGGESTION_BUDGET
from workflow_design.validation.schemas import schema_validator

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
    return {"key": key, "title": key, "taskType": "FORM", "outputSchema": schema, "editLayout": FORM_LAYOUT}


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
    ).row
    crafted = "a@" + "a." * 50_000 + "@"
    with finishing_within(SECONDS):
        data = gql.data(
            """mutation($input: TicketDefinitionInput!) {
                 uploadTicketDefinition(input: $input) { errors { code path } } }""",
            {"input": {"title": "T", "workflowId": gid(workflow), "fields": {"contact": crafted}}},
            token=tenant_a.token,
        )
    assert data["uploadTicketDefinition"]["errors"] == [{"code": "INVALID_FIELD_VALUE", "path": "/fields/contact"}]


# --- a second attack on the budgets ---------------------------------------------------------

VALIDATE = "query($input: WorkflowInput!) { validateWorkflow(input: $input) { valid errors { code path message } } }"
DRAFT_7 = "http://json-schema.org/draft-07/schema#"


def validated(gql, tenant, document: dict) -> dict:
    return gql.data(VALIDATE, {"input": document}, token=tenant.token)["validateWorkflow"]


def located(problems: list[dict]) -> list[tuple[str, str]]:
    return [(problem["code"], problem["path"]) for problem in problems]


@pytest.mark.django_db
class TestSecondAttack:
    def test_a_crafted_regex_format_value_is_compiled_by_re2(self, gql, tenant_a):
        """Python's compiler spent 4.6 s on a 5 KB pattern of this shape, and 30 s at 30 KB."""
        document = one_form({"r": {"type": "string", "format": "regex"}})
        crafted = "(?i)x" + "[\\x01-\\uffff]" * 2000
        with finishing_within(SECONDS):
            result, _ = preview_over_http(gql, tenant_a, document, {"a": {"r": crafted}})
        assert result["outcome"] == "ENDED"
        assert located(result["problems"]) == [("INVALID_OUTPUT", "/taskOutputs/a/r")]  # too large for RE2

    def test_a_dialect_inside_a_schema_is_refused_and_never_switches_the_validator(self, gql, tenant_a):
        """A subschema's "$schema" made jsonschema check it with a stock validator: Python's regular
        expressions, the quadratic uniqueItems, no budget."""
        document = one_form({"x": {"$schema": DRAFT_7, "pattern": "^(a+)+$"}})
        assert located(validated(gql, tenant_a, document)["errors"]) == [
            ("INVALID_JSON_SCHEMA", "/tasks/0/outputSchema/properties/x/$schema")
        ]
        with budget_scope(Budget()), finishing_within(SECONDS):  # a stored one is stripped of it
            found = list(schema_validator(document["tasks"][0]["outputSchema"]).iter_errors({"x": "a" * 40 + "!"}))
        assert [error.message for error in found] == [f"'{'a' * 40}!' does not match '^(a+)+$'"]

    def test_rules_hidden_where_2020_12_expects_no_subschema_are_found(self, gql, tenant_a):
        """Under "definitions" (not a 2020-12 keyword, but a $ref pointer reaches it) a remote reference,
        a backreference and patternProperties beside unevaluatedProperties went unchecked."""
        schema = {
            "type": "object",
            "unevaluatedProperties": False,
            "$ref": "#/definitions/p",
            "definitions": {
                "p": {"patternProperties": {"^(a+)+$": {}}, "$ref": "file:///etc/passwd", "pattern": "(a)\\1"}
            },
        }
        document = one_form({})
        document["tasks"][0]["outputSchema"] = schema
        assert sorted(located(validated(gql, tenant_a, document)["errors"])) == [
            ("INVALID_JSON_SCHEMA", "/tasks/0/outputSchema/definitions/p/$ref"),
            ("INVALID_JSON_SCHEMA", "/tasks/0/outputSchema/definitions/p/pattern"),
            ("INVALID_JSON_SCHEMA", "/tasks/0/outputSchema/definitions/p/patternProperties"),
        ]

    def test_a_literal_copied_by_every_item_of_a_map_is_refused(self, gql, tenant_a):
        """3,000 items each copying a 100 KB literal took a worker to 990 MB."""
        action = {
            "key": "send",
            "title": "Send",
            "taskType": "SYNC_ACTION",
            "actionUrl": "https://actions.example.com/send",
            "inputTransform": {"big": {"map": [{"var": "ticket.rows"}, "x" * 100_000]}},
        }
        document = small_workflow(
            [{"fromTask": None, "toTask": "send"}, {"fromTask": "send", "toTask": None}],
            tasks=[action],
            fields=[{"fieldName": "rows", "fieldType": "json"}],
        )
        assert located(validated(gql, tenant_a, document)["errors"]) == [
            ("INVALID_TRANSFORM", "/tasks/0/inputTransform/big/map/1")
        ]

    def test_a_large_schema_is_checked_in_linear_time(self, gql, tenant_a):
        """20,000 subschemas took 12.8 s against the meta-schema; an invalid one lists its first errors."""
        document = one_form({})
        document["tasks"][0]["outputSchema"]["allOf"] = [{}] * 20_000
        with finishing_within(SECONDS):
            assert validated(gql, tenant_a, document)["errors"] == []
        document["tasks"][0]["outputSchema"]["allOf"] = [{"minimum": "x"}] * 15_000
        with finishing_within(SECONDS):
            errors = validated(gql, tenant_a, document)["errors"]
        assert located(errors) == [("INVALID_JSON_SCHEMA", "/tasks/0/outputSchema/allOf/0/minimum")]

    def test_many_problems_are_ordered_in_linear_time_and_capped(self, gql, tenant_a):
        """A transform of 13,000 entries, each an unknown variable: sorting the problems scanned the
        object once per problem (17 s); a document with more problems than the cap lists the cap."""
        action = {
            "key": "send",
            "title": "Send",
            "taskType": "SYNC_ACTION",
            "actionUrl": "https://actions.example.com/send",
            "retry": {"maxAttempts": 2},
            "inputTransform": {f"k{i}": {"var": "x"} for i in range(13_000)},
        }
        document = small_workflow(
            [{"fromTask": None, "toTask": "send"}, {"fromTask": "send", "toTask": None}], tasks=[action]
        )
        with finishing_within(SECONDS):
            errors = validated(gql, tenant_a, document)["errors"]
        assert len(errors) == MAX_PROBLEMS + 1
        assert errors[0]["path"] == "/tasks/0/inputTransform/k0"
        assert errors[-1]["code"] == "TOO_MANY_PROBLEMS"
        assert errors[-1]["message"].startswith(f"{13_000 - MAX_PROBLEMS} more problems")

    def test_unknown_operators_are_suggested_on_a_budget(self, gql, tenant_a, monkeypatch):
        """Each unknown operator got its own "did you mean" search (15.6 s for 100,000 of them)."""
        searches = []
        close_matches = difflib.get_close_matches
        monkeypatch.setattr(difflib, "get_close_matches", lambda *a, **k: searches.append(1) or close_matches(*a, **k))
        document = one_form({})
        document["transitions"][1]["condition"] = {"and": [{f"op{i}": [1]} for i in range(9_000)]}
        errors = validated(gql, tenant_a, document)["errors"]
        assert {error["code"] for error in errors} == {"INVALID_CONDITION"}
        assert len(errors) == 9_000
        assert len(searches) <= SUGGESTION_BUDGET

    def test_integers_beyond_64_bits_in_a_preview(self, gql, tenant_a):
        """The answer's size was measured with orjson, which refuses them: 'failed unexpectedly'."""
        document = one_form({"x": {"type": "integer"}})
        result, _ = preview_over_http(gql, tenant_a, document, {"a": {"x": 2**64}})
        assert (result["outcome"], result["problems"]) == ("ENDED", [])
        assert result["steps"][0]["output"] == {"x": 2**64}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prop", "value", "limit"),
    [
        ("fields", {"fieldName": "f", "fieldType": "string"}, 500),
        ("extRef", {"label": "L", "uri": "https://x.example"}, 50),
    ],
)
def test_lists_of_a_workflow_are_capped(gql, tenant_a, prop, value, limit):
    """250,000 empty fields once took 17 s and made an 89 MB answer."""
    document = one_form({})
    document[prop] = [value] * (limit + 1)
    assert located(validated(gql, tenant_a, document)["errors"]) == [("TOO_MANY", f"/{prop}")]
