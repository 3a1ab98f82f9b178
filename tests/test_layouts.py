"""Layouts checked against the layout contract where the user sends them (issue 15): validateWorkflow,
uploadWorkflow, uploadTaskDefinition, uploadTicketDefinition, previewWorkflow and the import command
share one validator; the contract is published in workflowLanguage; and an edit of a workflow reads
none of its unchanged layouts again."""

import copy
import json

import pytest
from django.core.management import CommandError, call_command

from bench.documents import edited, generated_workflow
from tests.support.documents import FORM_LAYOUT, TICKET, example
from tests.support.ids import gid
from tests.support.uploads import EXPORT, UPLOAD, located
from workflow_design import layout_contract as contract
from workflow_design.models import WorkflowDefinition
from workflow_design.services import workflow_upload
from workflow_design.validation import layout_source

VALIDATE = """
query($input: WorkflowInput!) {
  validateWorkflow(input: $input) { valid errors { code message path } warnings { code message path } }
}"""
UPLOAD_TASK = """
mutation($workflowId: ID!, $expectedVersion: Int!, $input: TaskInput!) {
  uploadTaskDefinition(workflowId: $workflowId, expectedVersion: $expectedVersion, input: $input) {
    task { key } errors { code message path }
  }
}"""
UPLOAD_TICKET = """
mutation($input: TicketDefinitionInput!) {
  uploadTicketDefinition(input: $input) {
    ticketDefinition { id } errors { code message path } warnings { code message path }
  }
}"""
PREVIEW = """
query($input: WorkflowInput!) {
  previewWorkflow(input: $input, ticket: {}, taskOutputs: {}) { outcome problems { code message path } }
}"""
UNCLOSED = "export default function Resolve({ value }) {\n  return <p>{value.resolution</p>;\n}\n"
UNCLOSED_MESSAGE = "Syntax error at line 2, column 30: expected '}' to close the '{' of line 2, column 13, found '</'."


@pytest.fixture(autouse=True)
def _fresh_cache():
    layout_source._FACTS.clear()


@pytest.fixture
def reads(monkeypatch) -> list[bytes]:
    """The layouts parsed (not found in the cache) from here on."""
    parsed: list[bytes] = []
    real = layout_source.read_source

    def counted(source: bytes, deadline: float) -> layout_source.LayoutFacts:
        parsed.append(source)
        return real(source, deadline)

    monkeypatch.setattr(layout_source, "read_source", counted)
    return parsed


def with_layout(path: str, source: str) -> dict:
    document = example()
    *parents, name = path.strip("/").split("/")
    node = document
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    node[name] = source
    return document


@pytest.mark.django_db
class TestWhereLayoutsAreSent:
    def test_validate_workflow_locates_a_syntax_error(self, gql, tenant_a):
        report = gql.data(VALIDATE, {"input": with_layout("/tasks/2/editLayout", UNCLOSED)}, token=tenant_a.token)
        assert report["validateWorkflow"] == {
            "valid": False,
            "errors": [{"code": "INVALID_LAYOUT", "message": UNCLOSED_MESSAGE, "path": "/tasks/2/editLayout"}],
            "warnings": [],
        }

    def test_an_upload_with_an_escaping_construct_writes_nothing(self, gql, tenant_a):
        source = 'export default function Show({ output }) {\n  fetch("https://x.example.com/" + output.pageId);\n}\n'
        payload = gql.data(UPLOAD, {"input": with_layout("/tasks/1/displayLayout", source)}, token=tenant_a.token)
        assert payload["uploadWorkflow"]["workflow"] is None
        assert payload["uploadWorkflow"]["errors"] == [
            {
                "code": "UNSAFE_LAYOUT",
                "message": "Line 2, column 3: fetch sends or fetches data outside the frontend's API; a layout renders "
                "inside the frontend and may not use it (the setting LAYOUT_ALLOWED_ESCAPES can allow 'network').",
                "path": "/tasks/1/displayLayout",
            }
        ]
        assert WorkflowDefinition.objects.count() == 0

    def test_an_upload_with_an_unknown_prop_is_saved_with_a_warning(self, gql, tenant_a):
        source = "export default function Resolve({ valeu }) { return null; }"
        payload = gql.data(UPLOAD, {"input": with_layout("/tasks/2/editLayout", source)}, token=tenant_a.token)
        upload = payload["uploadWorkflow"]
        assert upload["errors"] == []
        assert upload["workflow"]["version"] == 1
        assert [(w["code"], w["path"]) for w in upload["warnings"]] == [("UNKNOWN_LAYOUT_PROP", "/tasks/2/editLayout")]
        assert upload["warnings"][0]["message"].endswith("Did you mean 'value'?")

    def test_a_task_upload_relocates_layout_problems_into_the_task_sent(self, gql, tenant_a):
        workflow = workflow_upload(acting_user=tenant_a.admin, document=example()).row
        action = {**example()["tasks"][1], "key": "page_again", "editLayout": FORM_LAYOUT}
        variables = {"workflowId": gid(workflow), "expectedVersion": 1, "input": action}
        payload = gql.data(UPLOAD_TASK, variables, token=tenant_a.token)["uploadTaskDefinition"]
        assert ("NOT_ALLOWED_FOR_TASK_TYPE", "/editLayout") in located(payload["errors"])
        form = {**example()["tasks"][2], "editLayout": UNCLOSED}
        variables = {"workflowId": gid(workflow), "expectedVersion": 1, "input": form}
        payload = gql.data(UPLOAD_TASK, variables, token=tenant_a.token)["uploadTaskDefinition"]
        assert payload["errors"] == [{"code": "INVALID_LAYOUT", "message": UNCLOSED_MESSAGE, "path": "/editLayout"}]

    def test_a_ticket_definitions_layouts_are_checked_against_its_workflows_fields(self, gql, tenant_a):
        workflow = workflow_upload(acting_user=tenant_a.admin, document=example()).row
        tenant_a.user(company_roles=["support_agent", "sre"])
        display = "export default function Outage({ fields }) {\n  return <b>{fields.servce}</b>;\n}\n"
        ticket = {**TICKET, "workflowId": gid(workflow), "editLayout": "<TicketForm />", "displayLayout": display}
        payload = gql.data(UPLOAD_TICKET, {"input": ticket}, token=tenant_a.token)["uploadTicketDefinition"]
        assert payload["ticketDefinition"] is None
        assert payload["errors"] == [
            {
                "code": "MISSING_COMPONENT",
                "message": "Line 1, column 1: the layout has no default export; expected a function component: "
                "export default function Layout(props) { ... }.",
                "path": "/editLayout",
            }
        ]
        ticket["editLayout"] = TICKET["editLayout"]
        payload = gql.data(UPLOAD_TICKET, {"input": ticket}, token=tenant_a.token)["uploadTicketDefinition"]
        assert payload["errors"] == []
        assert payload["ticketDefinition"] is not None
        assert payload["warnings"] == [
            {
                "code": "UNDECLARED_PROPERTY",
                "message": "Line 2, column 21: fields.servce is not declared (fields has the properties "
                "'service', 'reporterEmail', 'summary', from the workflow's fields). Did you mean 'service'?",
                "path": "/displayLayout",
            }
        ]

    def test_a_preview_refuses_a_document_whose_layout_does_not_parse(self, gql, tenant_a):
        document = with_layout("/displayLayout", "Show the steps as a diagram.")
        result = gql.data(PREVIEW, {"input": document}, token=tenant_a.token)["previewWorkflow"]
        assert result["outcome"] == "INVALID"
        assert [(p["code"], p["path"]) for p in result["problems"]] == [("INVALID_LAYOUT", "/displayLayout")]
        assert result["problems"][0]["message"].startswith("Syntax error at line 1, column 6: unexpected 'the' ")

    def test_the_import_command_refuses_a_file_whose_layout_does_not_parse(self, tenant_a, tmp_path):
        file = tmp_path / "incident.workflow.json"
        file.write_text(json.dumps(with_layout("/tasks/0/editLayout", UNCLOSED.replace("resolution", "severity"))))
        with pytest.raises(CommandError) as refused:
            call_command("import_workflows", str(file), company=tenant_a.company.name)
        assert "INVALID_LAYOUT at /tasks/0/editLayout: Syntax error at line 2, column 28" in str(refused.value)
        assert WorkflowDefinition.objects.count() == 0


@pytest.mark.django_db
def test_the_contract_is_published_with_the_deployments_policy(gql, tenant_a, settings):
    settings.LAYOUT_DESIGN_SYSTEM_PACKAGE = "@acme/design"
    settings.LAYOUT_ALLOWED_ESCAPES = ["navigation"]
    layouts = gql.data("{ workflowLanguage }", token=tenant_a.token)["workflowLanguage"]["layouts"]
    assert layouts["imports"]["allowed"] == ["react", "@acme/design"]
    assert [kind["property"] for kind in layouts["kinds"]] == [
        "TaskInput.editLayout",
        "TaskInput.displayLayout",
        "WorkflowInput.displayLayout",
        "TicketDefinitionInput.editLayout",
        "TicketDefinitionInput.displayLayout",
    ]
    task_edit = layouts["kinds"][0]
    assert [prop["name"] for prop in task_edit["props"]] == [prop.name for prop in contract.TASK_EDIT.props]
    assert task_edit["example"] == contract.TASK_EDIT.example
    allowed = {escape["construct"] for escape in layouts["escapes"] if escape["allowed"]}
    assert allowed == {"location assignment", "location.assign", "location.replace", "window.open"}


# --- the parse cache --------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_edit_of_ten_titles_parses_no_layout_again(gql, tenant_a, reads):
    """bench W2 in small: export a generated workflow (every task with its own layouts), change 10 task
    titles, upload it with expectedVersion."""
    document = generated_workflow(40, 60, title="Edited")
    created = gql.data(UPLOAD, {"input": document}, token=tenant_a.token)["uploadWorkflow"]
    assert created["errors"] == []
    assert created["warnings"] == []
    layouts = 1 + sum(("editLayout" in task) + ("displayLayout" in task) for task in document["tasks"])
    assert len(reads) == layouts == 77  # every layout parsed once: 40 displayLayouts, 36 forms, the workflow's

    exported = gql.data(EXPORT, {"id": created["workflow"]["id"]}, token=tenant_a.token)["exportWorkflow"]
    edit = edited(exported, count=10, tag="one")
    payload = gql.data(UPLOAD, {"input": edit}, token=tenant_a.token)["uploadWorkflow"]
    assert payload["errors"] == []
    assert payload["workflow"]["version"] == 2
    assert len(reads) == layouts  # the edit parsed none again: 77 layouts from the cache


@pytest.mark.django_db
def test_a_changed_layout_is_the_only_one_parsed_again(gql, tenant_a, reads):
    document = example()
    gql.data(UPLOAD, {"input": document}, token=tenant_a.token)
    before = len(reads)
    changed = copy.deepcopy(document)
    changed["tasks"][0]["displayLayout"] += "\n// reviewed"
    gql.data(VALIDATE, {"input": changed}, token=tenant_a.token)
    assert reads[before:] == [changed["tasks"][0]["displayLayout"].encode()]
