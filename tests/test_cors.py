"""Browser apps on other origins: CORS preflights and answers of /graphql/ as a browser sees them, the public JSON
Schemas for any origin, and the default origins with and without DEBUG."""

import json
import os
import subprocess
import sys

import pytest

VITE = "http://localhost:5173"
DEV_SERVER_ORIGINS = [
    "http://localhost:3000",
    "http://127.0.0.1:3000",
    "http://localhost:5173",
    "http://127.0.0.1:5173",
]
# What Apollo Client, urql and a fetch wrapper with a request id send (the browser lower-cases them).
CLIENT_HEADERS = [
    "authorization",
    "content-type",
    "x-request-id",
    "cache-control",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
]
ME = "{ me { username } }"


@pytest.fixture(autouse=True)
def _development_origins(settings):
    """The development default, whatever CORS_ALLOWED_ORIGINS this test process was started with."""
    settings.CORS_ALLOWED_ORIGINS = DEV_SERVER_ORIGINS


def listed(header: str | None) -> set[str]:
    return {item.strip().lower() for item in (header or "").split(",") if item.strip()}


def preflight(client, path: str, origin: str, headers: list[str] = CLIENT_HEADERS):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=",".join(headers),
    )


@pytest.mark.django_db
class TestGraphQLEndpoint:
    @pytest.mark.parametrize("origin", DEV_SERVER_ORIGINS)
    def test_a_preflight_from_a_dev_server_allows_the_headers_clients_send(self, client, origin):
        response = preflight(client, "/graphql/", origin)
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == origin
        assert set(CLIENT_HEADERS) <= listed(response["Access-Control-Allow-Headers"])
        assert listed(response["Access-Control-Allow-Methods"]) == {"get", "post", "options"}
        assert response["Access-Control-Max-Age"] == "7200"
        assert "Access-Control-Allow-Credentials" not in response

    def test_a_post_exposes_the_request_id_and_the_cache_status(self, client, tenant_a):
        response = client.post(
            "/graphql/",
            data=json.dumps({"query": ME}),
            content_type="application/json",
            HTTP_ORIGIN=VITE,
            HTTP_AUTHORIZATION=f"Bearer {tenant_a.token}",
            HTTP_X_REQUEST_ID="browser-tab-0001",
        )
        assert response.status_code == 200
        assert response.json()["data"]["me"]["username"] == tenant_a.admin.username
        assert response["Access-Control-Allow-Origin"] == VITE
        assert listed(response["Access-Control-Expose-Headers"]) == {"x-request-id", "x-response-cache"}
        assert response["X-Request-ID"] == "browser-tab-0001"
        assert response["X-Response-Cache"] == "miss"
        assert "origin" in listed(response["Vary"])

    @pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:8080", "null"])
    def test_another_origin_gets_no_allow_origin(self, client, tenant_a, origin):
        assert "Access-Control-Allow-Origin" not in preflight(client, "/graphql/", origin)
        response = client.post(
            "/graphql/",
            data=json.dumps({"query": ME}),
            content_type="application/json",
            HTTP_ORIGIN=origin,
            HTTP_AUTHORIZATION=f"Bearer {tenant_a.token}",
        )
        assert "Access-Control-Allow-Origin" not in response
        assert "Access-Control-Expose-Headers" not in response

    def test_a_refusal_before_the_view_is_readable_by_the_app(self, client, db, settings):
        """A 413 is answered by a middleware: a browser app still reads it, and its code."""
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        body = json.dumps({"query": ME, "variables": {"padding": "x" * 2000}})
        response = client.post("/graphql/", data=body, content_type="application/json", HTTP_ORIGIN=VITE)
        assert response.status_code == 413
        assert response["Access-Control-Allow-Origin"] == VITE
        assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.django_db
class TestPublicDocuments:
    @pytest.mark.parametrize("path", ["/schemas/workflow-document.json", "/schemas/ticket-definition.json"])
    @pytest.mark.parametrize("origin", [VITE, "https://editor.example"])
    def test_any_origin_may_read_them_without_credentials(self, client, path, origin):
        response = client.get(path, HTTP_ORIGIN=origin)
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == origin
        assert "Access-Control-Allow-Credentials" not in response
        assert preflight(client, path, origin, ["x-request-id"])["Access-Control-Allow-Origin"] == origin

    def test_a_client_revalidates_by_etag(self, client):
        first = client.get("/schemas/workflow-document.json")
        assert first["ETag"].startswith('"')
        assert "public" in first["Cache-Control"]
        again = client.get("/schemas/workflow-document.json", HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        assert again.content == b""
        other = client.get("/schemas/ticket-definition.json", HTTP_IF_NONE_MATCH=first["ETag"])
        assert other.status_code == 200
        assert other["ETag"] != first["ETag"]

    def test_head_is_answered_and_writes_are_not_allowed(self, client):
        head = client.head("/schemas/workflow-document.json")
        assert (head.status_code, head.content) == (200, b"")
        assert head["ETag"] == client.get("/schemas/workflow-document.json")["ETag"]
        refused = client.post("/schemas/workflow-document.json", {}, content_type="application/json")
        assert refused.status_code == 405
        assert refused["Allow"] == "GET, HEAD"

    def test_other_pages_get_no_cross_origin_access(self, client, db):
        response = client.get("/admin/login/", HTTP_ORIGIN="https://evil.example")
        assert response.status_code == 200
        assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize(
    ("debug", "origins"), [("true", DEV_SERVER_ORIGINS), ("false", [])], ids=["development", "production"]
)
def test_default_origins(debug, origins):
    """Without CORS_ALLOWED_ORIGINS: the dev servers' origins in development, none in production."""
    env = {key: value for key, value in os.environ.items() if key != "CORS_ALLOWED_ORIGINS"}
    env.update(DEBUG=debug, SECRET_KEY="a-test-key-that-is-long-enough-for-the-settings-0123456789")
    shown = subprocess.run(
        [sys.executable, "-c", "import json, ticketflower.settings as s; print(json.dumps(s.CORS_ALLOWED_ORIGINS))"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(shown.stdout) == origins
