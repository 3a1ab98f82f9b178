"""Nothing a client sends makes the server fetch anything: a JSON Schema's `$ref` to a file
or to a URL is refused where a document is validated (validateWorkflow, uploadWorkflow, the
import command, previewWorkflow), and even a stored schema holding one (from before the
rule) is never followed. A listener on 127.0.0.1 and a secret file prove it."""

import copy
import http.server
import json
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.support.documents import example
from tests.support.ids import gid
from workflow_design.models import WorkflowDefinition, WorkflowVersion
from workflow_design.services import workflow_upload
from workflow_design.validation.budget import Budget, budget_scope
from workflow_design.validation.schemas import check_json_schema, schema_validator

SECRET = "TOPSECRET-4f1c"
INPUT = "mutation($input: WorkflowInput!) { %s(input: $input) { errors { code path message } } }"
VALIDATE = "query($input: WorkflowInput!) { validateWorkflow(input: $input) { errors { code path message } } }"
PREVIEW = """query($input: WorkflowInput, $id: ID) {
  previewWorkflow(input: $input, workflowId: $id, ticket: {}, taskOutputs: {triage: {severity: "high"}}) {
    outcome message problems { code path message } } }"""


class _Listener(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self):
        self.requests.append(self.path)
        body = json.dumps({"x": {"type": "string", "description": SECRET}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    """An HTTP server on 127.0.0.1 serving a schema with the secret; `.requests` is what it was asked."""
    handler = type("Handler", (_Listener,), {"requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}/schema.json"
    server.requests = handler.requests
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.json"
    path.write_text(json.dumps({"x": {"type": "string", "description": SECRET}}))
    return path


@pytest.fixture(params=["http", "file"])
def remote_ref(request, listener, secret_file) -> str:
    return f"{listener.url}#/x" if request.param == "http" else f"{secret_file.as_uri()}#/x"


def with_ref(ref: str) -> dict:
    document = example()
    document["tasks"][0]["outputSchema"]["properties"]["severity"] = {"$ref": ref}
    return document


REF_PATH = "/tasks/0/outputSchema/properties/severity/$ref"


def refusal(problems: list[dict]) -> list[tuple[str, str]]:
    assert not any(SECRET in problem["message"] for problem in problems)
    return [(problem["code"], problem["path"]) for problem in problems]


@pytest.mark.django_db
class TestThroughTheApi:
    def test_validate_refuses_and_fetches_nothing(self, gql, tenant_a, listener, remote_ref):
        data = gql.data(VALIDATE, {"input": with_ref(remote_ref)}, token=tenant_a.token)
        assert refusal(data["validateWorkflow"]["errors"]) == [("INVALID_JSON_SCHEMA", REF_PATH)]
        assert "Only references inside this schema" in data["validateWorkflow"]["errors"][0]["message"]
        assert listener.requests == []

    def test_upload_refuses_and_fetches_nothing(self, gql, tenant_a, listener, remote_ref):
        data = gql.data(INPUT % "uploadWorkflow", {"input": with_ref(remote_ref)}, token=tenant_a.token)
        assert refusal(data["uploadWorkflow"]["errors"]) == [("INVALID_JSON_SCHEMA", REF_PATH)]
        assert not WorkflowDefinition.objects.exists()
        assert listener.requests == []

    def test_preview_of_a_document_refuses_and_fetches_nothing(self, gql, tenant_a, listener, remote_ref):
        data = gql.data(PREVIEW, {"input": with_ref(remote_ref)}, token=tenant_a.token)["previewWorkflow"]
        assert data["outcome"] == "INVALID"
        assert refusal(data["problems"]) == [("INVALID_JSON_SCHEMA", REF_PATH)]
        assert listener.requests == []

    def test_preview_of_a_stored_schema_with_a_reference_fetches_nothing(self, gql, tenant_a, listener, remote_ref):
        """A version stored before references were checked: previewing it never follows them."""
        workflow = workflow_upload(acting_user=tenant_a.admin, document=example()).row
        version = WorkflowVersion.objects.get(workflow=workflow)
        stored = copy.deepcopy(version.document)
        stored["tasks"][0]["outputSchema"]["properties"]["severity"] = {"$ref": remote_ref}
        WorkflowVersion.objects.filter(pk=version.pk).update(document=stored)

        data = gql.data(PREVIEW, {"id": gid(workflow)}, token=tenant_a.token)["previewWorkflow"]
        assert data["outcome"] == "INVALID"
        assert refusal(data["problems"]) == [("INVALID_JSON_SCHEMA", "/workflowId")]
        assert listener.requests == []


@pytest.mark.django_db
def test_import_refuses_and_fetches_nothing(tenant_a, listener, remote_ref, tmp_path):
    file = tmp_path / "remote.workflow.json"
    file.write_text(json.dumps(with_ref(remote_ref)))
    with pytest.raises(CommandError) as refused:
        call_command("import_workflows", str(file), company=tenant_a.company.name)
    assert f"INVALID_JSON_SCHEMA at {REF_PATH}" in str(refused.value)
    assert SECRET not in str(refused.value)
    assert not WorkflowDefinition.objects.exists()
    assert listener.requests == []


class TestEveryValidatorBuilt:
    """Below the checks, each place that builds a JSON Schema validator resolves nothing
    outside the schema itself, whatever the schema says."""

    def test_the_data_validator_resolves_no_reference_outside_the_schema(self, listener, remote_ref):
        validator = schema_validator({"properties": {"x": {"$ref": remote_ref}}})
        with budget_scope(Budget()), pytest.raises(Exception, match="Unresolvable") as raised:
            list(validator.iter_errors({"x": 5}))
        assert SECRET not in str(raised.value)
        assert listener.requests == []

    def test_the_meta_schema_check_resolves_nothing_a_schema_names(self, listener, secret_file):
        schema = {"$schema": listener.url, "$id": secret_file.as_uri(), "type": "object"}
        assert [(p.code, p.path) for p in check_json_schema(schema, "/s")] == [("INVALID_JSON_SCHEMA", "/s/$schema")]
        assert listener.requests == []

    def test_references_inside_the_schema_still_work(self):
        schema = {"$defs": {"level": {"enum": ["low", "high"]}}, "properties": {"x": {"$ref": "#/$defs/level"}}}
        assert check_json_schema(schema, "/s") == []
        with budget_scope(Budget()):
            found = [error.message for error in schema_validator(schema).iter_errors({"x": "medium"})]
        assert found == ["'medium' is not one of ['low', 'high']"]
