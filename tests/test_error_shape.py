"""Issue 14, item 4: one error shape.

Every top-level error carries `extensions.code`; a variable graphql-core cannot coerce is a
BAD_USER_INPUT located by a JSON Pointer into the request (schema/variable_errors.py; this
file also guards graphql-core's wording it reads); problems are rooted alike by every
operation; a refused root field leaves its siblings their data.
"""

import pytest
from graphql import is_non_null_type
from strawberry.permission import PermissionExtension

from schema import schema
from schema.library_internals import graphql_core_schema
from tests.support.documents import example
from tests.support.operations import UPLOAD
from workflow_design import document as doc

CORE = graphql_core_schema(schema)
VALIDATE = "query($input: WorkflowInput!) { validateWorkflow(input: $input) { valid errors { code path } } }"
PREVIEW = """query($input: WorkflowInput) {
  previewWorkflow(input: $input, ticket: {}, taskOutputs: {}) { outcome problems { code path } }
}"""


def only_error(body: dict) -> dict:
    assert len(body.get("errors", [])) == 1, body
    return body["errors"][0]


@pytest.mark.django_db
class TestVariableCoercion:
    def test_a_wrong_type_deep_in_an_uploaded_file_is_located(self, gql, tenant_a):
        document = example()
        document["transitions"][2]["priority"] = "high"
        error = only_error(gql.post(UPLOAD, {"input": document}, token=tenant_a.token))
        assert error["extensions"] == {
            "code": "BAD_USER_INPUT",
            "variable": "input",
            "path": "/variables/input/transitions/2/priority",
        }
        assert "Int cannot represent" in error["message"]

    def test_a_stray_key_is_the_last_step_of_the_pointer(self, gql, tenant_a):
        document = example()
        document["tasks"][1]["kee"] = "x"
        error = only_error(gql.post(UPLOAD, {"input": document}, token=tenant_a.token))
        assert error["extensions"]["path"] == "/variables/input/tasks/1/kee"
        assert error["extensions"]["code"] == "BAD_USER_INPUT"

    @pytest.mark.parametrize(
        ("stray", "step"), [("my-key", "my-key"), ("a/b~c", "a~1b~0c"), ("kee'", "kee'"), ("é", "é"), ("0", "0")]
    )
    def test_any_stray_key_is_the_last_step_escaped(self, gql, tenant_a, stray, step):
        document = example()
        document["tasks"][0][stray] = 1
        error = only_error(gql.post(UPLOAD, {"input": document}, token=tenant_a.token))
        assert error["extensions"]["path"] == f"/variables/input/tasks/0/{step}"

    def test_a_value_that_reads_like_an_error_message_is_no_key(self, gql, tenant_a):
        document = {"title": "t", "tasks": ["not to include unknown field 'evil'"]}
        error = only_error(gql.post(UPLOAD, {"input": document}, token=tenant_a.token))
        assert error["extensions"]["path"] == "/variables/input/tasks/0"

    def test_a_long_stray_key_is_not_echoed_whole(self, gql, tenant_a):
        document = example()
        document["tasks"][0]["k" * 100_000] = 1
        error = only_error(gql.post(UPLOAD, {"input": document}, token=tenant_a.token))
        assert len(error["message"]) <= 1001
        assert error["extensions"]["path"] == "/variables/input/tasks/0/" + "k" * 100_000

    def test_the_pointer_follows_the_variable_name_the_client_chose(self, gql, tenant_a):
        query = "query($doc: WorkflowInput!) { validateWorkflow(input: $doc) { valid } }"
        error = only_error(
            gql.post(query, {"doc": {"title": "t", "fields": [{"fieldName": ["x"]}]}}, token=tenant_a.token)
        )
        assert error["extensions"] == {
            "code": "BAD_USER_INPUT",
            "variable": "doc",
            "path": "/variables/doc/fields/0/fieldName",
        }

    @pytest.mark.parametrize(
        "variables",
        [{}, {"input": None}, {"input": [1]}, {"input": "text"}],
        ids=["missing", "null", "list", "string"],
    )
    def test_a_whole_variable_that_is_unusable_points_at_it(self, gql, tenant_a, variables):
        error = only_error(gql.post(VALIDATE, variables, token=tenant_a.token))
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "variable": "input", "path": "/variables/input"}

    def test_an_id_variable_of_the_wrong_type(self, gql, tenant_a):
        error = only_error(
            gql.post("query($id: ID!) { workflowDefinition(id: $id) { id } }", {"id": 1.5}, token=tenant_a.token)
        )
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "variable": "id", "path": "/variables/id"}

    def test_every_error_of_a_request_is_located(self, gql, tenant_a):
        document = example()
        document["transitions"][0]["priority"] = "a"
        document["tasks"][0]["timeoutSeconds"] = "b"
        body = gql.post(UPLOAD, {"input": document}, token=tenant_a.token)
        assert sorted(error["extensions"]["path"] for error in body["errors"]) == [
            "/variables/input/tasks/0/timeoutSeconds",
            "/variables/input/transitions/0/priority",
        ]


@pytest.mark.django_db
class TestEveryTopLevelErrorHasACode:
    def test_a_document_that_does_not_parse(self, gql, tenant_a):
        assert only_error(gql.post("{ me { id ", token=tenant_a.token))["extensions"] == {
            "code": "GRAPHQL_PARSE_FAILED"
        }

    def test_a_document_that_does_not_validate(self, gql, tenant_a):
        error = only_error(gql.post("{ me { nope } }", token=tenant_a.token))
        assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}

    def test_a_variable_used_where_its_type_does_not_fit(self, gql, tenant_a):
        error = only_error(
            gql.post("query($i: Int!) { workflowDefinition(id: $i) { id } }", {"i": 1}, token=tenant_a.token)
        )
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.django_db
class TestSeveralOperations:
    def test_without_an_operation_name_none_runs(self, gql, tenant_a):
        # GraphQL requires the name; strawberry alone would run the first operation.
        body = gql.post(
            'mutation Out { logout(refreshToken: "x") { ok } } query Me { me { id } }', token=tenant_a.token
        )
        assert body == {
            "errors": [
                {
                    "message": "Must provide operation name if query contains multiple operations.",
                    "extensions": {"code": "BAD_USER_INPUT", "path": "/operationName"},
                }
            ]
        }

    def test_the_named_one_runs(self, client, tenant_a):
        response = client.post(
            "/graphql/",
            {"query": "query A { me { id } } query B { me { username } }", "operationName": "B"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tenant_a.token}",
        )
        assert response.json() == {"data": {"me": {"username": tenant_a.admin.username}}}


@pytest.mark.django_db
class TestOneRootingRule:
    def test_preview_and_upload_locate_a_problem_of_the_document_alike(self, gql, tenant_a):
        document = example()
        document["transitions"][1]["toTask"] = "nowhere"
        uploaded = gql.data(UPLOAD, {"input": document}, token=tenant_a.token)["uploadWorkflow"]["errors"]
        validated = gql.data(VALIDATE, {"input": document}, token=tenant_a.token)["validateWorkflow"]["errors"]
        previewed = gql.data(PREVIEW, {"input": document}, token=tenant_a.token)["previewWorkflow"]["problems"]
        assert uploaded == validated == previewed
        assert {"code": "UNKNOWN_TASK", "path": "/transitions/1/toTask"} in uploaded

    def test_no_argument_of_preview_shares_a_name_with_a_key_of_the_document(self):
        # A pointer outside the document starts with an argument's name: it must not read as one inside it.
        arguments = set(CORE.query_type.fields["previewWorkflow"].args)
        assert arguments == {"input", "workflowId", "version", "ticket", "taskOutputs", "maxSteps"}
        assert not (arguments - {"input"}) & set(doc.WORKFLOW.by_name)


@pytest.mark.django_db
class TestARefusedRootFieldKeepsItsSiblings:
    def test_me_survives_a_forbidden_users(self, gql, tenant_a):
        designer, token = tenant_a.user(system_roles=["workflow_creator"])
        body = gql.post("{ me { username } users { totalCount } }", token=token)
        assert body["data"] == {"me": {"username": designer.username}, "users": None}
        assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["users"], "FORBIDDEN")]

    def test_a_forbidden_mutation_keeps_the_answer_of_the_one_before(self, gql, tenant_a):
        _designer, token = tenant_a.user(system_roles=["workflow_creator"])
        body = gql.post(
            """mutation($input: WorkflowInput!) {
                 uploadWorkflow(input: $input) { workflow { title } errors { code } }
                 createCompanyRole(name: "auditor") { companyRole { name } }
               }""",
            {"input": example()},
            token=token,
        )
        assert body["data"]["uploadWorkflow"] == {"workflow": {"title": example()["title"]}, "errors": []}
        assert body["data"]["createCompanyRole"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    @pytest.mark.parametrize("root", ["Query", "Mutation"])
    def test_every_root_field_behind_a_permission_is_nullable(self, root):
        guarded = [
            schema.config.name_converter.get_graphql_name(field)
            for field in schema.get_type_by_name(root).fields
            if any(isinstance(extension, PermissionExtension) for extension in field.extensions)
        ]
        assert len(guarded) > 5
        non_null = [name for name in guarded if is_non_null_type(CORE.get_type(root).fields[name].type)]
        assert non_null == [], f"refusable root fields that would wipe their siblings' data: {non_null}"
