"""A browser designer UI against a live server (issue #14, "Browser-ready API").

- Apollo Client (clients/web, Node): the designer UI's operations, typed by graphql-codegen from the
  committed SDL and type-checked by clients/web/bin/check, run against `bin/serve` with the results
  and the normalised cache checked (clients/web/test/api.test.ts).
- Headless Chromium: a page served from http://localhost:5173 (an origin the server allows) logs in
  with fetch, sends `Authorization` and `X-Request-ID`, reads the exposed response headers and
  fetches the public workflow document JSON Schema; the same page served from another origin is
  refused by CORS (its fetch fails with a TypeError), though it may still read the public schema.

Each test signs a company up through the API on a server with a database of its own.
"""

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import NoReturn
from urllib.parse import urlencode, urlsplit

import pytest

from conftest import PASSWORD
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, LAUNCH_TIMEOUT_MS
from tests.support.databases import scratch_database
from tests.support.http import post_graphql
from tests.support.operations import CREATE_COMPANY
from tests.support.servers import ROOT, AppServer, free_port

pytestmark = pytest.mark.slow  # a live server, npm, Node and a browser

CLIENT = ROOT / "clients" / "web"
PAGES = CLIENT / "browser"
ALLOWED_ORIGIN = "http://localhost:5173"
ALLOWED_PORT = 5173
NODE_TIMEOUT = 300  # seconds, for bin/check (npm ci on a cold machine) and for the Node tests

# localhost is the page's origin; the static server listens on 127.0.0.1 (not ::1).
PAGE_CHROMIUM_ARGS = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP localhost 127.0.0.1"]
TIMEOUT_MS = 10_000


def skip(reason: str) -> NoReturn:
    print(reason)
    pytest.skip(reason)


def need_node() -> None:
    for program in ("node", "npm"):
        if shutil.which(program) is None:
            skip(f"{program} is not installed (Node.js 20+ with npm); the web client tests are skipped")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[AppServer]:
    """bin/serve (DEBUG off) on a database of its own, allowing the browser origin http://localhost:5173.

    One worker: the response cache is per process, so the page's second identical query is a hit."""
    workdir = tmp_path_factory.mktemp("web_client")
    with scratch_database(workdir, "web_client") as database_url:
        app = AppServer(
            "web",
            database_url=database_url,
            workdir=workdir,
            workers=1,
            env={"CORS_ALLOWED_ORIGINS": ALLOWED_ORIGIN},
        ).start()
        try:
            yield app
        finally:
            app.stop()


def sign_up(server: AppServer, name: str) -> str:
    """A new company through the API; the username of its first user (company_admin + workflow_creator)."""
    username = f"{name}_{os.getpid()}"
    fields = {
        "companyName": f"{name} {os.getpid()}",
        "username": username,
        "email": "a@example.com",
        "password": PASSWORD,
    }
    reply = post_graphql(server.url, CREATE_COMPANY, {"input": fields})
    payload = reply.field("createCompany")
    assert payload is not None, reply.summary()
    assert payload["errors"] == [], reply.summary()
    assert payload["accessToken"], reply.summary()
    return username


def run(command: list[str], *, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=CLIENT,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
    )
    return done, time.monotonic() - started


def output(done: subprocess.CompletedProcess) -> str:
    return (
        f"exit code {done.returncode}\n--- stdout ---\n{done.stdout[-20_000:]}\n--- stderr ---\n{done.stderr[-5_000:]}"
    )


def test_apollo_client_runs_the_designer_operations(server):
    need_node()
    check, check_seconds = run(["bin/check"])
    assert check.returncode == 0, f"clients/web/bin/check failed:\n{output(check)}"
    print(check.stdout.strip(), f"({check_seconds:.1f}s with npm ci when needed)")

    env = {
        "TICKETFLOWER_API_URL": server.url,
        "TICKETFLOWER_USERNAME": sign_up(server, "apollo"),
        "TICKETFLOWER_PASSWORD": PASSWORD,
        "NO_COLOR": "1",
    }
    tests, seconds = run(["npm", "test", "--silent"], env=env)
    print(tests.stdout, f"Node tests ran in {seconds:.1f}s", sep="\n")
    assert tests.returncode == 0, (
        f"the Apollo Client tests failed:\n{output(tests)}\n--- server log ---\n{server.log_tail()}"
    )
    # node:test's spec reporter closes with its counts: some ran, none failed.
    counts = dict(re.findall(r"^\S+ (tests|pass|fail) (\d+)$", tests.stdout, re.MULTILINE))
    assert counts.get("fail") == "0", output(tests)
    assert int(counts.get("pass", "0")) > 0, output(tests)


# --- headless Chromium ------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def static_server(port: int) -> Iterator[str]:
    """clients/web/browser/ served on 127.0.0.1:`port` from a thread; skips the test when the port is taken."""
    handler = functools.partial(_QuietHandler, directory=str(PAGES))
    try:
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        skip(f"port {port} on 127.0.0.1 is taken ({exc}); the browser page test needs it for origin {ALLOWED_ORIGIN}")
    thread = threading.Thread(target=httpd.serve_forever, name=f"static-{port}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def page_results(origin: str, server: AppServer, username: str) -> tuple[dict, list[str], list[str]]:
    """Opens the page at `origin`; what it found (window.checkResults), the console messages and page errors."""
    from playwright.sync_api import sync_playwright

    api = urlsplit(server.url)
    query = urlencode({"api": f"{api.scheme}://{api.netloc}", "username": username, "password": PASSWORD})
    console: list[str] = []
    page_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=PAGE_CHROMIUM_ARGS, timeout=LAUNCH_TIMEOUT_MS
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            response = page.goto(f"{origin}/index.html?{query}", wait_until="load", timeout=TIMEOUT_MS)
            assert response is not None
            assert response.ok, response.status
            page.wait_for_selector("body[data-done=true]", timeout=TIMEOUT_MS)
            results = page.evaluate("window.checkResults")
            shown = json.loads(page.locator("#results").text_content() or "null")
            assert shown == results
        finally:
            browser.close()
    return results, console, page_errors


def need_chromium() -> None:
    if not CHROMIUM.exists():
        skip(f"{CHROMIUM} is not installed (apt-get install chromium); the browser page tests are skipped")


def committed_schema_properties() -> list[str]:
    schema = json.loads((ROOT / "schema" / "workflow_document.schema.json").read_text())
    return sorted(schema["properties"])


@pytest.mark.browser
def test_a_page_on_an_allowed_origin_uses_the_api(server):
    need_chromium()
    with static_server(ALLOWED_PORT):
        username = sign_up(server, "browser")
        results, console, page_errors = page_results(ALLOWED_ORIGIN, server, username)

    assert page_errors == [], page_errors
    assert "graphqlError" not in results, (results, console)
    assert "schemaError" not in results, (results, console)
    assert results["origin"] == ALLOWED_ORIGIN
    assert results["login"] == {
        "status": 200,
        "requestId": "web-check-login-0001",  # echoed, and readable: X-Request-ID is exposed
        "gotAccessToken": True,
        "errors": [],
    }
    me = {
        "id": results["me"][0]["data"]["me"]["id"],
        "username": username,
        "company": {"name": f"browser {os.getpid()}"},
    }
    assert results["me"] == [
        {"status": 200, "requestId": "web-check-me-0001", "responseCache": "miss", "data": {"me": me}, "errors": None},
        {"status": 200, "requestId": "web-check-me-0002", "responseCache": "hit", "data": {"me": me}, "errors": None},
    ]
    assert results["workflowDocumentSchema"] == {
        "status": 200,
        "contentType": "application/json",
        "schemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "title": "WorkflowInput",
        "properties": committed_schema_properties(),
    }


@pytest.mark.browser
def test_a_page_on_another_origin_is_refused_by_cors(server):
    need_chromium()
    with static_server(free_port()) as origin:
        username = sign_up(server, "elsewhere")
        results, console, page_errors = page_results(origin, server, username)

    assert page_errors == [], page_errors
    assert results["origin"] == origin
    # The browser withholds the answer: no status, no body, a TypeError in the page.
    assert results["graphqlError"] == {"name": "TypeError", "message": "Failed to fetch"}, results
    assert "login" not in results
    assert any("blocked by CORS policy" in message and "/graphql/" in message for message in console), console
    # The JSON Schemas are public documents: any origin may read them.
    assert results["workflowDocumentSchema"]["status"] == 200
    assert results["workflowDocumentSchema"]["properties"] == committed_schema_properties()
