"""A private Redis and a private PgBouncer for tests and the benchmark, run by the project's own scripts
(bin/redis, bin/pgbouncer: Debian's packages, installed when missing), each on a free port of 127.0.0.1 with
its files in a temporary directory; never the machine's own servers."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import redis

from tests.support.postgres import PgServer, Unavailable
from tests.support.servers import ROOT, free_port

UNAVAILABLE_EXIT = 69  # the scripts' word for "cannot be installed here"


class _Service:
    """A script of bin/ run in the foreground in its own process group, stopped by signalling that group."""

    name = ""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix=f"tf_{self.name}_"))
        self.process: subprocess.Popen | None = None

    def _spawn(self, *args: str, env: dict[str, str] | None = None) -> None:
        with open(self.dir / "run.log", "ab") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "bin" / self.name), *args],
                cwd=ROOT,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait(self, ready, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.log()
                self.stop()
                if self.process.returncode == UNAVAILABLE_EXIT:
                    raise Unavailable(output.strip().splitlines()[-1])
                raise RuntimeError(f"bin/{self.name} ended with {self.process.returncode}:\n{output}")
            with contextlib.suppress(OSError, redis.RedisError, psycopg.OperationalError):
                if ready():
                    return
            time.sleep(0.1)
        output = self.log()
        self.stop()
        raise RuntimeError(f"bin/{self.name} did not answer within {timeout:.0f}s:\n{output}")

    def log(self) -> str:
        texts = []
        for path in sorted(self.dir.glob("*.log")):
            with contextlib.suppress(OSError):
                texts.append(path.read_text(errors="replace")[-3000:])
        return "\n".join(texts)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer(_Service):
    name = "redis"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 120) -> "RedisServer":
        """Starts it (again, on the same port after a stop) and waits until it answers."""
        self._spawn(str(self.port), str(self.dir))
        self._wait(lambda: redis.Redis.from_url(self.url, socket_connect_timeout=1).ping(), timeout)
        return self

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)


class PgBouncer(_Service):
    """Transaction pooling in front of `server`, for `users` (pool of `pool_size` server connections each)."""

    name = "pgbouncer"

    def __init__(self, server: PgServer, users: list[str], pool_size: int = 4):
        super().__init__()
        self.server, self.users, self.pool_size = server, users, pool_size

    def url(self, dbname: str, user: str) -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{dbname}"

    def start(self, timeout: float = 180) -> "PgBouncer":
        """Starts it (installing PgBouncer first when missing) and waits until it listens."""
        where = (str(self.port), str(self.dir), self.server.host, str(self.server.port))
        self._spawn(*where, *self.users, env={"POOL_SIZE": str(self.pool_size)})

        def ready() -> bool:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True

        self._wait(ready, timeout)
        return self
