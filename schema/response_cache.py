"""Reuse of read responses while the data behind them is unchanged.

A query whose root fields all read the acting user's company data (CACHED_ROOT_FIELDS)
is answered from the cache when the same user sent the same operation (text, operation
name, variables) at the same company data generation (users.generations): every write
that could change such an answer moves the generation in its own transaction, and the
user's row (with the generation) is loaded before the operation reads anything, so an
entry never holds data older than its key says. Keyed by user, an entry can only be
served to the user it was computed for: no other company, no other permission scope.

Only answers without errors are kept, up to GRAPHQL_RESPONSE_CACHE_MAX_BYTES each (pickled),
in the `graphql-responses` cache (settings.CACHES: per process, or in Redis with REDIS_URL,
shared by every worker and server). A request with `Cache-Control: no-cache` is computed
afresh (and refreshes the entry). The `X-Response-Cache` header says `hit` or `miss`.

A cache backend that fails (Redis down or slow) never fails a request: the answer is
computed as on a miss, the failure logged and counted, and this process leaves the cache
alone for UNAVAILABLE_RETRY_SECONDS, so that a Redis that stopped answering costs one
timeout per process now and then, not one per request.
"""

import functools
import hashlib
import json
import logging
import pickle
import threading
import time

from django.conf import settings
from django.core.cache import caches
from graphql import ExecutionResult, FieldNode, OperationType, get_operation_ast
from redis.exceptions import RedisError
from strawberry.extensions import SchemaExtension

from kernel.metrics import RESPONSE_CACHE_LOOKUPS

CACHE_ALIAS = "graphql-responses"
STATUS_HEADER = "X-Response-Cache"
UNAVAILABLE_RETRY_SECONDS = 5.0

logger = logging.getLogger("ticketflower.graphql")

# Reads of company data only: every write that can change their answer moves the
# company's generation. (validateWorkflow and previewWorkflow compute from their input.)
CACHED_ROOT_FIELDS = frozenset(
    {
        "__typename",
        "node",
        "nodes",
        "me",
        "users",
        "companyRoles",
        "workflowDefinitions",
        "workflowDefinition",
        "taskDefinitions",
        "taskDefinition",
        "ticketDefinitions",
        "ticketDefinition",
        "exportWorkflow",
        "workflowVersions",
    }
)


@functools.cache
def _schema_fingerprint(schema) -> str:
    """Changes with the schema, so that a shared cache never serves another release's shape."""
    return hashlib.sha256(schema.as_str().encode()).hexdigest()[:16]


def _reads_company_data_only(document, operation_name: str | None) -> bool:
    operation = get_operation_ast(document, operation_name)
    return (
        operation is not None
        and operation.operation == OperationType.QUERY
        and all(
            isinstance(selection, FieldNode) and selection.name.value in CACHED_ROOT_FIELDS
            for selection in operation.selection_set.selections
        )
    )


def _asks_for_fresh_answer(request) -> bool:
    directives = request.headers.get("Cache-Control", "").lower().replace(" ", "").split(",")
    return "no-cache" in directives or "max-age=0" in directives


class _Availability:
    """Whether this process uses the cache now: not for UNAVAILABLE_RETRY_SECONDS after a failure."""

    def __init__(self):
        self._lock = threading.Lock()
        self._failed_at: float | None = None

    def usable(self) -> bool:
        with self._lock:
            return self._failed_at is None or time.monotonic() - self._failed_at >= UNAVAILABLE_RETRY_SECONDS

    def failed(self, doing: str) -> None:
        with self._lock:
            self._failed_at = time.monotonic()
        logger.warning(
            "response cache unavailable (%s): answers are computed; next try in %.0f s",
            doing,
            UNAVAILABLE_RETRY_SECONDS,
            exc_info=True,
        )

    def succeeded(self) -> None:
        with self._lock:
            self._failed_at = None


availability = _Availability()


def _lookup(key: str):
    """The stored answer, or None for a miss and for a cache that cannot be asked."""
    if not availability.usable():
        RESPONSE_CACHE_LOOKUPS.labels(result="unavailable").inc()
        return None
    try:
        stored = caches[CACHE_ALIAS].get(key)
    except RedisError:
        availability.failed("lookup")
        RESPONSE_CACHE_LOOKUPS.labels(result="unavailable").inc()
        return None
    availability.succeeded()
    RESPONSE_CACHE_LOOKUPS.labels(result="miss" if stored is None else "hit").inc()
    return stored


def _store(key: str, stored: bytes) -> None:
    if not availability.usable():
        return
    try:
        caches[CACHE_ALIAS].set(key, stored)  # the alias's TIMEOUT: none per process, a bound in Redis
    except RedisError:
        availability.failed("store")


class ResponseCache(SchemaExtension):
    def _key(self) -> str | None:
        context = self.execution_context
        user = context.context.request.user
        if (
            not settings.GRAPHQL_RESPONSE_CACHE
            or not user.is_authenticated
            or context.graphql_document is None
            or not _reads_company_data_only(context.graphql_document, context.operation_name)
        ):
            return None
        material = json.dumps(
            [
                _schema_fingerprint(context.schema),
                user.pk,
                user.company_id,
                user.company.data_generation,
                context.query,
                context.operation_name,
                context.variables,
            ],
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        return hashlib.sha256(material.encode()).hexdigest()

    def on_execute(self):
        context = self.execution_context
        request, response = context.context.request, context.context.response
        key = self._key()
        if key is None:
            yield
            return
        stored = None if _asks_for_fresh_answer(request) else _lookup(key)
        if stored is not None:
            context.result = ExecutionResult(data=pickle.loads(stored))
            response[STATUS_HEADER] = "hit"
            yield
            return
        yield
        response[STATUS_HEADER] = "miss"
        result = context.result
        if isinstance(result, ExecutionResult) and not result.errors and result.data is not None:
            stored = pickle.dumps(result.data, protocol=pickle.HIGHEST_PROTOCOL)
            if len(stored) <= settings.GRAPHQL_RESPONSE_CACHE_MAX_BYTES:
                _store(key, stored)
