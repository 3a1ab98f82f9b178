"""The two middleware that declare each request's row-level security scope (kernel/row_security.py): the users
and companies of every company while the request's user is being found (or if it has none), then the user's
company's rows only, or, for a staff user in the Django admin (the operator's tool), every company's."""

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

from kernel.row_security import across_companies, acting_for_company, authenticating

Middleware = Callable[[HttpRequest], HttpResponseBase]


class AuthenticationScopeMiddleware:
    """Before the authentication middleware: a bearer token's or a session's user is found among every
    company's; a request without a user stays so (login, sign-up and token refresh declare the same scope
    themselves, users/services.py)."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with authenticating():
            return self.get_response(request)


@functools.cache
def _admin_prefix() -> str:
    return reverse("admin:index")


class CompanyScopeMiddleware:
    """After the authentication middleware (the bearer token's included)."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user  # a session's user is loaded here, still under the authentication scope
        if not user.is_authenticated:
            return self.get_response(request)
        if user.is_staff and request.path.startswith(_admin_prefix()):
            scope = across_companies()
        else:
            scope = acting_for_company(user.company_id)
        with scope:
            return self.get_response(request)
