"""Issue 14, items 5, 6 and 7 (privacy): what a client cache needs from the answers.

Every mutation returns what it changed (deletes the deleted id, a conflict the object as it
stands); the stored document comes typed from the same declaration as the input; enums stand
for codes, task types, field types and system roles; another user's email and roles are for
company admins only.
"""

import copy

import pytest

from schema import schema
from schema.library_internals import graphql_core_schema
from tests.support.documents import TICKET, example
from tests.support.ids import gid, pk_of
from workflow_design import document as doc
from workflow_design.models import WorkflowVersion

CORE = graphql_core_schema(schema)

EXT_REF = "extRef { label desc uri }"
TASK_FIELDS = (
    f"key title description {EXT_REF} taskType inputSchema outputSchema editLayout displayLayout assigneeRoles "
    "httpMethod actionUrl inputTransform outputTransform timeoutSeconds "
    "retry { maxAttempts intervalSeconds backoffRate errors }"
)
DOCUMENT = f"""title description {EXT_REF} fields {{ fieldName fieldType }} displayLayout
  tasks {{ {TASK_FIELDS} }} transitions {{ fromTask toTask condition priority onError }}"""
UPLOAD = """mutation($input: WorkflowInput!) {
  uploadWorkflow(input: $input) { workflow { id version title } errors { code path } }
}"""
UPLOAD_TICKET = """mutation($input: TicketDefinitionInput!) {
  uploadTicketDefinition(input: $input) { ticketDefinition { id version title } errors { code path } }
}"""


def upload(gql, tenant, document) -> dict:
    payload = gql.data(UPLOAD, {"input": document}, token=tenant.token)["uploadWorkflow"]
    assert payload["errors"] == []
    return payload["workflow"]


def upload_ticket(gql, tenant, workflow_id: str) -> dict:
    ticket = {**copy.deepcopy(TICKET), "workflowId": workflow_id, "companyRoleAccess": []}
    payload = gql.data(UPLOAD_TICKET, {"input": ticket}, token=tenant.token)["uploadTicketDefinition"]
    assert payload["errors"] == []
    return payload["ticketDefinition"]


def without_nulls(value):
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


@pytest.mark.django_db
class TestTypedDocument:
    def test_the_workflow_document_is_the_export_typed(self, gql, tenant_a):
        created = upload(gql, tenant_a, example())
        data = gql.data(
            f"query($id: ID!) {{ workflowDefinition(id: $id) {{ document {{ {DOCUMENT} }} }} "
            "exportWorkflow(id: $id) }",
            {"id": created["id"]},
            token=tenant_a.token,
        )
        typed, exported = data["workflowDefinition"]["document"], data["exportWorkflow"]
        # Null where the export leaves a key out; otherwise the same values (enums included). The export's
        # id and expectedVersion say what an upload of it edits: the typed document is the content alone.
        assert (exported.pop("id"), exported.pop("expectedVersion")) == (created["id"], 1)
        assert without_nulls(typed) == without_nulls(exported)
        assert typed["tasks"][0]["taskType"] == exported["tasks"][0]["taskType"]

    def test_a_typed_document_uploads_again_as_an_edit(self, gql, tenant_a):
        created = upload(gql, tenant_a, example())
        query = f"query($id: ID!) {{ workflowDefinition(id: $id) {{ id version document {{ {DOCUMENT} }} }} }}"
        workflow = gql.data(query, {"id": created["id"]}, token=tenant_a.token)["workflowDefinition"]
        document = {**workflow["document"], "id": workflow["id"], "expectedVersion": workflow["version"]}
        document["title"] = "Edited from the typed document"
        edited = upload(gql, tenant_a, document)  # nulls and all, as a form holds it
        assert (edited["id"], edited["version"]) == (created["id"], 2)

    def test_each_version_has_its_document(self, gql, tenant_a):
        created = upload(gql, tenant_a, example())
        edit = {**example(), "id": created["id"], "expectedVersion": 1, "title": "Second"}
        upload(gql, tenant_a, edit)
        versions = gql.data(
            "query($id: ID!) { workflowVersions(id: $id) { edges { node { version document { title } } } } }",
            {"id": created["id"]},
            token=tenant_a.token,
        )["workflowVersions"]
        assert [edge["node"] for edge in versions["edges"]] == [
            {"version": 1, "document": {"title": example()["title"]}},
            {"version": 2, "document": {"title": "Second"}},
        ]

    def test_a_document_costs_one_statement_after_its_size_is_charged(
        self, gql, tenant_a, django_assert_max_num_queries
    ):
        for title in ("One", "Two", "Three"):
            upload(gql, tenant_a, {**example(), "title": title})
        query = "{ workflowDefinitions { edges { node { document { title tasks { key } } } } } }"
        # user, generation, workflows (counted), current versions' sizes (+ savepoints), then one per document
        with django_assert_max_num_queries(5 + 3):
            edges = gql.data(query, token=tenant_a.token)["workflowDefinitions"]["edges"]
        assert sorted(edge["node"]["document"]["title"] for edge in edges) == ["One", "Three", "Two"]

    def test_the_documents_a_request_reads_are_bounded(self, gql, tenant_a, settings):
        created = upload(gql, tenant_a, example())
        size = WorkflowVersion.objects.get(workflow_id=pk_of(created["id"])).size_bytes
        settings.GRAPHQL_DOCUMENT_BYTES_PER_REQUEST = 2 * size
        aliased = " ".join(
            f"a{n}: workflowVersions(id: $id) {{ edges {{ node {{ document {{ title }} }} }} }}" for n in range(3)
        )
        body = gql.post(f"query($id: ID!) {{ {aliased} }}", {"id": created["id"]}, token=tenant_a.token)
        documents = [body["data"][f"a{n}"]["edges"][0]["node"]["document"] for n in range(3)]
        assert documents == [{"title": example()["title"]}] * 2 + [None]
        assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
            (["a2", "edges", 0, "node", "document"], "RESPONSE_TOO_LARGE")
        ]

    @pytest.mark.parametrize(
        ("type_name", "field", "enum"),
        [
            ("Problem", "code", "ProblemCode"),
            ("PreviewStep", "taskType", "TaskType"),
            ("TaskDefinition", "taskType", "TaskType"),
            ("TaskDocument", "taskType", "TaskType"),
            ("WorkflowField", "fieldType", "FieldType"),
            ("User", "systemRoles", "SystemRole"),
        ],
    )
    def test_enums_stand_for_codes_and_types_on_output(self, type_name, field, enum):
        assert str(CORE.get_type(type_name).fields[field].type).strip("[]!") == enum

    def test_the_enums_hold_the_declared_values(self):
        assert set(CORE.get_type("TaskType").values) == set(doc.TASK_TYPES)
        assert set(CORE.get_type("FieldType").values) == set(doc.FIELD_TYPES)
        assert set(CORE.get_type("SystemRole").values) == {"company_admin", "workflow_creator"}


@pytest.mark.django_db
class TestConflictsAnswerTheCurrentObject:
    def test_a_stale_task_upload(self, gql, tenant_a):
        created = upload(gql, tenant_a, example())
        upload(gql, tenant_a, {**example(), "id": created["id"], "expectedVersion": 1, "title": "Moved on"})
        payload = gql.data(
            """mutation($id: ID!, $task: TaskInput!) {
                 uploadTaskDefinition(workflowId: $id, expectedVersion: 1, input: $task) {
                   task { key } workflow { id version title } errors { code path } } }""",
            {"id": created["id"], "task": example()["tasks"][0]},
            token=tenant_a.token,
        )["uploadTaskDefinition"]
        assert payload["errors"] == [{"code": "VERSION_CONFLICT", "path": "/expectedVersion"}]
        assert payload["task"] is None
        assert payload["workflow"] == {"id": created["id"], "version": 2, "title": "Moved on"}

    def test_a_stale_ticket_definition_upload_and_delete(self, gql, tenant_a):
        workflow = upload(gql, tenant_a, example())
        ticket = upload_ticket(gql, tenant_a, workflow["id"])
        stale = {**copy.deepcopy(TICKET), "workflowId": workflow["id"], "companyRoleAccess": []}
        stale |= {"id": ticket["id"], "expectedVersion": 7}
        payload = gql.data(UPLOAD_TICKET, {"input": stale}, token=tenant_a.token)["uploadTicketDefinition"]
        assert payload["errors"] == [{"code": "VERSION_CONFLICT", "path": "/expectedVersion"}]
        assert payload["ticketDefinition"] == ticket
        deleted = gql.data(
            """mutation($id: ID!) { deleteTicketDefinition(id: $id, expectedVersion: 7) {
                 ok deletedId ticketDefinition { id version } errors { code } } }""",
            {"id": ticket["id"]},
            token=tenant_a.token,
        )["deleteTicketDefinition"]
        assert deleted == {
            "ok": False,
            "deletedId": None,
            "ticketDefinition": {"id": ticket["id"], "version": 1},
            "errors": [{"code": "VERSION_CONFLICT"}],
        }

    def test_a_stale_workflow_delete(self, gql, tenant_a):
        created = upload(gql, tenant_a, example())
        payload = gql.data(
            """mutation($id: ID!) { deleteWorkflowDefinition(id: $id, expectedVersion: 3) {
                 ok deletedId workflow { id version } errors { code path } } }""",
            {"id": created["id"]},
            token=tenant_a.token,
        )["deleteWorkflowDefinition"]
        assert payload == {
            "ok": False,
            "deletedId": None,
            "workflow": {"id": created["id"], "version": 1},
            "errors": [{"code": "VERSION_CONFLICT", "path": "/expectedVersion"}],
        }


@pytest.mark.django_db
class TestDeletesAnswerWhatTheyRemoved:
    def test_workflow(self, gql, tenant_a):
        created = upload(gql, tenant_a, example())
        payload = gql.data(
            """mutation($id: ID!) { deleteWorkflowDefinition(id: $id, expectedVersion: 1) {
                 ok deletedId workflow { id } errors { code } } }""",
            {"id": created["id"]},
            token=tenant_a.token,
        )["deleteWorkflowDefinition"]
        assert payload == {"ok": True, "deletedId": created["id"], "workflow": None, "errors": []}

    def test_ticket_definition_with_the_workflow_whose_list_it_left(self, gql, tenant_a):
        workflow = upload(gql, tenant_a, example())
        kept, gone = upload_ticket(gql, tenant_a, workflow["id"]), upload_ticket(gql, tenant_a, workflow["id"])
        payload = gql.data(
            """mutation($id: ID!) { deleteTicketDefinition(id: $id, expectedVersion: 1) {
                 ok deletedId errors { code }
                 workflow { id ticketDefinitions { totalCount edges { node { id } } } } } }""",
            {"id": gone["id"]},
            token=tenant_a.token,
        )["deleteTicketDefinition"]
        assert payload == {
            "ok": True,
            "deletedId": gone["id"],
            "workflow": {
                "id": workflow["id"],
                "ticketDefinitions": {"totalCount": 1, "edges": [{"node": {"id": kept["id"]}}]},
            },
            "errors": [],
        }

    def test_company_role_with_its_former_holders(self, gql, tenant_a):
        holder, _ = tenant_a.user(company_roles=["auditor", "sre"])
        tenant_a.user(company_roles=["sre"])
        role_id = gid(tenant_a.company.roles.get(name="auditor"))
        payload = gql.data(
            """mutation { deleteCompanyRole(name: "auditor") {
                 ok deletedId users { id username companyRoles } errors { code } } }""",
            token=tenant_a.token,
        )["deleteCompanyRole"]
        assert payload == {
            "ok": True,
            "deletedId": role_id,
            "users": [{"id": gid(holder), "username": holder.username, "companyRoles": ["sre"]}],
            "errors": [],
        }


@pytest.mark.django_db
class TestAccountDetailsAreForAdmins:
    QUERY = """query($id: ID!) { workflowDefinition(id: $id) {
      createdBy { username email systemRoles companyRoles } } }"""

    def test_a_designer_sees_a_colleague_without_email_or_roles(self, gql, tenant_a):
        created = upload(gql, tenant_a, example())  # created by the company admin
        _designer, token = tenant_a.user(system_roles=["workflow_creator"])
        author = gql.data(self.QUERY, {"id": created["id"]}, token=token)["workflowDefinition"]["createdBy"]
        assert author == {"username": tenant_a.admin.username, "email": None, "systemRoles": None, "companyRoles": None}

    def test_an_admin_and_the_user_themself_see_them(self, gql, tenant_a):
        designer, token = tenant_a.user(system_roles=["workflow_creator"], company_roles=["sre"])
        created = upload(gql, type("Designer", (), {"token": token})(), example())
        expected = {
            "username": designer.username,
            "email": designer.email,
            "systemRoles": ["workflow_creator"],
            "companyRoles": ["sre"],
        }
        for viewer in (token, tenant_a.token):
            author = gql.data(self.QUERY, {"id": created["id"]}, token=viewer)["workflowDefinition"]["createdBy"]
            assert author == expected

    def test_me_shows_your_own(self, gql, tenant_a):
        designer, token = tenant_a.user(system_roles=["workflow_creator"])
        me = gql.data("{ me { email systemRoles } }", token=token)["me"]
        assert me == {"email": designer.email, "systemRoles": ["workflow_creator"]}
