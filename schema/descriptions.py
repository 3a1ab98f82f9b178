"""Descriptions of the GraphQL items the libraries declare without one, or in words that do not fit.

Every type, field, argument and enum value of the schema is described (tests/test_descriptions.py).
Ours are described where they are declared; these come from the libraries, which offer no setting
or hook to describe them:

- strawberry-django declares undescribed filters (the `AND`/`OR`/`NOT`/`DISTINCT` fields every
  filter input gets, the lookup inputs such as `StrFilterLookup`, the `filters` argument) and
  ordering (the `Ordering` enum, the `order` argument); their missing descriptions are filled in.
- strawberry's Relay items are described, but in words that say too little or are wrong: the
  connections' `last` "returns the items that come after the specified cursor", nothing says a
  page's size limit or that a connection, an edge or `PageInfo` has no identity of its own
  (client caches keep them inside the object that holds them). Those are reworded.

Describing them by subclasses would mean replacing the libraries' machinery; instead
`describe_library_items` sets the descriptions on the built graphql-core schema, once, when the
schema is made (`schema.TicketFlowerSchema`), so the SDL, introspection and GraphiQL show them.
Items are recognised by their library names and shapes. `describe_library_items` returns the
entries that matched nothing, which the test requires to be none.
"""

from collections.abc import Callable
from typing import TypeGuard

from django.conf import settings
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)

from schema.base import VALUE_WITHOUT_IDENTITY
from schema.connections import connection_node_type
from schema.library_internals import STRAWBERRY_DEFINITION, get_django_definition

_TYPES = {
    "Ordering": "A sort direction, and where null values go.",
}
_ENUM_VALUES = {
    ("Ordering", "ASC"): "Ascending; nulls where the database puts them (PostgreSQL: last, SQLite: first).",
    ("Ordering", "ASC_NULLS_FIRST"): "Ascending, nulls first.",
    ("Ordering", "ASC_NULLS_LAST"): "Ascending, nulls last.",
    ("Ordering", "DESC"): "Descending; nulls where the database puts them (PostgreSQL: first, SQLite: last).",
    ("Ordering", "DESC_NULLS_FIRST"): "Descending, nulls first.",
    ("Ordering", "DESC_NULLS_LAST"): "Descending, nulls last.",
}

# The fields strawberry-django adds to every filter input.
_FILTER_FIELDS = {
    "AND": "A filter that must hold as well.",
    "OR": "A filter whose matches are listed too, whatever the other conditions of this filter say.",
    "NOT": "A filter whose matches are left out.",
    "DISTINCT": "true: each result at most once (SQL DISTINCT), for conditions that reach across to-many relations.",
}
_LOOKUP_TYPE = "Conditions on a value; every condition given must hold, and a null one is skipped."
_ARGUMENTS = {
    "filters": "Only the results that match; absent: all of them.",
    "order": "How to sort the results; absent: the list's default order.",
}

# strawberry's Relay items, reworded. The page size limit is a setting (PAGINATION_MAX_LIMIT).
_MAX = settings.PAGINATION_MAX_LIMIT
_CURSOR = (
    "a cursor this connection answered (an edge's cursor, pageInfo's startCursor or endCursor), as it was: anything "
    "else is BAD_USER_INPUT"
)
_RELAY_TYPES = {
    "Node": "An object with an identity: its id is a global id, unique across every type. Use it as it is (its "
    "content is no contract); node(id:) answers the object again.",
    "PageInfo": f"Where a page lies in its list, and the cursors to go on from it. {VALUE_WITHOUT_IDENTITY}",
}
_NODE_ID = "A global id: the same for the same object in every answer, never another object's, whatever its type."
_CONNECTION_ARGUMENTS = {
    "first": f"At most this many nodes from the start of the list (or after `after`): 0 to {_MAX} (BAD_USER_INPUT "
    f"otherwise). Without first and last, the first {_MAX}.",
    "after": f"Only the nodes after this one: {_CURSOR}.",
    "last": f"At most this many nodes from the end of the list (or before `before`): 0 to {_MAX} (BAD_USER_INPUT "
    "otherwise).",
    "before": f"Only the nodes before this one: {_CURSOR}.",
}
_CONNECTION_TYPE = (
    "A page of a list of {item} nodes (a Relay cursor connection): its edges, where the page lies, and how many "
    "there are in all. " + VALUE_WITHOUT_IDENTITY
)
_CONNECTION_FIELDS = {
    "edges": "The nodes of this page, in the list's order, each with its cursor.",
    "pageInfo": "Where this page lies in the list, and the cursors to go on from it.",
    "totalCount": "How many nodes the whole list has (with its filters), across every page.",
}
_EDGE_TYPE = "One {item} node of a page, with its cursor. " + VALUE_WITHOUT_IDENTITY
_EDGE_FIELDS = {
    "cursor": "Where this node lies in the list: pass it as after (or before) for the nodes after (or before) it.",
    "node": "The node.",
}


def _fill(item: GraphQLField | GraphQLInputField | GraphQLArgument, text: str) -> None:
    if not item.description:
        item.description = text


def _is_filter(graphql_type: object) -> TypeGuard[GraphQLInputObjectType]:
    return isinstance(graphql_type, GraphQLInputObjectType) and all(
        name in graphql_type.fields for name in _FILTER_FIELDS
    )


def _is_order(graphql_type: object) -> TypeGuard[GraphQLInputObjectType]:
    return isinstance(graphql_type, GraphQLInputObjectType) and all(
        get_named_type(field.type).name == "Ordering" for field in graphql_type.fields.values()
    )


# Which type each argument the libraries add has: an argument of ours with the same name is not theirs.
_ARGUMENT_KINDS: dict[str, Callable[[object], bool]] = {"filters": _is_filter, "order": _is_order}


def _describe_connection(connection: object, item: str) -> None:
    assert isinstance(connection, GraphQLObjectType)  # connection_node_type found its item
    connection.description = _CONNECTION_TYPE.format(item=item)
    for name, text in _CONNECTION_FIELDS.items():
        connection.fields[name].description = text
    edge = get_named_type(connection.fields["edges"].type)
    assert isinstance(edge, GraphQLObjectType)
    edge.description = _EDGE_TYPE.format(item=item)
    for name, text in _EDGE_FIELDS.items():
        edge.fields[name].description = text


def _model_id_text(graphql_type: GraphQLObjectType | GraphQLInterfaceType) -> str:
    """What the model says of its primary key (`described_id`): whether an upload keeps it, say."""
    origin = getattr((graphql_type.extensions or {}).get(STRAWBERRY_DEFINITION), "origin", None)
    django_definition = get_django_definition(origin) if origin is not None else None
    pk = django_definition.model._meta.pk if django_definition is not None else None
    return str(pk.help_text) if pk is not None else ""


def describe_library_items(schema: GraphQLSchema) -> list[str]:
    """Fills in the missing descriptions of the libraries' items and rewords strawberry's Relay items; returns
    the entries above that matched no item of the schema (stale after a library change)."""
    unused = {f"type {name}" for name in [*_TYPES, *_RELAY_TYPES]}
    unused |= {"node ids"}
    unused |= {f"enum value {type_name}.{name}" for type_name, name in _ENUM_VALUES}
    unused |= {"filter inputs", "lookup inputs", "connection types", *(f"argument {name}" for name in _ARGUMENTS)}
    unused |= {f"connection argument {name}" for name in _CONNECTION_ARGUMENTS}
    for type_name, graphql_type in schema.type_map.items():
        if type_name in _TYPES:
            unused.discard(f"type {type_name}")
            graphql_type.description = graphql_type.description or _TYPES[type_name]
        if type_name in _RELAY_TYPES:
            unused.discard(f"type {type_name}")
            graphql_type.description = _RELAY_TYPES[type_name]
        if isinstance(graphql_type, GraphQLEnumType):
            for value_name, value in graphql_type.values.items():
                if (type_name, value_name) in _ENUM_VALUES:
                    unused.discard(f"enum value {type_name}.{value_name}")
                    value.description = value.description or _ENUM_VALUES[type_name, value_name]
        if _is_filter(graphql_type):
            unused.discard("filter inputs")
            for field_name, text in _FILTER_FIELDS.items():
                _fill(graphql_type.fields[field_name], text)
        if isinstance(graphql_type, GraphQLInputObjectType) and type_name.endswith("FilterLookup"):
            unused.discard("lookup inputs")
            graphql_type.description = graphql_type.description or _LOOKUP_TYPE
        if (item := connection_node_type(graphql_type)) is not None:
            unused.discard("connection types")
            _describe_connection(graphql_type, item)
        if not isinstance(graphql_type, (GraphQLObjectType, GraphQLInterfaceType)):
            continue
        if type_name == "Node" or any(interface.name == "Node" for interface in graphql_type.interfaces):
            unused.discard("node ids")
            graphql_type.fields["id"].description = " ".join(filter(None, [_model_id_text(graphql_type), _NODE_ID]))
        for field in graphql_type.fields.values():
            is_connection = connection_node_type(get_named_type(field.type)) is not None
            for argument_name, argument in field.args.items():
                if argument_name in _ARGUMENTS and _ARGUMENT_KINDS[argument_name](get_named_type(argument.type)):
                    unused.discard(f"argument {argument_name}")
                    _fill(argument, _ARGUMENTS[argument_name])
                if is_connection and argument_name in _CONNECTION_ARGUMENTS:
                    unused.discard(f"connection argument {argument_name}")
                    argument.description = _CONNECTION_ARGUMENTS[argument_name]
    return sorted(unused)
