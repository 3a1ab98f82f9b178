"""Fixtures shared by every test: real HTTP requests to /graphql/ through Django's test client."""

import itertools
import json
import os

import pytest
from django.conf import global_settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client

import ticketflower.settings as production_settings
from tests.support.row_security import requests_as_application_role
from users import services
from users.models import User

# Every statement the application sends for a company must name it (see the plugin).
pytest_plugins = ["tests.support.statement_scope"]

PASSWORD = "correct-horse-battery-42"
_counter = itertools.count(1)

# This process has loaded the test settings (pyproject's DJANGO_SETTINGS_MODULE) by now; the
# programs tests start (bin/serve, manage.py, bench/run) inherit the environment and run as
# deployed, on the production settings.
os.environ["DJANGO_SETTINGS_MODULE"] = production_settings.__name__


class GraphQLClient:
    """Posts GraphQL operations to /graphql/ as a real client would."""

    def __init__(self, client: Client):
        self.client = client

    def post(self, query: str, variables: dict | None = None, *, token: str | None = None, **headers) -> dict:
        if token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        response = self.client.post(
            "/graphql/",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 200, (response.status_code, response.content[:2000])
        return response.json()

    def data(self, query: str, variables: dict | None = None, *, token: str | None = None) -> dict:
        """The `data` of a response that must have no top-level errors."""
        body = self.post(query, variables, token=token)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture(autouse=True)
def _empty_caches():
    """Test databases roll back, so ids (and generations) repeat across tests: each test
    starts with no cached answer. Only per-process caches are cleared: clearing a Redis cache
    empties its whole Redis database, which other programs may share (tests that use Redis give
    their entries a key prefix of their own). Throttle counts live in CACHES["throttles"], a
    database table or Redis: the tests that count clear it themselves, with database access."""
    for alias in ("graphql-responses", "diagrams", "default"):
        if isinstance(caches[alias], LocMemCache):
            caches[alias].clear()


@pytest.fixture(autouse=True)
def _requests_under_row_level_security():
    """On PostgreSQL every request a test sends through Django's test client runs as the application's role, as
    in production: row-level security decides what it sees (tests/support/row_security.py)."""
    with requests_as_application_role():
        yield


@pytest.fixture(autouse=True)
def _production_hashers(request):
    """Tests marked `production_hashers` hash passwords as production does (PBKDF2), not with the
    test settings' fast hasher."""
    if request.node.get_closest_marker("production_hashers"):
        request.getfixturevalue("settings").PASSWORD_HASHERS = getattr(
            production_settings, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS
        )


@pytest.fixture
def gql(client) -> GraphQLClient:
    return GraphQLClient(client)


class Tenant:
    """A company with its first user (company_admin + workflow_creator) and a token."""

    def __init__(self, name: str):
        pair = services.company_create(
            company_name=name, username=f"admin{next(_counter)}", email="admin@example.com", password=PASSWORD
        )
        self.admin: User = pair.user
        self.company = pair.user.company
        self.token = pair.access_token

    def user(self, *, system_roles: list[str] = (), company_roles: list[str] = ()) -> tuple[User, str]:
        """A further user of this company with the given roles, and an access token of theirs."""
        for role in company_roles:
            if not self.company.roles.filter(name=role).exists():
                services.company_role_create(acting_user=self.admin, name=role, description="")
        user = services.user_create(
            acting_user=self.admin,
            username=f"user{next(_counter)}",
            email="user@example.com",
            password=PASSWORD,
            system_roles=list(system_roles),
            company_roles=list(company_roles),
        )
        return user, services.token_pair_issue(user=user).access_token


@pytest.fixture
def tenant_a(db) -> Tenant:
    return Tenant("Acme")


@pytest.fixture
def tenant_b(db) -> Tenant:
    return Tenant("Globex")
