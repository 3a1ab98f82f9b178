"""GraphQL over HTTP conformance of /graphql/, checked by the spec's reference audit suite.

conformance/audit.mjs runs every server audit of the `graphql-http` npm package (pinned in
package.json, installed by bin/install-graphiql-assets) against a live server on 127.0.0.1.
Every MUST audit has to pass; the SHOULD (and MAY) audits that fail are printed so that CI
logs show them, and the README lists them with the reason.

Two clients are audited:
- anonymous, with introspection public (as in development, and CI);
- bearer-authenticated, with introspection not public (as in production).
Not audited: anonymous in production. There the MUST audit "allow map {variables} parameter"
fails by design, because it sends `query Type($name: String!) { __type(name: $name) { name } }`
and anonymous clients may not introspect in production.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from users.services import company_create

pytestmark = pytest.mark.slow  # a live server and the Node.js audits

ROOT = Path(__file__).resolve().parent.parent
AUDIT_SCRIPT = ROOT / "conformance" / "audit.mjs"
GRAPHQL_HTTP = ROOT / "node_modules" / "graphql-http" / "package.json"
TIMEOUT_S = 60


def _show(capsys, text: str) -> None:
    """Print past pytest's output capture, so that CI logs show it even when the test passes."""
    with capsys.disabled():
        print(f"\n{text}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("client", "public_introspection"),
    [("anonymous", True), ("bearer", False)],
    ids=["anonymous-public-introspection", "bearer-production-introspection"],
)
def test_every_must_audit_of_graphql_http_passes(client, public_introspection, live_server, settings, tmp_path, capsys):
    node = shutil.which("node")
    skip_reason = None
    if node is None:
        skip_reason = "`node` is not installed (Node.js 20+ is needed for the graphql-http audits)"
    elif not GRAPHQL_HTTP.is_file():
        skip_reason = "node_modules/graphql-http is not installed: run bin/install-graphiql-assets"
    if skip_reason:
        _show(capsys, f"GraphQL over HTTP conformance skipped: {skip_reason}")
        pytest.skip(skip_reason)

    settings.GRAPHQL_PUBLIC_INTROSPECTION = public_introspection
    env = {k: v for k, v in os.environ.items() if k != "GRAPHQL_HTTP_AUDIT_BEARER_TOKEN"}
    if client == "bearer":
        pair = company_create(
            company_name="Conformance Co", username="conformance", email="c@example.com", password="audit-pass-8431"
        )
        env["GRAPHQL_HTTP_AUDIT_BEARER_TOKEN"] = pair.access_token

    # The live server listens on localhost's IPv4 address; name it by that address so the
    # audit's requests go to 127.0.0.1 and nowhere else (audit.mjs refuses any other host).
    port = urlsplit(live_server.url).port
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    url = f"http://127.0.0.1:{port}/graphql/"
    report_path = tmp_path / "graphql-http-audit.json"

    try:
        proc = subprocess.run(
            [node, str(AUDIT_SCRIPT), url, "--json", str(report_path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"the graphql-http audits did not finish within {TIMEOUT_S} s: {e.stdout!r}")
    # The whole audit output: shown by pytest if the test fails.
    print(proc.stdout)
    if proc.stderr:
        print(proc.stderr)
    assert report_path.is_file(), f"audit.mjs wrote no report (exit {proc.returncode}): {proc.stderr[-2000:]}"
    report = json.loads(report_path.read_text())
    results = report["results"]
    assert len(results) > 0, "graphql-http ran no audits"
    assert report["client"] == client

    failures = [r for r in results if not r["ok"]]
    version = report["graphqlHttpVersion"]
    lines = [f"graphql-http {version} audits, {client} client: {report['passed']} of {len(results)} pass"]
    for level in ("SHOULD", "MAY"):
        listed = [r for r in failures if r["level"] == level]
        lines.append(f"{level} audits failing ({len(listed)}):")
        lines += [f"  [{r['id']}] {r['name']}: {r['reason']}" for r in listed]
    _show(capsys, "\n".join(lines))

    must_failures = [
        f"[{r['id']}] {r['name']}: {r['reason']} (response: {r.get('response')})"
        for r in failures
        if r["level"] == "MUST"
    ]
    assert must_failures == [], "MUST audits failing:\n" + "\n".join(must_failures)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
