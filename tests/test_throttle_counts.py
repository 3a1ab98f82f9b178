"""Throttle counts every worker and server shares and restarts keep (CACHES["throttles"]).

Counted per process, each gunicorn worker allowed the whole SIGNUP_RATE, and a worker recycled
after `--max-requests` (4,800 cheap requests recycled them all) or killed started again from
zero. Here a sign-up allowance spent on one `bin/serve` is still spent on another one started
afterwards: other processes, as after any restart. Without REDIS_URL they share the database;
with it they share only Redis (each server has a database of its own).
"""

import os
import random
from pathlib import Path

import pytest
import redis

from conftest import PASSWORD
from tests.support.databases import scratch_database
from tests.support.http import post_graphql
from tests.support.operations import CREATE_COMPANY
from tests.support.servers import AppServer

pytestmark = pytest.mark.slow  # bin/serve started twice

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def sign_up(server: AppServer, username: str) -> list[str]:
    fields = {"companyName": username, "username": username, "email": "x@example.com", "password": PASSWORD}
    reply = post_graphql(server.url, CREATE_COMPANY, {"input": fields})
    assert reply.field("createCompany") is not None, reply.summary()
    return [problem["code"] for problem in reply.field("createCompany")["errors"]]


def sign_ups_on_one_server_then_another(workdir: Path, database_urls: tuple[str, str], env: dict) -> list[list[str]]:
    """Two sign-ups on a first server, then, once it is stopped, a third on a second one."""
    answers = []
    usernames_per_server = (["ann", "bob"], ["cid"])
    for name, database_url, usernames in zip(("first", "second"), database_urls, usernames_per_server, strict=True):
        server = AppServer(name, database_url=database_url, workdir=workdir, workers=1, env=env).start()
        try:
            answers += [sign_up(server, username) for username in usernames]
        finally:
            server.stop()
    return answers


ALLOWED_TWICE = [[], [], ["TOO_MANY_ATTEMPTS"]]


def test_counts_in_the_database_outlive_the_processes(tmp_path):
    with scratch_database(tmp_path, "throttle_counts") as database_url:
        # Per day: an hourly window could end between the two servers.
        answers = sign_ups_on_one_server_then_another(tmp_path, (database_url, database_url), {"SIGNUP_RATE": "2/d"})
    assert answers == ALLOWED_TWICE


def test_counts_in_redis_outlive_the_processes(tmp_path):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis answers at {REDIS_URL}: {exc}")
    # A period of this run's own (1-2 days), so that no other run's counts, kept in Redis that long,
    # share its key.
    env = {"REDIS_URL": REDIS_URL, "SIGNUP_RATE": f"2/{random.randrange(86_400, 2 * 86_400)}s"}
    with scratch_database(tmp_path, "throttle_first") as first, scratch_database(tmp_path, "throttle_second") as second:
        answers = sign_ups_on_one_server_then_another(tmp_path, (first, second), env)
    assert answers == ALLOWED_TWICE
