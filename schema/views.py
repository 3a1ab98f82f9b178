import functools
import json
import sys

import orjson
from cross_web import HTTPException
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.cache import patch_cache_control
from strawberry.django.views import GraphQLView
from strawberry.schema.exceptions import InvalidOperationTypeError

from kernel.requests import declared_body_bytes
from schema.compiled_reads import CompiledJSON
from schema.persisted_queries import PersistedQueryRefusal, query_to_run
from schema.stack import run_in_roomy_stack_chunk


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check on its own: a refusal keeps its reason, and no answer is sent."""

    reason: str | None = None

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponseForbidden:
        self.reason = reason
        return HttpResponseForbidden(reason)


def _never_called(request: HttpRequest) -> HttpResponse:
    """The rest of the middleware chain and the view, as far as the CSRF check alone is concerned."""
    raise NotImplementedError


def csrf_failure(request) -> str | None:
    """The reason a session request fails Django's CSRF check, or None when it passes."""
    check = _CsrfCheck(_never_called)
    check.process_request(request)
    check.process_view(request, _never_called, (), {})
    return check.reason


GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
_DJANGO_JSON = DjangoJSONEncoder()


def prefers_graphql_response_json(request) -> bool:
    """Whether the client asks for the GraphQL-over-HTTP media type ahead of plain JSON."""
    types = [part.split(";")[0].strip().lower() for part in request.headers.get("Accept", "").split(",")]
    if GRAPHQL_RESPONSE_JSON not in types:
        return False
    return "application/json" not in types or types.index(GRAPHQL_RESPONSE_JSON) < types.index("application/json")


# JSON in a request (a POST's body, a GET's variables and extensions) nests at most this many
# arrays and objects. A workflow document sent as a variable reaches 69 in a body: its JSON
# properties (schemas, conditions, layouts) nest at most 64 levels
# (workflow_design.document.MAX_JSON_DEPTH), 5 below the body (body, variables, input, tasks,
# task); up to 100 the validator still answers a prop nested too deeply with a located problem.
MAX_REQUEST_JSON_DEPTH = 100
# Characters of a query text. The token limit (GRAPHQL_MAX_TOKENS) does not count comments,
# whitespace or the length of string literals, and graphql-core lexes about 2.5 MB/s: a 10 MiB
# query of comments took 4.4 s, of one string 5-7.5 s. A 5,000-token query of long field names
# is about 50,000 characters; documents travel as variables.
MAX_QUERY_LENGTH = 100_000
_TOO_DEEP = f"The request's JSON nests more than {MAX_REQUEST_JSON_DEPTH} levels of arrays and objects."


def nesting_exceeds(value: object, limit: int) -> bool:
    """Whether decoded JSON nests more than `limit` arrays and objects; level by level, without
    recursion (13 ms for the largest workflow document, 1,000 tasks and 5,000 transitions)."""
    level = [value] if type(value) is dict or type(value) is list else []
    for _ in range(limit):
        if not level:
            return False
        level = [
            child
            for node in level
            for child in (node.values() if type(node) is dict else node)
            if type(child) is dict or type(child) is list
        ]
    return bool(level)


def _written_as_django_does(value: object) -> object:
    """A value orjson does not know: a compiled answer's JSON text as is (schema/compiled_reads.py), else as
    strawberry's DjangoJSONEncoder writes it."""
    if isinstance(value, CompiledJSON):
        return orjson.Fragment(value.text)
    return _DJANGO_JSON.default(value)


def _parsed_compiled_answers(data: object) -> object:
    """The response with its compiled answers parsed (root fields of `data`), for the json module."""
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        answers = data["data"]
        parsed = {k: json.loads(v.text) if isinstance(v, CompiledJSON) else v for k, v in answers.items()}
        return {**data, "data": parsed}
    return data


class TicketFlowerGraphQLView(GraphQLView):
    """GraphQL over HTTP. The view is CSRF-exempt as a whole; the check is made here for
    session-authenticated requests only, since a bearer token or no credentials at all
    carry no ambient authority a forged cross-site request could borrow."""

    def dispatch(self, request, *args, **kwargs):
        response = self._answer(request)
        # Answers can carry a bearer-authenticated user's data: no shared or browser cache keeps them.
        patch_cache_control(response, no_store=True)
        return response

    def _answer(self, request):
        if not request.user.is_authenticated:
            if declared_body_bytes(request) > settings.MAX_ANONYMOUS_REQUEST_BODY_BYTES:
                return self._anonymous_body_too_large(request)
        elif request.method == "POST" and not getattr(request, "bearer_auth", False):
            reason = csrf_failure(request)
            if reason:
                return self.request_error(f"CSRF verification failed: {reason}", code="FORBIDDEN", status=403)
        try:
            return self.run(request=request)
        except HTTPException as exc:  # strawberry's refusals of a request, which it answers in plain text
            if exc.status_code != 405:
                return self.request_error(exc.reason, code="BAD_USER_INPUT", status=exc.status_code)
            refusal = self.request_error(exc.reason, code="METHOD_NOT_ALLOWED", status=405)
            refusal["Allow"] = "POST" if request.method == "GET" else "GET, POST"  # a mutation by GET: POST only
            return refusal
        except PersistedQueryRefusal as refusal:
            return self.request_error(refusal.message, code=refusal.code, status=refusal.status, path=refusal.path)

    def _anonymous_body_too_large(self, request):
        """Without valid credentials a body is refused before it is read (decoded JSON can take ~17 times
        its size): sign-up, login and token refresh need a few hundred bytes."""
        credentials = getattr(request, "auth_error", None) or "log in first"
        return self.request_error(
            f"The request body exceeds {settings.MAX_ANONYMOUS_REQUEST_BODY_BYTES:,} bytes, the limit for requests "
            f"without valid credentials ({credentials}).",
            code="PAYLOAD_TOO_LARGE",
            status=413,
        )

    def request_error(self, message: str, *, code: str, status: int, path: str | None = None):
        """A refusal before GraphQL runs, in the GraphQL response shape, with `status` whatever media type the
        client asked for; `path`: a JSON Pointer into the request body."""
        sub_response = self.get_sub_response(self.request)
        sub_response.status_code = status
        extensions = {"code": code} if path is None else {"code": code, "path": path}
        response = self.create_response({"errors": [{"message": message, "extensions": extensions}]}, sub_response)
        response.status_code = status
        return response

    def decode_json(self, data: str | bytes) -> object:
        """Every JSON text of a request, before anything recursive (graphql-core's coercion of
        variables, the response cache's key) reads it."""
        try:
            value = json.loads(data)
        except RecursionError as exc:  # the decoder's own guard, near the interpreter's recursion limit
            raise HTTPException(400, _TOO_DEEP) from exc
        except json.JSONDecodeError:
            raise  # strawberry answers malformed JSON
        except ValueError as exc:  # an integer longer than Python converts (sys.get_int_max_str_digits())
            raise HTTPException(
                400, f"The request's JSON holds an integer of more than {sys.get_int_max_str_digits():,} digits."
            ) from exc
        if nesting_exceeds(value, MAX_REQUEST_JSON_DEPTH):
            raise HTTPException(400, _TOO_DEEP)
        # A POST's only JSON text is its body (multipart uploads are off), which strawberry reads
        # as an operation (or a list of them, refused: batching is off).
        if self.request.method == "POST" and not isinstance(value, dict | list):
            raise HTTPException(400, "The request body must be a JSON object.")
        return value

    def parse_http_body(self, request):
        try:
            request_data = super().parse_http_body(request)
        except UnicodeDecodeError as exc:  # strawberry's request adapter decodes the body as UTF-8
            raise HTTPException(400, "The request body is not UTF-8.") from exc
        assert not isinstance(request_data, list)  # batching is off: strawberry refuses a list
        if not isinstance(request_data.operation_name, str | None):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null, if provided.")
        if request_data.query is not None and len(request_data.query) > MAX_QUERY_LENGTH:
            raise HTTPException(
                400,
                f"The query is {len(request_data.query):,} characters long; at most {MAX_QUERY_LENGTH:,} are "
                "accepted. Send documents as variables.",
            )
        # After the length check: only a text within it is registered as a persisted query.
        request_data.query = query_to_run(query=request_data.query, extensions=request_data.extensions)
        return request_data

    def should_render_graphql_ide(self, request):
        # A GET naming a persisted query by its hash alone is an operation, not a visit of GraphiQL.
        return super().should_render_graphql_ide(request) and "extensions" not in request.query_params

    def execute_operation(self, request, context, root_value, sub_response):
        # Deep recursion over thousands of objects: see schema/stack.py.
        execute = functools.partial(super().execute_operation, request, context, root_value, sub_response)
        try:
            return run_in_roomy_stack_chunk(execute)
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError) and request.method == "GET":
                # GraphQL over HTTP: a mutation sent by GET is 405, not a malformed request.
                raise HTTPException(405, exc.reason) from exc
            raise

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
            return orjson.dumps(data, default=_written_as_django_does, option=orjson.OPT_PASSTHROUGH_DATETIME)
        except orjson.JSONEncodeError:
            return super().encode_json(_parsed_compiled_answers(data))

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
