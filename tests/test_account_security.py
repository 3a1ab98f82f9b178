"""Accounts against an attacker holding no more than a free sign-up: a password change ends stolen
refresh tokens, guesses spread over many addresses still lock the username out, behind trusted
proxies the client's own address is the one throttled, and a company admin cannot probe other
companies' usernames at speed."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import make_password
from django.core.cache import caches

from conftest import PASSWORD
from users.models import User

LOGIN = """
mutation($username: String!, $password: String!) {
  login(username: $username, password: $password) { refreshToken user { username } errors { code message path } }
}"""
REFRESH = "mutation($token: String!) { refreshToken(refreshToken: $token) { errors { code path } } }"
SIGN_UP = """
mutation($input: CreateCompanyInput!) { createCompany(input: $input) { errors { code path } } }"""
CREATE_USER = """
mutation($input: CreateUserInput!) { createUser(input: $input) { user { username } errors { code path } } }"""
NEW_PASSWORD = "another-long-passphrase-99"


@pytest.fixture(autouse=True)
def _no_throttle_counts(db):
    """django-ratelimit counts in the "throttles" cache, which may outlive each test (Redis)."""
    caches["throttles"].clear()


def login(gql, username: str, password: str, **headers) -> dict:
    body = gql.post(LOGIN, {"username": username, "password": password}, **headers)
    assert "errors" not in body, body["errors"]
    return body["data"]["login"]


def refresh_errors(gql, token: str) -> list[dict]:
    return gql.data(REFRESH, {"token": token})["refreshToken"]["errors"]


def sign_up(gql, username: str, **headers) -> list[dict]:
    fields = {"companyName": "Probe", "username": username, "email": "p@example.com", "password": PASSWORD}
    body = gql.post(SIGN_UP, {"input": fields}, **headers)
    assert "errors" not in body, body["errors"]
    return body["data"]["createCompany"]["errors"]


@pytest.mark.django_db
class TestPasswordChangeRevokesRefreshTokens:
    @pytest.mark.parametrize("change", ["set_password", "set_unusable_password"])
    def test_a_password_changed_through_the_orm(self, gql, tenant_a, change):
        stolen = login(gql, tenant_a.admin.username, PASSWORD)["refreshToken"]
        user = User.objects.get(pk=tenant_a.admin.pk)
        if change == "set_password":
            user.set_password(NEW_PASSWORD)
        else:
            user.set_unusable_password()
        user.save()
        assert refresh_errors(gql, stolen) == [{"code": "INVALID_TOKEN", "path": "/refreshToken"}]

    @pytest.mark.slow
    @pytest.mark.production_hashers
    def test_other_saves_and_a_logins_hash_upgrade_keep_them(self, gql, tenant_a):
        token = login(gql, tenant_a.admin.username, PASSWORD)["refreshToken"]
        user = User.objects.get(pk=tenant_a.admin.pk)
        user.first_name = "Ada"
        user.save()
        # A login rehashes a password stored with an older hasher: the same password, no change.
        User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha1"))
        assert login(gql, user.username, PASSWORD)["errors"] == []
        assert User.objects.get(pk=user.pk).password.startswith("pbkdf2_sha256$")
        assert refresh_errors(gql, token) == []


@pytest.mark.django_db
class TestLoginLockoutPerUsername:
    def test_guesses_spread_over_many_addresses_lock_the_username(self, gql, tenant_a, settings):
        settings.LOGIN_USERNAME_FAILURE_LIMIT = 8
        username = tenant_a.admin.username
        for attempt in range(8):  # 2 per address: each (username, address) pair stays under its limit of 5
            failed = login(gql, username, "guess", REMOTE_ADDR=f"203.0.113.{attempt // 2}")
            assert failed["errors"][0]["code"] == "INVALID_CREDENTIALS"
        locked = login(gql, username, PASSWORD, REMOTE_ADDR="203.0.113.99")
        assert locked["refreshToken"] is None
        assert locked["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
        assert "try again in 15 minutes" in locked["errors"][0]["message"]

        other, _ = tenant_a.user()
        assert login(gql, other.username, PASSWORD, REMOTE_ADDR="203.0.113.99")["errors"] == []
        # After the cool-off the failures no longer count.
        AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(minutes=16))
        assert login(gql, username, PASSWORD, REMOTE_ADDR="203.0.113.99")["errors"] == []

    def test_letter_case_neither_fails_a_login_nor_escapes_the_count(self, gql, tenant_a, settings):
        # Usernames are unique ignoring case: a login matches one ignoring case, and its failures count
        # against that one username whatever the case it was typed in.
        username = tenant_a.admin.username
        assert login(gql, username.upper(), PASSWORD)["errors"] == []
        for variant in (username.upper(), username.capitalize(), username.swapcase(), username, username.upper()):
            assert login(gql, variant, "guess")["errors"][0]["code"] == "INVALID_CREDENTIALS"
        locked = login(gql, username.title(), PASSWORD)
        assert locked["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"

    def test_a_look_alike_username_neither_locks_out_nor_logs_in_as_another(self, gql, tenant_a):
        # UPPER folds the dotless i (U+0131) into I, LOWER keeps it: "al\u0131ce" is a user of its own, and
        # logins, lockouts and the unique constraint all compare as LOWER does.
        victim = tenant_a.admin.username
        look_alike = victim.replace("i", "\u0131")
        assert look_alike != victim
        assert sign_up(gql, look_alike) == []
        assert login(gql, victim, PASSWORD)["user"]["username"] == victim
        assert login(gql, look_alike, PASSWORD)["user"]["username"] == look_alike
        for _ in range(5):
            login(gql, victim.upper(), "guess")
        assert login(gql, victim, PASSWORD)["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
        # The look-alike's allowance is its own, and it logs in as itself only.
        assert login(gql, look_alike, PASSWORD)["user"]["username"] == look_alike

    def test_the_default_limit_is_far_above_the_per_address_one(self, settings):
        assert settings.LOGIN_USERNAME_FAILURE_LIMIT == 50
        assert settings.AXES_FAILURE_LIMIT == 5


@pytest.mark.django_db
class TestClientAddressBehindProxies:
    def test_sign_ups_are_counted_per_forwarded_client(self, gql, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        settings.SIGNUP_RATE = "1/h"
        via_proxy = {"REMOTE_ADDR": "10.0.0.1"}
        assert sign_up(gql, "first", HTTP_X_FORWARDED_FOR="192.0.2.1", **via_proxy) == []
        assert sign_up(gql, "second", HTTP_X_FORWARDED_FOR="192.0.2.2", **via_proxy) == []
        # What the client wrote into the header itself (left of the proxy's entry) does not count.
        spoofed = sign_up(gql, "third", HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.1", **via_proxy)
        assert spoofed == [{"code": "TOO_MANY_ATTEMPTS", "path": ""}]

    def test_login_lockouts_are_per_forwarded_client(self, gql, tenant_a, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        username = tenant_a.admin.username
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(gql, username, "guess", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1")
        locked = login(gql, username, PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1")
        assert locked["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
        # Another client behind the same proxy is not locked out.
        other = login(gql, username, PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.2")
        assert other["errors"] == []

    def test_without_trusted_proxies_the_header_is_ignored(self, gql, settings):
        settings.SIGNUP_RATE = "1/h"
        assert sign_up(gql, "first", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1") == []
        refused = sign_up(gql, "second", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.2")
        assert refused == [{"code": "TOO_MANY_ATTEMPTS", "path": ""}]


@pytest.mark.django_db
class TestUserCreationThrottle:
    @staticmethod
    def create_user(gql, admin_token: str, username: str) -> list[dict]:
        fields = {"username": username, "email": "u@example.com", "password": PASSWORD}
        return gql.data(CREATE_USER, {"input": fields}, token=admin_token)["createUser"]["errors"]

    def test_probes_of_taken_usernames_are_throttled_per_acting_user(self, gql, tenant_a, tenant_b, settings):
        """createUser answers DUPLICATE for another company's username: unthrottled, about a probe a second."""
        settings.USER_CREATE_RATE = "3/h"
        taken = tenant_b.admin.username
        for _ in range(3):  # refused attempts count: their transaction is rolled back, the count is not
            assert self.create_user(gql, tenant_a.token, taken) == [{"code": "DUPLICATE", "path": "/username"}]
        throttled = [{"code": "TOO_MANY_ATTEMPTS", "path": ""}]
        assert self.create_user(gql, tenant_a.token, taken) == throttled
        assert self.create_user(gql, tenant_a.token, "newcomer") == throttled
        # Another company admin has an allowance of their own.
        assert self.create_user(gql, tenant_b.token, "newcomer") == []

    def test_the_default_rate_allows_a_user_a_minute(self, settings):
        assert settings.USER_CREATE_RATE == "60/h"
