"""Scratch PostgreSQL databases, a throwaway cluster, and checks of the stored workflows
read straight from the tables (psycopg, no Django)."""

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import psycopg
from psycopg import sql

from tests.support.servers import ROOT, free_port
from workflow_design.validation import errors, validate_workflow

LOCAL_HOSTS = {"127.0.0.1": "127.0.0.1", "localhost": "127.0.0.1"}


class Unavailable(Exception):
    """What the test needs is not on this machine: the test is skipped with this reason."""


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str
    password: str = ""

    @classmethod
    def of_url(cls, url: str) -> tuple["PgServer", str]:
        """The server and the database name of a postgres:// URL (the inverse of `url`)."""
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql"):
            raise ValueError(f"not a PostgreSQL URL: {parts.scheme!r}")
        user, password = unquote(parts.username or "postgres"), unquote(parts.password or "")
        return cls(parts.hostname or "", parts.port or 5432, user, password), unquote(parts.path.lstrip("/"))

    def url(self, dbname: str) -> str:
        auth = quote(self.user, safe="") + (f":{quote(self.password, safe='')}" if self.password else "")
        return f"postgres://{auth}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str, **kwargs) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=dbname,
            connect_timeout=5,
            **kwargs,
        )

    def create_database(self, name: str, *, template: str | None = None) -> None:
        """A new empty database, or a copy of `template` (a migrated one: a copy takes a second, `migrate` ten)."""
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with self.connect("postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(create)

    def allow_login(self, role: str) -> None:
        """Lets `role` (the application's, made by `migrate` without LOGIN) connect, with the server's own
        authentication (trust on 127.0.0.1 here; production gives it a password)."""
        with self.connect("postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(role)))

    def drop_database(self, name: str) -> None:
        with self.connect("postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def server_of_test_settings() -> PgServer:
    """The PostgreSQL server the test run itself uses (DATABASE_URL), when it is on 127.0.0.1."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        raise Unavailable("the test run does not use PostgreSQL")
    host = LOCAL_HOSTS.get(db.get("HOST") or "")
    if host is None:
        raise Unavailable(f"the test database server {db.get('HOST')!r} is not on 127.0.0.1")
    return PgServer(host, int(db.get("PORT") or 5432), db.get("USER") or "postgres", db.get("PASSWORD") or "")


def run_python(database_url: str, *args: str, timeout: float = 180) -> str:
    """`python ARGS` in the project, on `database_url` with the development settings; its output."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ticketflower.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "true",
    }
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def migrate(database_url: str) -> None:
    run_python(database_url, "manage.py", "migrate", "--noinput", "-v0")


def _postgres_bindir() -> Path:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    raise Unavailable("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")


class ThrowawayCluster:
    """A PostgreSQL cluster of its own in a temporary directory, on 127.0.0.1:<free port>, trust
    auth, user `postgres`; as root, its programs run as the `postgres` OS user. Never the
    machine's main cluster: stopping it disturbs no one."""

    def __init__(self):
        self.bindir = _postgres_bindir()
        self.os_user = None
        if os.geteuid() == 0:
            try:
                self.os_user = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise Unavailable("running as root, and there is no 'postgres' OS user to run PostgreSQL") from exc
        self.base = Path(tempfile.mkdtemp(prefix="tf_faults_"))
        self.data = self.base / "data"
        self.log = self.base / "postgresql.log"
        self.port = free_port()
        self.server = PgServer("127.0.0.1", self.port, "postgres")
        if self.os_user:
            os.chown(self.base, self.os_user.pw_uid, self.os_user.pw_gid)

    def _run(self, program: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [str(self.bindir / program), *args]
        if self.os_user:
            command = ["runuser", "-u", self.os_user.pw_name, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.base)

    def _check(self, done: subprocess.CompletedProcess, what: str) -> None:
        if done.returncode:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{what} failed:\n{done.stdout}\n{done.stderr}\n{log}")

    def init(self) -> "ThrowawayCluster":
        done = self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", timeout=120
        )
        self._check(done, "initdb")
        return self

    def start(self) -> float:
        """Starts the cluster and waits until it accepts connections; the seconds it took."""
        started = time.monotonic()
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
        self._check(done, "pg_ctl start")
        return time.monotonic() - started

    def stop(self, mode: str = "fast") -> float:
        """`fast`: clean shutdown, sessions are ended; `immediate`: every process killed, crash
        recovery at the next start. The seconds it took."""
        started = time.monotonic()
        self._check(self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"), "pg_ctl stop")
        return time.monotonic() - started

    def running(self) -> bool:
        return self.data.exists() and self._run("pg_ctl", "-D", str(self.data), "status").returncode == 0

    def destroy(self) -> None:
        try:
            if self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


# --- what is stored ------------------------------------------------------------------------

_WORKFLOWS = """
SELECT w.id, w.company_id, w.version, w.title, v.document, v.company_id,
       (SELECT array_agg(x.version ORDER BY x.version) FROM workflow_versions x WHERE x.workflow_id = w.id),
       (SELECT array_agg(t.key ORDER BY t.position) FROM task_definitions t WHERE t.workflow_id = w.id),
       (SELECT count(*) FROM task_definitions t WHERE t.workflow_id = w.id AND t.company_id <> w.company_id),
       (SELECT count(*) FROM workflow_transitions r WHERE r.workflow_id = w.id),
       (SELECT count(*) FROM workflow_transitions r WHERE r.workflow_id = w.id AND r.company_id <> w.company_id)
FROM workflow_definitions w
LEFT JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.version
ORDER BY w.id
"""


def integrity_problems(conn: psycopg.Connection) -> list[str]:
    """What is not whole: every workflow's rows must be exactly its current version's
    snapshot, with every version 1..current kept, all of one company."""
    problems = []
    for (
        wid,
        company,
        version,
        title,
        document,
        doc_company,
        versions,
        keys,
        foreign_tasks,
        transitions,
        foreign_tr,
    ) in conn.execute(_WORKFLOWS).fetchall():
        where = f"workflow {wid} v{version}"
        if document is None:
            problems.append(f"{where}: no snapshot of its current version")
            continue
        if versions != list(range(1, version + 1)):
            problems.append(f"{where}: versions kept {versions}")
        if doc_company != company or foreign_tasks or foreign_tr:
            problems.append(f"{where}: rows of another company")
        if title != document.get("title"):
            problems.append(f"{where}: title {title!r}, snapshot {document.get('title')!r}")
        expected_keys = [task["key"] for task in document.get("tasks", [])]
        if (keys or []) != expected_keys:
            problems.append(f"{where}: {len(keys or [])} task rows, snapshot has {len(expected_keys)} tasks")
        if transitions != len(document.get("transitions", [])):
            problems.append(f"{where}: {transitions} transitions, snapshot has {len(document.get('transitions', []))}")
    orphans = conn.execute(
        "SELECT count(*) FROM workflow_versions v WHERE NOT EXISTS "
        "(SELECT 1 FROM workflow_definitions w WHERE w.id = v.workflow_id)"
    ).fetchone()[0]
    if orphans:
        problems.append(f"{orphans} version snapshots of no workflow")
    return problems


def invalid_snapshots(conn: psycopg.Connection) -> tuple[int, list[str]]:
    """How many version snapshots there are, and those the validator finds an error in."""
    rows = conn.execute("SELECT workflow_id, version, document FROM workflow_versions ORDER BY 1, 2").fetchall()
    bad = []
    for wid, version, document in rows:
        found = errors(validate_workflow(document))
        if found:
            bad.append(f"workflow {wid} v{version}: {[(p.code, p.path) for p in found][:5]}")
    return len(rows), bad
