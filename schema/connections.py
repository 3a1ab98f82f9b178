"""The arguments of Relay cursor connections, checked before execution.

strawberry's connections read `first`/`last`/`after`/`before` when they slice a page, and so
does strawberry-django's optimizer when it prefetches a nested connection (the ticket
definitions of each workflow of a page), while it resolves the *parent* field. A value they
cannot use raises a plain ValueError or TypeError there: an unexpected error, at the wrong
place. So every connection argument of the operation is checked here first, once the
variables are coerced (the execution context's `build`): a page size from 0 to the limit
(PAGINATION_MAX_LIMIT, the schema's relay_max_results), a cursor of the kind connections
answer. A refusal is BAD_USER_INPUT located at the argument (and at the variable that
carried it), and nothing runs, as for a variable that does not fit its type.

The operation is walked once, each fragment once however often it is spread, so the check
costs time linear in the document's size (fragment fan-outs cost nothing extra).
"""

import functools
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.execution.values import get_argument_values
from strawberry.relay import from_base64
from strawberry.relay.types import PREFIX as OFFSET_CURSOR_PREFIX

from kernel.values import parse_id

_PAGE_SIZES = ("first", "last")
_CURSORS = ("after", "before")


def totally_ordered(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The queryset in its order (the client's, the list's or the model's), ties broken by primary
    key: a page boundary then falls between the same two rows on every request, so paging by cursor
    sees each row once."""
    query = queryset.query
    ordering = list(query.order_by or (queryset.model._meta.ordering or () if query.default_ordering else ()))
    last = ordering[-1] if ordering else None
    # "-id", or the F("id").asc() of a client's order {id: ASC}
    name = last if isinstance(last, str) else getattr(getattr(last, "expression", None), "name", None)
    if isinstance(name, str) and name.lstrip("-") in ("pk", "id"):
        return queryset
    return queryset.order_by(*ordering, "pk")


def connection_node_type(graphql_type: object) -> str | None:
    """The node type's name of a connection type (`{edges: [{cursor, node}], pageInfo}`); None for any other."""
    if not isinstance(graphql_type, GraphQLObjectType) or not {"edges", "pageInfo"} <= set(graphql_type.fields):
        return None
    edge = get_named_type(graphql_type.fields["edges"].type)
    return get_named_type(edge.fields["node"].type).name if isinstance(edge, GraphQLObjectType) else None


@functools.cache
def _connection_fields(schema: GraphQLSchema) -> frozenset[tuple[str, str]]:
    """(parent type, field) of every field answering a connection."""
    return frozenset(
        (type_name, field_name)
        for type_name, graphql_type in schema.type_map.items()
        if isinstance(graphql_type, (GraphQLObjectType, GraphQLInterfaceType))
        for field_name, field in graphql_type.fields.items()
        if connection_node_type(get_named_type(field.type)) is not None
    )


def is_cursor(value: str) -> bool:
    """Whether `value` is a cursor connections answer: base64 of "arrayconnection:<offset>"."""
    try:
        prefix, offset = from_base64(value)
    except ValueError:
        return False
    return prefix == OFFSET_CURSOR_PREFIX and parse_id(offset) is not None


def _connection_fields_used(executor: Any) -> Iterator[tuple[FieldNode, Any]]:
    """(node, field definition) of each connection field of the operation, each fragment walked once."""
    schema: GraphQLSchema = executor.schema
    connections = _connection_fields(schema)
    root = schema.get_root_type(executor.operation.operation)
    pending: list[tuple[Any, SelectionSetNode]] = [(root, executor.operation.selection_set)]
    walked: set[str] = set()
    while pending:
        parent, selection_set = pending.pop()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                field = parent.fields.get(selection.name.value) if hasattr(parent, "fields") else None
                if field is None:
                    continue  # __typename, or an introspection field
                if (parent.name, selection.name.value) in connections:
                    yield selection, field
                if selection.selection_set is not None:
                    pending.append((get_named_type(field.type), selection.selection_set))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                pending.append(
                    (schema.get_type(condition.name.value) if condition else parent, selection.selection_set)
                )
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in walked:
                walked.add(selection.name.value)
                fragment = executor.fragment_definitions[selection.name.value]
                pending.append((schema.get_type(fragment.type_condition.name.value), fragment.selection_set))


def _refusal(node: FieldNode, argument: str, message: str) -> GraphQLError:
    given = next(a for a in node.arguments or () if a.name.value == argument)
    extensions: dict[str, Any] = {"code": "BAD_USER_INPUT", "argument": argument}
    if isinstance(given.value, VariableNode):
        variable = given.value.name.value
        extensions |= {"variable": variable, "path": f"/variables/{variable}"}
    return GraphQLError(f"{node.name.value}({argument}:) {message}", nodes=[given], extensions=extensions)


def connection_argument_errors(executor: Any, max_results: int) -> list[GraphQLError]:
    """BAD_USER_INPUT for each connection argument of the operation that a connection cannot use."""
    refusals = []
    for node, field in _connection_fields_used(executor):
        values = get_argument_values(field, node, executor.variable_values)
        for argument in _PAGE_SIZES:
            size = values.get(argument)
            if size is not None and not 0 <= size <= max_results:
                refusals.append(_refusal(node, argument, f"must be from 0 to {max_results}, got {size}."))
        for argument in _CURSORS:
            cursor = values.get(argument)
            if cursor is not None and not is_cursor(cursor):
                refusals.append(
                    _refusal(node, argument, "must be a cursor this connection answered (an edge's, or pageInfo's).")
                )
    return refusals
