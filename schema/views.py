import functools

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from strawberry.django.views import GraphQLView

from ticketflower.stack import run_in_roomy_stack_chunk


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def csrf_failure(request) -> str | None:
    """The reason a session request fails Django's CSRF check, or None when it passes."""
    check = _CsrfCheck(lambda _request: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
_DJANGO_JSON = DjangoJSONEncoder()


def prefers_graphql_response_json(request) -> bool:
    """Whether the client asks for the GraphQL-over-HTTP media type ahead of plain JSON."""
    types = [part.split(";")[0].strip().lower() for part in request.headers.get("Accept", "").split(",")]
    if GRAPHQL_RESPONSE_JSON not in types:
        return False
    return "application/json" not in types or types.index(GRAPHQL_RESPONSE_JSON) < types.index("application/json")


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

    def execute_operation(self, request, context, root_value, sub_response):
        # Deep recursion over thousands of objects: see ticketflower/stack.py.
        execute = functools.partial(super().execute_operation, request, context, root_value, sub_response)
        return run_in_roomy_stack_chunk(execute)

    def render_graphql_ide(self, request):
        # GraphiQL reads the csrftoken cookie to authenticate session users' POSTs.
        get_token(request)
        return super().render_graphql_ide(request)

    def encode_json(self, data: object) -> str | bytes:
        """orjson (a designer view's answer encodes ~10x faster than with the json module),
        writing what strawberry's DjangoJSONEncoder writes: datetimes and types orjson does
        not know go through that encoder; what orjson refuses (an integer beyond 64 bits,
        a non-string key) is encoded by strawberry's own method."""
        try:
            return orjson.dumps(data, default=_DJANGO_JSON.default, option=orjson.OPT_PASSTHROUGH_DATETIME)
        except orjson.JSONEncodeError:
            return super().encode_json(data)

    def process_result(self, request, result):
        response_data = super().process_result(request, result)
        # A request error (parse, validation, coercion: no error has a path) has no `data` entry.
        if result.data is None and result.errors and all(error.path is None for error in result.errors):
            response_data.pop("data", None)
        return response_data

    def create_response(self, response_data, sub_response):
        response = super().create_response(response_data, sub_response)
        if prefers_graphql_response_json(self.request):
            # GraphQL over HTTP: with this media type a request error is HTTP 400.
            response["Content-Type"] = GRAPHQL_RESPONSE_JSON
            if isinstance(response_data, dict) and "data" not in response_data and response.status_code == 200:
                response.status_code = 400
        return response
