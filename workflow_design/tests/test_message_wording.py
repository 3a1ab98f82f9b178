"""Messages speak JSON, not Python: values as JSON (null, true, "text"), articles that fit the
word after them ("An ASYNC_ACTION task")."""

from __future__ import annotations

import pytest

from tests.support.documents import EXAMPLE, FORM_LAYOUT, ROLES, TICKET, example, small_workflow
from workflow_design.preview import preview_workflow
from workflow_design.validation import validate_ticket_definition, validate_workflow
from workflow_design.validation.problems import shown, with_article


def messages(problems) -> dict[str, str]:
    return {problem.path: problem.message for problem in problems}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (12, "12"),
        (2.5, "2.5"),
        ("high", '"high"'),
        ({"a": None, "b": [True]}, '{"a": null, "b": [true]}'),
    ],
)
def test_shown_writes_json(value, text):
    assert shown(value) == text


def test_shown_is_bounded_and_never_raises():
    assert shown(list(range(10**6)), limit=20) == "[0, 1, 2, 3, 4, 5..."
    assert shown(10**5000) == "a value too large to show (integer)"
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert shown(deep) == "[" * 77 + "..."


@pytest.mark.parametrize(
    ("word", "capitalized", "phrase"),
    [
        ("ASYNC_ACTION", True, "An ASYNC_ACTION"),
        ("SYNC_ACTION", True, "A SYNC_ACTION"),
        ("FORM", False, "a FORM"),
        ("outputSchema", False, "an outputSchema"),
        ("editLayout", False, "an editLayout"),
        ("displayLayout", False, "a displayLayout"),
    ],
)
def test_with_article(word, capitalized, phrase):
    assert with_article(word, capitalized=capitalized) == phrase


def test_a_task_type_after_an_article():
    document = example()
    del document["tasks"][3]["actionUrl"]  # notify_reporter, an ASYNC_ACTION
    document["tasks"][0]["actionUrl"] = "https://x.example.com/"  # triage, a FORM
    found = messages(validate_workflow(document))
    assert found["/tasks/3/actionUrl"].startswith("An ASYNC_ACTION task needs an actionUrl")
    assert found["/tasks/0/actionUrl"].startswith("A FORM task has no actionUrl")


@pytest.mark.parametrize(("timeout", "text"), [(True, "true"), ("300", '"300"'), (2.5, "2.5")])
def test_an_invalid_timeout_shows_the_value_as_json(timeout, text):
    document = example()
    document["tasks"][1]["timeoutSeconds"] = timeout  # an import file can hold any JSON
    [problem] = validate_workflow(document)
    assert (problem.code, problem.path) == ("INVALID_TIMEOUT", "/tasks/1/timeoutSeconds")
    assert problem.message == f"'timeoutSeconds' must be an integer, got {text}."


def test_a_wrong_value_of_an_object_or_array_is_named_by_its_json_type():
    document = example()
    document["tasks"][0]["taskType"] = {"type": "FORM"}
    found = messages(validate_workflow(document))
    assert "got an object." in found["/tasks/0/taskType"]
    document = example() | {"tasks": {}}
    assert "'tasks' must be an array, got an object." in messages(validate_workflow(document))["/tasks"]


def test_a_ticket_field_value_shows_as_json():
    ticket = TICKET | {"fields": {"service": False}}
    problems = validate_ticket_definition(ticket, workflow_fields=EXAMPLE["fields"], company_roles=ROLES)
    assert messages(problems)["/fields/service"] == "Field 'service' is of type string: expected a string, got false."


def test_a_preview_words_schema_mismatches_in_json():
    schema = {
        "type": "object",
        "properties": {
            "decision": {"enum": ["approve", "reject"]},
            "on": {"type": "string", "format": "date"},
            "count": {"type": "number"},
            "kind": {"const": "claim"},
        },
    }
    form = {"title": "F", "taskType": "FORM", "outputSchema": schema, "editLayout": FORM_LAYOUT}
    document = small_workflow(
        [{"fromTask": None, "toTask": "a"}, {"fromTask": "a", "toTask": None}], [form | {"key": "a"}]
    )
    output = {"decision": None, "on": "soon", "count": True, "kind": None}
    result = preview_workflow(document, ticket={}, task_outputs={"a": output})
    found = messages(result.problems)
    assert found["/taskOutputs/a/decision"].endswith('null is not one of ["approve", "reject"]')
    assert found["/taskOutputs/a/on"].endswith('"soon" is not a date')
    assert found["/taskOutputs/a/count"].endswith("true is not of type 'number'")
    assert found["/taskOutputs/a/kind"].endswith('"claim" was expected, got null')
