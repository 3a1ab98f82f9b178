"""Descriptions of the GraphQL items the libraries declare without one.

Every type, field, argument and enum value of the schema is described (tests/test_descriptions.py).
Ours are described where they are declared; these come from strawberry-django, which declares
them undescribed and offers no setting or hook to describe them: offset pagination
(`OffsetPaginationInput`, `OffsetPaginationInfo`, the `pagination` argument, each
`<Type>OffsetPaginated` and its `pageInfo`), filters (the `AND`/`OR`/`NOT`/`DISTINCT` fields
every filter input gets, the lookup inputs such as `StrFilterLookup`, the `filters` argument)
and ordering (the `Ordering` enum, the `order` argument). Describing them by subclasses would
mean replacing the library's pagination and filter machinery; instead `describe_library_items`
fills in their descriptions on the built graphql-core schema, once, when the schema is made
(`schema.TicketFlowerSchema`), so the SDL, introspection and GraphiQL show them.

Items are recognised by their library names and shapes, and only a missing description is
filled in: one a library upgrade adds, or one we declare, is kept. `describe_library_items`
returns the entries that matched nothing, which the test requires to be none.
"""

from collections.abc import Callable
from typing import TypeGuard

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)

# Page sizes are settings (PAGINATION_DEFAULT_LIMIT, PAGINATION_MAX_LIMIT); pageInfo says what applied.
_TYPES = {
    "OffsetPaginationInput": "Which page of a list to return.",
    "OffsetPaginationInfo": "How a page was taken from its list.",
    "Ordering": "A sort direction, and where null values go.",
}
_FIELDS = {
    ("OffsetPaginationInput", "offset"): "How many results to skip (0 or more).",
    ("OffsetPaginationInput", "limit"): "How many results at most: absent or null for the default page size (50 "
    "unless the server sets another); a negative value or one above the maximum (100 unless the server sets "
    "another) counts as the maximum.",
    ("OffsetPaginationInfo", "offset"): "How many results were skipped before this page.",
    ("OffsetPaginationInfo", "limit"): "How many results the page holds at most: the limit that applied.",
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
_PAGINATED_TYPE = "One page of {item} results, with the total count of them all."
_PAGE_INFO = "The offset and the limit this page was taken with."
_ARGUMENTS = {
    "pagination": "Which page: offset and limit; absent: the first page of the default size.",
    "filters": "Only the results that match; absent: all of them.",
    "order": "How to sort the results; absent: the list's default order.",
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


def _is_pagination(graphql_type: object) -> bool:
    return isinstance(graphql_type, GraphQLInputObjectType) and graphql_type.name == "OffsetPaginationInput"


# Which type each argument the libraries add has: an argument of ours with the same name is not theirs.
_ARGUMENT_KINDS: dict[str, Callable[[object], bool]] = {
    "pagination": _is_pagination,
    "filters": _is_filter,
    "order": _is_order,
}


def describe_library_items(schema: GraphQLSchema) -> list[str]:
    """Fills in the missing descriptions of the libraries' items; returns the entries above that matched
    no item of the schema (stale after a library change)."""
    unused = {f"type {name}" for name in _TYPES}
    unused |= {f"field {type_name}.{name}" for type_name, name in _FIELDS}
    unused |= {f"enum value {type_name}.{name}" for type_name, name in _ENUM_VALUES}
    unused |= {"filter inputs", "lookup inputs", "paginated types", *(f"argument {name}" for name in _ARGUMENTS)}
    for type_name, graphql_type in schema.type_map.items():
        if type_name in _TYPES:
            unused.discard(f"type {type_name}")
            graphql_type.description = graphql_type.description or _TYPES[type_name]
        if isinstance(graphql_type, (GraphQLObjectType, GraphQLInputObjectType)):
            for field_name, field in graphql_type.fields.items():
                if (type_name, field_name) in _FIELDS:
                    unused.discard(f"field {type_name}.{field_name}")
                    _fill(field, _FIELDS[type_name, field_name])
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
        if isinstance(graphql_type, GraphQLObjectType) and type_name.endswith("OffsetPaginated"):
            unused.discard("paginated types")
            item = get_named_type(graphql_type.fields["results"].type).name
            graphql_type.description = graphql_type.description or _PAGINATED_TYPE.format(item=item)
            _fill(graphql_type.fields["pageInfo"], _PAGE_INFO)
        if isinstance(graphql_type, GraphQLObjectType):
            for field in graphql_type.fields.values():
                for argument_name, argument in field.args.items():
                    if argument_name in _ARGUMENTS and _ARGUMENT_KINDS[argument_name](get_named_type(argument.type)):
                        unused.discard(f"argument {argument_name}")
                        _fill(argument, _ARGUMENTS[argument_name])
    return sorted(unused)
