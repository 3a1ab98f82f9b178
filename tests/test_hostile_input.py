"""Inputs the fuzzers (or reviews) found crashing the service once; each now gets a clear answer."""

import base64
import json
import sys
from datetime import timedelta

import jwt
import pytest
from django.db import connection
from django.utils import timezone

from kernel.global_ids import global_id
from tests.support.documents import example
from tests.support.ids import gid
from users.tokens import ACCESS_TOKEN_TYPE
from workflow_design import services as workflow_services
from workflow_design.validation import validate_workflow


def encoded(text: str | bytes) -> str:
    """Base64 text, as global ids and cursors are written."""
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


WORKFLOW_1 = global_id("WorkflowDefinition", 1)
UNUSUAL_IDS = [
    "²",
    "99999999999999999999",
    "",
    "-1",
    "1.0",
    " 1",
    "1\n",
    "1",  # an id from before global ids
    WORKFLOW_1.rstrip("="),  # without its padding
    WORKFLOW_1[:-2] + "F=",  # other padding bits: the same bytes, another spelling
    encoded("WorkflowDefinition:²"),
    encoded("WorkflowDefinition:-1"),
    encoded("WorkflowDefinition:01"),
    encoded("WorkflowDefinition:1\n"),
    encoded("WorkflowDefinition:" + "9" * 19),
    encoded("WorkflowDefinition"),
    encoded(b"\xff\xfe:1"),  # not text
    global_id("Problem", 1),  # a type without identity
    global_id("Query", 1),
    "A" * 10_000,
]
# More digits than Python converts to an int (its guard against quadratic conversions): ValueError.
OVERLONG_INTEGER = "9" * (sys.get_int_max_str_digits() + 1)
ME = "{ me { id } }"


@pytest.mark.django_db
@pytest.mark.parametrize("object_id", UNUSUAL_IDS)
def test_malformed_ids_find_nothing(gql, tenant_a, object_id):
    data = gql.data(
        """query($id: ID!) { workflowDefinition(id: $id) { id } exportWorkflow(id: $id)
             workflowVersions(id: $id) { totalCount } node(id: $id) { id } nodes(ids: [$id, $id]) { id } }""",
        {"id": object_id},
        token=tenant_a.token,
    )
    assert data == {
        "workflowDefinition": None,
        "exportWorkflow": None,
        "workflowVersions": {"totalCount": 0},
        "node": None,
        "nodes": [None, None],
    }
    deleted = gql.data(
        "mutation($id: ID!) { deleteWorkflowDefinition(id: $id, expectedVersion: 1) { errors { code path } } }",
        {"id": object_id},
        token=tenant_a.token,
    )
    assert deleted["deleteWorkflowDefinition"]["errors"] == [{"code": "NOT_FOUND", "path": "/id"}]


@pytest.mark.django_db
@pytest.mark.parametrize("object_id", UNUSUAL_IDS)
def test_malformed_ids_in_filters_match_nothing(gql, tenant_a, object_id):
    data = gql.data(
        """query($id: ID!) { workflowDefinitions(filters: {id: $id}) { totalCount }
             taskDefinitions(filters: {workflowId: $id}) { totalCount } }""",
        {"id": object_id},
        token=tenant_a.token,
    )
    assert data == {"workflowDefinitions": {"totalCount": 0}, "taskDefinitions": {"totalCount": 0}}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "arguments",
    [
        {"first": -1},
        {"last": -5},
        {"first": 2**31 - 1},
        {"after": "²"},
        {"after": ""},
        {"before": "A" * 100_000},
        {"after": encoded("arrayconnection:" + "9" * 19)},
        {"after": encoded("arrayconnection:1e5")},
        {"after": encoded("arrayconnection:-1")},
        {"before": encoded("arrayconnection:")},
        {"after": encoded('orderedcursor:["1"]')},
        {"after": global_id("WorkflowDefinition", 1)},
    ],
)
def test_unusable_connection_arguments_are_bad_input(gql, tenant_a, arguments, caplog):
    query = """query($first: Int, $last: Int, $after: String, $before: String) {
      companyRoles(first: $first, last: $last, after: $after, before: $before) { totalCount } }"""
    body = gql.post(query, arguments, token=tenant_a.token)
    (error,) = body["errors"]
    (argument,) = arguments
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": argument,
        "variable": argument,
        "path": f"/variables/{argument}",
    }
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.django_db
def test_too_many_ids_for_nodes_is_bad_input(gql, tenant_a, settings):
    ids = [gid(tenant_a.admin)] * (settings.PAGINATION_MAX_LIMIT + 1)
    body = gql.post(
        "query($ids: [ID!]!) { me { username } nodes(ids: $ids) { id } }", {"ids": ids}, token=tenant_a.token
    )
    assert body["data"] == {"me": {"username": tenant_a.admin.username}, "nodes": None}
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "ids"}
    assert body["errors"][0]["path"] == ["nodes"]


@pytest.mark.django_db
class TestUnstorableText:
    def test_in_a_variable(self, gql, tenant_a):
        document = {**example(), "title": "a\x00b"}
        body = gql.post(
            "mutation($input: WorkflowInput!) { uploadWorkflow(input: $input) { errors { code } } }",
            {"input": document},
            token=tenant_a.token,
        )
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "path": "/variables/input/title"}
        assert "$input at /title" in body["errors"][0]["message"]

    def test_in_a_literal(self, gql, db):
        body = gql.post('mutation {\n login(username: "a\\u0000b", password: "x") { accessToken } }')
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "path": "/query"}
        assert "line 2" in body["errors"][0]["message"]

    def test_in_an_import_file_is_located(self):
        document = example()
        document["tasks"][0]["inputSchema"]["properties"]["summary"]["description"] = "lone \ud800 surrogate"
        problems = validate_workflow(document)
        assert [(p.code, p.path) for p in problems] == [
            ("INVALID_CHARACTER", "/tasks/0/inputSchema/properties/summary/description")
        ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        'query {\n exportWorkflow(id: "1", version: INTEGER) }',
        'query($version: Int =\n INTEGER) { exportWorkflow(id: "1", version: $version) }',
        'query {\n previewWorkflow(workflowId: "1", ticket: {a: [-INTEGER]}, taskOutputs: {}) { outcome } }',
        "query {\n unknownField(x: INTEGER) }",
    ],
    ids=["argument", "variable default", "inside JSON", "unknown argument"],
)
def test_an_integer_literal_of_too_many_digits_is_bad_input(gql, tenant_a, query):
    """Converting it raised ValueError inside graphql-core: INTERNAL_SERVER_ERROR."""
    body = gql.post(query.replace("INTEGER", OVERLONG_INTEGER), token=tenant_a.token)
    assert body == {
        "errors": [
            {
                "message": "Integers can have at most 4,300 digits: line 2",
                "extensions": {"code": "BAD_USER_INPUT", "path": "/query"},
            }
        ]
    }


def test_a_task_type_of_the_wrong_json_type_is_located():
    document = example()
    document["tasks"][2]["taskType"] = []
    assert [(p.code, p.path) for p in validate_workflow(document)] == [("INVALID_TYPE", "/tasks/2/taskType")]


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL compiles filter regular expressions; SQLite (development only) reports a failed function",
)
@pytest.mark.parametrize("lookup", ["regex", "iRegex"])
def test_an_invalid_regular_expression_in_a_filter_is_bad_input(gql, tenant_a, lookup, caplog):
    """Found by schemathesis: `regex: "᜗(\\u00a0"` answered "Unexpected error."."""
    body = gql.post(
        "query($pattern: String!) { taskDefinitions(filters: {key: {" + lookup + ": $pattern}}) { totalCount } }",
        {"pattern": "᜗(\u00a0"},
        token=tenant_a.token,
    )
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("Invalid regular expression in a filter: ")
    assert "parentheses" in error["message"]
    assert not [r for r in caplog.records if r.name == "ticketflower.graphql" and r.levelname == "ERROR"]


@pytest.mark.django_db
def test_an_id_with_a_trailing_newline_names_nothing(gql, tenant_a):
    """`^[0-9]+$` with re.match took "4\\n" for 4 ("$" also matches before a final newline)."""
    workflow = workflow_services.workflow_upload(acting_user=tenant_a.admin, document=example()).row
    query = "query($id: ID!) { workflowDefinition(id: $id) { id } }"
    assert gql.data(query, {"id": gid(workflow)}, token=tenant_a.token)["workflowDefinition"] is not None
    for spelling in (f"{gid(workflow)}\n", encoded(f"WorkflowDefinition:{workflow.pk}\n")):
        assert gql.data(query, {"id": spelling}, token=tenant_a.token)["workflowDefinition"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("subject", ["²", "1\n", "-1", "", "1" * 19])
def test_a_signed_access_token_for_no_user_id_is_unauthenticated(gql, settings, subject):
    """ "²" passed str.isdigit() and then failed int(): HTTP 500 for a validly signed token."""
    now = timezone.now()
    claims = {"sub": subject, "typ": ACCESS_TOKEN_TYPE, "iat": now, "exp": now + timedelta(minutes=5)}
    body = gql.post(ME, token=jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm="HS256"))
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["message"] == "Authentication required: the access token is invalid"


def post_body(client, body: str | bytes, **headers):
    return client.post("/graphql/", data=body, content_type="application/json", **headers)


def refusal(response) -> str:
    """The message of a request refused before GraphQL runs: HTTP 400, a GraphQL error, BAD_USER_INPUT."""
    assert response.status_code == 400, (response.status_code, response.content[:300])
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    return error["message"]


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.django_db
class TestHostileBodies:
    @pytest.mark.parametrize("body", ["1", "null", '"x"', "true", "[]", "[1]"])
    def test_a_body_that_is_no_json_object(self, client, body):
        """Scalars answered HTTP 500 (strawberry reads the body with .get); lists are batches, refused."""
        assert refusal(post_body(client, body)) in (
            "The request body must be a JSON object.",
            "Batching is not enabled",
        )

    @pytest.mark.parametrize(
        ("member", "value"),
        [
            ("query", 1),
            ("query", ["{ me { id } }"]),
            ("variables", 1),
            ("variables", []),
            ("extensions", "x"),
            ("operationName", 1),
            ("operationName", ["Me"]),
        ],
    )
    def test_a_member_of_the_wrong_type(self, client, member, value):
        operation = {"query": "query Me { __typename }", member: value}
        assert f"`{member}` must be" in refusal(post_body(client, json.dumps(operation)))

    @pytest.mark.parametrize("levels", [101, 1_000, 100_000])
    def test_variables_nested_too_deeply(self, client, levels):
        """1,000 levels answered HTTP 500 (RecursionError); 101 are refused before any recursive code."""
        body = '{"query": "query($v: JSON) { __typename }", "variables": {"v": ' + nested(levels) + "}}"
        assert (
            refusal(post_body(client, body)) == "The request's JSON nests more than 100 levels of arrays and objects."
        )

    @pytest.mark.parametrize(
        "parameters",
        [
            {"variables": '{"v": ' + nested(1_000) + "}"},
            {"extensions": '{"e": ' + nested(1_000) + "}"},
            {"variables": "1"},
            {"variables": "{"},
        ],
        ids=["deep variables", "deep extensions", "scalar variables", "malformed variables"],
    )
    def test_hostile_get_parameters(self, client, parameters):
        response = client.get("/graphql/", {"query": "{ __typename }", **parameters}, HTTP_ACCEPT="application/json")
        assert refusal(response)

    @pytest.mark.parametrize(
        "body",
        [
            '{"query": "{ __typename }", "x": INTEGER}',
            '{"query": "query($v: Int) { __typename }", "variables": {"v": [INTEGER]}}',
        ],
        ids=["member", "variable"],
    )
    def test_an_integer_of_too_many_digits(self, client, body):
        """Answered HTTP 500: json.loads raised ValueError converting it."""
        refused = refusal(post_body(client, body.replace("INTEGER", OVERLONG_INTEGER)))
        assert refused == "The request's JSON holds an integer of more than 4,300 digits."

    def test_an_integer_of_too_many_digits_in_get_variables(self, client):
        parameters = {"query": "{ __typename }", "variables": '{"v": ' + OVERLONG_INTEGER + "}"}
        response = client.get("/graphql/", parameters, HTTP_ACCEPT="application/json")
        assert refusal(response) == "The request's JSON holds an integer of more than 4,300 digits."

    def test_a_body_that_is_not_utf8(self, client):
        assert refusal(post_body(client, b'{"query": "\xff"}')) == "The request body is not UTF-8."

    def test_other_methods_are_refused_in_the_graphql_shape(self, client):
        response = client.put("/graphql/", data="{}", content_type="application/json")
        assert response.status_code == 405
        assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


VALIDATE = "query($input: WorkflowInput!) { validateWorkflow(input: $input) { errors { code path } } }"


def document_with_input_schema_nested(levels: int) -> dict:
    """The example with its first task's inputSchema nested `levels` objects deep: in a request
    body {variables: {input: {tasks: [{inputSchema: ...}]}}}, 5 levels more."""
    document = example()
    innermost = document["tasks"][0]["inputSchema"] = {}
    for _ in range(levels - 1):
        innermost["not"] = {}
        innermost = innermost["not"]
    return document


@pytest.mark.django_db
@pytest.mark.parametrize("levels", [65, 95])
def test_a_document_nested_too_deeply_within_the_request_limit_is_a_located_problem(gql, tenant_a, levels):
    """The request limit (100 levels) is above the document's own (64 inside a JSON prop), so
    such a document gets the validator's located answer rather than a request error."""
    body = gql.post(VALIDATE, {"input": document_with_input_schema_nested(levels)}, token=tenant_a.token)
    assert {"code": "TOO_LONG", "path": "/tasks/0/inputSchema"} in body["data"]["validateWorkflow"]["errors"]


@pytest.mark.django_db
def test_a_document_beyond_the_request_limit_is_refused(client, tenant_a):
    variables = {"input": document_with_input_schema_nested(96)}
    response = post_body(
        client, json.dumps({"query": VALIDATE, "variables": variables}), HTTP_AUTHORIZATION=f"Bearer {tenant_a.token}"
    )
    assert refusal(response) == "The request's JSON nests more than 100 levels of arrays and objects."
