"""PostgreSQL stopped, killed or unreachable under a running service.

The test owns a throwaway PostgreSQL cluster (never the machine's main one) and runs the
production server (`bin/serve`, 2 gunicorn workers, DEBUG off) against it. Then:

- database stopped: every request that needs it gets a clear answer at once: HTTP 503 or
  200, JSON, every error `DATABASE_UNAVAILABLE` (never a masked "Unexpected error.", an HTML
  page or a hang), and nothing is written;
- database killed (`pg_ctl stop -m immediate`) and started again: requests succeed again
  within seconds, with the same server processes;
- database killed in the middle of an upload (held at its last insert by a table lock, and
  at random moments): the workflow is afterwards whole (its rows match its version
  snapshot) or not there at all, and the interrupted client got a clear error;
- database unreachable (a port that accepts connections and never answers): requests are
  answered with `DATABASE_UNAVAILABLE` within the connect timeout instead of hanging.
"""

import contextlib
import itertools
import os
import random
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from conftest import PASSWORD
from tests.support.documents import FORM_LAYOUT, example
from tests.support.http import Reply, get, post_graphql
from tests.support.operations import CREATE_COMPANY, DELETE, EXPORT, LIST, LOGIN, UPLOAD, VERSIONS
from tests.support.postgres import ThrowawayCluster, Unavailable, integrity_problems, migrate
from tests.support.servers import AppServer

DBNAME = "ticketflower"
DOWN_ANSWER_SECONDS = 5.0  # a stopped database refuses connections at once (a busy machine may be slow)
UNREACHABLE_ANSWER_SECONDS = 10.0  # the connect timeout (DATABASE_CONNECT_TIMEOUT_SECONDS, 5) and a margin
RECOVERY_SECONDS = 15.0
CLIENT_TIMEOUT = 15.0  # longer than any acceptable answer: a hang shows as "no answer after 15s"
RANDOM_KILLS = int(os.environ.get("DATABASE_FAULTS_RANDOM_KILLS", "3"))
SEED = int(os.environ.get("DATABASE_FAULTS_SEED", "0")) or random.randrange(1, 10**6)

pytestmark = [
    pytest.mark.slow,  # a throwaway cluster and bin/serve
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="database faults are tested with PostgreSQL (a throwaway cluster)"
    ),
]


def chain_document(tasks: int, title: str) -> dict:
    """A valid workflow of `tasks` form tasks in a row: start -> t0 -> ... -> end."""
    rows = [
        {
            "key": f"t{i}",
            "title": f"Step {i}",
            "taskType": "FORM",
            "outputSchema": {"type": "object", "properties": {"done": {"type": "boolean"}}},
            "editLayout": FORM_LAYOUT,
        }
        for i in range(tasks)
    ]
    keys = [None, *(row["key"] for row in rows), None]
    return {
        "title": title,
        "tasks": rows,
        "transitions": [{"fromTask": a, "toTask": b} for a, b in itertools.pairwise(keys)],
    }


@dataclass
class Stack:
    cluster: ThrowawayCluster
    server: AppServer
    workdir: Path
    username: str
    token: str
    workflow_id: str

    def ask(self, operation: str, query: str, variables: dict | None = None, *, token: str | None = "") -> Reply:
        token = self.token if token == "" else token
        return post_graphql(self.server.url, query, variables, token=token, timeout=CLIENT_TIMEOUT, operation=operation)

    def db(self, **kwargs):
        return self.cluster.server.connect(DBNAME, **kwargs)

    def census(self) -> dict[str, int]:
        with self.db() as conn:
            return {
                table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in (
                    "company",
                    "users",
                    "workflow_definitions",
                    "task_definitions",
                    "workflow_transitions",
                    "workflow_versions",
                )
            }

    def integrity(self) -> list[str]:
        with self.db() as conn:
            return integrity_problems(conn)

    def serving_again(self, limit: float = RECOVERY_SECONDS) -> float:
        """Seconds until a read succeeds; fails after `limit`."""
        started = time.monotonic()
        last = None
        while time.monotonic() - started < limit:
            last = self.ask("list", LIST)
            if _succeeded(last, "workflowDefinitions"):
                return time.monotonic() - started
            time.sleep(0.1)
        pytest.fail(f"no successful read {limit:.0f}s after the database came back: {last and last.summary()}")


def _succeeded(reply: Reply, name: str) -> bool:
    return reply.status == 200 and not reply.top_errors and reply.field(name) is not None


def unclear(reply: Reply, within: float) -> str | None:
    """Why this answer to a request made while the database is unavailable is not a clear
    one, or None: answered in time, HTTP 503 or 200, JSON, every error DATABASE_UNAVAILABLE."""
    if reply.status is None:
        return f"no answer ({reply.failure}) after {reply.seconds:.1f}s"
    if reply.seconds > within:
        return f"answered after {reply.seconds:.1f}s"
    if reply.status not in (200, 503):
        return f"HTTP {reply.status}"
    if not isinstance(reply.body, dict) or not reply.top_errors:
        return "no error in a JSON body"
    if "Unexpected error" in reply.text:
        return "a masked error"
    if set(reply.top_codes) != {"DATABASE_UNAVAILABLE"}:
        return f"error codes {reply.top_codes}"
    return None


def _background(call, *args) -> tuple[threading.Thread, dict[str, Reply]]:
    """Runs `call(*args)` in a thread; its result lands in the dict under "reply"."""
    result: dict[str, Reply] = {}
    thread = threading.Thread(target=lambda: result.update(reply=call(*args)))
    thread.start()
    return thread, result


def _report(title: str, replies: list[Reply]) -> str:
    return f"{title}:\n" + "\n".join(f"  {reply.summary(400)}" for reply in replies)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    try:
        cluster = ThrowawayCluster()
    except Unavailable as exc:
        pytest.skip(str(exc))
    workdir = tmp_path_factory.mktemp("database_faults")
    server = None
    try:
        cluster.init()
        cluster.start()
        cluster.server.create_database(DBNAME)
        migrate(cluster.server.url(DBNAME))
        server = AppServer("faults", database_url=cluster.server.url(DBNAME), workdir=workdir, workers=2).start()
        username = f"faults_{os.getpid()}"
        variables = {
            "input": {
                "companyName": "Faults",
                "username": username,
                "email": f"{username}@example.com",
                "password": PASSWORD,
            }
        }
        made = post_graphql(server.url, CREATE_COMPANY, variables)
        assert made.field("createCompany"), made.summary()
        token = made.field("createCompany")["accessToken"]
        uploaded = post_graphql(server.url, UPLOAD, {"input": example()}, token=token)
        assert (uploaded.field("uploadWorkflow") or {}).get("errors") == [], uploaded.summary()
        workflow_id = uploaded.field("uploadWorkflow")["workflow"]["id"]
        yield Stack(cluster, server, workdir, username, token, workflow_id)
    finally:
        if server is not None:
            server.stop()
        cluster.destroy()


@pytest.fixture
def up(stack) -> Stack:
    """The database runs and the service answers, before and after each test."""
    if not stack.cluster.running():
        stack.cluster.start()
    stack.serving_again()
    yield stack
    if not stack.cluster.running():
        stack.cluster.start()


def test_database_down_every_request_gets_a_clear_error_at_once(up):
    current = up.ask("export", EXPORT, {"id": up.workflow_id}).field("exportWorkflow")
    edited = {**current, "title": "edited while the database is down"}
    before = up.census()

    up.cluster.stop("fast")
    try:
        replies = [
            up.ask("workflowDefinitions", LIST),
            up.ask("exportWorkflow", EXPORT, {"id": up.workflow_id}),
            up.ask("uploadWorkflow (create)", UPLOAD, {"input": {**example(), "title": "made while down"}}),
            up.ask("uploadWorkflow (edit)", UPLOAD, {"input": edited}),
            up.ask("deleteWorkflowDefinition", DELETE, {"id": up.workflow_id, "version": current["expectedVersion"]}),
            up.ask("login", LOGIN, {"username": up.username, "password": PASSWORD}, token=None),
            up.ask(
                "createCompany",
                CREATE_COMPANY,
                {"input": {"companyName": "Down", "username": "down", "email": "d@example.com", "password": PASSWORD}},
                token=None,
            ),
        ]
        no_database = up.ask("__typename", "{ __typename }", token=None)
    finally:
        up.cluster.start()
    recovery = up.serving_again()
    after = up.census()

    print("\n" + _report("database stopped (pg_ctl stop -m fast)", [*replies, no_database]))
    print(f"  served again {recovery:.2f}s after the database came back")
    problems = [f"{reply.operation}: {why}" for reply in replies if (why := unclear(reply, DOWN_ANSWER_SECONDS))]
    assert problems == [], "unclear answers while the database is down:\n" + "\n".join(problems)
    # No crash: the server runs on, and a query that reads nothing is answered (or clearly refused).
    assert up.server.alive()
    assert no_database.field("__typename") == "Query" or unclear(no_database, DOWN_ANSWER_SECONDS) is None
    assert after == before, "something was written while the database was down"
    assert up.integrity() == []


def test_service_recovers_by_itself_when_the_database_returns(up):
    master = up.server.pid
    up.cluster.stop("immediate")  # a crash: the workers' open connections die with it
    try:
        down = [up.ask("workflowDefinitions", LIST) for _ in range(4)]
    finally:
        starting = time.monotonic()
        start_seconds = up.cluster.start()
    recovery = up.serving_again()

    # Every worker serves again: reads, an edit and a login, several times over.
    replies = []
    for round_number in range(4):
        current = up.ask("exportWorkflow", EXPORT, {"id": up.workflow_id})
        document = {**current.field("exportWorkflow"), "title": f"after recovery {round_number}"}
        replies += [
            current,
            up.ask("uploadWorkflow", UPLOAD, {"input": document}),
            up.ask("workflowVersions", VERSIONS, {"id": up.workflow_id}),
            up.ask("login", LOGIN, {"username": up.username, "password": PASSWORD}, token=None),
        ]
    total = time.monotonic() - starting
    print(
        f"\ndatabase killed (pg_ctl stop -m immediate): answers while down "
        f"{[f'HTTP {r.status} in {r.seconds:.2f}s' for r in down]}\n"
        f"  database restarted in {start_seconds:.2f}s; first successful read {recovery:.2f}s later; "
        f"{len(replies)} requests after it, all succeeded: "
        f"{all(r.status == 200 and not r.top_errors for r in replies)}; {total:.2f}s in all"
    )
    assert all(reply.status is not None and reply.seconds < DOWN_ANSWER_SECONDS for reply in down), _report(
        "answers while down", down
    )
    assert recovery < RECOVERY_SECONDS
    failed = [r for r in replies if r.status != 200 or r.top_errors or "Unexpected error" in r.text]
    assert failed == [], _report("failures after the database came back", failed)
    uploads = [r.field("uploadWorkflow") for r in replies if r.operation == "uploadWorkflow"]
    assert all(payload["errors"] == [] for payload in uploads), uploads
    assert up.server.pid == master, "the server was restarted"
    assert up.server.alive()
    assert "WORKER TIMEOUT" not in up.server.log_text()
    assert up.integrity() == []


def test_readiness_follows_the_database_and_health_does_not(up):
    """/readyz says 503 while the database is stopped and 200 once it runs again; /healthz stays 200 (an
    orchestrator must not restart a server the database cannot serve)."""
    ready, healthy = f"{up.server.base_url}/readyz", f"{up.server.base_url}/healthz"
    assert get(ready).body == {"status": "ready"}
    up.cluster.stop("fast")
    try:
        down = [get(ready, timeout=CLIENT_TIMEOUT) for _ in range(3)]
        alive = get(healthy)
    finally:
        up.cluster.start()
    started = time.monotonic()
    while (again := get(ready)).status != 200 and time.monotonic() - started < RECOVERY_SECONDS:
        time.sleep(0.1)
    recovery = time.monotonic() - started
    print(
        f"\n/readyz while the database is stopped: {[f'HTTP {r.status} in {r.seconds:.3f}s' for r in down]}; "
        f"/healthz HTTP {alive.status}; ready again {recovery:.2f}s after it started"
    )
    for reply in down:
        assert reply.status == 503, reply.summary()
        assert reply.body == {"status": "unavailable", "reason": "the database does not answer"}
        assert reply.seconds < DOWN_ANSWER_SECONDS
    assert alive.status == 200
    assert again.status == 200, again.summary()
    assert again.body == {"status": "ready"}


# --- killed in the middle of an upload -----------------------------------------------------

_BLOCKED_AT_LAST_INSERT = """
SELECT pid FROM pg_stat_activity
WHERE datname = %s AND wait_event_type = 'Lock' AND query ILIKE %s AND pid <> pg_backend_pid()
"""


MID_WRITE_MISSED = (
    "the upload was not caught inside one open transaction holding its written rows (locks held: {}): "
    "are its writes one transaction?"
)


def _kill_during_version_insert(stack: Stack, document: dict) -> tuple[Reply, dict[str, str]]:
    """Uploads `document` while a lock holds its transaction at the insert of the version
    snapshot (the last write: the workflow and task rows are written, not committed), then
    kills the database. The client's answer, and the table locks its transaction held."""
    locker = stack.db()
    locker.execute("LOCK TABLE workflow_versions IN EXCLUSIVE MODE")  # reads pass, inserts wait
    client, answer = _background(stack.ask, "uploadWorkflow", UPLOAD, {"input": document})
    held: dict[str, str] = {}
    try:
        with stack.db(autocommit=True) as watcher:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                row = watcher.execute(_BLOCKED_AT_LAST_INSERT, (DBNAME, '%INSERT INTO "workflow_versions"%')).fetchone()
                if row:
                    locks = watcher.execute(
                        "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE l.pid = %s AND l.granted AND c.relkind = 'r'",
                        (row[0],),
                    ).fetchall()
                    held = {relation: mode for relation, mode in locks if "RowExclusive" in mode}
                    break
                time.sleep(0.02)
    finally:
        stack.cluster.stop("immediate")
        with contextlib.suppress(Exception):  # its server is gone
            locker.close()
        client.join(CLIENT_TIMEOUT + 5)
        stack.cluster.start()
    stack.serving_again()
    assert "reply" in answer, "the interrupted client got no answer at all"
    return answer["reply"], held


def test_database_killed_in_the_middle_of_an_upload_leaves_nothing_half_written(up):
    rng = random.Random(SEED)
    lines, problems = [], []

    # 1. A new workflow of 400 tasks, killed at its last insert.
    title = f"killed create {SEED}"
    before = up.census()
    reply, held = _kill_during_version_insert(up, chain_document(400, title))
    lines.append(f"create killed mid-transaction (row locks held: {sorted(held)}): {reply.summary(300)}")
    whole = up.integrity()
    assert whole == [], "\n".join(whole)
    with up.db() as conn:
        assert conn.execute("SELECT count(*) FROM workflow_definitions WHERE title = %s", (title,)).fetchone()[0] == 0
    assert up.census() == before, "rows of the interrupted create remain"
    assert {"workflow_definitions", "task_definitions"} <= set(held), MID_WRITE_MISSED.format(held)
    if why := unclear(reply, DOWN_ANSWER_SECONDS):
        problems.append(f"interrupted create: {why}")

    # 2. An edit replacing every task, killed at its last insert: the previous version stays whole.
    current = up.ask("exportWorkflow", EXPORT, {"id": up.workflow_id}).field("exportWorkflow")
    edit = {
        **chain_document(300, f"killed edit {SEED}"),
        "id": current["id"],
        "expectedVersion": current["expectedVersion"],
    }
    reply, held = _kill_during_version_insert(up, edit)
    lines.append(f"edit killed mid-transaction (row locks held: {sorted(held)}): {reply.summary(300)}")
    whole = up.integrity()
    assert whole == [], "\n".join(whole)
    assert up.ask("exportWorkflow", EXPORT, {"id": up.workflow_id}).field("exportWorkflow") == current
    assert {"workflow_definitions", "task_definitions"} <= set(held), MID_WRITE_MISSED.format(held)
    if why := unclear(reply, DOWN_ANSWER_SECONDS):
        problems.append(f"interrupted edit: {why}")

    # 3. Big uploads killed at random moments: whole or absent, never in between.
    started = time.monotonic()
    baseline = up.ask("uploadWorkflow", UPLOAD, {"input": chain_document(1000, f"baseline {SEED}")})
    upload_seconds = time.monotonic() - started
    assert baseline.field("uploadWorkflow")["errors"] == [], baseline.summary()
    outcomes = []
    for round_number in range(RANDOM_KILLS):
        title = f"random kill {SEED} {round_number}"
        delay = rng.uniform(0.3, 1.1) * upload_seconds
        client, answer = _background(up.ask, "uploadWorkflow", UPLOAD, {"input": chain_document(1000, title)})
        time.sleep(delay)
        up.cluster.stop("immediate")
        client.join(CLIENT_TIMEOUT + 5)
        up.cluster.start()
        up.serving_again()
        assert "reply" in answer, "the interrupted client got no answer at all"
        reply = answer["reply"]
        with up.db() as conn:
            stored = conn.execute("SELECT count(*) FROM workflow_definitions WHERE title = %s", (title,)).fetchone()[0]
        succeeded = bool(reply.field("uploadWorkflow")) and reply.field("uploadWorkflow")["errors"] == []
        outcomes.append(f"killed after {delay:.2f}s: {'stored' if stored else 'absent'}, answer {reply.summary(160)}")
        assert stored in (0, 1)
        if succeeded:
            assert stored == 1, f"{title}: the client was told it was saved, and it is not there"
        elif why := unclear(reply, DOWN_ANSWER_SECONDS):
            problems.append(f"upload killed at random: {why}")
        whole = up.integrity()
        assert whole == [], "\n".join(whole)

    print(
        "\n"
        + "\n".join(lines)
        + f"\nuploads of 1000 tasks take {upload_seconds:.2f}s; killed at random (seed {SEED}):\n  "
        + "\n  ".join(outcomes)
    )
    assert problems == [], "unclear answers to interrupted uploads:\n" + "\n".join(problems)


# --- unreachable ---------------------------------------------------------------------------


def test_unreachable_database_gets_a_clear_error_within_the_connect_timeout(up):
    """A database host that accepts TCP connections and never answers (a hung server, a
    half-open network path). Requests must not wait for gunicorn to kill the worker."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # never accepted, never answered
        port = silent.getsockname()[1]
        server = AppServer(
            "unreachable",
            database_url=f"postgres://postgres@127.0.0.1:{port}/{DBNAME}",
            workdir=up.workdir,
            workers=2,
            secret_key=up.server.secret_key,  # the token of the main server is valid here
        )
        try:
            server.start()
            replies: list[Reply] = []

            def ask(operation, query, variables=None, token=None):
                replies.append(
                    post_graphql(server.url, query, variables, token=token, timeout=CLIENT_TIMEOUT, operation=operation)
                )

            clients = [
                threading.Thread(target=ask, args=("workflowDefinitions", LIST, None, up.token)),
                threading.Thread(
                    target=ask, args=("login", LOGIN, {"username": up.username, "password": PASSWORD}, None)
                ),
            ]
            for client in clients:
                client.start()
            for client in clients:
                client.join(CLIENT_TIMEOUT + 5)
        finally:
            server.stop()
    print("\n" + _report("database unreachable (a port that never answers)", replies))
    problems = [f"{reply.operation}: {why}" for reply in replies if (why := unclear(reply, UNREACHABLE_ANSWER_SECONDS))]
    assert len(replies) == 2
    assert problems == [], "unclear or late answers while the database is unreachable:\n" + "\n".join(problems)
