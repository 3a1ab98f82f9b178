"""workflowDiff: the change list between two versions of a workflow, or from one to a proposed
document; the pure comparison (workflow_design.diff) on real edits of the demo workflows, with exact
pointers into both documents, and the GraphQL field (defaults, located problems, scoping)."""

import copy
import json
from pathlib import Path

import pytest

from tests.support.ids import gid
from workflow_design import document as doc
from workflow_design.diff import Change, workflow_diff
from workflow_design.services import workflow_upload

DEMO = Path(__file__).resolve().parents[1] / "workflow_design" / "demo"


def demo(name: str = "expense-approval") -> dict:
    return json.loads((DEMO / f"{name}.workflow.json").read_text())


def edited(edit, name: str = "expense-approval") -> tuple[dict, dict]:
    before = demo(name)
    after = copy.deepcopy(before)
    edit(after)
    return before, after


def task(key: str, changes=(), from_path=None, to_path=None, kind="CHANGED") -> Change:
    return Change(kind, "TASK", key, None, None, None, tuple(changes), from_path, to_path)


def transition(ends, occurrence=0, changes=(), from_path=None, to_path=None, kind="CHANGED") -> Change:
    return Change(kind, "TRANSITION", None, *ends, occurrence, tuple(changes), from_path, to_path)


def field(name: str, changes=(), from_path=None, to_path=None, kind="CHANGED") -> Change:
    return Change(kind, "FIELD", name, None, None, None, tuple(changes), from_path, to_path)


# --- real edits, exact pointers ----------------------------------------------------------------------


def test_the_same_document_has_no_changes():
    assert workflow_diff(demo(), demo()) == []


def test_a_renamed_task_title():
    before, after = edited(lambda d: d["tasks"][2].update(title="Finance check"))
    assert workflow_diff(before, after) == [task("finance_review", ["title"], "/tasks/2", "/tasks/2")]


def test_an_added_transition():
    def add(document):
        # Before the transition from finance_review to pay: later ones move, their pointers differ.
        document["transitions"].insert(7, {"fromTask": "finance_review", "toTask": "rework", "priority": 20})

    before, after = edited(add)
    assert workflow_diff(before, after) == [
        transition(("finance_review", "rework"), kind="ADDED", to_path="/transitions/7"),
    ]


def test_a_changed_condition():
    def change(document):
        document["transitions"][4]["condition"]["and"][1][">"][1] = 2000

    before, after = edited(change)
    assert workflow_diff(before, after) == [
        transition(("manager_review", "finance_review"), 0, ["condition"], "/transitions/4", "/transitions/4")
    ]


def test_a_changed_priority_and_condition_of_one_transition():
    before, after = edited(lambda d: d["transitions"][7].update(priority=5, condition=None))
    assert workflow_diff(before, after) == [
        transition(("finance_review", "pay"), 0, ["condition", "priority"], "/transitions/7", "/transitions/7")
    ]


def test_added_and_removed_fields():
    def edit(document):
        del document["fields"][3]  # costCenter
        document["fields"].append({"fieldName": "project", "fieldType": "string"})
        document["fields"][0]["fieldType"] = "integer"  # amount: number -> integer

    before, after = edited(edit)
    assert workflow_diff(before, after) == [
        field("costCenter", kind="REMOVED", from_path="/fields/3"),
        field("amount", ["fieldType"], "/fields/0", "/fields/0"),
        field("project", kind="ADDED", to_path="/fields/5"),
    ]


def test_added_and_removed_tasks_with_their_transitions():
    def edit(document):
        # finance_review leaves; an audit task comes in its place between manager_review and pay.
        del document["tasks"][2]
        document["tasks"].append({**copy.deepcopy(document["tasks"][1]), "key": "audit", "title": "Audit"})
        document["transitions"][4]["toTask"] = "audit"
        document["transitions"][7:9] = [{"fromTask": "audit", "toTask": "pay"}]

    before, after = edited(edit)
    assert workflow_diff(before, after) == [
        task("finance_review", kind="REMOVED", from_path="/tasks/2"),
        task("audit", kind="ADDED", to_path="/tasks/5"),
        transition(("manager_review", "finance_review"), kind="REMOVED", from_path="/transitions/4"),
        transition(("finance_review", "pay"), kind="REMOVED", from_path="/transitions/7"),
        transition(("finance_review", "notify_employee"), kind="REMOVED", from_path="/transitions/8"),
        transition(("manager_review", "audit"), kind="ADDED", to_path="/transitions/4"),
        transition(("audit", "pay"), kind="ADDED", to_path="/transitions/7"),
    ]


def test_workflow_properties():
    before, after = edited(lambda d: d.update(title="Expenses", description=None))
    assert workflow_diff(before, after) == [
        Change("CHANGED", "WORKFLOW", None, None, None, None, ("title", "description"), "", "")
    ]


def test_transitions_with_the_same_ends_are_told_apart_by_occurrence():
    def edit(document):
        document["transitions"].append({"fromTask": "pay", "toTask": "notify_employee", "priority": 5})

    before, after = edited(edit)
    assert workflow_diff(before, after) == [
        transition(("pay", "notify_employee"), 1, kind="ADDED", to_path="/transitions/12")
    ]
    # Reversed, the first occurrence takes the new condition: a CHANGED first and an ADDED second.
    after["transitions"][9], after["transitions"][12] = after["transitions"][12], after["transitions"][9]
    changes = workflow_diff(before, after)
    assert changes[0] == transition(("pay", "notify_employee"), 0, ["priority"], "/transitions/9", "/transitions/9")
    assert changes[1] == transition(("pay", "notify_employee"), 1, kind="ADDED", to_path="/transitions/12")


def test_a_transition_moved_among_its_tasks_outgoing_ones_changed_its_order():
    """Equal priorities are tried in document order: a reviewer must see the move, and only the moved one."""

    def edit(document):
        document["transitions"].insert(2, document["transitions"].pop(5))  # manager_review -> pay, first now

    before, after = edited(edit)
    assert workflow_diff(before, after) == [
        transition(("manager_review", "pay"), 0, ["order"], "/transitions/5", "/transitions/2")
    ]


def test_moving_tasks_fields_or_other_tasks_transitions_is_no_change():
    def edit(document):
        document["tasks"].reverse()
        document["fields"].reverse()
        document["transitions"].append(document["transitions"].pop(0))  # the start transition, last

    before, after = edited(edit)
    assert workflow_diff(before, after) == []


def test_values_are_compared_as_json_and_absent_equals_null_and_empty():
    """Python's == takes true for 1; the canonical form takes a null priority or an empty extRef for none."""

    def edit(document):
        document["transitions"][1]["priority"] = None
        document["tasks"][0]["extRef"] = []
        document["transitions"][4]["condition"]["and"][1][">"][1] = 1000.0  # 1000 -> 1000.0: another JSON value

    before, after = edited(edit)
    assert workflow_diff(before, after) == [
        transition(("manager_review", "finance_review"), 0, ["condition"], "/transitions/4", "/transitions/4")
    ]


def _value_of_kind(prop: doc.Prop):
    return [{}] if prop.kind == doc.OBJECT_LIST else "a value"


@pytest.mark.parametrize("prop", [p for p in doc.TASK.props if p.name != "key"], ids=lambda p: p.name)
def test_every_declared_task_property_is_compared(prop):
    """The comparison reads the document's declared shape: a prop declared later needs no change to be diffed."""
    before = demo()
    after = copy.deepcopy(before)
    after["tasks"][0][prop.name] = _value_of_kind(prop)
    assert workflow_diff(before, after) == [task("submit", [prop.name], "/tasks/0", "/tasks/0")]


@pytest.mark.parametrize(
    "prop", [p for p in doc.TRANSITION.props if p.name not in ("fromTask", "toTask")], ids=lambda p: p.name
)
def test_every_declared_transition_property_is_compared(prop):
    before = demo()
    after = copy.deepcopy(before)
    after["transitions"][1][prop.name] = _value_of_kind(prop)
    assert workflow_diff(before, after) == [
        transition(("submit", "manager_review"), 0, [prop.name], "/transitions/1", "/transitions/1")
    ]


# --- the GraphQL field -------------------------------------------------------------------------------

DIFF = """
query($id: ID!, $from: Int, $to: Int, $proposed: WorkflowInput) {
  workflowDiff(id: $id, from: $from, to: $to, proposed: $proposed) {
    fromVersion toVersion
    changes { kind what key fromTask toTask occurrence properties fromPath toPath }
    errors { code message path }
    warnings { code path }
  }
}"""


def diff_over_http(gql, tenant, **variables) -> dict:
    return gql.data(DIFF, variables, token=tenant.token)["workflowDiff"]


@pytest.fixture
def three_versions(tenant_a):
    """The expense approval in three versions: a renamed task title, then an added transition."""
    document = demo()
    tenant_a.user(company_roles=["team_lead", "finance"])  # the reviews' assignees
    workflow = workflow_upload(acting_user=tenant_a.admin, document=document).row
    document["tasks"][2]["title"] = "Finance check"
    workflow_upload(acting_user=tenant_a.admin, document={**document, "id": gid(workflow), "expectedVersion": 1})
    document["transitions"].append({"fromTask": "rework", "toTask": None, "priority": 10})
    workflow_upload(acting_user=tenant_a.admin, document={**document, "id": gid(workflow), "expectedVersion": 2})
    return workflow


RENAMED = {
    "kind": "CHANGED",
    "what": "TASK",
    "key": "finance_review",
    "fromTask": None,
    "toTask": None,
    "occurrence": None,
    "properties": ["title"],
    "fromPath": "/tasks/2",
    "toPath": "/tasks/2",
}
ADDED = {
    "kind": "ADDED",
    "what": "TRANSITION",
    "key": None,
    "fromTask": "rework",
    "toTask": None,
    "occurrence": 0,
    "properties": [],
    "fromPath": None,
    "toPath": "/transitions/12",
}


class TestGraphQL:
    def test_by_default_the_previous_and_the_current_version(self, gql, tenant_a, three_versions):
        result = diff_over_http(gql, tenant_a, id=gid(three_versions))
        assert result == {"fromVersion": 2, "toVersion": 3, "changes": [ADDED], "errors": [], "warnings": []}

    def test_two_stored_versions(self, gql, tenant_a, three_versions):
        result = diff_over_http(gql, tenant_a, id=gid(three_versions), **{"from": 1, "to": 3})
        assert (result["fromVersion"], result["toVersion"]) == (1, 3)
        assert result["changes"] == [RENAMED, ADDED]
        backwards = diff_over_http(gql, tenant_a, id=gid(three_versions), **{"from": 3, "to": 1})
        assert [(c["kind"], c["fromPath"], c["toPath"]) for c in backwards["changes"]] == [
            ("CHANGED", "/tasks/2", "/tasks/2"),
            ("REMOVED", "/transitions/12", None),
        ]

    def test_a_proposed_document_against_the_current_version(self, gql, tenant_a, three_versions):
        proposal = demo()  # what an assistant proposes: the first version's content, with a changed priority
        proposal["transitions"][5]["priority"] = 5
        result = diff_over_http(gql, tenant_a, id=gid(three_versions), proposed=proposal)
        assert (result["fromVersion"], result["toVersion"], result["errors"]) == (3, None, [])
        assert [(c["kind"], c["what"], c["properties"], c["fromPath"], c["toPath"]) for c in result["changes"]] == [
            ("CHANGED", "TASK", ["title"], "/tasks/2", "/tasks/2"),
            ("REMOVED", "TRANSITION", [], "/transitions/12", None),
            ("CHANGED", "TRANSITION", ["priority"], "/transitions/5", "/transitions/5"),
        ]
        against_first = diff_over_http(gql, tenant_a, id=gid(three_versions), proposed=proposal, **{"from": 1})
        assert [c["properties"] for c in against_first["changes"]] == [["priority"]]

    def test_a_proposed_document_is_validated_first(self, gql, tenant_a, three_versions):
        proposal = demo()
        proposal["transitions"][6]["toTask"] = "reworkk"
        result = diff_over_http(gql, tenant_a, id=gid(three_versions), proposed=proposal)
        assert result["changes"] == []
        unknown = [p for p in result["errors"] if p["code"] == "UNKNOWN_TASK"]
        assert [p["path"] for p in unknown] == ["/proposed/transitions/6/toTask"]
        assert "Did you mean 'rework'" in unknown[0]["message"]
        assert all(p["path"].startswith("/proposed/") for p in result["errors"] + result["warnings"])

    def test_a_proposed_documents_warnings_come_with_its_changes(self, gql, tenant_a, three_versions):
        proposal = demo()
        del proposal["tasks"][0]["editLayout"]
        result = diff_over_http(gql, tenant_a, id=gid(three_versions), proposed=proposal)
        assert result["errors"] == []
        assert ("MISSING_LAYOUT", "/proposed/tasks/0/editLayout") in [
            (p["code"], p["path"]) for p in result["warnings"]
        ]
        assert ("CHANGED", "TASK", ["editLayout"]) in [
            (c["kind"], c["what"], c["properties"]) for c in result["changes"]
        ]

    @pytest.mark.parametrize(
        ("arguments", "path"),
        [({"to": 4}, "/to"), ({"from": 0}, "/from"), ({"from": 9, "to": 2}, "/from"), ({"to": -1}, "/to")],
    )
    def test_an_unknown_version_is_located(self, gql, tenant_a, three_versions, arguments, path):
        result = diff_over_http(gql, tenant_a, id=gid(three_versions), **arguments)
        assert result["changes"] == []
        assert [(p["code"], p["path"]) for p in result["errors"]] == [("NOT_FOUND", path)]

    def test_to_and_proposed_exclude_each_other(self, gql, tenant_a, three_versions):
        result = diff_over_http(gql, tenant_a, id=gid(three_versions), to=2, proposed=demo())
        assert [(p["code"], p["path"]) for p in result["errors"]] == [("REQUIRED", "/to")]

    def test_another_companys_workflow_is_not_found(self, gql, tenant_a, tenant_b, three_versions):
        own = diff_over_http(gql, tenant_a, id=gid(three_versions))
        assert own["changes"], "company A sees no changes of its own workflow: the check would be vacuous"
        foreign = gql.post(DIFF, {"id": gid(three_versions), "from": 1}, token=tenant_b.token)
        nonexistent = gql.post(
            DIFF, {"id": "V29ya2Zsb3dEZWZpbml0aW9uOjk4NzY1NDMyMQ==", "from": 1}, token=tenant_b.token
        )
        malformed = gql.post(DIFF, {"id": "abc", "from": 1}, token=tenant_b.token)
        assert foreign == nonexistent == malformed
        result = foreign["data"]["workflowDiff"]
        assert [(p["code"], p["path"]) for p in result["errors"]] == [("NOT_FOUND", "/id")]

    def test_needs_the_workflow_creator_role(self, gql, tenant_a, three_versions):
        _, token = tenant_a.user(company_roles=["support_agent"])
        forbidden = gql.post(DIFF, {"id": gid(three_versions)}, token=token)
        assert forbidden["data"]["workflowDiff"] is None
        assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    def test_once_per_operation(self, gql, tenant_a, three_versions):
        twice = gql.post(
            "query($id: ID!) { a: workflowDiff(id: $id) { toVersion } b: workflowDiff(id: $id) { toVersion } }",
            {"id": gid(three_versions)},
            token=tenant_a.token,
        )
        assert twice["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
