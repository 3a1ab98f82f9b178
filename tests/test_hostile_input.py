"""Inputs the fuzzers found crashing the service once; each now gets a clear answer."""

import pytest
from django.db import connection

from workflow_design.tests.test_validation import example
from workflow_design.validation import validate_workflow

UNUSUAL_IDS = ["²", "99999999999999999999", "", "-1", "1.0", " 1"]


@pytest.mark.django_db
@pytest.mark.parametrize("object_id", UNUSUAL_IDS)
def test_malformed_ids_find_nothing(gql, tenant_a, object_id):
    data = gql.data(
        """query($id: ID!) { workflowDefinition(id: $id) { id } exportWorkflow(id: $id)
             workflowVersions(id: $id) { version } }""",
        {"id": object_id},
        token=tenant_a.token,
    )
    assert data == {"workflowDefinition": None, "exportWorkflow": None, "workflowVersions": []}
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
def test_negative_page_offset_is_bad_input(gql, tenant_a):
    body = gql.post("{ companyRoles(pagination: {offset: -1}) { totalCount } }", token=tenant_a.token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "offset" in body["errors"][0]["message"]


@pytest.mark.django_db
class TestUnstorableText:
    def test_in_a_variable(self, gql, tenant_a):
        document = {**example(), "title": "a\x00b"}
        body = gql.post(
            "mutation($input: WorkflowInput!) { uploadWorkflow(input: $input) { errors { code } } }",
            {"input": document},
            token=tenant_a.token,
        )
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "$input at /title" in body["errors"][0]["message"]

    def test_in_a_literal(self, gql, db):
        body = gql.post('mutation {\n login(username: "a\\u0000b", password: "x") { accessToken } }')
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "line 2" in body["errors"][0]["message"]

    def test_in_an_import_file_is_located(self):
        document = example()
        document["tasks"][0]["inputSchema"]["properties"]["summary"]["description"] = "lone \ud800 surrogate"
        problems = validate_workflow(document)
        assert [(p.code, p.path) for p in problems] == [
            ("INVALID_CHARACTER", "/tasks/0/inputSchema/properties/summary/description")
        ]


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
