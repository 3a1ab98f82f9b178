"""/healthz, /readyz and /metrics (ticketflower/probes.py, kernel/metrics.py) in process. Under gunicorn, with
the database stopped and started again: tests/test_database_faults.py; several workers' metrics summed:
tests/test_two_servers.py."""

import pytest
from django.db import OperationalError, connection
from django.db.migrations.loader import MigrationLoader
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from kernel import metrics
from tests.support.documents import example
from ticketflower import probes

UPLOAD = "mutation Upload($input: WorkflowInput!) { uploadWorkflow(input: $input) { errors { code } } }"
TOKEN = "scrape-token-0123456789"


def samples(body: bytes) -> dict[tuple[str, frozenset], float]:
    """Every sample of an exposition, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def scrape(client) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return samples(response.content)


def labels(**values: str) -> frozenset:
    return frozenset(values.items())


class TestHealth:
    @pytest.mark.django_db
    def test_alive_without_the_database_whatever_the_host_and_scheme(self, client, settings, django_assert_num_queries):
        settings.SECURE_SSL_REDIRECT = True  # production: probes still speak plain HTTP
        with django_assert_num_queries(0):
            response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")  # a kubelet names the pod's address
        assert response.status_code == 200
        assert response.json() == {"status": "alive"}
        assert response["Cache-Control"] == "no-store"

    def test_only_get_and_head(self, client):
        assert client.head("/healthz").status_code == 200
        response = client.post("/healthz")
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
class TestReadiness:
    def test_ready_when_the_database_answers_with_every_migration(self, client):
        response = client.get("/readyz", HTTP_HOST="10.1.2.3:8000")
        assert response.status_code == 200
        assert response.json() == {"status": "ready"}

    def test_a_missing_migration_is_not_ready(self, client):
        app, name = next(leaf for leaf in MigrationLoader(None).graph.leaf_nodes() if leaf[0] == "workflow_design")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", [app, name])
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "reason": f"migrations not applied: {app}.{name}"}

    def test_a_database_that_does_not_answer_is_not_ready(self, client, monkeypatch):
        def unreachable():
            raise OperationalError("connection refused")

        monkeypatch.setattr(probes, "_missing_migrations", unreachable)
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "reason": "the database does not answer"}


@pytest.mark.django_db
class TestMetrics:
    def test_not_exposed_without_a_token(self, client, settings):
        settings.METRICS_BEARER_TOKEN = ""
        assert client.get("/metrics").status_code == 404

    def test_a_scrape_needs_the_token(self, client, settings):
        settings.METRICS_BEARER_TOKEN = TOKEN
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
        assert wrong.status_code == 401
        assert wrong["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200

    def test_requests_latency_statements_cache_and_refusals(self, client, gql, settings, tenant_a):
        settings.METRICS_BEARER_TOKEN = TOKEN
        before = scrape(client)
        me = "query WhoAmI { me { username } }"
        gql.data(me, token=tenant_a.token)
        gql.data(me, token=tenant_a.token)  # a hit
        gql.post("{ workflowDefinitions { totalCount } }")  # anonymous: UNAUTHENTICATED
        invalid = {**example(), "tasks": []}
        assert gql.data(UPLOAD, {"input": invalid}, token=tenant_a.token)["uploadWorkflow"]["errors"]
        client.post("/graphql/", data="{", content_type="application/json")  # HTTP 400
        after = scrape(client)

        def grew(name: str, **label_values: str) -> float:
            key = (name, labels(**label_values))
            return after.get(key, 0.0) - before.get(key, 0.0)

        graphql = {"endpoint": "graphql"}
        assert grew("ticketflower_requests_total", **graphql, operation="WhoAmI", outcome="ok") == 2
        assert grew("ticketflower_requests_total", **graphql, operation="query", outcome="graphql_error") == 1
        assert grew("ticketflower_requests_total", **graphql, operation="Upload", outcome="ok") == 1
        assert grew("ticketflower_requests_total", **graphql, operation="", outcome="client_error") == 1
        assert grew("ticketflower_request_duration_seconds_count", **graphql, operation="WhoAmI") == 2
        # The computed answer reads the user (with the company); the hit as well, then nothing.
        assert grew("ticketflower_request_sql_statements_bucket", **graphql, operation="WhoAmI", le="1.0") == 2
        assert grew("ticketflower_response_cache_lookups_total", result="miss") == 1
        assert grew("ticketflower_response_cache_lookups_total", result="hit") == 1
        refused = {
            dict(key[1])["mutation"]
            for key, value in after.items()
            if key[0] == "ticketflower_refusals_total" and value > before.get(key, 0.0)
        }
        assert refused == {"uploadWorkflow"}
        assert (
            grew("ticketflower_refusals_total", mutation="uploadWorkflow", code="UNKNOWN_TASK") == 1
        )  # once, though many transitions name no task

    def test_probes_are_not_counted_as_requests(self, client, settings):
        settings.METRICS_BEARER_TOKEN = TOKEN
        before = scrape(client)
        client.get("/healthz")
        client.get("/readyz")
        after = scrape(client)
        assert {key: value for key, value in after.items() if key[0].startswith("ticketflower_requests")} == {
            key: value for key, value in before.items() if key[0].startswith("ticketflower_requests")
        }


@pytest.mark.django_db
def test_hostile_probe_requests_get_plain_answers(client, settings):
    settings.METRICS_BEARER_TOKEN = TOKEN
    assert client.get("/healthz?" + "x=1&" * 5000).status_code == 200
    assert client.options("/readyz").status_code == 405
    assert client.generic("PROPFIND", "/metrics").status_code == 405
    for header in ("Bearer " + "é" * 10_000, "Basic " + TOKEN, "Bearer", f"Bearer  {TOKEN}x", "\x00"):
        assert client.get("/metrics", HTTP_AUTHORIZATION=header).status_code == 401, header
    assert client.get("/healthz/").status_code != 500  # not a probe: the URLconf's answer


def test_operation_names_are_kept_up_to_a_bound(monkeypatch):
    monkeypatch.setattr(metrics, "_operation_names", set())
    names = [f"Operation{number}" for number in range(metrics.OPERATION_NAMES_KEPT)]
    assert [metrics.operation_label(name) for name in names] == names
    assert metrics.operation_label("OneMore") == "other"
    assert metrics.operation_label("Operation7") == "Operation7"
    assert metrics.operation_label("not a GraphQL name") == "other"
    assert metrics.operation_label("x" * 65) == "other"
    assert metrics.operation_label(None) == ""


def test_the_exposition_names_and_types():
    """What Prometheus reads: the name and type of every metric."""
    body = generate_latest(REGISTRY)
    families = {family.name: family.type for family in text_string_to_metric_families(body.decode())}
    assert families["ticketflower_requests"] == "counter"
    assert families["ticketflower_request_duration_seconds"] == "histogram"
    assert families["ticketflower_request_sql_statements"] == "histogram"
    assert families["ticketflower_response_cache_lookups"] == "counter"
    assert families["ticketflower_refusals"] == "counter"
