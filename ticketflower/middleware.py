"""Request-level protections and logs that wrap every view."""

import json
import logging
import re
import time
import uuid

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from kernel.metrics import REQUEST_SECONDS, REQUEST_SQL_STATEMENTS, REQUESTS, operation_label
from kernel.requests import declared_body_bytes

request_log = logging.getLogger("ticketflower.requests")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def payload_too_large() -> JsonResponse:
    limit_mib = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return JsonResponse(
        {
            "errors": [
                {"message": f"The request body exceeds {limit_mib} MiB.", "extensions": {"code": "PAYLOAD_TOO_LARGE"}}
            ]
        },
        status=413,
        headers={"Cache-Control": "no-store"},  # like every answer of the GraphQL view
    )


class RequestIdMiddleware:
    """Gives every request an id (a sane incoming X-Request-ID, else a new one), returned in
    the response header and written to every log line about the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        _log_request(request, response, time.perf_counter() - started)
        return response


class RequestMetricsMiddleware:
    """Counts each request by endpoint, GraphQL operation and outcome, and observes its duration and the SQL
    statements it sent (kernel/metrics.py, exposed at /metrics)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        statements = 0

        def count(execute, sql, params, many, context):
            nonlocal statements
            statements += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        seconds = time.perf_counter() - started
        endpoint = _endpoint(request.path)
        operation = operation_label(getattr(request, "graphql_operation", None))
        REQUESTS.labels(endpoint=endpoint, operation=operation, outcome=_outcome(request, response)).inc()
        REQUEST_SECONDS.labels(endpoint=endpoint, operation=operation).observe(seconds)
        REQUEST_SQL_STATEMENTS.labels(endpoint=endpoint, operation=operation).observe(statements)
        return response


_ENDPOINTS = {"graphql": "graphql", "schemas": "schemas", "admin": "admin", "static": "static"}


def _endpoint(path: str) -> str:
    """A fixed set of label values, whatever paths clients make up."""
    return _ENDPOINTS.get(path.strip("/").split("/", 1)[0], "other")


def _outcome(request, response) -> str:
    if response.status_code >= 500:
        return "server_error"
    if response.status_code >= 400:
        return "client_error"
    return "graphql_error" if getattr(request, "graphql_errors", False) else "ok"


class BodySizeLimitMiddleware:
    """HTTP 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE, before it is read. (Django
    reads no more than Content-Length bytes of a body, so the declared size is the size.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if declared_body_bytes(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return payload_too_large()
        return self.get_response(request)


def _log_request(request, response, seconds: float) -> None:
    user = getattr(request, "user", None)
    signed_in = user if user is not None and user.is_authenticated else None
    record = {
        "request_id": request.id,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 1),
        "user_id": signed_in.pk if signed_in is not None else None,
        "company_id": signed_in.company_id if signed_in is not None else None,
        "operation": getattr(request, "graphql_operation", None),
    }
    request_log.info(json.dumps(record))
