"""The language's second edition over HTTP (issue 18): documents using every new construct round-trip
(upload, export, upload again, the typed API), assignees are judged against the company and keep their
roles from deletion, the preview retries failing actions and takes their error routes, and a document
stored before migration 0008 still validates, exports and uploads after it."""

import copy
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.support.documents import CONTRACT_EXAMPLE, DEMO
from tests.support.ids import gid, pk_of
from workflow_design import document as doc
from workflow_design.codec import canonical
from workflow_design.models import WorkflowDefinition, WorkflowVersion
from workflow_design.selectors import workflow_export
from workflow_design.services import workflow_upload
from workflow_design.tests.test_second_edition import ORDER, ROLES
from workflow_design.validation import validate_workflow

UPLOAD = """mutation($input: WorkflowInput!) {
  uploadWorkflow(input: $input) { workflow { id version } errors { code path message } warnings { code path } }
}"""
EXPORT = "query($id: ID!) { exportWorkflow(id: $id) }"
TYPED = """query($id: ID!) { workflowDefinition(id: $id) {
  tasks { key assigneeRoles httpMethod actionUrl retry { maxAttempts intervalSeconds backoffRate errors } }
  transitions { fromTask { key } toTask { key } onError }
  document { tasks { key assigneeRoles httpMethod retry { maxAttempts errors } } transitions { onError } }
} }"""
VALIDATE = "query($input: WorkflowInput!) { validateWorkflow(input: $input) { valid errors { code path message } } }"
DELETE_ROLE = "mutation($name: String!) { deleteCompanyRole(name: $name) { ok errors { code path message } } }"
PREVIEW = """query($input: WorkflowInput, $ticket: JSON!, $taskOutputs: JSON!) {
  previewWorkflow(input: $input, ticket: $ticket, taskOutputs: $taskOutputs) {
    outcome message problems { code path }
    steps { taskKey visit output actionInput httpMethod url takenTransitionIndex error failure
      attempts { number waitSeconds error status response }
      transitionsTried { transitionIndex holds } }
  }
}"""


def demo(name: str) -> dict:
    return json.loads((DEMO / f"{name}.workflow.json").read_text())


def with_roles(tenant, *names: str) -> None:
    tenant.user(company_roles=list(names))


def upload(gql, tenant, document) -> dict:
    payload = gql.data(UPLOAD, {"input": document}, token=tenant.token)["uploadWorkflow"]
    assert payload["errors"] == [], payload["errors"]
    assert payload["warnings"] == []
    return payload["workflow"]


@pytest.mark.django_db
class TestRoundTrips:
    @pytest.mark.parametrize(
        "document", [ORDER, demo("expense-approval"), demo("employee-onboarding")], ids=["order", "expense", "onboard"]
    )
    def test_upload_export_upload_keeps_every_construct(self, gql, tenant_a, document):
        with_roles(tenant_a, *ROLES)
        created = upload(gql, tenant_a, document)
        exported = gql.data(EXPORT, {"id": created["id"]}, token=tenant_a.token)["exportWorkflow"]
        assert exported == {"id": created["id"], "expectedVersion": 1, **canonical(doc.WORKFLOW, document)}
        again = upload(gql, tenant_a, exported)
        assert again == {"id": created["id"], "version": 1}  # the same document: no new version

    def test_the_typed_api_reads_the_new_props(self, gql, tenant_a):
        with_roles(tenant_a, *ROLES)
        created = upload(gql, tenant_a, ORDER)
        workflow = gql.data(TYPED, {"id": created["id"]}, token=tenant_a.token)["workflowDefinition"]
        review, refund, by_hand = workflow["tasks"]
        assert (review["assigneeRoles"], review["httpMethod"], review["retry"]) == (
            ["team_lead", "finance"],
            None,
            None,
        )
        assert refund == {
            "key": "refund",
            "assigneeRoles": [],
            "httpMethod": "PUT",
            "actionUrl": ORDER["tasks"][1]["actionUrl"],
            "retry": {"maxAttempts": 3, "intervalSeconds": 30, "backoffRate": 2, "errors": ["TIMEOUT", "HTTP_5XX"]},
        }
        assert by_hand["assigneeRoles"] == ["finance"]
        assert [t["onError"] for t in workflow["transitions"]] == [
            [],
            [],
            [],
            [],
            [],
            ["HTTP_4XX"],
            list(doc.ACTION_ERRORS),
            [],
        ]
        typed = workflow["document"]
        assert typed["tasks"][1] == {
            "key": "refund",
            "assigneeRoles": None,
            "httpMethod": "PUT",
            "retry": {"maxAttempts": 3, "errors": ["TIMEOUT", "HTTP_5XX"]},
        }
        assert typed["transitions"][5]["onError"] == ["HTTP_4XX"]
        # GraphQL's Float made backoffRate 2.0: stored as 2, the document an import file of it stores.
        stored = WorkflowVersion.objects.get(workflow_id=pk_of(created["id"])).document
        assert repr(stored["tasks"][1]["retry"]["backoffRate"]) == "2"

    def test_an_edit_of_the_errors_alone_is_a_new_transition(self, gql, tenant_a):
        with_roles(tenant_a, *ROLES)
        created = upload(gql, tenant_a, ORDER)
        edit = {**copy.deepcopy(ORDER), "id": created["id"], "expectedVersion": 1}
        edit["transitions"][5]["onError"] = ["HTTP_4XX", "HTTP_5XX"]
        assert upload(gql, tenant_a, edit)["version"] == 2
        stored = WorkflowDefinition.objects.get(pk=pk_of(created["id"]))
        assert [row.on_error for row in stored.transitions.order_by("position")][5] == ["HTTP_4XX", "HTTP_5XX"]


@pytest.mark.django_db
class TestAssignees:
    def test_a_role_the_company_lacks_is_located_with_a_suggestion(self, gql, tenant_a):
        with_roles(tenant_a, "team_lead")
        report = gql.data(VALIDATE, {"input": ORDER}, token=tenant_a.token)["validateWorkflow"]
        assert [(e["code"], e["path"]) for e in report["errors"]] == [
            ("UNKNOWN_ROLE", "/tasks/0/assigneeRoles/1"),
            ("UNKNOWN_ROLE", "/tasks/2/assigneeRoles/0"),
        ]
        payload = gql.data(UPLOAD, {"input": ORDER}, token=tenant_a.token)["uploadWorkflow"]
        assert payload["workflow"] is None
        assert [e["code"] for e in payload["errors"]] == ["UNKNOWN_ROLE", "UNKNOWN_ROLE"]

    def test_another_companys_roles_do_not_count(self, gql, tenant_a, tenant_b):
        with_roles(tenant_b, *ROLES)
        report = gql.data(VALIDATE, {"input": ORDER}, token=tenant_a.token)["validateWorkflow"]
        assert {e["code"] for e in report["errors"]} == {"UNKNOWN_ROLE"}

    def test_a_role_a_workflow_assigns_cannot_be_deleted(self, gql, tenant_a):
        with_roles(tenant_a, *ROLES)
        created = upload(gql, tenant_a, ORDER)
        refused = gql.data(DELETE_ROLE, {"name": "finance"}, token=tenant_a.token)["deleteCompanyRole"]
        assert refused["ok"] is False
        assert [(e["code"], e["path"]) for e in refused["errors"]] == [("IN_USE", "/name")]
        assert "workflow 'Order refund' (tasks review, by_hand)" in refused["errors"][0]["message"]
        # Out of the workflow, the role can go.
        edit = {**copy.deepcopy(ORDER), "id": created["id"], "expectedVersion": 1}
        edit["tasks"][0]["assigneeRoles"] = ["team_lead"]
        del edit["tasks"][2]["assigneeRoles"]
        upload(gql, tenant_a, edit)
        assert gql.data(DELETE_ROLE, {"name": "finance"}, token=tenant_a.token)["deleteCompanyRole"]["ok"] is True


ONBOARDING_TICKET = {
    "employeeName": "Ann Lee",
    "employeeEmail": "ann@example.com",
    "startDate": "2026-01-05",
    "department": "Sales",
    "role": "Account executive",
    "needsLaptop": False,
}


def onboarding_outputs(**outputs) -> dict:
    return {
        "collect_details": {"username": "ann.lee"},
        "create_accounts": {"id": "u-1", "userName": "ann.lee"},
        "manual_accounts": {"login": "alee"},
        "assign_buddy": {"buddyName": "Bo", "buddyEmail": "bo@example.com"},
        "welcome_email": {"messageId": "m-1"},
        "it_checklist": {"accountsVerified": True, "badgeIssued": True},
        **outputs,
    }


def preview(gql, tenant, outputs: dict) -> dict:
    variables = {"input": demo("employee-onboarding"), "ticket": ONBOARDING_TICKET, "taskOutputs": outputs}
    return gql.data(PREVIEW, variables, token=tenant.token)["previewWorkflow"]


def step(result: dict, key: str) -> dict:
    return next(s for s in result["steps"] if s["taskKey"] == key)


@pytest.mark.django_db
class TestFailingActionsInPreview:
    @pytest.fixture(autouse=True)
    def _assignees(self, tenant_a):
        with_roles(tenant_a, *ROLES)  # a preview judges the document as an upload by its user would

    def test_a_failing_action_retries_then_takes_its_error_transition(self, gql, tenant_a):
        failures = [{"$error": "HTTP_5XX", "status": 503, "body": {"retryAfter": 30}}, {"$error": "TIMEOUT"}]
        result = preview(gql, tenant_a, onboarding_outputs(create_accounts=[*failures, {"$error": "NETWORK"}]))
        assert result["outcome"] == "ENDED"
        assert result["problems"] == []
        path = [s["taskKey"] for s in result["steps"]]
        assert path == [
            "collect_details",
            "create_accounts",
            "manual_accounts",
            "assign_buddy",
            "welcome_email",
            "it_checklist",
        ]
        accounts = step(result, "create_accounts")
        assert (accounts["httpMethod"], accounts["url"]) == ("PUT", "https://identity.example.com/api/v1/users/ann.lee")
        # Three attempts in all; the retries wait 30 s, then 30 x 2.
        assert accounts["attempts"] == [
            {"number": 1, "waitSeconds": 0.0, "error": "HTTP_5XX", "status": 503, "response": {"retryAfter": 30}},
            {"number": 2, "waitSeconds": 30.0, "error": "TIMEOUT", "status": None, "response": None},
            {"number": 3, "waitSeconds": 60.0, "error": "NETWORK", "status": None, "response": None},
        ]
        assert accounts["output"] is None
        assert accounts["failure"] == {
            "code": "NETWORK",
            "status": None,
            "attempts": 3,
            "message": "no answer: the connection failed",
        }
        # Only the error transition was tried (index 4); the ordinary ones are never taken after a failure.
        assert [(t["transitionIndex"], t["holds"]) for t in accounts["transitionsTried"]] == [(4, True)]
        assert accounts["takenTransitionIndex"] == 4
        # What comes after the error route reads the login IT entered by hand.
        assert "Your login is alee " in step(result, "welcome_email")["actionInput"]["body"]

    def test_an_error_the_policy_does_not_retry_fails_at_once(self, gql, tenant_a):
        result = preview(gql, tenant_a, onboarding_outputs(create_accounts={"$error": "HTTP_4XX", "status": 409}))
        accounts = step(result, "create_accounts")
        assert [(a["number"], a["error"], a["status"]) for a in accounts["attempts"]] == [(1, "HTTP_4XX", 409)]
        assert accounts["failure"]["message"] == "HTTP 409"
        assert accounts["takenTransitionIndex"] == 4

    def test_a_retry_that_succeeds_takes_the_ordinary_route(self, gql, tenant_a):
        result = preview(
            gql, tenant_a, onboarding_outputs(create_accounts=[{"$error": "TIMEOUT"}, {"id": "u-1", "userName": "ann"}])
        )
        accounts = step(result, "create_accounts")
        assert [a["error"] for a in accounts["attempts"]] == ["TIMEOUT", None]
        assert (accounts["failure"], accounts["output"]["login"]) == (None, "ann")
        assert "manual_accounts" not in [s["taskKey"] for s in result["steps"]]

    def test_a_failure_no_error_transition_takes_stops_the_walk(self, gql, tenant_a):
        document = demo("expense-approval")
        outputs = {
            "submit": {"amount": 50, "category": "meals", "justification": "Lunch"},
            "manager_review": {"decision": "approve"},
            "pay": {"$error": "HTTP_4XX", "status": 422, "message": "IBAN rejected"},
        }
        ticket = {"amount": 50, "currency": "EUR", "employeeEmail": "ann@example.com"}
        variables = {"input": document, "ticket": ticket, "taskOutputs": outputs}
        result = gql.data(PREVIEW, variables, token=tenant_a.token)["previewWorkflow"]
        assert result["outcome"] == "ACTION_FAILED"
        pay = result["steps"][-1]
        assert pay["failure"] == {"code": "HTTP_4XX", "status": 422, "attempts": 1, "message": "IBAN rejected"}
        assert pay["transitionsTried"] == []
        assert "failed with HTTP_4XX after 1 attempt(s)" in result["message"]

    def test_an_invalid_simulated_failure_is_located(self, gql, tenant_a):
        result = preview(gql, tenant_a, onboarding_outputs(create_accounts=[{"$error": "TIMEOUTS"}]))
        assert ("INVALID_OUTPUT", "/taskOutputs/create_accounts/0/$error") in [
            (p["code"], p["path"]) for p in result["problems"]
        ]


# --- migration 0008 -------------------------------------------------------------------------------

BEFORE = ("workflow_design", "0007_merge_descriptions_and_row_security")
AFTER = ("workflow_design", "0008_second_edition")


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.mark.statement_scope_exempt
@pytest.mark.django_db(transaction=True)
def test_a_first_edition_document_stored_before_the_migration_is_valid_exportable_and_uploadable_after_it(tenant_a):
    """Stored by the first edition's tables (no method, assignees, retry or errors), read by the second."""
    document = copy.deepcopy(CONTRACT_EXAMPLE)
    _migrate(BEFORE)
    try:
        old = MigrationExecutor(connection).loader.project_state([BEFORE]).apps
        company_id, user_id = tenant_a.company.pk, tenant_a.admin.pk
        workflow = old.get_model("workflow_design", "WorkflowDefinition").objects.create(
            company_id=company_id, created_by_id=user_id, title=document["title"], version=1
        )
        task_model = old.get_model("workflow_design", "TaskDefinition")
        tasks = {}
        for position, task in enumerate(document["tasks"]):
            tasks[task["key"]] = task_model.objects.create(
                company_id=company_id,
                workflow=workflow,
                position=position,
                key=task["key"],
                title=task["title"],
                task_type=task["taskType"],
                action_url=task.get("actionUrl"),
            )
        transition_model = old.get_model("workflow_design", "WorkflowTransition")
        for position, transition in enumerate(document["transitions"]):
            transition_model.objects.create(
                company_id=company_id,
                workflow=workflow,
                position=position,
                from_task=tasks.get(transition["fromTask"]),
                to_task=tasks.get(transition["toTask"]),
                condition=transition.get("condition"),
                priority=transition.get("priority", 0),
            )
        old.get_model("workflow_design", "WorkflowVersion").objects.create(
            company_id=company_id, workflow=workflow, version=1, document=canonical(doc.WORKFLOW, document)
        )
    finally:
        _migrate(AFTER)

    stored = WorkflowDefinition.objects.get(pk=workflow.pk)
    # The new columns say "not given": no assignees, POST (null), no retry, ordinary transitions.
    assert {(t.http_method, json.dumps(t.assignee_roles), json.dumps(t.retry)) for t in stored.tasks.all()} == {
        (None, "[]", "null")
    }
    assert {json.dumps(t.on_error) for t in stored.transitions.all()} == {"[]"}
    exported = workflow_export(acting_user=tenant_a.admin, workflow_id=gid(stored))
    assert exported == {"id": gid(stored), "expectedVersion": 1, **document}
    assert [p.code for p in validate_workflow(exported, company_roles=set())] == ["NO_ERROR_HANDLING"] * 2
    assert workflow_upload(acting_user=tenant_a.admin, document=exported).row.version == 1  # unchanged
    edited = workflow_upload(acting_user=tenant_a.admin, document={**exported, "title": "IT incident (v2)"}).row
    assert edited.version == 2
    assert [t.key for t in edited.tasks.order_by("position")] == [t["key"] for t in document["tasks"]]
