"""Abuse limits, error masking, request ids and logs, production settings."""

import gc
import json
import logging
import os
import subprocess
import sys
import tracemalloc

import pytest
from django.db import connection
from graphql import get_introspection_query, parse

from bench import queries as bench_queries
from kernel.global_ids import global_id
from schema import schema
from schema.extensions import COSTLY_ROOT_FIELDS, parsed_document_bytes
from schema.library_internals import graphql_core_schema
from schema.views import MAX_QUERY_LENGTH
from schema.workflow_design import queries as workflow_queries
from tests.support.operations import fan_out

ME = "{ me { username } }"


def top_error(body: dict) -> dict:
    assert body.get("data") is None, body
    return body["errors"][0]


class TooMuchWork(Exception):
    pass


class PythonCallBudget:
    """Counts the Python function calls made while it is active, and stops the work with
    TooMuchWork past `budget` calls: a measure of a request's work that needs no clock."""

    def __init__(self, budget: int):
        self.budget, self.calls = budget, 0

    def __enter__(self):
        sys.setprofile(self._count)
        return self

    def __exit__(self, *exc_info):
        sys.setprofile(None)

    def _count(self, frame, event, arg):
        if event == "call":
            self.calls += 1
            if self.calls > self.budget:
                raise TooMuchWork(f"more than {self.budget} Python calls")  # also unsets the profiler


# 280 KB of variables the operation does not use (an attacker sent 3.4 million empty objects).
UNUSED_VARIABLES = json.dumps({"query": "{ __typename }", "variables": {"a": [{}] * 70_000}})

# A request of the fragment fan-outs below makes 30,000-50,000 Python calls (middleware, parsing,
# validation, the answer). Walking each fragment once per spread makes 2^40.
FAN_OUT_CALL_BUDGET = 250_000


def post_within_call_budget(gql, query: str, budget: int = FAN_OUT_CALL_BUDGET, **kwargs) -> dict:
    gql.post("{ __typename }", **kwargs)  # code paths loaded and caches set up before counting
    with PythonCallBudget(budget) as counter:
        body = gql.post(query, **kwargs)
    assert counter.calls <= budget, f"the request made more than {budget} Python calls: {body}"
    return body


@pytest.mark.django_db
class TestOperationLimits:
    def test_depth(self, gql, tenant_a, settings):
        nested = "id"
        for _ in range(settings.GRAPHQL_MAX_DEPTH):
            nested = f"workflow {{ tasks {{ {nested} }} }}"
        body = gql.post(f"{{ taskDefinitions {{ edges {{ node {{ {nested} }} }} }} }}", token=tenant_a.token)
        assert "exceeds maximum operation depth" in top_error(body)["message"]

    def test_graphiql_introspection_fits_the_limits(self, gql, tenant_a):
        from graphql import get_introspection_query

        body = gql.post(get_introspection_query(descriptions=True, input_value_deprecation=True), token=tenant_a.token)
        assert "errors" not in body
        assert body["data"]["__schema"]["queryType"]["name"] == "Query"

    def test_aliases(self, gql, tenant_a, settings):
        aliases = " ".join(f"a{i}: me {{ id }}" for i in range(settings.GRAPHQL_MAX_ALIASES + 1))
        assert "aliases found" in top_error(gql.post(f"{{ {aliases} }}", token=tenant_a.token))["message"]

    def test_aliases_in_a_fragment_count_once_per_spread(self, gql, tenant_a, settings):
        settings.GRAPHQL_MAX_ALIASES = 5
        query = "{ ...Two ...Two ...Two } fragment Two on Query { a: __typename b: __typename }"
        assert top_error(gql.post(query, token=tenant_a.token))["message"].startswith("6 aliases found. Allowed: 5")

    @pytest.mark.parametrize("authenticated", [False, True], ids=["anonymous", "authenticated"])
    def test_a_fragment_fan_out_is_measured_once_per_fragment(self, gql, tenant_a, authenticated):
        """Forty fragments, each spreading the next one twice: 2^40 paths through 1.6 KB. The
        limits walked each fragment once per spread (2^n), so that a worker never finished."""
        token = tenant_a.token if authenticated else None
        # Named per client, so that neither finds the other's document parsed and validated.
        query = f"query Authenticated{authenticated} {{ ...F0 }} " + fan_out(
            40, on="Query", body="SPREADS", leaf="__typename"
        )
        assert post_within_call_budget(gql, query, token=token) == {"data": {"__typename": "Query"}}

    def test_aliases_through_a_fragment_fan_out_are_counted_not_walked(self, gql, db):
        query = "{ ...F0 } " + fan_out(40, on="Query", body="SPREADS", leaf="alias: __typename")
        error = top_error(post_within_call_budget(gql, query))
        assert error["message"].startswith(f"{2**40} aliases found. Allowed: 30")

    def test_depth_through_a_fragment_fan_out_is_measured_not_walked(self, gql, tenant_a):
        query = "{ taskDefinitions { edges { node { ...F0 } } } } " + fan_out(
            40, on="TaskDefinition", body="workflow { tasks { SPREADS } }", leaf="id"
        )
        error = top_error(post_within_call_budget(gql, query, token=tenant_a.token))
        assert error["message"] == "'anonymous' exceeds maximum operation depth of 15: its fields nest 83 levels deep."
        assert error["locations"] == [{"line": 1, "column": 1}]

    def test_nested_lists(self, gql, tenant_a):
        """Tasks, their transitions, the next tasks' transitions...: 150 bytes of query once grew a
        worker to 641 MB (10 tasks with 100 transitions each) until the 30 s timeout."""
        query = """{ workflowDefinition(id: "1") {
          tasks { outgoing { toTask { outgoing { toTask { outgoing { toTask { key } } } } } } } } }"""
        assert top_error(gql.post(query, token=tenant_a.token))["message"] == (
            "'anonymous' exceeds the maximum list nesting of 3: 4 list fields nest inside one another, "
            "each multiplying the work of the fields below it."
        )

    @pytest.mark.parametrize("query", [bench_queries.R1, bench_queries.R3], ids=["R1", "R3"])
    def test_the_designer_queries_fit_the_list_nesting_limit(self, gql, tenant_a, query):
        """R3 nests the most lists of the real queries: a page of workflows, their tasks, each task's extRef."""
        assert gql.data(query, {"id": global_id("WorkflowDefinition", 1), "first": 20}, token=tenant_a.token)

    def test_list_nesting_through_a_fragment_fan_out_is_measured_not_walked(self, gql, tenant_a):
        query = '{ workflowDefinition(id: "1") { tasks { outgoing { ...F0 } } } } ' + fan_out(
            40, on="WorkflowTransition", body="toTask { outgoing { SPREADS } }", leaf="id"
        )
        messages = [error["message"] for error in post_within_call_budget(gql, query, token=tenant_a.token)["errors"]]
        assert any(message.startswith("'anonymous' exceeds the maximum list nesting of 3: 42 ") for message in messages)

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ('{ exportWorkflow(id: "1") again: exportWorkflow(id: "2") }', "exportWorkflow"),
            ('{ ...Export ...Export } fragment Export on Query { exportWorkflow(id: "1") }', "exportWorkflow"),
            ('{ exportWorkflow(id: "1") ... on Query { again: exportWorkflow(id: "2") } }', "exportWorkflow"),
            (
                "mutation($input: WorkflowInput!) { a: uploadWorkflow(input: $input) { errors { code } }"
                " b: uploadWorkflow(input: $input) { errors { code } } }",
                "uploadWorkflow",
            ),
        ],
        ids=["aliases", "fragment spreads", "inline fragment", "mutation"],
    )
    def test_a_costly_root_field_once_per_operation(self, gql, tenant_a, query, field):
        """Each selection repeats all of the work: 12 aliased previews took 24 s."""
        assert top_error(gql.post(query, {"input": {}}, token=tenant_a.token))["message"] == (
            f"'anonymous' selects {field} 2 times; an operation may select it once (aliases and fragment "
            f"spreads count): send one request per {field}."
        )

    def test_costly_root_fields_through_a_fragment_fan_out_are_counted_not_walked(self, gql, tenant_a):
        query = "{ ...F0 } " + fan_out(40, on="Query", body="SPREADS", leaf='exportWorkflow(id: "1")')
        error = top_error(post_within_call_budget(gql, query, token=tenant_a.token))
        assert error["message"].startswith(f"'anonymous' selects exportWorkflow {2**40} times")

    def test_the_costly_root_fields_are_root_fields(self):
        """A renamed field would silently leave the rule."""
        core_schema = graphql_core_schema(schema)
        assert COSTLY_ROOT_FIELDS - {*core_schema.query_type.fields, *core_schema.mutation_type.fields} == set()

    @pytest.mark.slow
    def test_overlapping_field_checks_are_bounded(self, gql, db):
        """graphql-core's OverlappingFieldsCanBeMergedRule compares the fields of every pair of
        fragments spread side by side: with its default budget this document took 3.2 million
        Python calls (about 2 s), with the one set in schema.extensions about half a million."""
        spreads = " ".join(f"...G{i}" for i in range(380))
        fragments = " ".join(f"fragment G{i} on Query {{ me {{ id }} }}" for i in range(380))
        body = post_within_call_budget(gql, f"{{ {spreads} }} {fragments}", budget=1_000_000)
        assert top_error(body)["message"] == "Validation aborted."

    def test_query_length(self, gql, db):
        """Comments and whitespace are no tokens: a 10 MiB query of them took seconds to lex."""
        query = "{ me { id } }" + "#" * MAX_QUERY_LENGTH
        response = gql.client.post("/graphql/", data=json.dumps({"query": query}), content_type="application/json")
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert f"at most {MAX_QUERY_LENGTH:,} are accepted" in error["message"]

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
        assert response["Cache-Control"] == "no-store"

    def test_anonymous_bodies_have_a_smaller_limit(self, client, db, settings):
        """Unused variables are decoded before anything checks credentials: 10 MB of empty objects
        grew a worker by 170 MB, for anyone."""
        assert len(UNUSED_VARIABLES) > settings.MAX_ANONYMOUS_REQUEST_BODY_BYTES
        response = client.post("/graphql/", data=UNUSED_VARIABLES, content_type="application/json")
        assert response.status_code == 413
        assert response.json()["errors"] == [
            {
                "message": "The request body exceeds 262,144 bytes, the limit for requests without valid "
                "credentials (log in first).",
                "extensions": {"code": "PAYLOAD_TOO_LARGE"},
            }
        ]
        assert response["Cache-Control"] == "no-store"

    def test_an_anonymous_body_over_the_limit_is_told_why_its_token_failed(self, client, db):
        response = client.post(
            "/graphql/", data=UNUSED_VARIABLES, content_type="application/json", HTTP_AUTHORIZATION="Bearer forged"
        )
        assert response.status_code == 413
        assert "(the access token is invalid)" in response.json()["errors"][0]["message"]

    def test_authenticated_bodies_have_the_larger_limit(self, client, tenant_a):
        response = client.post(
            "/graphql/",
            data=UNUSED_VARIABLES,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tenant_a.token}",
        )
        assert response.status_code == 200
        assert response.json() == {"data": {"__typename": "Query"}}

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

    def test_a_client_request_id_with_a_trailing_newline_is_replaced(self, client, db):
        response = client.get("/schemas/workflow-document.json", HTTP_X_REQUEST_ID="trace-1234567890\n")
        assert len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize(
    "query",
    [
        "{ " + "a{b} " * 1240 + "}",
        "{ " + "a " * 4990 + "}",
        "{ " + "__typename " * 4990 + "}",
        "query(" + "$a:I " * 1240 + ") { a }",
        '{ a(b: "' + "\U0001d11e" * 19_000 + '") }',
        get_introspection_query(descriptions=True, input_value_deprecation=True),
    ],
    ids=["fields with sub-selections", "short fields", "long fields", "variables", "long string", "introspection"],
)
def test_a_parsed_documents_estimated_bytes_bound_its_memory(query):
    """The parser cache's byte budget holds only if no document takes more than its estimate."""
    gc.collect()
    tracemalloc.start()
    try:
        document = parse(query, max_tokens=5000)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held <= parsed_document_bytes(document) < 2 * held + 50_000


@pytest.mark.django_db
def test_no_answer_of_the_api_may_be_stored_by_a_cache(client, tenant_a):
    """Answers carry bearer-authenticated data: neither a shared cache nor the browser's keeps them."""
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tenant_a.token}"}

    def post(body: str):
        return client.post("/graphql/", data=body, content_type="application/json", **bearer)

    answers = {
        "data": post(json.dumps({"query": ME})),
        "validation error": post(json.dumps({"query": "{ nope }"})),
        "request error": post("1"),
        "GET": client.get("/graphql/", {"query": ME}, HTTP_ACCEPT="application/json", **bearer),
        "GraphiQL": client.get("/graphql/", HTTP_ACCEPT="text/html"),
    }
    assert {name: response.get("Cache-Control") for name, response in answers.items()} == dict.fromkeys(
        answers, "no-store"
    )
    assert answers["data"].status_code == 200
    assert answers["request error"].status_code == 400


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


@pytest.mark.slow  # a manage.py process
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
