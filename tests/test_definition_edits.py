"""Single-task uploads, ticket definitions and deletes, over HTTP."""

import copy
import json

import pytest

from kernel.global_ids import global_id
from tests.support.documents import CONTRACT_EXAMPLE, FORM_LAYOUT, example
from tests.support.ids import gid
from workflow_design.models import TicketDefinition, WorkflowDefinition
from workflow_design.services import workflow_upload

UPLOAD_TASK = """
mutation($workflowId: ID!, $expectedVersion: Int!, $input: TaskInput!) {
  uploadTaskDefinition(workflowId: $workflowId, expectedVersion: $expectedVersion, input: $input) {
    task { id key title version }
    workflow { version tasks { key version } }
    errors { code message path }
    warnings { code path }
  }
}"""
UPLOAD_TICKET = """
mutation($input: TicketDefinitionInput!) {
  uploadTicketDefinition(input: $input) {
    ticketDefinition { id title version fields companyRoleAccess workflow { id } }
    errors { code message path }
  }
}"""
DELETE_WORKFLOW = """
mutation($id: ID!, $v: Int!) { deleteWorkflowDefinition(id: $id, expectedVersion: $v) { ok errors { code path } } }"""
DELETE_TICKET = """
mutation($id: ID!, $v: Int!) { deleteTicketDefinition(id: $id, expectedVersion: $v) { ok errors { code path } } }"""


def located(problems: list[dict]) -> list[tuple[str, str]]:
    return [(p["code"], p["path"]) for p in problems]


@pytest.fixture
def incident(tenant_a) -> WorkflowDefinition:
    return workflow_upload(acting_user=tenant_a.admin, document=example()).row


def ticket_input(workflow: WorkflowDefinition, **changes) -> dict:
    return {
        "title": "Service outage",
        "workflowId": gid(workflow),
        "fields": {"service": "checkout"},
        "companyRoleAccess": ["support_agent"],
    } | changes


@pytest.mark.django_db
class TestUploadTaskDefinition:
    def test_replacing_a_task_bumps_it_and_the_workflow(self, gql, tenant_a, incident):
        task = copy.deepcopy(example()["tasks"][2])  # resolve
        task["title"] = "Resolve the incident"
        payload = gql.data(
            UPLOAD_TASK, {"workflowId": gid(incident), "expectedVersion": 1, "input": task}, token=tenant_a.token
        )["uploadTaskDefinition"]
        assert payload["errors"] == []
        assert payload["task"]["title"] == "Resolve the incident"
        assert payload["task"]["version"] == 2
        assert payload["workflow"]["version"] == 2
        assert {t["key"]: t["version"] for t in payload["workflow"]["tasks"]} == {
            "triage": 1,
            "page_oncall": 1,
            "resolve": 2,
            "notify_reporter": 1,
        }

    def test_problems_point_into_the_task_sent(self, gql, tenant_a, incident):
        task = copy.deepcopy(example()["tasks"][1])  # page_oncall, an action
        task["timeoutSeconds"] = 9000
        task["inputTransform"] = {"service": {"var": "ticket.servce"}}
        payload = gql.data(
            UPLOAD_TASK, {"workflowId": gid(incident), "expectedVersion": 1, "input": task}, token=tenant_a.token
        )["uploadTaskDefinition"]
        assert payload["task"] is None
        assert located(payload["errors"]) == [
            ("UNKNOWN_VARIABLE", "/inputTransform/service"),
            ("INVALID_TIMEOUT", "/timeoutSeconds"),
        ]

    def test_a_new_task_without_transitions_is_unreachable(self, gql, tenant_a, incident):
        task = {
            "key": "audit",
            "title": "Audit",
            "taskType": "FORM",
            "editLayout": FORM_LAYOUT,
            "outputSchema": {"type": "object", "properties": {}},
        }
        payload = gql.data(
            UPLOAD_TASK, {"workflowId": gid(incident), "expectedVersion": 1, "input": task}, token=tenant_a.token
        )["uploadTaskDefinition"]
        assert located(payload["errors"]) == [("UNREACHABLE_TASK", "")]

    def test_stale_version(self, gql, tenant_a, incident):
        payload = gql.data(
            UPLOAD_TASK,
            {"workflowId": gid(incident), "expectedVersion": 3, "input": example()["tasks"][0]},
            token=tenant_a.token,
        )["uploadTaskDefinition"]
        assert located(payload["errors"]) == [("VERSION_CONFLICT", "/expectedVersion")]

    def test_removing_a_field_a_transition_reads_is_located_in_the_workflow(self, gql, tenant_a, incident):
        task = copy.deepcopy(example()["tasks"][0])  # triage: the condition reads tasks.triage.severity
        del task["outputSchema"]["properties"]["severity"]
        task["outputSchema"]["required"] = []
        payload = gql.data(
            UPLOAD_TASK, {"workflowId": gid(incident), "expectedVersion": 1, "input": task}, token=tenant_a.token
        )["uploadTaskDefinition"]
        assert {(p["code"], p["path"]) for p in payload["errors"]} == {("UNKNOWN_VARIABLE", "")}
        where = sorted(p["message"].split(":")[0] for p in payload["errors"])
        assert where == [
            "in the workflow at /tasks/1/inputTransform/severity",
            "in the workflow at /transitions/1/condition/==/0",
        ]


@pytest.mark.django_db
class TestTicketDefinitions:
    def test_create_edit_and_identical_upload(self, gql, tenant_a, incident):
        _, agent_token = tenant_a.user(company_roles=["support_agent"])
        tenant_a.user(company_roles=["sre"])
        created = gql.data(UPLOAD_TICKET, {"input": ticket_input(incident)}, token=tenant_a.token)[
            "uploadTicketDefinition"
        ]
        assert created["errors"] == []
        ticket = created["ticketDefinition"]
        assert ticket["version"] == 1
        assert ticket["fields"] == {"service": "checkout"}
        visible = "{ ticketDefinitions { totalCount } }"
        assert gql.data(visible, token=agent_token)["ticketDefinitions"]["totalCount"] == 1

        same = ticket_input(incident, id=ticket["id"], expectedVersion=1)
        again = gql.data(UPLOAD_TICKET, {"input": same}, token=tenant_a.token)["uploadTicketDefinition"]
        assert again["ticketDefinition"]["version"] == 1

        # Access moves from support_agent to sre: the agent no longer sees it.
        edit = ticket_input(incident, id=ticket["id"], expectedVersion=1, companyRoleAccess=["sre"])
        edited = gql.data(UPLOAD_TICKET, {"input": edit}, token=tenant_a.token)["uploadTicketDefinition"]
        assert edited["ticketDefinition"]["version"] == 2
        assert edited["ticketDefinition"]["companyRoleAccess"] == ["sre"]
        assert gql.data(visible, token=agent_token)["ticketDefinitions"]["totalCount"] == 0

        stale = gql.data(UPLOAD_TICKET, {"input": edit}, token=tenant_a.token)["uploadTicketDefinition"]
        assert located(stale["errors"]) == [("VERSION_CONFLICT", "/expectedVersion")]

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            ({"fields": {"servic": "checkout"}}, [("UNKNOWN_FIELD", "/fields/servic")]),
            ({"fields": {"reporterEmail": "not-an-email"}}, [("INVALID_FIELD_VALUE", "/fields/reporterEmail")]),
            ({"companyRoleAccess": ["support_agent", "suport"]}, [("UNKNOWN_ROLE", "/companyRoleAccess/1")]),
            ({"workflowId": global_id("WorkflowDefinition", 987654321)}, [("NOT_FOUND", "/workflowId")]),
            ({"workflowId": "987654321"}, [("NOT_FOUND", "/workflowId")]),  # an id from before global ids
            ({"workflowId": "not/an id!"}, [("INVALID_TYPE", "/workflowId")]),
            ({"title": ""}, [("REQUIRED", "/title")]),
        ],
    )
    def test_problems(self, gql, tenant_a, incident, changes, expected):
        tenant_a.user(company_roles=["support_agent"])
        payload = gql.data(UPLOAD_TICKET, {"input": ticket_input(incident, **changes)}, token=tenant_a.token)[
            "uploadTicketDefinition"
        ]
        assert payload["ticketDefinition"] is None
        assert located(payload["errors"]) == expected
        assert TicketDefinition.objects.count() == 0

    def test_a_role_granted_access_cannot_be_deleted(self, gql, tenant_a, incident):
        tenant_a.user(company_roles=["support_agent"])
        gql.data(UPLOAD_TICKET, {"input": ticket_input(incident)}, token=tenant_a.token)
        payload = gql.data(
            'mutation { deleteCompanyRole(name: "support_agent") { ok errors { code message path } } }',
            token=tenant_a.token,
        )["deleteCompanyRole"]
        assert payload["ok"] is False
        assert payload["errors"][0]["code"] == "IN_USE"
        assert "'Service outage'" in payload["errors"][0]["message"]


@pytest.mark.django_db
class TestDeletes:
    def test_workflow_in_use_then_deleted(self, gql, tenant_a, incident):
        tenant_a.user(company_roles=["support_agent"])
        ticket = gql.data(UPLOAD_TICKET, {"input": ticket_input(incident)}, token=tenant_a.token)[
            "uploadTicketDefinition"
        ]["ticketDefinition"]
        in_use = gql.data(DELETE_WORKFLOW, {"id": gid(incident), "v": 1}, token=tenant_a.token)
        assert in_use["deleteWorkflowDefinition"] == {"ok": False, "errors": [{"code": "IN_USE", "path": "/id"}]}

        stale = gql.data(DELETE_TICKET, {"id": ticket["id"], "v": 2}, token=tenant_a.token)
        assert stale["deleteTicketDefinition"]["errors"] == [{"code": "VERSION_CONFLICT", "path": "/expectedVersion"}]
        assert gql.data(DELETE_TICKET, {"id": ticket["id"], "v": 1}, token=tenant_a.token)[
            "deleteTicketDefinition"
        ] == {"ok": True, "errors": []}
        assert gql.data(DELETE_WORKFLOW, {"id": gid(incident), "v": 1}, token=tenant_a.token)[
            "deleteWorkflowDefinition"
        ] == {"ok": True, "errors": []}
        assert not WorkflowDefinition.objects.exists()
        # The role is free again once nothing grants access to it.
        assert gql.data('mutation { deleteCompanyRole(name: "support_agent") { ok } }', token=tenant_a.token)[
            "deleteCompanyRole"
        ] == {"ok": True}


@pytest.mark.django_db
class TestImportExportCommands:
    def test_demo_files_import_and_export_round_trip(self, tenant_a, tmp_path, capsys):
        from django.core.management import CommandError, call_command

        from workflow_design.management.commands.seed_demo import DEMO_DIR

        for role in ("support_agent", "sre", "finance", "team_lead", "it_support"):
            tenant_a.user(company_roles=[role])
        files = sorted(str(p) for p in DEMO_DIR.glob("*.json"))
        call_command("import_workflows", *files, company=tenant_a.company.name)
        assert WorkflowDefinition.objects.filter(company=tenant_a.company).count() == 3
        assert TicketDefinition.objects.filter(company=tenant_a.company).count() == 3

        # The second edition's demos (assignees, a loop bounded by visits, a request by URL template with its
        # method, retries, an error route) export as their files: nothing is lost on the way.
        for path in sorted(DEMO_DIR.glob("*.workflow.json")):
            written = json.loads(path.read_text())
            workflow = WorkflowDefinition.objects.get(company=tenant_a.company, title=written["title"])
            capsys.readouterr()
            call_command("export_workflow", gid(workflow))
            assert json.loads(capsys.readouterr().out) == {"id": gid(workflow), "expectedVersion": 1, **written}

        workflow = WorkflowDefinition.objects.get(title="IT incident")
        capsys.readouterr()
        call_command("export_workflow", gid(workflow), "--version", "1")
        exported = json.loads(capsys.readouterr().out)
        assert exported == {"id": gid(workflow), "expectedVersion": 1, **CONTRACT_EXAMPLE}
        # Re-importing the export is a no-op edit.
        file = tmp_path / "again.workflow.json"
        file.write_text(json.dumps(exported))
        call_command("import_workflows", str(file), company=str(tenant_a.company.pk))
        workflow.refresh_from_db()
        assert workflow.version == 1
        # A file exported before global ids holds the workflow's number: not an id any more.
        file.write_text(json.dumps({**exported, "id": str(workflow.pk)}))
        with pytest.raises(CommandError, match=rf"NOT_FOUND at /id: no workflow with id {workflow.pk}"):
            call_command("import_workflows", str(file), company=tenant_a.company.name)

    def test_one_bad_file_imports_nothing(self, tenant_a, tmp_path):
        from django.core.management import CommandError, call_command

        good = tmp_path / "good.workflow.json"
        good.write_text(json.dumps(example()))
        bad = tmp_path / "bad.workflow.json"
        bad.write_text("{ not json")
        with pytest.raises(CommandError, match=r"bad\.workflow\.json: not JSON"):
            call_command("import_workflows", str(good), str(bad), company=tenant_a.company.name)
        assert not WorkflowDefinition.objects.exists()


@pytest.mark.django_db
def test_document_json_schema_is_served(client):
    from workflow_design.document import document_json_schema

    response = client.get("/schemas/workflow-document.json")
    assert response.status_code == 200
    assert response.json() == document_json_schema()
    assert response.json()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
