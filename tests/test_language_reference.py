"""The workflow language reference: its problem-code registry equals the codes the source uses,
it is served (JSON with a strong ETag, GraphQL), the README lists its codes, and what it says
about evaluation is what previews do."""

import ast
import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from kernel.problems import ERROR, WARNING
from schema.base import ProblemCode
from tests.support.documents import FORM_LAYOUT
from workflow_design import document as doc
from workflow_design import layout_contract as contract
from workflow_design.language import OPERATOR_SUMMARIES, workflow_language
from workflow_design.validation.codes import PROBLEM_CODES
from workflow_design.validation.jsonlogic import OPERATORS
from workflow_design.validation.rules import Variables

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "workflow_design"
# The registry itself, and the reference that publishes it, name codes without using them.
REGISTRY_AND_REFERENCE = {SOURCE / "validation" / "codes.py", SOURCE / "language.py"}
SERVED_JSON = ["/schemas/workflow-language.json", "/schemas/workflow-document.json", "/schemas/ticket-definition.json"]


# --- the registry and the source ------------------------------------------------------------


@dataclass(frozen=True)
class CodeUse:
    code: str
    severity: str | None  # None where an argument decides it
    where: str


def source_files(source: Path = SOURCE) -> list[Path]:
    return [
        path
        for path in sorted(source.rglob("*.py"))
        if not {"tests", "migrations"} & set(path.relative_to(source).parts) and path not in REGISTRY_AND_REFERENCE
    ]


def literal_strings(node: ast.AST) -> list[str]:
    """The string literals an expression can give: "X", and both branches of "X" if c else "Y"."""
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def problem_severity(call: ast.Call) -> str | None:
    """The severity a Problem(...) call gives: its default, or a literal ERROR / WARNING."""
    given = call.args[3] if len(call.args) > 3 else next((k.value for k in call.keywords if k.arg == "severity"), None)
    if given is None:
        return ERROR
    names = {"ERROR": ERROR, "WARNING": WARNING}
    return names.get(given.id) if isinstance(given, ast.Name) else None


@cache
def code_uses(source: Path = SOURCE) -> list[CodeUse]:
    """Every code literal passed to error(), warning(), Problem(), ServiceError.single(), or given as
    a Prop's invalid_code, in the source of `source` (workflow_design)."""
    uses = []
    for path in source_files(source):
        for call in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(call, ast.Call):
                continue
            function = call.func
            name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            severity = {"error": ERROR, "warning": WARNING, "single": ERROR}.get(name or "")
            if name == "Problem":
                severity = problem_severity(call)
            code_arguments = [k.value for k in call.keywords if k.arg in ("code", "invalid_code")]
            if name in ("error", "warning", "Problem", "single") and call.args:
                code_arguments.append(call.args[0])
            for argument in code_arguments:
                uses += [CodeUse(code, severity, where) for code in literal_strings(argument)]
    return uses


def test_the_walk_finds_the_known_call_sites():
    """Guards the test below against a walk that finds nothing."""
    found = {use.code for use in code_uses()}
    assert {"UNKNOWN_TASK", "SHADOWED_TRANSITION", "VERSION_CONFLICT", "INVALID_URL", "TOO_MANY_PROBLEMS"} <= found


def test_every_code_the_source_uses_is_registered():
    unregistered = [f"{use.code} at {use.where}" for use in code_uses() if use.code not in PROBLEM_CODES]
    assert not unregistered, "declare these in workflow_design/validation/codes.py: " + ", ".join(unregistered)


@pytest.mark.parametrize("source", ["kernel", "users", "workflow_design"])
def test_every_code_a_problem_can_carry_is_in_the_graphql_enum(source):
    """Problem.code is the ProblemCode enum, made from kernel.problems.PROBLEM_CODES: a code missing there
    would fail to serialize. Each domain registers its own in its AppConfig.ready()."""
    uses = code_uses(ROOT / source)
    assert uses, f"the walk found no problem codes in {source}"
    enum_values = set(ProblemCode.__members__)
    missing = sorted({f"{use.code} at {use.where}" for use in uses if use.code not in enum_values})
    assert not missing, "register these (kernel.problems.register_problem_codes): " + ", ".join(missing)


def test_every_code_is_used_with_its_registered_severity():
    wrong = [
        f"{use.code} as {use.severity} at {use.where}"
        for use in code_uses()
        if use.code in PROBLEM_CODES and use.severity not in (None, PROBLEM_CODES[use.code].severity)
    ]
    assert not wrong, "severity differs from the registry: " + ", ".join(wrong)


def test_every_registered_code_is_used():
    """No dead entries: a registered code is a string literal somewhere in the source (also the
    indirect uses: a task type's needs, duplicates(), the JsonLogic checker's code)."""
    literals = set()
    for path in source_files():
        literals |= set(literal_strings(ast.parse(path.read_text(), str(path))))
    unused = sorted(set(PROBLEM_CODES) - literals)
    assert not unused, f"registered but used nowhere in workflow_design: {unused}"


def test_the_registry_extends_the_contract_without_contradicting_it():
    path = ROOT.parent / "shared" / "contract" / "API.md"
    if not path.exists():
        reason = f"the contract is not beside this checkout ({path})"
        print(f"SKIPPED: {reason}", file=sys.stderr)
        pytest.skip(reason)
    contract = path.read_text()
    listed = contract[contract.index("## Problem codes") :]
    errors_part, warnings_part = listed.split("Warnings (saved):")
    for part, severity in ((errors_part, ERROR), (warnings_part.split("##")[0], WARNING)):
        for code in re.findall(r"`([A-Z_]+)`", part):
            assert code in PROBLEM_CODES, f"the contract's {code} is missing from the registry"
            assert PROBLEM_CODES[code].severity == severity, code


def test_every_registered_code_says_what_triggers_it_and_how_to_fix_it():
    for code in PROBLEM_CODES.values():
        assert code.severity in (ERROR, WARNING), code.code
        assert code.trigger.endswith("."), code.code
        assert code.example_fix.endswith("."), code.code


# --- the README -----------------------------------------------------------------------------


def readme() -> str:
    return (ROOT / "README.md").read_text()


def test_the_readme_lists_every_registered_code_with_its_severity():
    listed = dict(re.findall(r"^- `([A-Z_]+)` \((error|warning)\): ", readme(), flags=re.MULTILINE))
    missing = [code for code in PROBLEM_CODES if code not in listed]
    assert not missing, f"add to the README's problem codes: {missing}"
    wrong = [code for code, entry in PROBLEM_CODES.items() if listed[code] != entry.severity]
    assert not wrong, f"the README's severity differs from the registry: {wrong}"


def test_the_readme_gives_the_layout_contract_with_one_complete_example_per_kind():
    text = readme()
    for kind in contract.LAYOUT_KINDS.values():
        assert f"```tsx\n{kind.example}```" in text, f"the README's example of {kind.where} differs from the contract's"
        for prop in kind.props:
            cell_type = prop.type.replace("|", "\\|")  # a table cell escapes its pipes
            assert f"| `{prop.name}` | `{cell_type}` |" in text, f"{kind.where}: prop {prop.name}"


def test_the_readme_links_the_reference():
    text = readme()
    assert "/schemas/workflow-language.json" in text
    assert "workflowLanguage" in text


# --- serving --------------------------------------------------------------------------------


def test_the_reference_is_served_as_json(client):
    response = client.get("/schemas/workflow-language.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == json.loads(json.dumps(workflow_language()))


@pytest.mark.parametrize("url", SERVED_JSON)
def test_served_json_has_a_strong_etag_and_answers_304_while_unchanged(client, url):
    first = client.get(url)
    etag = first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{64}"', etag), etag  # strong: no W/ prefix
    assert "public" in first["Cache-Control"]

    unchanged = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == etag

    stale = client.get(url, HTTP_IF_NONE_MATCH='"an-older-version"')
    assert stale.status_code == 200
    assert stale.content == first.content


def test_a_logged_in_user_reads_the_reference_over_graphql(gql, tenant_a, client):
    _, token = tenant_a.user()  # no system role: the reference is every user's
    served = client.get("/schemas/workflow-language.json").json()
    assert gql.data("{ workflowLanguage }", token=token)["workflowLanguage"] == served


# --- what the reference says ----------------------------------------------------------------


def test_it_lists_every_problem_code_of_the_registry():
    listed = workflow_language()["problemCodes"]
    assert [entry["code"] for entry in listed] == list(PROBLEM_CODES)
    assert all(set(entry) == {"code", "severity", "trigger", "exampleFix"} for entry in listed)


def test_it_lists_the_operators_the_validator_accepts_each_with_a_summary():
    listed = {entry["name"]: entry for entry in workflow_language()["operators"]}
    assert set(listed) == set(OPERATORS) == set(OPERATOR_SUMMARIES)
    for name, spec in OPERATORS.items():
        assert (listed[name]["minArguments"], listed[name]["maxArguments"]) == (spec.min_args, spec.max_args)
        assert listed[name]["scopedArgument"] == spec.scoped_arg
    assert listed["reduce"]["scopedArgument"] == 1
    assert listed["=="]["arity"] == "exactly 2"


def test_it_names_every_variable_root_the_validator_resolves():
    names = {variable["name"] for scope in workflow_language()["variables"] for variable in scope["variables"]}
    assert {name.split(".")[0] for name in names} >= set(Variables.ROOTS)
    starts = next(s for s in workflow_language()["variables"] if s["place"] == "start transition condition")
    assert [variable["name"] for variable in starts["variables"]] == ["ticket.<fieldName>"]


def test_it_lists_task_types_field_types_and_limits_from_the_document_declarations():
    reference = workflow_language()
    assert [entry["taskType"] for entry in reference["taskTypes"]] == list(doc.TASK_TYPES)
    assert [entry["fieldType"] for entry in reference["fieldTypes"]] == list(doc.FIELD_TYPES)
    limits = {entry["what"]: entry["max"] for entry in reference["limits"]}
    assert limits["WorkflowInput.tasks"] == doc.MAX_TASKS
    assert limits["WorkflowInput.transitions"] == doc.MAX_TRANSITIONS
    assert limits["TransitionInput.condition"] == doc.MAX_JSON_BYTES
    assert {entry["name"]: entry["pattern"] for entry in reference["names"]}["TaskInput.key"] == doc.TASK_KEY_PATTERN


def test_it_says_what_the_engine_counts_as_false():
    truthiness = workflow_language()["evaluation"]["truthiness"]
    assert truthiness["falsy"] == [None, False, 0, "", [], {}]
    assert "0" in truthiness["truthyExamples"]


PREVIEW = """query($input: WorkflowInput!, $ticket: JSON!, $taskOutputs: JSON!) {
  previewWorkflow(input: $input, ticket: $ticket, taskOutputs: $taskOutputs) {
    outcome startTransitionIndex startTransitionsTried { transitionIndex holds error }
    steps { taskKey visit takenTransitionIndex }
  }
}"""


def form(key: str, properties: dict) -> dict:
    return {
        "key": key,
        "title": key,
        "taskType": "FORM",
        "editLayout": FORM_LAYOUT,
        "outputSchema": {"type": "object", "properties": properties},
    }


def preview(gql, token: str, document: dict, ticket: dict, task_outputs: dict) -> dict:
    variables = {"input": document, "ticket": ticket, "taskOutputs": task_outputs}
    return gql.data(PREVIEW, variables, token=token)["previewWorkflow"]


def test_start_transitions_go_by_priority_then_order_and_a_raising_condition_does_not_hold(gql, tenant_a):
    """evaluation.transitionChoice and evaluation.failingCondition, as previewWorkflow walks them."""
    document = {
        "title": "Priorities",
        "fields": [{"fieldName": "amount", "fieldType": "number"}],
        "tasks": [form("small", {}), form("large", {})],
        "transitions": [
            {"fromTask": None, "toTask": "small", "priority": 0},
            # Tried first for its priority; "+" on a text that is no number raises at run time.
            {
                "fromTask": None,
                "toTask": "large",
                "priority": 1,
                "condition": {">": [{"+": [{"var": "ticket.amount"}, 1]}, 10]},
            },
            {"fromTask": "small", "toTask": None},
            {"fromTask": "large", "toTask": None},
        ],
    }
    walked = preview(gql, tenant_a.token, document, {"amount": "lots"}, {"small": {}, "large": {}})
    tried = walked["startTransitionsTried"]
    assert [(t["transitionIndex"], t["holds"]) for t in tried] == [(1, False), (0, True)]
    assert tried[0]["error"]
    assert walked["startTransitionIndex"] == 0
    assert walked["outcome"] == "ENDED"


def test_a_condition_reads_the_latest_visit_of_a_task(gql, tenant_a):
    """evaluation.latestVisit: the second visit's output replaces the first's."""
    document = {
        "title": "Rework",
        "tasks": [form("review", {"done": {"type": "boolean"}})],
        "transitions": [
            {"fromTask": None, "toTask": "review"},
            {"fromTask": "review", "toTask": None, "priority": 1, "condition": {"var": "tasks.review.done"}},
            {"fromTask": "review", "toTask": "review"},
        ],
    }
    walked = preview(gql, tenant_a.token, document, {}, {"review": [{"done": False}, {"done": True}]})
    assert [(step["taskKey"], step["visit"], step["takenTransitionIndex"]) for step in walked["steps"]] == [
        ("review", 1, 2),
        ("review", 2, 1),
    ]
    assert walked["outcome"] == "ENDED"


def test_it_says_how_actions_fail_and_where_error_and_visits_are_read():
    reference = workflow_language()
    evaluation = reference["evaluation"]
    assert [entry["code"] for entry in evaluation["actionErrors"]] == list(doc.ACTION_ERRORS)
    assert evaluation["httpMethods"] == list(doc.HTTP_METHODS)
    assert "ACTION_FAILED" in evaluation["failingAction"]
    places = {scope["place"]: scope for scope in reference["variables"]}
    error_scope = places["error transition condition"]
    assert any(v["name"].startswith("error.") for v in error_scope["variables"])
    assert "INVALID_ERROR_TRANSITION" in error_scope["checkedBy"]
    readers = [
        place for place, scope in places.items() if any(v["name"].startswith("error.") for v in scope["variables"])
    ]
    assert readers == ["error transition condition"]
    assert {"visits.<taskKey>"} <= {v["name"] for v in places["actionUrl placeholder"]["variables"]}
    limits = {entry["what"]: entry["max"] for entry in reference["limits"]}
    assert limits["RetryPolicy.maxAttempts"] == doc.MAX_ATTEMPTS
    assert limits["TaskInput.assigneeRoles"] == doc.MAX_ASSIGNEE_ROLES
