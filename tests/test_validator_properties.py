"""Property-based tests of the pure validator (no database).

`validate_workflow` and `validate_ticket_definition` are fed arbitrary JSON,
documents built from the document definition (workflow_design/document.py) with
props of the right and of the wrong kinds, and mutations of the valid example.
Whatever they get, they return a list of well-formed problems and never raise.
They promise that themselves by catching everything and answering one
"could not be validated" problem instead, so that fallback answer counts as a
failure here: it means an exception inside the validator.

For mutations of the example, each problem's JSON Pointer must lead into the
document that was sent: the location itself or, for a missing required prop or
a missing list entry, its parent.
"""

from __future__ import annotations

import collections
import copy
import os
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kernel.values import split_pointer
from tests.support.documents import EXAMPLE, FALLBACK, FORM_LAYOUT, ROLES, TICKET, example
from tests.support.strategies import JSON_SCALARS, JSON_VALUES, TEXT, mutate
from workflow_design import document as doc
from workflow_design.preview import Outcome, preview_workflow
from workflow_design.validation import ERROR, WARNING, Problem, errors, validate_ticket_definition, validate_workflow

pytestmark = pytest.mark.slow  # thousands of generated documents

# Raise for a deeper local run: VALIDATOR_PROPERTY_EXAMPLES=5000 pytest tests/test_validator_properties.py
EXAMPLES = int(os.environ.get("VALIDATOR_PROPERTY_EXAMPLES", "250"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no saved examples: every run starts fresh; a failure prints its reproduce_failure blob
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
RUNS: collections.Counter[str] = collections.Counter()

CODE = re.compile(r"[A-Z][A-Z_]*")
# RFC 6901: "" or a sequence of "/" + reference token, where "~" only starts "~0" or "~1".
JSON_POINTER = re.compile(r"(/([^~/]|~[01])*)*")


# --- strategies: documents from the definition ------------------------------------------

_JSONLOGIC_VARS = ["ticket.service", "ticket.summary", "tasks.triage.severity", "tasks.nope.x", "response.id", ""]
_JSONLOGIC = st.recursive(
    JSON_SCALARS | st.sampled_from(_JSONLOGIC_VARS).map(lambda name: {"var": name}),
    lambda children: st.dictionaries(
        st.sampled_from(["==", "!=", "and", "or", "!", "if", "in", "var", "map", "reduce", "missing", "cat", "log"]),
        st.lists(children, max_size=3) | children,
        min_size=1,
        max_size=2,
    ),
    max_leaves=10,
)
# References a server could be made to fetch, and patterns a backtracking engine chokes on.
_REFERENCES = ["#", "#/properties/x", "#/$defs/a", "#/$defs/nope", "http://127.0.0.1:9/s.json", "file:///etc/passwd"]
_PATTERNS = ["^(a+)+$", "(\\w)\\1", "(?=a)b", "[", "^[a-z]+$", "\\p{L}{1,100}"]
_JSON_SCHEMAS = st.recursive(
    st.booleans() | st.sampled_from([{}, {"type": "string"}, {"type": "strin"}, {"type": "object"}]),
    lambda children: st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["object", "array", "string", "integer", 5]),
            "properties": st.dictionaries(TEXT | st.just("x"), children, max_size=3),
            "items": children,
            "required": st.lists(TEXT, max_size=2) | TEXT,
            "enum": st.lists(JSON_SCALARS, max_size=3),
            "$ref": st.sampled_from(_REFERENCES) | TEXT,
            "$defs": st.dictionaries(st.sampled_from(["a", "b"]), children, max_size=2),
            "allOf": st.lists(children, max_size=2),
            "pattern": st.sampled_from(_PATTERNS) | TEXT,
            "patternProperties": st.dictionaries(st.sampled_from(_PATTERNS), children, max_size=2),
            "uniqueItems": st.booleans(),
            "unevaluatedProperties": children,
        },
    ),
    max_leaves=8,
)


def _well_typed(prop: doc.Prop, depth: int) -> st.SearchStrategy[Any]:
    """A value of the prop's kind (not necessarily a valid one)."""
    if prop.kind in (doc.STRING, doc.TEXT):
        if prop.pattern is not None:
            return st.from_regex(prop.pattern, fullmatch=True) | TEXT
        return TEXT | st.text(min_size=250, max_size=260)
    if prop.kind == doc.INTEGER:
        return st.integers(min_value=-5, max_value=400) | st.integers()
    if prop.kind == doc.ID:
        return st.from_regex(doc.ID_PATTERN, fullmatch=True) | st.integers(min_value=-1) | TEXT
    if prop.kind == doc.ENUM:
        return st.sampled_from(prop.values) | TEXT
    if prop.kind == doc.URL:
        return st.sampled_from(["https://x.example.com/a", "http://h", "ftp://x.example.com", "https://", "x y"])
    if prop.kind == doc.JSON:
        content = {doc.JSON_SCHEMA: _JSON_SCHEMAS, doc.CONDITION: _JSONLOGIC}.get(prop.content, JSON_VALUES)
        if prop.content == doc.TRANSFORM or prop.content == doc.FIELD_VALUES:
            content = st.dictionaries(TEXT | st.sampled_from(["service", "severity"]), _JSONLOGIC, max_size=3)
        return content | JSON_VALUES
    if prop.kind == doc.OBJECT_LIST:
        if depth > 2:
            return st.just([])
        return st.lists(document_objects(prop.item, depth + 1) | JSON_VALUES, max_size=4)
    return st.lists(TEXT | JSON_SCALARS, max_size=4)  # STRING_LIST


def _prop_value(prop: doc.Prop, depth: int) -> st.SearchStrategy[Any]:
    return _well_typed(prop, depth) | JSON_VALUES


def document_objects(obj: doc.DocObject, depth: int = 0) -> st.SearchStrategy[dict]:
    """Objects with a random subset of obj's props, values of random kinds, and now and then an unknown key."""
    optional: dict[str, st.SearchStrategy[Any]] = {prop.name: _prop_value(prop, depth) for prop in obj.props}
    optional["unknownProp"] = JSON_VALUES
    optional[obj.props[0].name.upper()] = JSON_VALUES  # a near-miss of a real name
    return st.fixed_dictionaries({}, optional=optional)


# --- the properties ---------------------------------------------------------------------


def assert_well_formed(problems: Any) -> None:
    assert isinstance(problems, list), problems
    for problem in problems:
        assert isinstance(problem, Problem), problem
        assert isinstance(problem.code, str), problem
        assert CODE.fullmatch(problem.code), problem
        assert isinstance(problem.message, str), problem
        assert problem.message, problem
        assert isinstance(problem.path, str), problem
        assert JSON_POINTER.fullmatch(problem.path), problem
        assert problem.severity in (ERROR, WARNING), problem
    fallbacks = [p for p in problems if FALLBACK in p.message]
    assert not fallbacks, "the validator raised internally (see the log for the traceback)"


def _resolves(document: Any, tokens: list[str]) -> bool:
    node = document
    for token in tokens:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isascii() and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


def assert_paths_point_into(document: Any, problems: list[Problem]) -> None:
    """Each path leads to a location of the document, or to a missing one whose parent is there."""
    for problem in problems:
        tokens = split_pointer(problem.path)
        assert _resolves(document, tokens) or _resolves(document, tokens[:-1]), (
            f"{problem.code} at {problem.path!r} points outside the document"
        )


def check_workflow(document: Any) -> list[Problem]:
    sent = copy.deepcopy(document)
    problems = validate_workflow(document)
    assert_well_formed(problems)
    assert repr(document) == repr(sent), "the validator changed the document"  # repr: NaN != NaN
    return problems


def check_ticket(document: Any, workflow_fields: Any, company_roles: set) -> list[Problem]:
    problems = validate_ticket_definition(document, workflow_fields=workflow_fields, company_roles=company_roles)
    assert_well_formed(problems)
    return problems


def test_the_unmodified_examples_have_no_problem():
    assert validate_workflow(example()) == []
    ticket_fields = copy.deepcopy(EXAMPLE["fields"])
    assert validate_ticket_definition(copy.deepcopy(TICKET), workflow_fields=ticket_fields, company_roles=ROLES) == []


@SETTINGS
@given(document=JSON_VALUES)
def test_workflow_validator_on_arbitrary_json(document):
    RUNS["workflow/arbitrary"] += 1
    problems = check_workflow(document)
    assert problems, "arbitrary JSON is not a valid workflow"


@SETTINGS
@given(document=document_objects(doc.WORKFLOW))
def test_workflow_validator_on_documents_from_the_definition(document):
    RUNS["workflow/from-definition"] += 1
    check_workflow(document)


@settings(SETTINGS, max_examples=2 * EXAMPLES)
@given(data=st.data())
def test_workflow_validator_on_mutated_examples(data):
    RUNS["workflow/mutated"] += 1
    document = mutate(example(), data)
    problems = check_workflow(document)
    assert_paths_point_into(document, problems)


@settings(SETTINGS, max_examples=100)
@given(tasks=st.permutations(EXAMPLE["tasks"]), transitions=st.permutations(EXAMPLE["transitions"]))
def test_reordering_the_example_adds_no_error(tasks, transitions):
    """Task order means nothing; transition order only decides ties, so it may warn but not fail."""
    RUNS["workflow/reordered"] += 1
    document = {**example(), "tasks": copy.deepcopy(tasks)}
    assert check_workflow(document) == []
    document["transitions"] = copy.deepcopy(transitions)
    assert errors(check_workflow(document)) == []


_WORKFLOW_FIELDS = st.none() | st.just(EXAMPLE["fields"]) | st.lists(document_objects(doc.WORKFLOW_FIELD) | JSON_VALUES)
_COMPANY_ROLES = st.sets(TEXT, max_size=4) | st.just(ROLES)


@SETTINGS
@given(document=JSON_VALUES | document_objects(doc.TICKET_DEFINITION), fields=_WORKFLOW_FIELDS, roles=_COMPANY_ROLES)
def test_ticket_validator_on_random_input(document, fields, roles):
    RUNS["ticket/random"] += 1
    check_ticket(document, fields, roles)


@SETTINGS
@given(data=st.data(), fields=_WORKFLOW_FIELDS, roles=_COMPANY_ROLES)
def test_ticket_validator_on_mutated_examples(data, fields, roles):
    RUNS["ticket/mutated"] += 1
    document = mutate(copy.deepcopy(TICKET), data)
    problems = check_ticket(document, fields, roles)
    assert_paths_point_into(document, problems)


_DOUBLING = {"reduce": [{"var": "tasks.a.items"}, {"cat": [{"var": "accumulator"}] * 2}, "ab"]}
_RULES = _JSONLOGIC | st.sampled_from([_DOUBLING, {"some": [{"var": "tasks.a.items"}, {"var": ""}]}])


@settings(SETTINGS, max_examples=EXAMPLES // 2)
@given(schema=_JSON_SCHEMAS, condition=_RULES, output=JSON_VALUES | st.just({"items": list(range(30))}))
def test_previews_end_within_their_budget(schema, condition, output):
    """Any schema, rule and output: the preview answers with an outcome (BUDGET_EXCEEDED when
    the work is too much), never raises, and never fetches what a $ref names."""
    RUNS["preview/random"] += 1
    task = {"key": "a", "title": "A", "taskType": "FORM", "editLayout": FORM_LAYOUT, "outputSchema": schema}
    document = {
        "title": "Random",
        "tasks": [task],
        "transitions": [
            {"fromTask": None, "toTask": "a"},
            {"fromTask": "a", "toTask": None, "condition": condition, "priority": 1},
            {"fromTask": "a", "toTask": "a"},
        ],
    }
    result = preview_workflow(document, ticket={}, task_outputs={"a": output}, max_steps=50)
    assert result.outcome in Outcome
    assert_well_formed(list(result.problems))
    assert not any("failed unexpectedly" in p.message for p in result.problems)


# --- the validator and the preview agree -------------------------------------------------
# Small workflows whose transitions decide on the tasks' outputs (enums and booleans, required
# or not) and a ticket field: when the validator finds nothing to say, no run of the preview
# with outputs valid against their schemas may end STUCK (UNCOVERED_CASE would have warned).

_DECIDING = st.sampled_from(
    [
        {"type": "string", "enum": ["a", "b", "c"]},
        {"type": "string", "enum": ["a", "b"]},
        {"type": "boolean"},
        {"type": "integer"},
    ]
)


def _domain(schema: dict[str, Any]) -> list[Any]:
    if "enum" in schema:
        return list(schema["enum"])
    if schema["type"] == "boolean":
        return [True, False]
    return [0, 5, 10, 11]


@st.composite
def _deciding_workflows(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    count = draw(st.integers(1, 4))
    keys = [f"t{i}" for i in range(count)]
    schemas = [draw(_DECIDING) for _ in keys]
    required = [draw(st.booleans()) for _ in keys]
    tasks = [
        {
            "key": key,
            "title": key,
            "taskType": "FORM",
            "editLayout": FORM_LAYOUT,
            "outputSchema": {"type": "object", "properties": {"v": schema}, "required": ["v"] if needed else []},
        }
        for key, schema, needed in zip(keys, schemas, required, strict=True)
    ]
    transitions: list[dict[str, Any]] = [{"fromTask": None, "toTask": keys[0]}]
    for index, (key, schema) in enumerate(zip(keys, schemas, strict=True)):
        later = [*keys[index + 1 :], None]
        for position in range(draw(st.integers(1, 3))):
            # The first transition leads on to the next task, so that every task is reachable.
            target = later[0] if position == 0 else draw(st.sampled_from(later))
            value = draw(st.sampled_from(_domain(schema)))
            op = draw(st.sampled_from(["==", "!=", ">", "<="] if schema["type"] == "integer" else ["==", "!="]))
            condition = draw(
                st.sampled_from(
                    [
                        {op: [{"var": f"tasks.{key}.v"}, value]},
                        {"and": [{op: [{"var": f"tasks.{key}.v"}, value]}, {"var": "ticket.flag"}]},
                        {"or": [{op: [{"var": f"tasks.{key}.v"}, value]}, {"!": {"var": "ticket.flag"}}]},
                        None,
                    ]
                )
            )
            transition = {"fromTask": key, "toTask": target, "priority": position}
            if condition is not None:
                transition["condition"] = condition
            transitions.append(transition)
        if draw(st.booleans()) and "condition" in transitions[-1]:
            # Its complement: together the two cover every case, with no transition unconditional.
            complement = {"!": [transitions[-1]["condition"]]}
            transitions.append({"fromTask": key, "toTask": later[0], "priority": -1, "condition": complement})
    document = {
        "title": "Deciding",
        "fields": [{"fieldName": "flag", "fieldType": "boolean"}],
        "tasks": tasks,
        "transitions": transitions,
    }
    outputs = {}
    for key, schema, needed in zip(keys, schemas, required, strict=True):
        choices = _domain(schema) + ([None] if not needed else [])
        value = draw(st.sampled_from(choices))
        outputs[key] = {} if value is None else {"v": value}
    return document, {"flag": draw(st.booleans())}, outputs


@settings(SETTINGS, max_examples=EXAMPLES * 2)
@given(case=_deciding_workflows())
def test_a_document_without_warnings_never_gets_stuck_in_a_preview(case):
    document, ticket, outputs = case
    problems = validate_workflow(document)
    assert_well_formed(problems)
    if problems:
        RUNS["agreement/with problems"] += 1
        return
    RUNS["agreement/clean"] += 1
    result = preview_workflow(document, ticket=ticket, task_outputs=outputs, max_steps=20)
    assert result.outcome != Outcome.STUCK, (document, ticket, outputs, result.message)


@pytest.fixture(scope="module", autouse=True)
def _report_runs():
    yield
    print(f"\nvalidator properties: {sum(RUNS.values())} examples ({', '.join(f'{k} {v}' for k, v in RUNS.items())})")
