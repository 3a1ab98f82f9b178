"""Automatic persisted queries (Apollo's protocol) and the trusted documents mode, over HTTP: the round trip a
client's persisted query link makes (POST and GET), the refusals, the limits on a stored text, and trusted
documents refusing every other operation."""

import hashlib
import json
import logging
import os
import subprocess
import sys
import uuid

import pytest
import redis
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

from schema.persisted_queries import CACHE_ALIAS, trusted_documents
from schema.views import MAX_QUERY_LENGTH

ME = "query Me { me { username } }"
COMPANY = "query Company { me { company { name } } }"
REFRESH = "mutation Refresh($token: String!) { refreshToken(refreshToken: $token) { errors { code } } }"
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
NOT_FOUND = {"errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(text)}}


OVERSIZE = ME + "#" * (MAX_QUERY_LENGTH - len(ME) + 1)
UNPARSEABLE = "query Broken { me { username "


@pytest.fixture(autouse=True)
def _none_of_these_queries_registered(db):
    """The cache is a database table (live-server tests commit) or Redis, either of which may outlive a test. Only
    this module's texts are forgotten: clearing a Redis cache would empty the whole Redis database."""
    caches[CACHE_ALIAS].delete_many([sha256(text) for text in (ME, ME + " ", COMPANY, REFRESH, OVERSIZE, UNPARSEABLE)])


class Api:
    """POSTs and GETs to /graphql/ as a persisted query link sends them, with a user's bearer token."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def post(self, body: dict, **headers):
        return self.client.post(
            "/graphql/", data=json.dumps(body), content_type="application/json", **self.headers, **headers
        )

    def get(self, params: dict, **headers):
        encoded = {name: json.dumps(value) if isinstance(value, dict) else value for name, value in params.items()}
        return self.client.get("/graphql/", encoded, **{"HTTP_ACCEPT": "application/json", **self.headers, **headers})


@pytest.fixture
def api(client, tenant_a) -> Api:
    return Api(client, tenant_a.token)


def located(response) -> list[tuple[str, str | None]]:
    return [(error["extensions"]["code"], error["extensions"].get("path")) for error in response.json()["errors"]]


class TestAutomaticPersistedQueries:
    def test_round_trip_not_found_then_registered_then_by_hash_over_post_and_get(self, api, tenant_a):
        me = {"me": {"username": tenant_a.admin.username}}
        unknown = api.post({"extensions": persisted(ME), "operationName": "Me"})
        assert (unknown.status_code, unknown.json()) == (200, NOT_FOUND)

        registered = api.post({"query": ME, "extensions": persisted(ME), "operationName": "Me"})
        assert (registered.status_code, registered.json()) == (200, {"data": me})

        by_hash = api.post({"extensions": persisted(ME), "operationName": "Me"})
        assert (by_hash.status_code, by_hash.json()) == (200, {"data": me})

        by_get = api.get({"extensions": persisted(ME), "operationName": "Me"})
        assert (by_get.status_code, by_get.json()) == (200, {"data": me})
        # The text found is the text sent: the response cache knows it, and the answers stay private.
        assert by_get["X-Response-Cache"] == "hit"
        assert by_get["Cache-Control"] == "no-store"

    def test_variables_travel_beside_the_hash(self, api):
        api.post({"query": REFRESH, "extensions": persisted(REFRESH), "variables": {"token": "unknown"}})
        answer = api.post({"extensions": persisted(REFRESH), "variables": {"token": "unknown"}})
        assert answer.json() == {"data": {"refreshToken": {"errors": [{"code": "INVALID_TOKEN"}]}}}

    def test_not_found_is_http_200_whatever_media_type_is_asked_for(self, api):
        """Apollo Client turns persisted queries off for good on a 400 or 500."""
        for accept in ["application/graphql-response+json", "application/json", "*/*"]:
            answer = api.post({"extensions": persisted(ME)}, HTTP_ACCEPT=accept)
            assert (answer.status_code, answer.json()) == (200, NOT_FOUND), accept
            by_get = api.get({"extensions": persisted(ME)}, HTTP_ACCEPT=accept)
            assert (by_get.status_code, by_get.json()) == (200, NOT_FOUND), accept  # an operation, not GraphiQL

    def test_a_mutation_named_by_hash_is_refused_over_get_as_its_text_is(self, api):
        api.post({"query": REFRESH, "extensions": persisted(REFRESH), "variables": {"token": "unknown"}})
        by_hash = api.get({"extensions": persisted(REFRESH), "variables": {"token": "unknown"}})
        by_text = api.get({"query": REFRESH, "variables": {"token": "unknown"}})
        # GraphQL over HTTP: 405, and the method that would do.
        assert by_hash.status_code == by_text.status_code == 405
        assert by_hash["Allow"] == by_text["Allow"] == "POST"
        assert by_hash.json() == by_text.json()
        assert by_hash.json()["errors"][0]["extensions"] == {"code": "METHOD_NOT_ALLOWED"}
        assert "mutations are not allowed when using GET" in by_hash.json()["errors"][0]["message"]

    def test_a_hash_that_is_not_the_texts_is_refused_and_nothing_is_registered(self, api):
        mismatched = api.post({"query": COMPANY, "extensions": persisted(ME)})
        assert mismatched.status_code == 400
        assert mismatched.json() == {
            "errors": [
                {
                    "message": "provided sha does not match query",
                    "extensions": {"code": "BAD_USER_INPUT", "path": "/extensions/persistedQuery/sha256Hash"},
                }
            ]
        }
        assert api.post({"extensions": persisted(ME)}).json() == NOT_FOUND
        assert api.post({"extensions": persisted(COMPANY)}).json() == NOT_FOUND

    @pytest.mark.parametrize(
        ("persisted_query", "message", "path"),
        [
            ({"version": 2, "sha256Hash": sha256(ME)}, "Unsupported persisted query version", "/version"),
            ({"version": "1", "sha256Hash": sha256(ME)}, "Unsupported persisted query version", "/version"),
            ({"version": True, "sha256Hash": sha256(ME)}, "Unsupported persisted query version", "/version"),
            ({"sha256Hash": sha256(ME)}, "Unsupported persisted query version", "/version"),
            ({"version": 1, "sha256Hash": sha256(ME).upper()}, "64 lowercase hexadecimal digits", "/sha256Hash"),
            ({"version": 1, "sha256Hash": sha256(ME)[:63]}, "64 lowercase hexadecimal digits", "/sha256Hash"),
            ({"version": 1, "sha256Hash": sha256(ME) + "\n"}, "64 lowercase hexadecimal digits", "/sha256Hash"),
            ({"version": 1, "sha256Hash": 12}, "64 lowercase hexadecimal digits", "/sha256Hash"),
            ({"version": 1}, "64 lowercase hexadecimal digits", "/sha256Hash"),
            ("abc", "must be an object", ""),
            ([1], "must be an object", ""),
        ],
    )
    def test_a_malformed_persisted_query_is_refused_where_it_is_wrong(self, api, persisted_query, message, path):
        for body in ({"extensions": {"persistedQuery": persisted_query}}, {"query": ME}):
            body["extensions"] = {"persistedQuery": persisted_query}
            answer = api.post(body)
            assert answer.status_code == 400
            assert located(answer) == [("BAD_USER_INPUT", f"/extensions/persistedQuery{path}")]
            assert message in answer.json()["errors"][0]["message"]

    def test_a_text_over_the_length_limit_is_refused_and_not_registered(self, api):
        answer = api.post({"query": OVERSIZE, "extensions": persisted(OVERSIZE)})
        assert answer.status_code == 400
        assert f"at most {MAX_QUERY_LENGTH:,} are accepted" in answer.json()["errors"][0]["message"]
        assert api.post({"extensions": persisted(OVERSIZE)}).json() == NOT_FOUND

    def test_a_text_that_does_not_parse_is_answered_and_not_registered(self, api):
        answer = api.post({"query": UNPARSEABLE, "extensions": persisted(UNPARSEABLE)}).json()
        assert answer["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
        assert api.post({"extensions": persisted(UNPARSEABLE)}).json() == NOT_FOUND

    def test_the_operation_limits_apply_to_a_stored_text(self, api, settings):
        assert "data" in api.post({"query": COMPANY, "extensions": persisted(COMPANY)}).json()
        settings.GRAPHQL_MAX_DEPTH = 1
        answer = api.post({"extensions": persisted(COMPANY)}).json()
        assert "data" not in answer
        assert "exceeds maximum operation depth of 1" in answer["errors"][0]["message"]

    def test_a_cache_that_fails_turns_persisted_queries_into_full_ones(self, api, tenant_a, monkeypatch, caplog):
        def unavailable(*args, **kwargs):
            raise redis.ConnectionError("Redis does not answer")

        cache = caches[CACHE_ALIAS]
        monkeypatch.setattr(cache, "get", unavailable)
        monkeypatch.setattr(cache, "set", unavailable)
        assert api.post({"extensions": persisted(ME)}).json() == NOT_FOUND
        answer = api.post({"query": ME, "extensions": persisted(ME)})
        assert answer.json() == {"data": {"me": {"username": tenant_a.admin.username}}}
        warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
        assert "persisted query cache unavailable: lookup answered as a miss" in warnings
        assert "persisted query cache unavailable: registration skipped" in warnings

    def test_anonymous_clients_use_them_too(self, client):
        anonymous = Api(client, None)
        anonymous.post({"query": REFRESH, "extensions": persisted(REFRESH), "variables": {"token": "x"}})
        answer = anonymous.post({"extensions": persisted(REFRESH), "variables": {"token": "x"}})
        assert answer.json() == {"data": {"refreshToken": {"errors": [{"code": "INVALID_TOKEN"}]}}}


def test_in_redis_every_worker_finds_them_for_a_day(api, settings, tenant_a):
    """The production cache with REDIS_URL (built by ticketflower.settings in a process of its own): a text
    registered in Redis, under the key prefix, with the TTL."""
    try:
        redis_client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        redis_client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis answers at {REDIS_URL}: {exc}")
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, ticketflower.settings as s; print(json.dumps(s.CACHES['persisted-queries']))",
        ],
        env={**os.environ, "REDIS_URL": REDIS_URL},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    settings.CACHES = {**settings.CACHES, CACHE_ALIAS: json.loads(shown.stdout)}
    # A text of this run's own: other runs share the Redis.
    text = f"query Me {{ me {{ username }} }} # {uuid.uuid4()}"
    key = f"persisted-query:1:{sha256(text)}"
    try:
        assert api.post({"extensions": persisted(text)}).json() == NOT_FOUND
        api.post({"query": text, "extensions": persisted(text)})
        assert api.get({"extensions": persisted(text)}).json() == {
            "data": {"me": {"username": tenant_a.admin.username}}
        }
        assert settings.PERSISTED_QUERY_TTL_SECONDS - 60 < redis_client.ttl(key) <= settings.PERSISTED_QUERY_TTL_SECONDS
    finally:
        redis_client.delete(key)


def manifest(*bodies: str) -> dict:
    """An Apollo persisted query manifest, as `@apollo/generate-persisted-query-manifest` writes it."""
    return {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": sha256(body), "name": "Op", "type": "query", "body": body} for body in bodies],
    }


@pytest.fixture
def trusted(settings, tmp_path):
    path = tmp_path / "persisted-query-manifest.json"
    path.write_text(json.dumps(manifest(ME, REFRESH)))
    settings.GRAPHQL_TRUSTED_DOCUMENTS = str(path)


UNTRUSTED = {
    "errors": [
        {
            "message": "Only trusted documents run here: this operation is not in the trusted documents manifest.",
            "extensions": {"code": "UNTRUSTED_DOCUMENT"},
        }
    ]
}


@pytest.mark.usefixtures("trusted")
class TestTrustedDocuments:
    def test_a_registered_operation_runs_by_hash_and_by_its_text(self, api, tenant_a):
        me = {"data": {"me": {"username": tenant_a.admin.username}}}
        assert api.post({"extensions": persisted(ME)}).json() == me
        assert api.get({"extensions": persisted(ME)}).json() == me
        assert api.post({"query": ME}).json() == me
        assert api.post({"query": ME, "extensions": persisted(ME)}).json() == me

    def test_any_other_operation_is_refused(self, api):
        for body in ({"query": COMPANY}, {"query": COMPANY, "extensions": persisted(COMPANY)}, {"query": ME + " "}):
            answer = api.post(body)
            assert (answer.status_code, answer.json()) == (403, UNTRUSTED), body
        by_get = api.get({"query": "{ __schema { queryType { name } } }"})
        assert (by_get.status_code, by_get.json()) == (403, UNTRUSTED)
        assert api.post({"extensions": persisted(COMPANY)}).json() == NOT_FOUND

    def test_clients_register_nothing(self, api, settings):
        api.post({"query": COMPANY, "extensions": persisted(COMPANY)})
        api.post({"query": ME, "extensions": persisted(ME)})
        settings.GRAPHQL_TRUSTED_DOCUMENTS = ""
        assert api.post({"extensions": persisted(COMPANY)}).json() == NOT_FOUND
        assert api.post({"extensions": persisted(ME)}).json() == NOT_FOUND


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{ not json", "cannot be read as JSON"),
        (json.dumps({"operations": []}), "apollo-persisted-query-manifest"),
        (json.dumps(manifest(ME) | {"operations": {}}), "`operations` must be a list"),
        (json.dumps(manifest(ME) | {"operations": [{"id": sha256(ME), "body": ME + " "}]}), "operations[0]"),
        (json.dumps(manifest(ME) | {"operations": [{"id": sha256(ME)}]}), "operations[0]"),
    ],
)
def test_a_broken_manifest_is_a_configuration_error(settings, tmp_path, content, why):
    path = tmp_path / "broken.json"
    path.write_text(content)
    settings.GRAPHQL_TRUSTED_DOCUMENTS = str(path)
    with pytest.raises(ImproperlyConfigured, match="GRAPHQL_TRUSTED_DOCUMENTS") as refused:
        trusted_documents()
    assert why in str(refused.value)


@pytest.mark.slow  # a manage.py process
def test_a_broken_manifest_stops_the_start(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(manifest(ME) | {"operations": [{"id": "0" * 64, "body": ME}]}))
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={**os.environ, "GRAPHQL_TRUSTED_DOCUMENTS": str(path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "GRAPHQL_TRUSTED_DOCUMENTS" in result.stderr
    assert "operations[0]" in result.stderr
