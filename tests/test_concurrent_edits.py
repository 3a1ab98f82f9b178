"""Two clients editing the same workflow version at once, through a live server."""

import json
import threading
import urllib.request

import pytest
from django.db import connection

from tests.support.documents import example
from tests.support.ids import gid
from workflow_design.models import WorkflowVersion
from workflow_design.services import workflow_upload

pytestmark = pytest.mark.slow  # a live server and parallel requests

ROUNDS = 15
UPLOAD = """mutation($input: WorkflowInput!) {
  uploadWorkflow(input: $input) { workflow { version title } errors { code path } } }"""


def post(url: str, token: str, variables: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps({"query": UPLOAD, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def race(url: str, token: str, workflow_id: str, expected_version: int, titles: list[str]) -> dict:
    """Sends one edit per title at the same moment; the answers by title."""
    barrier = threading.Barrier(len(titles))
    results: dict[str, tuple[int, dict]] = {}

    def edit(title: str) -> None:
        document = {**example(), "id": workflow_id, "expectedVersion": expected_version, "title": title}
        barrier.wait()
        results[title] = post(url, token, {"input": document})

    threads = [threading.Thread(target=edit, args=(title,)) for title in titles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks under concurrent writers are tested on PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_same_expected_version_one_wins_one_conflicts(live_server):
    from conftest import Tenant

    tenant = Tenant("Concurrent")
    workflow = workflow_upload(acting_user=tenant.admin, document=example()).row
    url = f"{live_server.url}/graphql/"
    winners = []
    for round_number in range(1, ROUNDS + 1):
        titles = [f"round {round_number} {side}" for side in "ab"]
        results = race(url, tenant.token, gid(workflow), round_number, titles)
        assert {status for status, _ in results.values()} == {200}
        payloads = {title: body["data"]["uploadWorkflow"] for title, (_, body) in results.items()}
        won = [title for title, p in payloads.items() if p["errors"] == []]
        lost = [p["errors"] for p in payloads.values() if p["errors"]]
        assert len(won) == 1, payloads
        assert lost == [[{"code": "VERSION_CONFLICT", "path": "/expectedVersion"}]]
        assert payloads[won[0]]["workflow"]["version"] == round_number + 1
        winners.append(won[0])

    history = list(WorkflowVersion.objects.filter(workflow=workflow).order_by("version"))
    assert [v.version for v in history] == list(range(1, ROUNDS + 2))
    # No lost update: every successful edit is a version, in order.
    assert [v.document["title"] for v in history[1:]] == winners
