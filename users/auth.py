"""Login throttling (django-axes) and the client address it shares with sign-up throttling."""

import ipaddress
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from users.models import username_key


def lockout_response(
    request: HttpRequest, original_response: HttpResponseBase | None, credentials: dict[str, Any] | None
) -> HttpResponseBase:
    """django-axes lockout hook.

    GraphQL answers a locked-out login itself (a TOO_MANY_ATTEMPTS problem in
    the login payload), so its response is kept; elsewhere (admin login) the
    client gets HTTP 429.
    """
    match = request.resolver_match
    if match is not None and match.url_name == "graphql" and original_response is not None:
        return original_response
    return HttpResponse("Too many failed login attempts; try again later.", status=429, content_type="text/plain")


class LoginLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with a second, higher limit: a username's failures from all
    client addresses together (LOGIN_USERNAME_FAILURE_LIMIT within the cool-off), so that guesses
    spread over many addresses are stopped too. Counted from axes' own AccessAttempt rows."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        return (
            super().is_locked(request, credentials)
            or _username_failures(request, credentials) >= settings.LOGIN_USERNAME_FAILURE_LIMIT
        )


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username a login attempt counts against (django-axes' AXES_USERNAME_CALLABLE): lowered by the
    database, as a login matches usernames (users.models.CompanyUserManager.get_by_natural_key), so that
    every spelling that logs in as one user spends that user's allowance."""
    username = (credentials or {}).get("username")
    if username is None:  # the Django admin's login form, read from the request itself
        username = getattr(request, "POST", {}).get("username")
    return username_key(username) if isinstance(username, str) else None


def _username_failures(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    username = get_client_username(request, credentials)
    if username is None:
        return 0
    recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=get_cool_off_threshold(request))
    return recent.aggregate(failures=Sum("failures_since_start"))["failures"] or 0


def client_address(request: HttpRequest) -> str:
    """The client's IP address: the one notion of login lockouts (django-axes) and sign-up throttling
    (django-ratelimit). REMOTE_ADDR, unless TRUSTED_PROXY_COUNT reverse proxies stand in front of the
    service, each appending the address it saw to X-Forwarded-For: then the address the outermost of
    them saw (entries further left are the client's to invent)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded: list[str] = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if proxies and len(forwarded) >= proxies and _is_ip_address(forwarded[-proxies]):
        return forwarded[-proxies]
    remote_address: str = request.META.get("REMOTE_ADDR", "")
    return remote_address


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
