"""Reuse of read responses while the data behind them is unchanged.

A query whose root fields all read the acting user's company data (CACHED_ROOT_FIELDS)
is answered from the cache when the same user sent the same operation (text, operation
name, variables) at the same company data generation (users.generations): every write
that could change such an answer moves the generation in its own transaction, and the
user's row (with the generation) is loaded before the operation reads anything, so an
entry never holds data older than its key says. Keyed by user, an entry can only be
served to the user it was computed for: no other company, no other permission scope.

Only answers without errors are kept, up to GRAPHQL_RESPONSE_CACHE_MAX_BYTES each (pickled),
in the `graphql-responses` cache (settings.CACHES; per process unless configured
otherwise). A request with `Cache-Control: no-cache` is computed afresh (and refreshes
the entry). The `X-Response-Cache` header says `hit` or `miss`.
"""

import functools
import hashlib
import json
import pickle

from django.conf import settings
from django.core.cache import caches
from graphql import ExecutionResult, FieldNode, OperationType, get_operation_ast
from strawberry.extensions import SchemaExtension

CACHE_ALIAS = "graphql-responses"
STATUS_HEADER = "X-Response-Cache"

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
        return "graphql-response:" + hashlib.sha256(material.encode()).hexdigest()

    def on_execute(self):
        context = self.execution_context
        request, response = context.context.request, context.context.response
        key = self._key()
        if key is None:
            yield
            return
        cache = caches[CACHE_ALIAS]
        stored = None if _asks_for_fresh_answer(request) else cache.get(key)
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
                cache.set(key, stored, timeout=None)
