"""Sign-up, login, tokens and `me`, over HTTP."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from users.models import Company, RefreshToken, User
from users.tokens import access_token_encode, refresh_token_hash

SIGN_UP = """
mutation($input: CreateCompanyInput!) {
  createCompany(input: $input) {
    accessToken refreshToken
    user { username email company { name } systemRoles companyRoles }
    errors { code message path }
  }
}"""
LOGIN = """
mutation($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    accessToken refreshToken user { username } errors { code message path }
  }
}"""
REFRESH = """
mutation($token: String!) {
  refreshToken(refreshToken: $token) { accessToken refreshToken errors { code message path } }
}"""
LOGOUT = "mutation($token: String!) { logout(refreshToken: $token) { ok errors { code path } } }"
ME = "{ me { username email company { id name } systemRoles companyRoles } }"


def sign_up(gql, *, address: str = "127.0.0.1", **overrides) -> dict:
    fields = {"companyName": "Initech", "username": "peter", "email": "peter@initech.example", "password": PASSWORD}
    body = gql.post(SIGN_UP, {"input": fields | overrides}, REMOTE_ADDR=address)
    assert "errors" not in body, body["errors"]
    return body["data"]["createCompany"]


def login(gql, username: str, password: str) -> dict:
    return gql.data(LOGIN, {"username": username, "password": password})["login"]


def refresh(gql, token: str) -> dict:
    return gql.data(REFRESH, {"token": token})["refreshToken"]


def rotated_seconds_ago(token: str, seconds: int) -> None:
    """Time travel: the token was rotated that long ago."""
    rotated = RefreshToken.objects.filter(token_hash=refresh_token_hash(token), revoked_at__isnull=False)
    assert rotated.update(revoked_at=timezone.now() - timedelta(seconds=seconds)) == 1


@pytest.mark.django_db
class TestSignUp:
    @pytest.fixture(autouse=True)
    def _no_throttle_counts(self, db):
        """django-ratelimit counts sign-ups in the "throttles" cache, which may outlive each test (Redis)."""
        caches["throttles"].clear()

    def test_creates_company_and_admin_who_can_use_the_token(self, gql):
        payload = sign_up(gql)
        assert payload["errors"] == []
        assert payload["user"] == {
            "username": "peter",
            "email": "peter@initech.example",
            "company": {"name": "Initech"},
            "systemRoles": ["company_admin", "workflow_creator"],
            "companyRoles": [],
        }
        me = gql.data(ME, token=payload["accessToken"])["me"]
        assert me["username"] == "peter"
        assert me["company"]["name"] == "Initech"

    def test_refuses_weak_password_and_bad_email_with_located_problems(self, gql):
        payload = sign_up(gql, password="123", email="not-an-email", companyName=" ")
        assert payload["accessToken"] is None
        assert payload["user"] is None
        codes = {(p["code"], p["path"]) for p in payload["errors"]}
        assert codes == {("REQUIRED", "/companyName"), ("INVALID_EMAIL", "/email"), ("INVALID_PASSWORD", "/password")}

    def test_a_taken_username_is_told_only_to_an_otherwise_valid_sign_up(self, gql):
        """Probing which usernames exist takes a complete sign-up (throttled, and a company when free)."""
        sign_up(gql)
        invalid = sign_up(gql, username="PETER", email="not-an-email")
        assert [(p["code"], p["path"]) for p in invalid["errors"]] == [("INVALID_EMAIL", "/email")]
        valid = sign_up(gql, username="PETER", companyName="Initrode")
        assert valid["accessToken"] is None
        assert [(p["code"], p["path"]) for p in valid["errors"]] == [("DUPLICATE", "/username")]
        assert Company.objects.filter(name="Initrode").count() == 0

    def test_sign_ups_are_throttled_per_client_address(self, gql, settings):
        settings.SIGNUP_RATE = "3/h"
        for number in range(3):
            assert sign_up(gql, username=f"peter{number}", address="198.51.100.7")["errors"] == []
        refused = sign_up(gql, username="peter3", address="198.51.100.7")
        assert refused["accessToken"] is None
        assert [(p["code"], p["path"]) for p in refused["errors"]] == [("TOO_MANY_ATTEMPTS", "")]
        assert not User.objects.filter(username="peter3").exists()
        # Invalid attempts count too, and another address has its own allowance.
        assert sign_up(gql, username="peter3", address="198.51.100.8")["errors"] == []

    def test_token_refreshes_are_throttled_per_client_address(self, gql, tenant_a, settings):
        settings.REFRESH_RATE = "2/h"
        token = login(gql, tenant_a.admin.username, PASSWORD)["refreshToken"]
        for _ in range(2):
            body = gql.post(REFRESH, {"token": token}, REMOTE_ADDR="198.51.100.9")
            token = body["data"]["refreshToken"]["refreshToken"]
            assert body["data"]["refreshToken"]["errors"] == []
        refused = gql.post(REFRESH, {"token": token}, REMOTE_ADDR="198.51.100.9")["data"]["refreshToken"]
        assert [(p["code"], p["path"]) for p in refused["errors"]] == [("TOO_MANY_ATTEMPTS", "")]
        # Refused before the token is looked at: it is still good from another address.
        assert gql.post(REFRESH, {"token": token}, REMOTE_ADDR="198.51.100.10")["data"]["refreshToken"]["errors"] == []


@pytest.mark.django_db
class TestLogin:
    def test_success_returns_tokens_for_me(self, gql, tenant_a):
        payload = login(gql, tenant_a.admin.username, PASSWORD)
        assert payload["errors"] == []
        assert gql.data(ME, token=payload["accessToken"])["me"]["username"] == tenant_a.admin.username

    def test_wrong_password_and_unknown_user_get_the_same_answer(self, gql, tenant_a):
        wrong_password = login(gql, tenant_a.admin.username, "not-the-password")
        unknown_user = login(gql, "nobody-here", "not-the-password")
        assert wrong_password == unknown_user
        assert wrong_password["accessToken"] is None
        assert wrong_password["errors"] == [
            {"code": "INVALID_CREDENTIALS", "message": "unknown username or wrong password", "path": ""}
        ]

    def test_repeated_failures_are_throttled_even_with_the_right_password(self, gql, tenant_a, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            assert login(gql, tenant_a.admin.username, "wrong")["errors"][0]["code"] == "INVALID_CREDENTIALS"
        locked = login(gql, tenant_a.admin.username, PASSWORD)
        assert locked["accessToken"] is None
        assert locked["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
        assert "try again in 15 minutes" in locked["errors"][0]["message"]
        # Another user from the same address is not locked out.
        _, _ = tenant_a.user()
        other = tenant_a.admin.company.users.exclude(pk=tenant_a.admin.pk).get()
        assert login(gql, other.username, PASSWORD)["errors"] == []


@pytest.mark.django_db
class TestTokens:
    def test_refresh_rotates_and_the_old_refresh_token_is_then_refused(self, gql, tenant_a):
        first = login(gql, tenant_a.admin.username, PASSWORD)
        second = refresh(gql, first["refreshToken"])
        assert second["errors"] == []
        assert second["refreshToken"] != first["refreshToken"]
        assert gql.data(ME, token=second["accessToken"])["me"]["username"] == tenant_a.admin.username

        rotated_seconds_ago(first["refreshToken"], settings.REFRESH_TOKEN_REUSE_SECONDS + 1)
        reused = refresh(gql, first["refreshToken"])
        assert reused["accessToken"] is None
        assert reused["errors"] == [
            {
                "code": "INVALID_TOKEN",
                "message": "this refresh token was already used or revoked; log in again",
                "path": "/refreshToken",
            }
        ]
        # Reuse of a rotated token revokes the whole family, including the newest token.
        assert refresh(gql, second["refreshToken"])["errors"][0]["code"] == "INVALID_TOKEN"

    def test_a_second_use_within_the_reuse_interval_gets_the_same_successor(self, gql, tenant_a):
        """Two tabs, or React StrictMode's double effects, refreshing with one token: both stay logged in."""
        first = login(gql, tenant_a.admin.username, PASSWORD)["refreshToken"]
        once, twice = refresh(gql, first), refresh(gql, first)
        assert once["errors"] == twice["errors"] == []
        assert once["refreshToken"] == twice["refreshToken"] != first
        for pair in (once, twice):
            assert gql.data(ME, token=pair["accessToken"])["me"]["username"] == tenant_a.admin.username
        # Only hashes are stored, and the successor is one token: it rotates on as usual.
        family = RefreshToken.objects.get(token_hash=refresh_token_hash(first)).family
        stored = set(RefreshToken.objects.filter(family=family).values_list("token_hash", flat=True))
        assert stored == {refresh_token_hash(first), refresh_token_hash(once["refreshToken"])}
        third = refresh(gql, once["refreshToken"])
        assert third["errors"] == []
        assert third["refreshToken"] not in {first, once["refreshToken"]}

    def test_once_the_successor_is_used_the_old_token_revokes_the_family(self, gql, tenant_a):
        first = login(gql, tenant_a.admin.username, PASSWORD)["refreshToken"]
        second = refresh(gql, first)["refreshToken"]
        third = refresh(gql, second)["refreshToken"]
        assert refresh(gql, first)["errors"][0]["code"] == "INVALID_TOKEN"
        assert refresh(gql, third)["errors"][0]["code"] == "INVALID_TOKEN"

    def test_a_successor_logged_out_ends_the_interval(self, gql, tenant_a):
        first = login(gql, tenant_a.admin.username, PASSWORD)["refreshToken"]
        second = refresh(gql, first)
        assert gql.data(LOGOUT, {"token": second["refreshToken"]}, token=second["accessToken"])["logout"]["ok"]
        assert refresh(gql, first)["errors"][0]["code"] == "INVALID_TOKEN"

    def test_a_revoked_token_gets_no_interval(self, gql, tenant_a):
        tokens = login(gql, tenant_a.admin.username, PASSWORD)
        assert gql.data(LOGOUT, {"token": tokens["refreshToken"]}, token=tokens["accessToken"])["logout"]["ok"]
        assert refresh(gql, tokens["refreshToken"])["errors"][0]["code"] == "INVALID_TOKEN"

    def test_without_an_interval_every_second_use_revokes_the_family(self, gql, tenant_a, settings):
        settings.REFRESH_TOKEN_REUSE_SECONDS = 0
        first = login(gql, tenant_a.admin.username, PASSWORD)["refreshToken"]
        second = refresh(gql, first)["refreshToken"]
        assert refresh(gql, first)["errors"][0]["code"] == "INVALID_TOKEN"
        assert refresh(gql, second)["errors"][0]["code"] == "INVALID_TOKEN"

    def test_unknown_refresh_token_is_refused(self, gql, db):
        payload = gql.data(REFRESH, {"token": "made-up"})["refreshToken"]
        assert payload["errors"][0]["code"] == "INVALID_TOKEN"

    def test_logout_revokes_the_refresh_token(self, gql, tenant_a):
        tokens = login(gql, tenant_a.admin.username, PASSWORD)
        assert gql.data(LOGOUT, {"token": tokens["refreshToken"]}, token=tokens["accessToken"])["logout"] == {
            "ok": True,
            "errors": [],
        }
        assert gql.data(REFRESH, {"token": tokens["refreshToken"]})["refreshToken"]["errors"][0]["code"] == (
            "INVALID_TOKEN"
        )

    def test_logout_cannot_revoke_another_users_token(self, gql, tenant_a, tenant_b):
        victim = login(gql, tenant_b.admin.username, PASSWORD)
        payload = gql.data(LOGOUT, {"token": victim["refreshToken"]}, token=tenant_a.token)["logout"]
        assert payload["ok"] is False
        assert payload["errors"][0]["code"] == "INVALID_TOKEN"
        assert gql.data(REFRESH, {"token": victim["refreshToken"]})["refreshToken"]["errors"] == []

    def test_expired_access_token_is_refused(self, gql, tenant_a, settings):
        issued = timezone.now() - settings.ACCESS_TOKEN_LIFETIME - timedelta(seconds=1)
        expired = access_token_encode(user_id=tenant_a.admin.pk, now=issued)
        body = gql.post(ME, token=expired)
        assert body["data"] == {"me": None}
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "expired" in body["errors"][0]["message"]

    @pytest.mark.parametrize("header", ["Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer "])
    def test_bad_credentials_are_unauthenticated(self, gql, db, header):
        body = gql.post(ME, HTTP_AUTHORIZATION=header)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    def test_anonymous_me_is_unauthenticated(self, gql, db):
        body = gql.post(ME)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    def test_token_of_deactivated_user_is_refused(self, gql, tenant_a):
        user, token = tenant_a.user()
        user.is_active = False
        user.save()
        assert gql.post(ME, token=token)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.django_db
class TestSessionAuth:
    def test_session_requests_need_the_csrf_token(self, tenant_a):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(tenant_a.admin)
        body = json.dumps({"query": ME})
        refused = browser.post("/graphql/", data=body, content_type="application/json")
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"

        browser.get("/graphql/", HTTP_ACCEPT="text/html")  # GraphiQL sets the csrftoken cookie
        csrf = browser.cookies["csrftoken"].value
        accepted = browser.post("/graphql/", data=body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
        assert accepted.status_code == 200
        assert accepted.json()["data"]["me"]["username"] == tenant_a.admin.username

    def test_bearer_requests_need_no_csrf_token(self, tenant_a):
        api_client = Client(enforce_csrf_checks=True)
        response = api_client.post(
            "/graphql/",
            data=json.dumps({"query": ME}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tenant_a.token}",
        )
        assert response.status_code == 200
        assert response.json()["data"]["me"]["username"] == tenant_a.admin.username
