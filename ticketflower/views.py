import logging
import sys

from django.db import DatabaseError
from django.http import JsonResponse

from schema.errors import database_failure

logger = logging.getLogger("ticketflower.requests")


def server_error(request):
    """The answer to an exception outside GraphQL's own handling (e.g. the database down
    while authenticating): JSON in the GraphQL error shape, never a trace."""
    exc = sys.exc_info()[1]
    failure = database_failure(exc) if isinstance(exc, DatabaseError) else None
    message, code = failure or ("Unexpected error.", "INTERNAL_SERVER_ERROR")
    body = {"errors": [{"message": message, "extensions": {"code": code, "requestId": getattr(request, "id", None)}}]}
    return JsonResponse(body, status=503 if failure else 500)
