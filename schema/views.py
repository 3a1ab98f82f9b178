from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from strawberry.django.views import GraphQLView


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def csrf_failure(request) -> str | None:
    """The reason a session request fails Django's CSRF check, or None when it passes."""
    check = _CsrfCheck(lambda _request: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


class TicketFlowerGraphQLView(GraphQLView):
    """GraphQL over HTTP. The view is CSRF-exempt as a whole; the check is made here for
    session-authenticated requests only, since a bearer token or no credentials at all
    carry no ambient authority a forged cross-site request could borrow."""

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and not getattr(request, "bearer_auth", False) and request.user.is_authenticated:
            reason = csrf_failure(request)
            if reason:
                return JsonResponse(
                    {
                        "errors": [
                            {"message": f"CSRF verification failed: {reason}", "extensions": {"code": "FORBIDDEN"}}
                        ]
                    },
                    status=403,
                )
        return super().dispatch(request, *args, **kwargs)

    def render_graphql_ide(self, request):
        # GraphiQL reads the csrftoken cookie to authenticate session users' POSTs.
        get_token(request)
        return super().render_graphql_ide(request)
