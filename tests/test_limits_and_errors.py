"""Abuse limits, error masking, request ids and logs, production settings."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.db import connection

from schema.workflow_design import queries as workflow_queries

ME = "{ me { username } }"


def top_error(body: dict) -> dict:
    assert body.get("data") is None, body
    return body["errors"][0]


@pytest.mark.django_db
class TestOperationLimits:
    def test_depth(self, gql, tenant_a, settings):
        nested = "id"
        for _ in range(settings.GRAPHQL_MAX_DEPTH):
            nested = f"workflow {{ tasks {{ {nested} }} }}"
        body = gql.post(f"{{ taskDefinitions {{ results {{ {nested} }} }} }}", token=tenant_a.token)
        assert "exceeds maximum operation depth" in top_error(body)["message"]

    def test_graphiql_introspection_fits_the_limits(self, gql, tenant_a):
        from graphql import get_introspection_query

        body = gql.post(get_introspection_query(descriptions=True, input_value_deprecation=True), token=tenant_a.token)
        assert "errors" not in body
        assert body["data"]["__schema"]["queryType"]["name"] == "Query"

    def test_aliases(self, gql, tenant_a, settings):
        aliases = " ".join(f"a{i}: me {{ id }}" for i in range(settings.GRAPHQL_MAX_ALIASES + 1))
        assert "aliases found" in top_error(gql.post(f"{{ {aliases} }}", token=tenant_a.token))["message"]

    def test_tokens(self, gql, tenant_a, settings):
        fields = " ".join("id" for _ in range(settings.GRAPHQL_MAX_TOKENS))
        assert (
            f"more than {settings.GRAPHQL_MAX_TOKENS} tokens"
            in top_error(gql.post(f"{{ me {{ {fields} }} }}", token=tenant_a.token))["message"]
        )

    def test_batched_requests_are_refused(self, client, tenant_a):
        response = client.post(
            "/graphql/",
            data=json.dumps([{"query": ME}, {"query": ME}]),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tenant_a.token}",
        )
        assert response.status_code == 400

    def test_body_over_the_limit_is_413(self, client, db, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        if True:
            response = client.post(
                "/graphql/",
                data=json.dumps({"query": ME, "variables": {"x": "y" * 2000}}),
                content_type="application/json",
            )
        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="statement timeouts are a PostgreSQL setting")
    def test_statement_timeout_is_set_and_reported_plainly(self, gql, tenant_a, monkeypatch):
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "15s"

        def slow_export(**kwargs):
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = '50ms'")
                cursor.execute("SELECT pg_sleep(2)")

        monkeypatch.setattr(workflow_queries.selectors, "workflow_export", slow_export)
        body = gql.post('{ exportWorkflow(id: "1") }', token=tenant_a.token)
        assert body["errors"][0]["extensions"]["code"] == "TIMEOUT"


@pytest.mark.django_db
class TestUnexpectedErrors:
    def test_are_masked_with_the_request_id_and_logged_with_the_trace(self, client, tenant_a, monkeypatch, caplog):
        def broken(**kwargs):
            raise RuntimeError("secret internals: password=hunter2")

        monkeypatch.setattr(workflow_queries.selectors, "workflow_export", broken)
        response = client.post(
            "/graphql/",
            data=json.dumps({"query": '{ exportWorkflow(id: "1") }'}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tenant_a.token}",
        )
        request_id = response["X-Request-ID"]
        error = response.json()["errors"][0]
        assert error["message"] == "Unexpected error."
        assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
        assert "hunter2" not in response.content.decode()
        logged = next(r for r in caplog.records if r.name == "ticketflower.graphql")
        assert request_id in logged.getMessage()
        assert "hunter2" in str(logged.exc_info[1])

    def test_a_client_request_id_is_kept(self, client, db):
        response = client.get("/schemas/workflow-document.json", HTTP_X_REQUEST_ID="trace-1234567890")
        assert response["X-Request-ID"] == "trace-1234567890"


@pytest.mark.django_db
def test_each_request_is_logged_as_one_json_line(gql, tenant_a, caplog):
    caplog.set_level(logging.INFO, logger="ticketflower.requests")
    gql.data("query WhoAmI { me { username } }", token=tenant_a.token)
    (record,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "ticketflower.requests"]
    assert record["operation"] == "WhoAmI"
    assert record["user_id"] == tenant_a.admin.pk
    assert record["company_id"] == tenant_a.company.pk
    assert record["status"] == 200
    assert record["duration_ms"] > 0
    assert len(record["request_id"]) == 32


@pytest.fixture
def production_introspection(settings):
    settings.GRAPHQL_PUBLIC_INTROSPECTION = False


@pytest.mark.django_db
@pytest.mark.usefixtures("production_introspection")
class TestProductionIntrospection:
    def test_anonymous_clients_cannot_introspect_or_get_suggestions(self, gql):
        body = gql.post("{ __schema { queryType { name } } }")
        assert "introspection" in top_error(body)["message"].lower()
        assert "Did you mean" not in top_error(gql.post("{ mee { id } }"))["message"]

    def test_authenticated_users_can(self, gql, tenant_a):
        assert gql.data("{ __schema { queryType { name } } }", token=tenant_a.token)
        assert "Did you mean 'me'?" in top_error(gql.post("{ mee { id } }", token=tenant_a.token))["message"]


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "k" * 20 + "Zq7!xP2@vL9#mR4$tW8%nB3^cF6&hJ1*dS5(gY0)",
        "ALLOWED_HOSTS": "tickets.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
