"""Fuzzing the live service with schemathesis in GraphQL mode.

Every Query and Mutation field of the schema the running server introspects is
called with operations schemathesis generates (positive: valid GraphQL built
from the schema; negative: operations the schema must reject), authenticated as
a workflow creator (who is also company_admin) over real HTTP against
`live_server`. The contract's promise is checked for every response: "Nothing a
client sends may produce an HTTP 500 or an unmasked internal error." Concretely,
each response is a JSON object with `data` or `errors`, its status is below 500,
and it carries neither the masked "Unexpected error." of an internal failure nor
a non-null violation (a resolver returning null for a non-null field).

The run is bounded: at most EXAMPLES_PER_OPERATION cases per operation, and a
time budget after which the remaining operations get only a few cases, so the
test stays far within the 5-minute access token. A failure is a server bug: the
report shows the request that was sent (FUZZ_SHRINK=1 minimizes it first), the
server's traceback is in the captured log, and `pytest --hypothesis-seed=N`
replays a run.

A second test sends mutated workflow and ticket definition documents as GraphQL
variables, which schemathesis cannot write (see there), with the same checks.
"""

from __future__ import annotations

import collections
import copy
import json
import math
import os
import time

import graphql
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode

from conftest import Tenant
from kernel.global_ids import global_id
from schema.persisted_queries import sha256_hex
from tests.support.documents import EXAMPLE, TICKET, example
from tests.support.ids import gid
from tests.support.operations import fan_out
from tests.support.strategies import JSON_VALUES, mutate, retext_somewhere
from users import services as user_services
from users.roles import COMPANY_ADMIN, WORKFLOW_CREATOR
from workflow_design import services as workflow_services
from workflow_design.models import WorkflowDefinition

pytestmark = pytest.mark.slow  # a live server and hundreds of generated requests

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES_PER_OPERATION", "15"))
# After this many seconds the remaining operations get BUDGET_EXAMPLES cases each, which
# keeps the test under about 90 s even on a slow machine (it takes about 30 s on 2 cores).
BUDGET_SECONDS = float(os.environ.get("FUZZ_BUDGET_SECONDS", "70"))
BUDGET_EXAMPLES = 3
REQUEST_TIMEOUT_SECONDS = 20
# Shrinking a failure costs many requests (up to a minute for one operation); CI reports
# the failing request as found. FUZZ_SHRINK=1 minimizes it instead, for a bug report.
PHASES = [Phase.generate, Phase.shrink] if os.environ.get("FUZZ_SHRINK") == "1" else [Phase.generate]

MASKED = "Unexpected error"
NON_NULL_VIOLATION = "Cannot return null for non-nullable field"

# --- the JSON scalar ------------------------------------------------------------------
# schemathesis generates GraphQL literals (no variables), so a JSON value is a GraphQL
# value node. Object keys of a literal must be GraphQL names; JsonLogic operators such as
# "==" cannot appear that way (the variables-based test below sends those).

_NAME = st.from_regex(r"[_A-Za-z][_0-9A-Za-z]{0,11}", fullmatch=True)


def _subtrees(value):
    yield value
    if isinstance(value, dict):
        for child in value.values():
            yield from _subtrees(child)
    elif isinstance(value, list):
        for child in value:
            yield from _subtrees(child)


def _is_name(key) -> bool:
    try:
        graphql.assert_name(key)
    except (graphql.GraphQLError, TypeError):
        return False
    return True


def _literal_expressible(value) -> bool:
    return all(
        (not isinstance(node, float) or math.isfinite(node))
        and (not isinstance(node, dict) or all(_is_name(key) for key in node))
        for node in _subtrees(value)
    )


def _literal_value(value) -> graphql.ValueNode:
    """A JSON value as a GraphQL value node."""
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    if isinstance(value, float):
        return graphql.FloatValueNode(value=repr(value))
    if isinstance(value, str):
        return graphql.StringValueNode(value=value)
    if isinstance(value, list):
        return graphql.ListValueNode(values=tuple(_literal_value(v) for v in value))
    return graphql.ObjectValueNode(
        fields=tuple(
            graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=_literal_value(v)) for k, v in value.items()
        )
    )


_EXAMPLE_NAMES = sorted(
    {key for node in _subtrees([EXAMPLE, TICKET]) if isinstance(node, dict) for key in node if _is_name(key)}
)

# Pieces of the valid example (schemas, transforms, tasks...) make the server go past
# its first checks; random JSON covers the rest.
_EXAMPLE_PIECES = [
    piece for piece in _subtrees([EXAMPLE, TICKET]) if isinstance(piece, dict | list) and _literal_expressible(piece)
]
_JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(_EXAMPLE_NAMES) | _NAME, children, max_size=4)
    ),
    max_leaves=12,
)
JSON_LITERALS = (st.sampled_from(_EXAMPLE_PIECES).map(copy.deepcopy) | _JSON_VALUES).map(_literal_value)

schemathesis.graphql.scalar("JSON", JSON_LITERALS)


# --- checks ---------------------------------------------------------------------------


def response_problems(response: requests.Response) -> list[str]:
    """What is wrong with one response, by the contract; [] when nothing is."""
    problems = []
    if response.status_code >= 500:
        problems.append(f"HTTP {response.status_code}")
    if MASKED in response.text:
        problems.append(f"masked internal error ({MASKED!r} in the body)")
    try:
        body = response.json()
    except ValueError:
        return [*problems, f"not JSON: {response.headers.get('Content-Type')} {response.text[:200]!r}"]
    if not isinstance(body, dict) or not ({"data", "errors"} & set(body)):
        return [*problems, "not a GraphQL response (a JSON object with data or errors)"]
    errors = [error for error in body.get("errors") or () if isinstance(error, dict)]
    if any((error.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR" for error in errors):
        problems.append("an INTERNAL_SERVER_ERROR")
    if any(NON_NULL_VIOLATION in str(error.get("message")) for error in errors):
        problems.append(f"non-null violation: {errors}")
    return problems


def failure_report(case, response: requests.Response, problems: list[str]) -> str:
    request = response.request
    return (
        f"{case.operation.label}: {'; '.join(problems)}\n"
        f"request: POST {request.url}\n{(request.body or b'').decode('utf-8', 'replace')[:4000]}\n"
        f"response: HTTP {response.status_code}\n{response.text[:4000]}\n"
        f"curl: {case.as_curl_command(headers={'Authorization': 'Bearer <token>'})}"
    )


# --- the fixture data -----------------------------------------------------------------


def seed(tenant: Tenant) -> None:
    """The tenant's roles, a workflow and a ticket definition, so that reads and edits hit data.

    Run again after each operation: a fuzzed updateUserRoles may take away the
    acting user's workflow_creator role, and deletes may remove the seeded rows."""
    user_services.user_set_roles(
        acting_user=tenant.admin,
        user_id=gid(tenant.admin),
        system_roles=[COMPANY_ADMIN, WORKFLOW_CREATOR],
        company_roles=[],
    )
    for role in TICKET["companyRoleAccess"]:
        if not tenant.company.roles.filter(name=role).exists():
            user_services.company_role_create(acting_user=tenant.admin, name=role, description="")
    if WorkflowDefinition.objects.filter(company=tenant.company).exists():
        return
    workflow = workflow_services.workflow_upload(acting_user=tenant.admin, document=example()).row
    workflow_services.ticket_definition_upload(
        acting_user=tenant.admin, document={**copy.deepcopy(TICKET), "workflowId": gid(workflow)}
    )


# IDs: besides schemathesis' random strings and integers, the global ids of rows that exist (so
# that reads, edits and deletes hit data, also with an id of another type) and forms an id parser
# can stumble over. "\u00b2" (superscript two), "\u0661" (Arabic-Indic one) and "\uff11" (fullwidth
# one) pass str.isdigit(); the others are base64 that decodes to almost an id, or to no text.
ODD_IDS = ["", "0", "-1", "01", " 1", "1 ", "1.0", "1e3", "+1", "1\x00", "9" * 19, "9" * 30]
ODD_IDS += ["\u00b2", "\u0661", "\uff11"]
ODD_IDS += ["V29ya2Zsb3dEZWZpbml0aW9uOjE", "V29ya2Zsb3dEZWZpbml0aW9uOjF=", "V29ya2Zsb3dEZWZpbml0aW9uOjAx", "//79"]


def register_id_scalar(tenant: Tenant) -> None:
    from users.models import Company, CompanyRole, User
    from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowTransition, WorkflowVersion

    known = []
    for model in (
        WorkflowDefinition,
        TaskDefinition,
        WorkflowTransition,
        TicketDefinition,
        WorkflowVersion,
        User,
        Company,
        CompanyRole,
    ):
        known += [global_id(model, pk) for pk in model.objects.values_list("pk", flat=True)]
    ids = st.sampled_from(sorted(set(known))) | st.sampled_from(ODD_IDS) | st.text() | st.integers(0, 2**31 - 1)
    schemathesis.graphql.scalar("ID", ids.map(_id_node))


def _id_node(value) -> graphql.ValueNode:
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    return graphql.StringValueNode(value=value)


def ordered_operations(schema) -> list:
    """Queries first (they read the seeded rows before mutations change them), then mutations."""
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "schemathesis found no operation in the introspected schema"
    return sorted(operations, key=lambda op: (op.definition.is_mutation, op.label))


# --- the test -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error(live_server, settings):
    started = time.monotonic()
    # createCompany, createUser and login hash passwords; the fast hasher keeps the
    # budget for fuzzing (password hashing itself is not under test here).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    tenant = Tenant("Fuzz Inc")
    seed(tenant)
    register_id_scalar(tenant)
    url = live_server.url + "/graphql/"
    auth = {"Authorization": f"Bearer {tenant.token}"}
    schema = schemathesis.graphql.from_url(url, headers=auth, timeout=REQUEST_TIMEOUT_SECONDS)
    operations = ordered_operations(schema)

    session = requests.Session()
    session.headers.update(auth)
    counts: collections.Counter[str] = collections.Counter()
    outcomes: collections.Counter[str] = collections.Counter()
    over_budget: list[str] = []
    failures: list[str] = []
    seconds: dict[str, float] = {}

    for operation in operations:
        examples = EXAMPLES_PER_OPERATION
        if time.monotonic() - started > BUDGET_SECONDS:
            examples = BUDGET_EXAMPLES
            over_budget.append(operation.label)
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)

        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=PHASES,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
            print_blob=True,
        )
        @given(case=strategy)
        def call(case):
            response = case.call(base_url=url, session=session, timeout=REQUEST_TIMEOUT_SECONDS)
            counts[case.operation.label] += 1
            outcomes[_outcome(response)] += 1
            problems = response_problems(response)
            assert not problems, failure_report(case, response, problems)

        operation_started = time.monotonic()
        try:
            call()
        except AssertionError as exc:  # go on, to report every operation's bug at once
            failures.append(str(exc))
        seconds[operation.label] = time.monotonic() - operation_started
        seed(tenant)

    total = sum(counts.values())
    elapsed = time.monotonic() - started
    print(
        f"\nschemathesis: {total} cases over {len(counts)} operations in {elapsed:.1f} s, {len(failures)} failures "
        f"(responses: {dict(sorted(outcomes.items()))})"
    )
    for label, count in sorted(counts.items()):
        print(f"  {label}: {count} cases, {seconds[label]:.1f} s")
    if over_budget:
        print(f"  over the {BUDGET_SECONDS:.0f} s budget, {BUDGET_EXAMPLES} cases each for: {', '.join(over_budget)}")
    assert not failures, f"{len(failures)} operations answered with a server error:\n\n" + "\n\n".join(failures)
    assert set(counts) == {op.label for op in operations}, "some operations were never called"


def _outcome(response: requests.Response) -> str:
    """A coarse class of the response, for the summary: data, a top-level error code, or the status."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return "data"
    code = (errors[0].get("extensions") or {}).get("code") if isinstance(errors[0], dict) else None
    return code or ("validation" if body.get("data") is None else "error")


# --- documents as variables -------------------------------------------------------------
# schemathesis writes literals only, where a JSON object key must be a GraphQL name; the
# workflow documents a real client sends are variables, with JsonLogic keys ("==") and
# any text. Mutations of the valid example keep many of them valid, so this also drives
# the write path (storage, versions) with unusual but valid content.

DOCUMENT_EXAMPLES = int(os.environ.get("FUZZ_DOCUMENT_EXAMPLES", "120"))
_PROBLEMS = "errors { code path } warnings { code path }"
DOCUMENT_OPERATIONS = {
    "validateWorkflow": "query($input: WorkflowInput!) { validateWorkflow(input: $input) { valid errors { code } } }",
    "uploadWorkflow": f"mutation($input: WorkflowInput!) {{ uploadWorkflow(input: $input) {{ workflow {{ id version }} "
    f"{_PROBLEMS} }} }}",
    "uploadTaskDefinition": "mutation($workflowId: ID!, $expectedVersion: Int!, $input: TaskInput!) { "
    "uploadTaskDefinition(workflowId: $workflowId, expectedVersion: $expectedVersion, input: $input) { "
    f"task {{ id }} {_PROBLEMS} }} }}",
    "previewWorkflow": "query($input: WorkflowInput, $ticket: JSON!, $taskOutputs: JSON!) { "
    "previewWorkflow(input: $input, ticket: $ticket, taskOutputs: $taskOutputs) { outcome message "
    "steps { taskKey } problems { code path } } }",
    "uploadTicketDefinition": "mutation($input: TicketDefinitionInput!) { uploadTicketDefinition(input: $input) { "
    f"ticketDefinition {{ id version }} {_PROBLEMS} }} }}",
}
_TASK_OUTPUTS = {"triage": {"severity": "high", "notes": "x"}, "page_oncall": {"id": "p1"}, "resolve": {}}


def _document_request(operation: str, data: st.DataObject, workflow: WorkflowDefinition) -> dict:
    """The variables of one operation: a mutated example, sometimes as an edit of the stored workflow."""
    if operation == "uploadTicketDefinition":
        ticket = mutate({**copy.deepcopy(TICKET), "workflowId": gid(workflow)}, data, max_mutations=2)
        return {"input": ticket}
    document = example()
    if data.draw(st.booleans(), label="edit the stored workflow"):
        document = {"id": gid(workflow), "expectedVersion": workflow.version, **document}
    how = data.draw(st.sampled_from(["keep", "retext", "mutate", "mutate"]), label="change")
    if how == "retext":  # mostly still valid, with any text where a string was: uploads that write
        document = retext_somewhere(document, data)
    elif how == "mutate":
        document = mutate(document, data, max_mutations=3)
    if operation == "uploadTaskDefinition":
        tasks = document.get("tasks") if isinstance(document.get("tasks"), list) else []
        task = data.draw(st.sampled_from(tasks), label="task") if tasks else data.draw(JSON_VALUES, label="task")
        return {"workflowId": gid(workflow), "expectedVersion": workflow.version, "input": task}
    if operation == "previewWorkflow":
        ticket = data.draw(st.just({"service": "web", "summary": "down"}) | JSON_VALUES, label="ticket")
        outputs = data.draw(st.just(_TASK_OUTPUTS) | JSON_VALUES, label="taskOutputs")
        return {"input": document, "ticket": ticket, "taskOutputs": outputs}
    return {"input": document}


def _written(response: requests.Response) -> str | None:
    """The class "written" of an upload that saved something, for the summary; else None."""
    try:
        payload = next(iter((response.json().get("data") or {}).values()))
    except (ValueError, AttributeError, StopIteration):
        return None
    saved = isinstance(payload, dict) and any(payload.get(k) for k in ("workflow", "task", "ticketDefinition"))
    return "written" if saved else None


def _finite(value):
    """JSON has no NaN or infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


@pytest.mark.django_db(transaction=True)
def test_mutated_documents_sent_as_variables_find_no_server_error(live_server):
    started = time.monotonic()
    tenant = Tenant("Fuzz Documents")
    seed(tenant)
    url = live_server.url + "/graphql/"
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {tenant.token}"})
    counts: collections.Counter[str] = collections.Counter()
    outcomes: collections.Counter[str] = collections.Counter()

    @hypothesis_settings(
        max_examples=DOCUMENT_EXAMPLES,
        deadline=None,
        database=None,
        phases=PHASES,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )
    @given(operation=st.sampled_from(sorted(DOCUMENT_OPERATIONS)), data=st.data())
    def call(operation, data):
        seed(tenant)
        workflow = WorkflowDefinition.objects.filter(company=tenant.company).order_by("pk").first()
        variables = _document_request(operation, data, workflow)
        body = json.dumps({"query": DOCUMENT_OPERATIONS[operation], "variables": _finite(variables)})
        response = session.post(
            url, data=body, headers={"Content-Type": "application/json"}, timeout=REQUEST_TIMEOUT_SECONDS
        )
        counts[operation] += 1
        outcomes[_written(response) or _outcome(response)] += 1
        problems = response_problems(response)
        assert not problems, (
            f"{operation}: {'; '.join(problems)}\nvariables: {body[:4000]}\n"
            f"response: HTTP {response.status_code}\n{response.text[:4000]}"
        )

    try:
        call()
    finally:
        print(
            f"\ndocuments as variables: {sum(counts.values())} cases in {time.monotonic() - started:.1f} s "
            f"({dict(sorted(counts.items()))}; responses: {dict(sorted(outcomes.items()))})"
        )


# --- hostile requests -------------------------------------------------------------------
# Requests schemathesis does not write: any JSON as the body (scalars, lists, members of the
# wrong type), bytes that are not UTF-8, JSON nested past the interpreter's recursion limit,
# hostile GET parameters, and documents whose fragments fan out 2^40-fold or make graphql-core
# compare hundreds of fragments pairwise. Each must be answered in time with a GraphQL
# response below HTTP 500.

HOSTILE_EXAMPLES = int(os.environ.get("FUZZ_HOSTILE_EXAMPLES", "150"))
HOSTILE_QUERIES = [
    "{ ...F0 } " + fan_out(40, on="Query", body="SPREADS", leaf="__typename"),
    "{ ...F0 } " + fan_out(40, on="Query", body="SPREADS", leaf="a: __typename b: me { id }"),
    "{ taskDefinitions { edges { node { ...F0 } } } } "
    + fan_out(40, on="TaskDefinition", body="workflow { tasks { SPREADS } }", leaf="id"),
    "{ "
    + " ".join(f"...G{i}" for i in range(380))
    + " } "
    + " ".join(f"fragment G{i} on Query {{ me {{ id }} }}" for i in range(380)),
]
_MEMBERS = ["query", "variables", "operationName", "extensions"]
_NESTED_IN = [
    "NESTED",
    '{"query": "query($v: JSON) { __typename }", "variables": {"v": NESTED}}',
    '{"query": "{ __typename }", "extensions": {"e": NESTED}}',
    '{"query": NESTED}',
]


def _nested(template: str, levels: int) -> str:
    return template.replace("NESTED", "[" * levels + "]" * levels)


_MEMBER_VALUES = st.sampled_from(HOSTILE_QUERIES) | JSON_VALUES.map(_finite)
# Automatic persisted queries (schema/persisted_queries.py) of every shape, with the hashes of the hostile queries
# among them: a body that sends its query with its hash registers it, and one that sends the hash alone runs it.
PERSISTED_QUERY_EXTENSIONS = st.fixed_dictionaries(
    {
        "persistedQuery": JSON_VALUES.map(_finite)
        | st.fixed_dictionaries(
            {
                "version": st.sampled_from([1, 2, True, "1", None]),
                "sha256Hash": st.sampled_from([sha256_hex(query) for query in HOSTILE_QUERIES]) | st.text(),
            }
        )
    }
)
_PERSISTED_FAN_OUT = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(HOSTILE_QUERIES[0])}}
HOSTILE_POST_BODIES = (
    JSON_VALUES.map(_finite).map(json.dumps)
    | st.fixed_dictionaries(
        {},
        optional=dict.fromkeys(_MEMBERS, _MEMBER_VALUES) | {"extensions": _MEMBER_VALUES | PERSISTED_QUERY_EXTENSIONS},
    ).map(json.dumps)
    | st.builds(_nested, st.sampled_from(_NESTED_IN), st.integers(1, 3_000))
    | st.binary(max_size=64)
)
# A GET's parameters are text: the query, and JSON text (or not) for the others.
HOSTILE_GET_PARAMETERS = st.fixed_dictionaries(
    {},
    optional={
        "query": st.sampled_from(HOSTILE_QUERIES) | st.text(),
        "variables": JSON_VALUES.map(_finite).map(json.dumps)
        | st.builds(_nested, st.just('{"v": NESTED}'), st.integers(1, 1_500))
        | st.text(),
        "operationName": st.text(),
        "extensions": (JSON_VALUES.map(_finite) | PERSISTED_QUERY_EXTENSIONS).map(json.dumps) | st.text(),
    },
)
HOSTILE_REQUESTS = st.tuples(st.just("POST"), HOSTILE_POST_BODIES) | st.tuples(st.just("GET"), HOSTILE_GET_PARAMETERS)


@pytest.mark.django_db(transaction=True)
def test_hostile_requests_find_no_server_error(live_server):
    url = live_server.url + "/graphql/"
    session = requests.Session()
    outcomes: collections.Counter[str] = collections.Counter()

    @hypothesis_settings(
        max_examples=HOSTILE_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, *PHASES],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )
    @given(request=HOSTILE_REQUESTS)
    @hypothesis.example(request=("POST", "1"))
    @hypothesis.example(request=("POST", _nested(_NESTED_IN[1], 1_000)))
    @hypothesis.example(request=("POST", b'{"query": "\xff"}'))
    @hypothesis.example(request=("GET", {"query": "{ __typename }", "variables": _nested('{"v": NESTED}', 1_000)}))
    @hypothesis.example(request=("POST", json.dumps({"query": "{ me { id } }" + "#" * 200_000})))
    @hypothesis.example(request=("POST", json.dumps({"query": HOSTILE_QUERIES[0]})))
    # A persisted fan-out, as a client's persisted query link sends it: unknown, registered, then by hash alone.
    @hypothesis.example(request=("POST", json.dumps({"extensions": _PERSISTED_FAN_OUT})))
    @hypothesis.example(request=("POST", json.dumps({"query": HOSTILE_QUERIES[0], "extensions": _PERSISTED_FAN_OUT})))
    @hypothesis.example(request=("GET", {"extensions": json.dumps(_PERSISTED_FAN_OUT)}))
    def call(request):
        method, payload = request
        if method == "POST":
            response = session.post(
                url, data=payload, headers={"Content-Type": "application/json"}, timeout=REQUEST_TIMEOUT_SECONDS
            )
        else:
            response = session.get(
                url, params=payload, headers={"Accept": "application/json"}, timeout=REQUEST_TIMEOUT_SECONDS
            )
        outcomes[f"HTTP {response.status_code} {_outcome(response)}"] += 1
        problems = response_problems(response)
        assert not problems, f"{method} {str(payload)[:2000]}: {'; '.join(problems)}\nresponse: {response.text[:2000]}"

    try:
        call()
    finally:
        # The server thread of a kept-alive connection holds a database connection (persisted queries are looked
        # up in the database) until the connection closes.
        session.close()
        print(f"\nhostile requests: {sum(outcomes.values())} ({dict(sorted(outcomes.items()))})")
