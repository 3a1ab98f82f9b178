"""Whose rows the database shows the work at hand: the scope that PostgreSQL row-level security reads.

Every company-owned table has a policy (kernel/row_security.py) that shows a role not owning the tables
(the application's, README "Production") only the rows of the company named by the transaction's setting
`ticketflower.company_id`, unless `ticketflower.cross_company` widens it: `authentication` to the users and
companies of every company (a request whose user is not known yet, or that has none: signing in, signing
up, refreshing a token, loading a session's user), `all` to every row (the operator's Django admin). With
neither set, no row. So a query that forgot its scoping rule (kernel/scoping.py) still sees only the acting
company's rows.

A request declares its scope here (the two middleware below); the database backend
(ticketflower/postgresql) writes it into every transaction the request's statements run in, with
set_config(..., true), which lasts until the transaction ends: nothing outlives the transaction, which is
what PgBouncer's transaction pooling needs. Work outside requests (migrate, management commands)
declares none and connects as the tables' owner, whom the policies do not restrict.
"""

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

from kernel.row_security import ALL, AUTHENTICATION


@dataclass(frozen=True)
class Scope:
    company_id: int | None = None
    cross_company: str = ""  # "", AUTHENTICATION or ALL


_scope: ContextVar[Scope | None] = ContextVar("ticketflower_tenant_scope", default=None)


def current_scope() -> Scope | None:
    """The scope declared for the work at hand; None outside requests (the owner's work)."""
    return _scope.get()


@contextlib.contextmanager
def _declared(scope: Scope) -> Iterator[None]:
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)


def acting_for_company(company_id: int) -> contextlib.AbstractContextManager[None]:
    """The acting user's company: its rows only."""
    return _declared(Scope(company_id=company_id))


def authenticating() -> contextlib.AbstractContextManager[None]:
    """No acting user yet (or none at all): the users and companies of every company, nothing else."""
    return _declared(Scope(cross_company=AUTHENTICATION))


def across_companies() -> contextlib.AbstractContextManager[None]:
    """Every company's rows: the operator's Django admin only."""
    return _declared(Scope(cross_company=ALL))


Middleware = Callable[[HttpRequest], HttpResponseBase]


class AuthenticationScopeMiddleware:
    """Before the authentication middleware: until the user is known, the request may read the users and
    companies of every company (a bearer token's or a session's user, a login's username); if it has no user,
    it stays so (login, sign-up and token refresh look users up by name or token)."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with authenticating():
            return self.get_response(request)


@functools.cache
def _admin_prefix() -> str:
    return reverse("admin:index")


class CompanyScopeMiddleware:
    """After the authentication middleware (the bearer token's included): a signed-in user's request sees
    their company's rows only; a staff user in the Django admin, which is the operator's tool, every company's."""

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
