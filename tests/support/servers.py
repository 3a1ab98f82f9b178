"""The production server (bin/serve: gunicorn, sync workers) as a child process of a test."""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.support.http import Reply, post_graphql

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "bin" / "serve"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppServer:
    """`bin/serve` bound to 127.0.0.1:<free port>, DEBUG off, its output in `<workdir>/<name>.log`.

    Servers built with the same `secret_key` accept each other's access tokens."""

    def __init__(
        self,
        name: str,
        *,
        database_url: str,
        workdir: Path,
        workers: int = 2,
        secret_key: str = "",
        env: dict[str, str] | None = None,
    ):
        self.name = name
        self.database_url = database_url
        self.workdir = Path(workdir)
        self.workers = workers
        self.secret_key = secret_key or secrets.token_urlsafe(50)
        self.extra_env = env or {}
        self.log_path = self.workdir / f"{name}.log"
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/graphql/"

    def start(self, timeout: float = 60.0) -> "AppServer":
        for _attempt in range(3):  # another process may take the free port before gunicorn binds it
            self._spawn()
            answer = self._wait_answer(timeout)
            if answer is not None and answer.status == 200:
                return self
            if answer is not None or self.process.poll() is None or "already in use" not in self.log_tail():
                break
        self.stop()
        what = answer.summary() if answer is not None else f"no answer within {timeout:.0f}s"
        raise RuntimeError(f"server {self.name} is not serving GraphQL: {what}\n{self.log_tail()}")

    def _spawn(self) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": self.database_url,
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(self.workers),
            # Plain HTTP on 127.0.0.1: in production, TLS ends in front of the app.
            "SECURE_SSL_REDIRECT": "false",
            **self.extra_env,
        }
        env.pop("JWT_SIGNING_KEY", None)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                # Its own control socket: the default one is shared by every gunicorn of this user.
                [str(SERVE), "--control-socket", str(self.workdir / f"{self.name}.ctl")],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole, by its id
            )

    def _wait_answer(self, timeout: float) -> Reply | None:
        """The first HTTP answer to `{ __typename }`, or None when the process died or stayed silent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return None
            # Long enough for an answer that waits for an unreachable database's connect timeout.
            reply = post_graphql(self.url, "{ __typename }", timeout=15)
            if reply.status is not None:
                return reply
            time.sleep(0.2)
        return None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Graceful stop (SIGTERM to gunicorn), then SIGKILL to what is left of its process group."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
