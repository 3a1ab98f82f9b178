"""Whole-workflow upload over HTTP: located problems, versions, round trips, atomicity."""

import copy
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.documents import ERROR_CASES, FORM_LAYOUT, WARNING_CASES, example
from tests.support.ids import pk_of
from tests.support.uploads import UPLOAD, database_state, export, located, upload
from workflow_design.models import TaskDefinition, WorkflowDefinition, WorkflowTransition, WorkflowVersion

VALIDATE = """
query($input: WorkflowInput!) {
  validateWorkflow(input: $input) { valid errors { code path } warnings { code path } }
}"""


@pytest.mark.django_db
class TestProblemCodes:
    @pytest.mark.parametrize(("code", "path", "mutate"), ERROR_CASES, ids=[f"{c}:{p}" for c, p, _ in ERROR_CASES])
    def test_each_error_code_is_located_and_nothing_is_written(self, gql, tenant_a, tmp_path, code, path, mutate):
        document = example()
        mutate(document)
        body = gql.post(UPLOAD, {"input": document}, token=tenant_a.token)
        if "errors" in body:
            # Not expressible in GraphQL's typed input (a wrong JSON type, an unknown key):
            # such documents arrive through import files, which report the same problem.
            assert body["errors"][0]["message"].startswith("Variable '$input' ")
            file = tmp_path / "broken.workflow.json"
            file.write_text(json.dumps(document))
            with pytest.raises(CommandError) as refused:
                call_command("import_workflows", str(file), company=tenant_a.company.name)
            assert f"{code} at {path or '/'}:" in str(refused.value)
        else:
            payload = body["data"]["uploadWorkflow"]
            assert payload["workflow"] is None
            assert located(payload["errors"]) == [(code, path)]
        assert WorkflowDefinition.objects.count() == 0

    @pytest.mark.parametrize(("code", "path", "mutate"), WARNING_CASES, ids=[c for c, _, _ in WARNING_CASES])
    def test_warnings_do_not_block(self, gql, tenant_a, code, path, mutate):
        document = example()
        mutate(document)
        payload = upload(gql, tenant_a, document)
        assert payload["errors"] == []
        assert located(payload["warnings"]) == [(code, path)]
        assert payload["workflow"]["version"] == 1

    def test_many_mistakes_are_reported_at_once(self, gql, tenant_a):
        document = example()
        document["title"] = "x" * 256
        document["fields"].append({"fieldName": "service", "fieldType": "string"})
        document["tasks"][0]["key"] = "Triage"
        document["tasks"][1]["timeoutSeconds"] = 900
        document["tasks"][3]["actionUrl"] = "ftp://mail.example.com"
        document["transitions"][4]["toTask"] = "notify_reportr"
        document["transitions"][1]["condition"] = {"==": [{"var": "tasks.triage.severty"}, "high"]}
        payload = upload(gql, tenant_a, document)
        codes = {(p["code"], p["path"]) for p in payload["errors"]}
        assert {
            ("TOO_LONG", "/title"),
            ("DUPLICATE_FIELD", "/fields/3/fieldName"),
            ("INVALID_KEY", "/tasks/0/key"),
            ("INVALID_TIMEOUT", "/tasks/1/timeoutSeconds"),
            ("INVALID_URL", "/tasks/3/actionUrl"),
            ("UNKNOWN_TASK", "/transitions/4/toTask"),
        } <= codes
        unknown_task = next(p for p in payload["errors"] if p["path"] == "/transitions/4/toTask")
        assert "did you mean 'notify_reporter'?" in unknown_task["message"].lower()
        assert payload["workflow"] is None

    def test_validate_workflow_reports_the_same_and_writes_nothing(self, gql, tenant_a):
        document = example()
        document["transitions"][5]["toTask"] = "nowhere"
        report = gql.data(VALIDATE, {"input": document}, token=tenant_a.token)["validateWorkflow"]
        assert report["valid"] is False
        assert located(report["errors"]) == [("UNKNOWN_TASK", "/transitions/5/toTask")]
        assert gql.data(VALIDATE, {"input": example()}, token=tenant_a.token)["validateWorkflow"] == {
            "valid": True,
            "errors": [],
            "warnings": [],
        }
        assert WorkflowDefinition.objects.count() == 0


@pytest.mark.django_db
class TestVersions:
    def test_round_trip_upload_export_upload_is_a_no_op(self, gql, tenant_a):
        created = upload(gql, tenant_a, example())["workflow"]
        exported = export(gql, tenant_a, created["id"])
        assert exported == {"id": created["id"], "expectedVersion": 1, **example()}
        again = upload(gql, tenant_a, exported)
        assert again["errors"] == []
        assert again["workflow"] == created  # same version, same task rows and versions
        assert WorkflowVersion.objects.count() == 1

    def test_edit_bumps_the_changed_tasks_only(self, gql, tenant_a):
        created = upload(gql, tenant_a, example())["workflow"]
        rows = {t["key"]: t for t in created["tasks"]}
        edited = export(gql, tenant_a, created["id"])
        edited["tasks"][0]["title"] = "Triage the incident"  # changed
        del edited["tasks"][1]  # page_oncall removed...
        edited["transitions"] = [t for t in edited["transitions"] if "page_oncall" not in (t["fromTask"], t["toTask"])]
        edited["tasks"].append(
            {
                "key": "postmortem",
                "title": "Postmortem",
                "taskType": "FORM",
                "editLayout": FORM_LAYOUT,
                "outputSchema": {"type": "object", "properties": {"doc": {"type": "string"}}},
            }
        )
        edited["transitions"][-1]["toTask"] = "postmortem"
        edited["transitions"].append({"fromTask": "postmortem", "toTask": None})

        payload = upload(gql, tenant_a, edited)
        assert payload["errors"] == []
        assert payload["workflow"]["version"] == 2
        after = {t["key"]: t for t in payload["workflow"]["tasks"]}
        assert after["triage"] == {**rows["triage"], "version": 2}
        assert after["resolve"] == rows["resolve"]
        assert after["notify_reporter"] == rows["notify_reporter"]
        assert after["postmortem"]["version"] == 1
        assert "page_oncall" not in after
        assert not TaskDefinition.objects.filter(key="page_oncall").exists()
        assert [v.version for v in WorkflowVersion.objects.order_by("version")] == [1, 2]

        # The old version is still exported as it was; the current version is the edit.
        assert export(gql, tenant_a, created["id"], version=1) == {
            "id": created["id"],
            "expectedVersion": 2,
            **example(),
        }
        assert export(gql, tenant_a, created["id"]) == {**edited, "expectedVersion": 2}
        versions = gql.data(
            """query($id: ID!) {
              workflowVersions(id: $id) { totalCount edges { node { version createdBy { username } } } } }""",
            {"id": created["id"]},
            token=tenant_a.token,
        )["workflowVersions"]
        assert versions["totalCount"] == 2
        assert [edge["node"] for edge in versions["edges"]] == [
            {"version": v, "createdBy": {"username": tenant_a.admin.username}} for v in (1, 2)
        ]

    def test_an_edit_keeps_the_transitions_it_leaves_alone(self, gql, tenant_a):
        """Transitions are matched by their ends, condition and priority, as tasks are by key: their
        ids survive an edit of a task's title; a changed, removed or added one is another row."""
        created = upload(gql, tenant_a, example())["workflow"]
        before = transition_ids(gql, tenant_a, created["id"])
        edited = export(gql, tenant_a, created["id"])
        edited["tasks"][2]["title"] = "Resolve the incident"  # resolve: its transitions are untouched
        assert upload(gql, tenant_a, edited)["workflow"]["version"] == 2
        assert transition_ids(gql, tenant_a, created["id"]) == before

        edited = export(gql, tenant_a, created["id"])
        edited["transitions"][1]["condition"] = {"==": [{"var": "tasks.triage.severity"}, "medium"]}
        moved = edited["transitions"].pop(5)  # notify_reporter -> end, now listed first
        edited["transitions"].insert(0, moved)
        assert upload(gql, tenant_a, edited)["workflow"]["version"] == 3
        after = transition_ids(gql, tenant_a, created["id"])
        changed = ("triage", "page_oncall")
        assert {ends: row for ends, row in after.items() if ends != changed} == {
            ends: row for ends, row in before.items() if ends != changed
        }
        assert after[changed] != before[changed]
        assert WorkflowTransition.objects.get(pk=pk_of(after[("notify_reporter", None)])).position == 0

    def test_a_json_value_of_another_type_is_a_change(self, gql, tenant_a):
        """true and 1 are different JSON values, which Python's == takes for one another."""
        document = example()
        document["tasks"][0]["inputSchema"]["properties"]["urgent"] = {"const": True}
        created = upload(gql, tenant_a, document)["workflow"]
        document["tasks"][0]["inputSchema"]["properties"]["urgent"] = {"const": 1}
        edited = upload(gql, tenant_a, {**document, "id": created["id"], "expectedVersion": 1})["workflow"]
        assert edited["version"] == 2
        assert {t["key"]: t["version"] for t in edited["tasks"]}["triage"] == 2
        exported = export(gql, tenant_a, created["id"])
        assert exported["tasks"][0]["inputSchema"]["properties"]["urgent"] == {"const": 1}

    def test_stale_expected_version_is_a_conflict_and_writes_nothing(self, gql, tenant_a):
        created = upload(gql, tenant_a, example())["workflow"]
        first_edit = export(gql, tenant_a, created["id"])
        second_edit = copy.deepcopy(first_edit)
        first_edit["title"] = "First"
        assert upload(gql, tenant_a, first_edit)["workflow"]["version"] == 2
        second_edit["title"] = "Second"
        before = database_state()
        payload = upload(gql, tenant_a, second_edit)
        assert located(payload["errors"]) == [("VERSION_CONFLICT", "/expectedVersion")]
        assert database_state() == before
        # The refusal brings the workflow as it stands, for the client's cache (issue 14).
        assert (payload["workflow"]["id"], payload["workflow"]["version"]) == (created["id"], 2)
        assert [task["key"] for task in payload["workflow"]["tasks"]] == [task["key"] for task in first_edit["tasks"]]

    def test_export_of_unknown_version_is_null(self, gql, tenant_a):
        created = upload(gql, tenant_a, example())["workflow"]
        assert export(gql, tenant_a, created["id"], version=7) is None


@pytest.mark.django_db
class TestAtomicity:
    def test_failure_in_the_middle_of_writing_leaves_the_database_as_before(self, gql, tenant_a, monkeypatch, caplog):
        created = upload(gql, tenant_a, example())["workflow"]
        edited = export(gql, tenant_a, created["id"])
        edited["tasks"][0]["title"] = "Changed"
        before = database_state()

        def fail(*args, **kwargs):
            raise RuntimeError("disk full")

        # Tasks and the workflow row are written by then; the transitions are not.
        monkeypatch.setattr(WorkflowTransition.objects, "bulk_create", fail)
        body = gql.post(UPLOAD, {"input": edited}, token=tenant_a.token)
        assert body["data"] == {"uploadWorkflow": None}
        assert body["errors"][0]["message"] == "Unexpected error."
        assert "disk full" not in json.dumps(body)
        assert "disk full" in caplog.text  # logged for the operators, with its trace
        assert database_state() == before
        assert export(gql, tenant_a, created["id"]) == {"id": created["id"], "expectedVersion": 1, **example()}


def generated_workflow(tasks: int, transitions_per_task: int = 3) -> dict:
    """A valid chain of FORM tasks with extra conditional back edges."""
    keys = [f"t{i}" for i in range(tasks)]
    document = {
        "title": f"Generated {tasks}",
        "fields": [{"fieldName": "n", "fieldType": "integer"}],
        "tasks": [
            {
                "key": key,
                "title": key,
                "taskType": "FORM",
                "editLayout": FORM_LAYOUT,
                "outputSchema": {"type": "object", "properties": {"ok": {"type": "boolean"}}},
            }
            for key in keys
        ],
        "transitions": [{"fromTask": None, "toTask": keys[0]}],
    }
    for i, key in enumerate(keys):
        following = keys[i + 1] if i + 1 < tasks else None
        document["transitions"].append({"fromTask": key, "toTask": following})
        for j in range(1, transitions_per_task):
            document["transitions"].append(
                {
                    "fromTask": key,
                    "toTask": keys[max(i - j, 0)],
                    "priority": j,
                    "condition": {"==": [{"var": f"tasks.{key}.ok"}, j % 2 == 0]},
                }
            )
    return document


def transition_ids(gql, tenant, workflow_id: str) -> dict[tuple, str]:
    """The ids of a workflow's transitions, by their ends (the example has one transition per pair)."""
    query = "query($id: ID!) { workflowDefinition(id: $id) { transitions { id fromTask { key } toTask { key } } } }"
    transitions = gql.data(query, {"id": workflow_id}, token=tenant.token)["workflowDefinition"]["transitions"]
    return {tuple(end and end["key"] for end in (t["fromTask"], t["toTask"])): t["id"] for t in transitions}


@pytest.mark.django_db
def test_statements_of_an_upload_do_not_grow_with_its_size(gql, tenant_a):
    def statements(document: dict) -> tuple[int, str]:
        """The statements of its upload, and the id of the workflow written."""
        with CaptureQueriesContext(connection) as captured:
            payload = upload(gql, tenant_a, document)
        assert payload["errors"] == [], payload["errors"][:3]
        return len(captured), payload["workflow"]["id"]

    def edit(document: dict, workflow_id: str) -> dict:
        """10 titles changed, a transition's condition changed, one transition removed, one added."""
        edited = {**copy.deepcopy(document), "id": workflow_id, "expectedVersion": 1}
        for task in edited["tasks"][:10]:
            task["title"] += " (edited)"
        edited["transitions"][2]["priority"] = 7
        del edited["transitions"][3]
        edited["transitions"].append(
            {"fromTask": "t1", "toTask": "t0", "priority": 9, "condition": {"==": [{"var": "ticket.n"}, 3]}}
        )
        return edited

    small, large = generated_workflow(50), generated_workflow(500)
    assert len(large["transitions"]) == 1501
    (small_count, small_id), (large_count, large_id) = statements(small), statements(large)
    (small_edit, _), (large_edit, _) = statements(edit(small, small_id)), statements(edit(large, large_id))
    # SQLite caps one statement at 999 parameters, so its bulk inserts come in batches.
    slack = 0 if connection.vendor == "postgresql" else 25
    assert large_count <= small_count + slack, (small_count, large_count)
    assert large_edit <= small_edit + slack, (small_edit, large_edit)
    assert large_count < 60
    assert large_edit < 60
