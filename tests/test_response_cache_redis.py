"""The response cache in Redis (REDIS_URL): the production configuration, entries with a TTL, and a Redis that
stops or never answers degrading to computed answers, logged and counted, never to an error
(schema/response_cache.py). A private Redis (bin/redis) on a free port; two servers sharing one:
tests/test_two_servers.py."""

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
from prometheus_client import REGISTRY

from schema import response_cache
from tests.support.postgres import Unavailable
from tests.support.servers import free_port
from tests.support.services import RedisServer

QUERY = "query Me { me { username company { name } } }"


def lookups(result: str) -> float:
    return REGISTRY.get_sample_value("ticketflower_response_cache_lookups_total", {"result": result}) or 0.0


def production_cache(redis_url: str) -> dict:
    """CACHES["graphql-responses"] as ticketflower.settings builds it with REDIS_URL (in a process of its own)."""
    program = "import json, ticketflower.settings as s; print(json.dumps(s.CACHES['graphql-responses']))"
    shown = subprocess.run(
        [sys.executable, "-c", program],
        env={**os.environ, "REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(shown.stdout)


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    try:
        server.start()
    except Unavailable as exc:
        server.destroy()
        pytest.skip(str(exc))
    yield server
    server.destroy()


@pytest.fixture
def in_redis(settings, redis_server):
    """The production configuration, under a key prefix of this test's own (ids repeat across tests)."""
    config = production_cache(redis_server.url)
    settings.CACHES = {**settings.CACHES, response_cache.CACHE_ALIAS: {**config, "KEY_PREFIX": uuid.uuid4().hex}}
    response_cache.availability.succeeded()
    yield config
    response_cache.availability.succeeded()


def ask(gql, tenant, **headers):
    response = gql.client.post(
        "/graphql/",
        data=json.dumps({"query": QUERY}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tenant.token}",
        **headers,
    )
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body == {"data": {"me": {"username": tenant.admin.username, "company": {"name": "Acme"}}}}, body
    return response.headers["X-Response-Cache"]


def test_the_production_configuration_is_django_s_redis_backend_with_a_ttl(redis_server):
    config = production_cache(redis_server.url)
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["LOCATION"] == redis_server.url
    assert config["TIMEOUT"] == 3600
    assert config["OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


@pytest.mark.django_db
def test_answers_are_kept_in_redis_for_an_hour(gql, tenant_a, in_redis, redis_server, settings):
    before = lookups("hit")
    assert ask(gql, tenant_a) == "miss"
    assert ask(gql, tenant_a) == "hit"
    assert lookups("hit") == before + 1
    prefix = settings.CACHES[response_cache.CACHE_ALIAS]["KEY_PREFIX"]
    keys = redis_server.client().keys(f"{prefix}:*")
    assert len(keys) == 1
    assert 3500 < redis_server.client().ttl(keys[0]) <= 3600


@pytest.mark.django_db
def test_a_stopped_redis_degrades_to_computed_answers_logged_and_counted(
    gql, tenant_a, in_redis, redis_server, caplog, monkeypatch
):
    assert ask(gql, tenant_a) == "miss"
    assert ask(gql, tenant_a) == "hit"
    redis_server.stop()
    try:
        unavailable = lookups("unavailable")
        with caplog.at_level(logging.WARNING, logger="ticketflower.graphql"):
            assert ask(gql, tenant_a) == "miss"  # computed, and answered as usual
            assert ask(gql, tenant_a) == "miss"  # Redis left alone for a while: not even asked
        assert lookups("unavailable") == unavailable + 2
        warnings = [r.getMessage() for r in caplog.records if r.name == "ticketflower.graphql"]
        assert len(warnings) == 1
        assert warnings[0].startswith("response cache unavailable (lookup): answers are computed")
    finally:
        redis_server.start()
    monkeypatch.setattr(response_cache, "UNAVAILABLE_RETRY_SECONDS", 0.0)  # the pause is over
    assert ask(gql, tenant_a) == "miss"  # a fresh Redis (no persistence): empty
    assert ask(gql, tenant_a) == "hit"


@pytest.mark.django_db
def test_a_dead_port_costs_nothing(gql, tenant_a, settings, in_redis):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {**settings.CACHES, response_cache.CACHE_ALIAS: {**in_redis, "LOCATION": dead}}
    started = time.monotonic()
    assert ask(gql, tenant_a) == "miss"
    assert time.monotonic() - started < 2


@pytest.mark.django_db
def test_a_redis_that_never_answers_costs_one_timeout_then_none(gql, tenant_a, settings, in_redis):
    """A listener that accepts connections and never answers (a hung Redis, a dropped route): the first lookup
    waits for the 0.5 s socket timeout, the next requests do not wait at all."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        settings.CACHES = {**settings.CACHES, response_cache.CACHE_ALIAS: {**in_redis, "LOCATION": url}}
        stop = threading.Event()
        accepted = []

        def accept_and_ignore():
            silent.settimeout(0.1)
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    accepted.append(silent.accept()[0])

        thread = threading.Thread(target=accept_and_ignore)
        thread.start()
        try:
            started = time.monotonic()
            assert ask(gql, tenant_a) == "miss"
            first = time.monotonic() - started
            started = time.monotonic()
            for _ in range(5):
                assert ask(gql, tenant_a) == "miss"
            next_five = time.monotonic() - started
        finally:
            stop.set()
            thread.join()
            for connection in accepted:
                connection.close()
    assert 0.5 <= first < 3
    assert next_five < 1.5, "requests after the failure waited for Redis again"
