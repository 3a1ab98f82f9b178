from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseBase

from users.selectors import user_from_access_token
from users.tokens import InvalidToken

if TYPE_CHECKING:

    class BearerRequest(HttpRequest):
        """A request with what this middleware may add to it; only some requests have them (read them with getattr)."""

        bearer_auth: bool
        auth_error: str


class BearerTokenMiddleware:
    """Authenticates `Authorization: Bearer <accessToken>`.

    A bearer request never uses the session (so it needs no CSRF token); a bad
    token leaves the request anonymous and keeps the reason for the
    UNAUTHENTICATED error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: BearerRequest) -> HttpResponseBase:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header:
            request.bearer_auth = True
            scheme, _, token = header.partition(" ")
            request.user = AnonymousUser()
            if scheme.lower() != "bearer" or not token.strip():
                request.auth_error = "the Authorization header must be 'Bearer <accessToken>'"
            else:
                try:
                    request.user = user_from_access_token(token.strip())
                except InvalidToken as exc:
                    request.auth_error = str(exc)
        return self.get_response(request)
