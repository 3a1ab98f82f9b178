"""Two app servers on one PostgreSQL database, several clients at once.

Two `bin/serve` processes (gunicorn, 2 sync workers each, DEBUG off) on different ports
share a database made for this test, in two set-ups: connected straight to PostgreSQL as the
tables' owner ("direct"), and as production is advised to run ("pooled"): through a private
PgBouncer in transaction mode (bin/pgbouncer, 2 server connections for the 4 workers, so that
their transactions take turns on server sessions) as the application's role, under row-level
security, sharing a private Redis (bin/redis) for the response cache. Client threads of two
companies alternate between the servers for a bounded time: uploads, edits with expected
versions (export, change, upload), deletes with expected versions, reads, and probes of the
other company's ids. Then, from the answers and from the tables themselves:

- no HTTP 5xx, no transport failure, no top-level error, no masked "Unexpected error";
- no lost update: each workflow's kept versions are exactly the successful uploads to it,
  each holding the title its client sent; a workflow that is gone was deleted by a client;
- tenant isolation: no read of one company returned the other's workflows, every probe
  of the other company's ids was NOT_FOUND / null, every row carries its creator's company;
- every stored version document is valid and every workflow's rows match its snapshot.

In the pooled set-up, also: an answer cached through one server is a hit on the other, a write
through either is seen at once by both, and each server's /metrics sums its two workers.

TWO_SERVERS_SECONDS (default 10) and TWO_SERVERS_CLIENTS (default 6) size the run.
"""

import collections
import os
import random
import secrets
import statistics
import threading
import time
import traceback
from dataclasses import dataclass, field

import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

import ticketflower.settings as production_settings
from conftest import PASSWORD
from kernel.global_ids import global_id
from tests.support.documents import example
from tests.support.http import Reply, get, post_graphql
from tests.support.ids import pk_of
from tests.support.operations import CREATE_COMPANY, DELETE, EXPORT, LIST, LOGIN, ME, ONE, UPLOAD, VERSIONS
from tests.support.postgres import (
    PgServer,
    Unavailable,
    integrity_problems,
    invalid_snapshots,
    migrate,
    server_of_test_settings,
)
from tests.support.servers import AppServer
from tests.support.services import PgBouncer, RedisServer

SECONDS = float(os.environ.get("TWO_SERVERS_SECONDS", "10"))
CLIENTS = int(os.environ.get("TWO_SERVERS_CLIENTS", "6"))
SEED = int(os.environ.get("TWO_SERVERS_SEED", "0")) or random.randrange(1, 10**6)

pytestmark = [
    pytest.mark.slow,  # two bin/serve servers for 20 s
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="two servers sharing one database are tested on PostgreSQL"
    ),
]


CONFLICT = [{"code": "VERSION_CONFLICT", "path": "/expectedVersion"}]
NOT_FOUND = [{"code": "NOT_FOUND", "path": "/id"}]


@dataclass
class Company:
    name: str
    username: str
    company_id: str = ""
    hot: list[str] = field(default_factory=list)  # never deleted; most edits go here
    deletable: list[str] = field(default_factory=list)
    created: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)  # ids its reads returned
    gone: set[str] = field(default_factory=set)  # ids its reads or edits found missing


class Ledger:
    """Every answer, and what the clients learnt from them."""

    def __init__(self):
        self.lock = threading.Lock()
        self.replies: list[tuple[str, str, Reply]] = []  # (kind, server, reply)
        self.outcomes: collections.Counter = collections.Counter()
        self.successes: dict[str, dict[int, str]] = collections.defaultdict(dict)  # id -> {version: title}
        self.unexpected: list[str] = []

    def record(self, kind: str, server: AppServer, reply: Reply) -> Reply | None:
        """The reply when it is a clean GraphQL answer; otherwise noted as unexpected."""
        problem = None
        if reply.status is None:
            problem = "no answer"
        elif reply.status != 200:
            problem = f"HTTP {reply.status}"
        elif "Unexpected error" in reply.text:
            problem = "masked error"
        elif not isinstance(reply.body, dict) or reply.top_errors:
            problem = "top-level error"
        with self.lock:
            self.replies.append((kind, server.name, reply))
            if problem:
                self.unexpected.append(f"{problem} from {server.name}: {reply.summary()}")
        return None if problem else reply

    def outcome(self, kind: str, what: str) -> None:
        with self.lock:
            self.outcomes[(kind, what)] += 1

    def success(self, workflow_id: str, version: int, title: str) -> None:
        with self.lock:
            self.successes[workflow_id][version] = title

    def odd(self, message: str) -> None:
        with self.lock:
            self.unexpected.append(message)


class Client:
    """One client thread of a company: operations chosen at random (seeded), requests
    alternating between the servers."""

    KINDS = ("create", "edit", "delete", "list", "export", "versions", "foreign")
    WEIGHTS = (2, 6, 1, 2, 1, 1, 1)

    def __init__(self, number: int, company: Company, other: Company, servers, ledger: Ledger):
        self.name = f"c{number}"
        self.number = number
        self.company, self.other = company, other
        self.servers, self.ledger = servers, ledger
        self.rng = random.Random(SEED * 100 + number)
        self.sent = 0
        self.token = ""

    def ask(self, kind: str, query: str, variables: dict | None = None) -> Reply | None:
        server = self.servers[(self.number + self.sent) % len(self.servers)]
        self.sent += 1
        reply = post_graphql(server.url, query, variables, token=self.token, timeout=30, operation=kind)
        return self.ledger.record(kind, server, reply)

    def run(self, deadline: float) -> None:
        try:
            self._run(deadline)
        except Exception:  # an answer of an unexpected shape: noted, never a silently dead thread
            self.ledger.odd(f"{self.name} stopped: {traceback.format_exc()}")

    def _run(self, deadline: float) -> None:
        reply = self.ask("login", LOGIN, {"username": self.company.username, "password": PASSWORD})
        if reply is None or not (reply.field("login") or {}).get("accessToken"):
            self.ledger.odd(f"{self.name}: login failed")
            return
        self.token = reply.field("login")["accessToken"]
        step = 0
        while time.monotonic() < deadline:
            step += 1
            kind = self.rng.choices(self.KINDS, self.WEIGHTS)[0]
            getattr(self, f"op_{kind}")(step)

    # --- operations -------------------------------------------------------------------

    def op_create(self, step: int) -> None:
        title = f"{self.name} create {step}"
        reply = self.ask("create", UPLOAD, {"input": {**example(), "title": title}})
        payload = reply and reply.field("uploadWorkflow")
        if not payload or payload["errors"] or payload["workflow"]["version"] != 1:
            self.ledger.odd(f"{self.name}: create refused: {payload}")
            return
        workflow_id = payload["workflow"]["id"]
        self.ledger.success(workflow_id, 1, title)
        self.ledger.outcome("create", "ok")
        with self.ledger.lock:
            self.company.created.add(workflow_id)
            (self.company.deletable if self.rng.random() < 0.6 else self.company.hot).append(workflow_id)

    def op_edit(self, step: int) -> None:
        with self.ledger.lock:
            pool = self.company.hot if self.rng.random() < 0.6 else sorted(self.company.created)
            workflow_id = self.rng.choice(pool)
        reply = self.ask("export", EXPORT, {"id": workflow_id})
        if reply is None:
            return
        document = reply.field("exportWorkflow")
        if document is None:
            self._gone("edit", workflow_id)
            return
        title = f"{self.name} edit {step}"
        document["title"] = title
        self.rng.choice(document["tasks"])["title"] = f"step changed by {self.name} at {step}"
        reply = self.ask("edit", UPLOAD, {"input": document})
        payload = reply and reply.field("uploadWorkflow")
        if not payload:
            return
        if payload["errors"] == []:
            version = payload["workflow"]["version"]
            if version != document["expectedVersion"] + 1 or payload["workflow"]["title"] != title:
                self.ledger.odd(f"{self.name}: edit of v{document['expectedVersion']} answered {payload}")
            self.ledger.success(workflow_id, version, title)
            self.ledger.outcome("edit", "ok")
        elif payload["errors"] == CONFLICT:
            self.ledger.outcome("edit", "conflict")
        elif payload["errors"] == NOT_FOUND:
            self._gone("edit", workflow_id)
        else:
            self.ledger.odd(f"{self.name}: edit of {workflow_id} refused: {payload['errors']}")

    def op_delete(self, step: int) -> None:
        with self.ledger.lock:
            candidates = [i for i in self.company.deletable if i not in self.company.deleted]
        if not candidates:
            self.op_create(step)
            return
        workflow_id = self.rng.choice(candidates)
        reply = self.ask("read", ONE, {"id": workflow_id})
        if reply is None:
            return
        row = reply.field("workflowDefinition")
        if row is None:
            self._gone("delete", workflow_id)
            return
        reply = self.ask("delete", DELETE, {"id": workflow_id, "version": row["version"]})
        payload = reply and reply.field("deleteWorkflowDefinition")
        if not payload:
            return
        if payload["ok"] and payload["errors"] == []:
            self.ledger.outcome("delete", "ok")
            with self.ledger.lock:
                self.company.deleted.add(workflow_id)
        elif payload["errors"] == CONFLICT:
            self.ledger.outcome("delete", "conflict")
        elif payload["errors"] == NOT_FOUND:
            self._gone("delete", workflow_id)
        else:
            self.ledger.odd(f"{self.name}: delete of {workflow_id} refused: {payload['errors']}")

    def op_list(self, step: int) -> None:
        reply = self.ask("list", LIST)
        listed = reply and reply.field("workflowDefinitions")
        if listed:
            rows = [edge["node"] for edge in listed["edges"]]
            if len(rows) != min(listed["totalCount"], 100):
                # The page and its count are one statement (a window counts the rows), one snapshot.
                self.ledger.odd(f"{self.name}: totalCount {listed['totalCount']}, {len(rows)} rows")
            with self.ledger.lock:
                self.company.seen.update(row["id"] for row in rows)
            self.ledger.outcome("list", "ok")

    def op_export(self, step: int) -> None:
        with self.ledger.lock:
            workflow_id = self.rng.choice(sorted(self.company.created))
        reply = self.ask("export", EXPORT, {"id": workflow_id})
        if reply is None:
            return
        document = reply.field("exportWorkflow")
        if document is None:
            self._gone("export", workflow_id)
        elif document["id"] != workflow_id:
            self.ledger.odd(f"{self.name}: export of {workflow_id} returned workflow {document['id']}")
        else:
            self.ledger.outcome("export", "ok")

    def op_versions(self, step: int) -> None:
        with self.ledger.lock:
            workflow_id = self.rng.choice(self.company.hot)
        reply = self.ask("versions", VERSIONS, {"id": workflow_id})
        if reply is None:
            return
        versions = [edge["node"]["version"] for edge in (reply.field("workflowVersions") or {"edges": []})["edges"]]
        if not versions or versions != list(range(1, len(versions) + 1)):
            self.ledger.odd(f"{self.name}: versions of {workflow_id}: {versions}")
        else:
            self.ledger.outcome("versions", "ok")

    def op_foreign(self, step: int) -> None:
        """The other company's workflow, by id: invisible and untouchable."""
        with self.ledger.lock:
            workflow_id = self.rng.choice(sorted(self.other.created))
        probe = self.rng.choice(("read", "export", "edit", "delete"))
        if probe == "read":
            reply = self.ask("foreign", ONE, {"id": workflow_id})
            refused = reply and reply.field("workflowDefinition") is None
        elif probe == "export":
            reply = self.ask("foreign", EXPORT, {"id": workflow_id})
            refused = reply and reply.field("exportWorkflow") is None
        elif probe == "edit":
            document = {**example(), "id": workflow_id, "expectedVersion": 1, "title": f"{self.name} intrusion"}
            reply = self.ask("foreign", UPLOAD, {"input": document})
            refused = reply and reply.field("uploadWorkflow")["errors"] == NOT_FOUND
        else:
            reply = self.ask("foreign", DELETE, {"id": workflow_id, "version": 1})
            refused = reply and reply.field("deleteWorkflowDefinition")["errors"] == NOT_FOUND
        if reply is None:
            return
        if refused:
            self.ledger.outcome("foreign", "refused")
        else:
            self.ledger.odd(f"ISOLATION: {self.name} of {self.company.name} {probe} of {workflow_id}: {reply.text}")

    def _gone(self, kind: str, workflow_id: str) -> None:
        self.ledger.outcome(kind, "gone")
        with self.ledger.lock:
            self.company.gone.add(workflow_id)


# --- the servers --------------------------------------------------------------------------


@dataclass
class Stack:
    servers: list[AppServer]
    pg: PgServer
    dbname: str
    pooler: PgBouncer | None = None


METRICS_TOKEN = secrets.token_urlsafe(24)
POOLED_SERVER_CONNECTIONS = 2


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """The test server and a migrated database to copy (`migrate` once for both set-ups)."""
    try:
        pg = server_of_test_settings()
    except Unavailable as exc:
        pytest.skip(str(exc))
    template = f"ticketflower_two_servers_template_{os.getpid()}"
    pg.create_database(template)
    try:
        migrate(pg.url(template))
        yield pg, template
    finally:
        pg.drop_database(template)


def _serve(pg: PgServer, dbname: str, workdir, database_url: str, env: dict[str, str]) -> list[AppServer]:
    """Two servers of one deployment: one SECRET_KEY, so either accepts the other's access tokens."""
    secret_key = secrets.token_urlsafe(50)
    servers: list[AppServer] = []
    try:
        # One after the other: bin/serve runs collectstatic into the same directory.
        for name in ("server1", "server2"):
            server = AppServer(
                name,
                database_url=database_url,
                workdir=workdir,
                workers=2,
                secret_key=secret_key,
                env={"ACCESS_TOKEN_LIFETIME_SECONDS": str(int(SECONDS) + 600), **env},  # outlives the run
            )
            servers.append(server)
            server.start()
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


@pytest.fixture(scope="module")
def direct(migrated, tmp_path_factory):
    """Straight to PostgreSQL, as the tables' owner."""
    pg, template = migrated
    dbname = f"ticketflower_two_servers_{os.getpid()}"
    pg.create_database(dbname, template=template)
    servers = []
    try:
        servers = _serve(pg, dbname, tmp_path_factory.mktemp("direct"), pg.url(dbname), {})
        yield Stack(servers, pg, dbname)
    finally:
        for server in servers:
            server.stop()
        pg.drop_database(dbname)


@pytest.fixture(scope="module")
def pooled(migrated, tmp_path_factory):
    """Through PgBouncer in transaction mode, as the application's role (row-level security), sharing a Redis."""
    pg, template = migrated
    dbname = f"ticketflower_two_servers_pooled_{os.getpid()}"
    role = production_settings.DATABASE_APP_ROLE
    pooler = PgBouncer(pg, [role, pg.user], pool_size=POOLED_SERVER_CONNECTIONS)
    cache = RedisServer()
    servers = []
    try:
        try:
            pooler.start()
            cache.start()
        except Unavailable as exc:
            pytest.skip(str(exc))
        pg.create_database(dbname, template=template)
        pg.allow_login(role)
        env = {
            "DATABASE_TRANSACTION_POOLING": "true",
            "REDIS_URL": cache.url,
            "METRICS_BEARER_TOKEN": METRICS_TOKEN,
        }
        servers = _serve(pg, dbname, tmp_path_factory.mktemp("pooled"), pooler.url(dbname, role), env)
        yield Stack(servers, pg, dbname, pooler)
    finally:
        for server in servers:
            server.stop()
        pooler.destroy()
        cache.destroy()
        pg.drop_database(dbname)


def _company(server: AppServer, ledger: Ledger, name: str) -> Company:
    """A company made over HTTP, with two workflows to start from."""
    company = Company(name=name, username=f"{name.lower()}_{os.getpid()}")
    variables = {
        "input": {
            "companyName": name,
            "username": company.username,
            "email": f"{company.username}@example.com",
            "password": PASSWORD,
        }
    }
    reply = ledger.record("createCompany", server, post_graphql(server.url, CREATE_COMPANY, variables))
    assert reply, "createCompany failed"
    assert reply.field("createCompany")["errors"] == [], reply.summary()
    token = reply.field("createCompany")["accessToken"]
    reply = ledger.record("me", server, post_graphql(server.url, ME, token=token))
    company.company_id = reply.field("me")["company"]["id"]
    for number in (1, 2):
        title = f"{name} seed {number}"
        reply = ledger.record(
            "create", server, post_graphql(server.url, UPLOAD, {"input": {**example(), "title": title}}, token=token)
        )
        workflow = reply.field("uploadWorkflow")["workflow"]
        ledger.success(workflow["id"], 1, title)
        company.created.add(workflow["id"])
        company.hot.append(workflow["id"])
    return company


def _figures(ledger: Ledger, seconds: float) -> str:
    kinds = collections.Counter(kind for kind, _, _ in ledger.replies)
    servers = collections.Counter(server for _, server, _ in ledger.replies)
    statuses = collections.Counter(reply.status for _, _, reply in ledger.replies)
    latencies = sorted(reply.seconds for _, _, reply in ledger.replies)
    p95 = latencies[int(len(latencies) * 0.95)] if latencies else 0
    outcomes = ", ".join(f"{kind} {what}: {n}" for (kind, what), n in sorted(ledger.outcomes.items()))
    conflicts = sum(n for (_, what), n in ledger.outcomes.items() if what == "conflict")
    return (
        f"two servers, {CLIENTS} clients, {seconds:.1f}s, seed {SEED}: {len(ledger.replies)} requests "
        f"({len(ledger.replies) / max(seconds, 0.001):.0f}/s)\n"
        f"  by kind: {dict(sorted(kinds.items()))}\n  by server: {dict(sorted(servers.items()))}\n"
        f"  HTTP status: {dict(statuses)}; latency median {statistics.median(latencies or [0]) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {max(latencies or [0]) * 1000:.0f} ms\n"
        f"  outcomes: {outcomes}\n  conflicts: {conflicts}; errors: {len(ledger.unexpected)}"
    )


@pytest.mark.parametrize("setup", ["direct", "pooled"])
def test_two_servers_one_database_under_concurrent_clients(setup, request):
    stack = request.getfixturevalue(setup)
    ledger = Ledger()
    a = _company(stack.servers[0], ledger, "Acme")
    b = _company(stack.servers[1], ledger, "Globex")
    clients = [Client(n, *((a, b) if n % 2 == 0 else (b, a)), stack.servers, ledger) for n in range(CLIENTS)]

    started = time.monotonic()
    deadline = started + SECONDS
    threads = [threading.Thread(target=client.run, args=(deadline,), name=client.name) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 120)
    elapsed = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads), "a client is still waiting for an answer"
    print(f"\n{setup}: " + _figures(ledger, elapsed))

    logs = "\n".join(f"--- {s.name} log ---\n{s.log_tail(40)}" for s in stack.servers)
    assert ledger.unexpected == [], "\n".join(ledger.unexpected[:30]) + "\n" + logs
    assert all(s.alive() for s in stack.servers)
    assert all(reply.status == 200 for _, _, reply in ledger.replies)
    for kind in ("create", "edit", "delete"):
        assert ledger.outcomes[(kind, "ok")] > 0, f"no successful {kind}: the run proves nothing"

    with stack.pg.connect(stack.dbname) as conn:
        rows = {
            global_id("WorkflowDefinition", wid): (global_id("Company", company), version)
            for wid, company, version in conn.execute(
                "SELECT id, company_id, version FROM workflow_definitions"
            ).fetchall()
        }
        kept: dict[str, dict[int, str]] = collections.defaultdict(dict)
        for wid, version, title in conn.execute(
            "SELECT workflow_id, version, document->>'title' FROM workflow_versions"
        ).fetchall():
            kept[global_id("WorkflowDefinition", wid)][version] = title
        whole = integrity_problems(conn)
        snapshots, invalid = invalid_snapshots(conn)

    created = {company.company_id: company.created for company in (a, b)}
    deleted = a.deleted | b.deleted
    lost = []
    for wid, versions in sorted(ledger.successes.items(), key=lambda item: pk_of(item[0])):
        if wid not in rows:
            if wid not in deleted:
                lost.append(f"workflow {wid} is gone, but no client deleted it")
        elif kept[wid] != versions:
            lost.append(f"workflow {wid}: kept {kept[wid]}, successful uploads {versions}")
    assert lost == [], "\n".join(lost[:20])
    assert not deleted & set(rows), "a deleted workflow is still there"
    assert set(rows) == set(ledger.successes) - deleted, "workflows no client created"
    assert (a.gone | b.gone) <= deleted, "a workflow read as missing that no client deleted"

    # Tenant isolation: in the answers and in the rows.
    assert not a.seen & b.created, f"Acme saw Globex's workflows {sorted(a.seen & b.created)}"
    assert not b.seen & a.created, f"Globex saw Acme's workflows {sorted(b.seen & a.created)}"
    assert a.seen, "Acme listed nothing"
    assert b.seen, "Globex listed nothing"
    wrong = [wid for wid, (company, _) in rows.items() if wid not in created.get(company, set())]
    assert wrong == [], f"workflows stored under another company than their creator's: {wrong}"

    assert whole == [], "\n".join(whole[:20])
    assert invalid == [], "\n".join(invalid[:20])
    edits = ledger.outcomes[("edit", "ok")]
    print(
        f"  stored: {len(rows)} workflows, {snapshots} version snapshots, all valid; "
        f"{edits} successful edits all kept; {len(deleted)} deleted"
    )


# --- one response cache for both servers ----------------------------------------------------

READ = "query Design($id: ID!) { workflowDefinition(id: $id) { title version tasks { key title } } }"


def _read(server: AppServer, token: str, workflow_id: str) -> tuple[str | None, dict]:
    reply = post_graphql(server.url, READ, {"id": workflow_id}, token=token, operation="Design")
    assert reply.status == 200, reply.summary()
    assert not reply.top_errors, reply.summary()
    return reply.headers.get("x-response-cache"), reply.field("workflowDefinition")


def _edit(server: AppServer, token: str, workflow_id: str, title: str) -> None:
    document = post_graphql(server.url, EXPORT, {"id": workflow_id}, token=token).field("exportWorkflow")
    reply = post_graphql(server.url, UPLOAD, {"input": {**document, "title": title}}, token=token)
    assert reply.field("uploadWorkflow")["errors"] == [], reply.summary()


def _design_requests(server: AppServer) -> float:
    """Design operations the server answered, from its /metrics: the sum of its two workers' counts."""
    reply = get(f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert reply.status == 200, reply.summary()
    return sum(
        sample.value
        for family in text_string_to_metric_families(reply.text)
        for sample in family.samples
        if sample.name == "ticketflower_requests_total" and sample.labels.get("operation") == "Design"
    )


def test_two_servers_share_one_response_cache_and_see_every_write_at_once(pooled):
    one, two = pooled.servers
    ledger = Ledger()
    company = _company(one, ledger, "Initech")
    token = post_graphql(one.url, LOGIN, {"username": company.username, "password": PASSWORD}).field("login")[
        "accessToken"
    ]
    workflow_id = company.hot[0]

    first, seen_first = _read(one, token, workflow_id)
    second, seen_second = _read(two, token, workflow_id)
    assert (first, second) == ("miss", "hit"), "an answer cached through one server is a hit on the other"
    assert seen_second == seen_first

    for writer, reader in ((two, one), (one, two)):
        title = f"edited through {writer.name}"
        _edit(writer, token, workflow_id, title)
        status, seen = _read(reader, token, workflow_id)
        assert (status, seen["title"]) == ("miss", title), f"a write through {writer.name} unseen by {reader.name}"
        status, seen = _read(writer, token, workflow_id)
        assert (status, seen["title"]) == ("hit", title), f"{reader.name}'s fresh answer is not shared"
    # 3 reads through each server, answered by either of its 2 workers: /metrics counts them all.
    assert (_design_requests(one), _design_requests(two)) == (3, 3)

    with pooled.pg.connect("postgres") as conn:
        sessions = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND usename = %s",
            (pooled.dbname, production_settings.DATABASE_APP_ROLE),
        ).fetchone()[0]
    assert 0 < sessions <= POOLED_SERVER_CONNECTIONS, "the 4 workers did not share the pooler's server sessions"
