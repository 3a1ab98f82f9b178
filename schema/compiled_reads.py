"""Reads compiled into one PostgreSQL statement per root field, which builds the answer's JSON.

A designer read spends most of its time in Python turning rows into objects and objects into
JSON. On PostgreSQL a query's root field whose whole selection is made of model data is instead
compiled, from the validated document, the schema and the coerced variables, into ONE
statement: `json_build_object` per object (keys in selection order), correlated subqueries for
to-one relations, `array_to_json(ARRAY(...))` for lists, and for connections the page, its
cursors, `pageInfo` and `totalCount`. Its text is spliced into the response as is
(`CompiledJSON`, written by the view's encoder), without a Python object per row.

Scoping is the general path's: the root field's own resolver chain runs (its permission
extension, its resolver, strawberry-django's filters and ordering, the type's `get_queryset`,
hence `kernel.scoping.visible_to`), up to the queryset it would evaluate, which
`ModelField.get_queryset` hands over instead (`captured_root_queryset`); every nested relation
is read through its type's `get_queryset` too. A refused permission, or an argument the
resolver refuses, is left to the general path, which answers it exactly as before.

What is compiled, per object type deriving from CompanyScopedType: `__typename`, the global
`id`, plain columns (String, Int, Boolean, ID, DateTime, JSON, enums, lists of strings in JSON),
to-one relations, lists of related rows, connections (first/after, and last/before at the
root), and the JSON entry lists a resolver declares with `stored_entries` (extRef, fields).
Anything else (another resolver, arguments, a permission-dependent field, @defer/@stream, a
Float, more than MAX_OBJECT_KEYS keys in one object) sends the whole root field to the general
path; the reason is logged at DEBUG on the `ticketflower.graphql.compiled` logger.

Values are written as the general path writes them: global ids as kernel.global_ids does,
timestamps as Python's isoformat in UTC (microseconds left out when 0), JSON columns as stored
(jsonb's key order, the order psycopg hands Python), enums by name. A value only the general path
answers (null in a non-null field...: REFUSED_VALUE) sends the root field to it after all; a
failure of the statement is located at the root field, as graphql-core locates a resolver's.

Compiled statements are kept per process (`_statements`), keyed by everything they depend on.
"""

import functools
import hashlib
import json
import logging
import re
import sys
import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, TypeVar

import cachetools
from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    Expression,
    F,
    ForeignKey,
    IntegerField,
    JSONField,
    ManyToOneRel,
    Model,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
)
from django.db.models.sql import Query
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
    get_nullable_type,
    is_non_null_type,
)
from graphql.execution.values import get_argument_values
from strawberry.permission import PermissionExtension
from strawberry_django.optimizer import DjangoOptimizerExtension

from schema.connections import connection_node_type, totally_ordered
from schema.library_internals import (
    CURSOR_PREFIX,
    STRAWBERRY_DEFINITION,
    SliceMetadata,
    get_django_definition,
    is_default_connection_resolver,
    is_node_id_field,
    to_nodes,
)

logger = logging.getLogger("ticketflower.graphql.compiled")

# PostgreSQL functions take at most 100 arguments: json_build_object at most 50 keys.
MAX_OBJECT_KEYS = 50
_INT_FIELDS = (IntegerField,)  # Integer, PositiveInteger, SmallInteger (not BigInteger: GraphQL Int is 32 bits)
_BIG_INT_FIELDS = ("BigIntegerField", "BigAutoField", "PositiveBigIntegerField")
_PAGE_ARGUMENTS = frozenset({"first", "after", "last", "before"})
_DIRECTIVES_COLLECTED = frozenset({"skip", "include"})  # applied while fields are collected


class CompiledJSON:
    """A root field's answer as the JSON text PostgreSQL built; the view writes it as is."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __reduce__(self):  # kept by the response cache like any answer
        return (CompiledJSON, (self.text,))


class NotCompiled(Exception):
    """Why a root field takes the general path: `where` (Type.field) and `reason`."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason


class _Captured(BaseException):  # not an error: the resolver chain's queryset, handed over
    def __init__(self, queryset: QuerySet, info: Any):
        self.queryset, self.info = queryset, info


_capturing: ContextVar[bool] = ContextVar("compiled_reads_capturing", default=False)


def captured_root_queryset(queryset: QuerySet, info: Any) -> QuerySet:
    """The queryset a model field's resolver chain answers; while a root field is being compiled, handed
    over to the compiler instead of being evaluated."""
    if _capturing.get():
        raise _Captured(queryset, info)
    return queryset


Resolver = TypeVar("Resolver", bound=Callable[..., Any])
_ENTRY_LISTS: dict[Any, tuple[str, Mapping[str, str]]] = {}


def stored_entries(*, column: str, keys: Mapping[str, str]) -> Callable[[Resolver], Resolver]:
    """Declares that a resolver answers the JSON list in `column` of its row, each entry an object of a plain
    type whose field `name` is the entry's key `keys[name]` (missing: null): compiled without the resolver."""

    def declare(resolver: Resolver) -> Resolver:
        _ENTRY_LISTS[resolver] = (column, keys)
        return resolver

    return declare


class _Sql(Expression):
    """SQL text with compiled expressions in its {0}, {1}... places (each may appear several times);
    `%` in the text must be written `%%`."""

    _PLACE = re.compile(r"\{(\d+)\}")

    def __init__(self, template: str, *parts: Any, output_field: Any = None):
        super().__init__(output_field=output_field if output_field is not None else JSONField())
        self.template, self.parts = template, list(parts)

    def get_source_expressions(self) -> list[Any]:
        return self.parts

    def set_source_expressions(self, exprs: Any) -> None:
        self.parts = list(exprs)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        compiled = [compiler.compile(part) for part in self.parts]
        params: list[Any] = []

        def place(match: re.Match[str]) -> str:
            sql, part_params = compiled[int(match.group(1))]
            params.extend(part_params)
            return sql

        return self._PLACE.sub(place, self.template), params


class _OrEmpty(_Sql):
    """A subquery, or `empty` when its rows are known to be none (`QuerySet.none()`, `pk__in=[]`: Django then
    writes no SQL)."""

    def __init__(self, part: Any, empty: str):
        super().__init__("{0}", part)
        self.empty = empty

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        try:
            return super().as_sql(compiler, connection, **extra)
        except EmptyResultSet:
            return self.empty, []


def _literal(text: str) -> str:
    """A SQL string literal of a name from the schema (GraphQL names and enum values)."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def _text(text: str) -> _Sql:
    return _Sql(f"{_literal(text)}::text")


def _object(pairs: list[tuple[str, Any]], where: str) -> _Sql:
    if len(pairs) > MAX_OBJECT_KEYS:
        raise NotCompiled(where, f"more than {MAX_OBJECT_KEYS} keys in one object")
    places = ", ".join(f"{_literal(key)}, {{{index}}}" for index, (key, _) in enumerate(pairs))
    return _Sql(f"json_build_object({places})", *(value for _, value in pairs))


def _base64(text_sql: str) -> str:
    # encode() wraps base64 at 76 characters; global ids and cursors are one line.
    return f"replace(encode(convert_to({text_sql}, 'UTF8'), 'base64'), chr(10), '')"


def _global_id(type_name: str, pk: Any) -> _Sql:
    return _Sql(_base64(f"{_literal(type_name + ':')} || ({{0}})::text"), pk)


# Python's isoformat of an aware UTC datetime: microseconds only when not 0, then +00:00.
_ISOFORMAT = (
    "CASE WHEN {0} IS NULL THEN NULL ELSE to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
    "CASE WHEN extract(microseconds FROM {0})::bigint %% 1000000 = 0 THEN '' "
    "ELSE to_char({0} AT TIME ZONE 'UTC', '.US') END || '+00:00' END"
)


# What only the general path answers (null in a non-null field and a stored value its enum lacks, which it reports
# at their paths; a string field of an entry holding another JSON type, which it writes as text) is written as this
# text instead; an answer holding it is answered by the general path. Random per process: no stored value is it.
REFUSED_VALUE = f"refused-{uuid.uuid4().hex}"
_REFUSED = f"{_literal(REFUSED_VALUE)}::text"


# A JSON column read as a list of strings: as stored when it is one, else REFUSED_VALUE (the general path writes a
# number as text and reports anything else).
_STRING_LIST = (
    "CASE WHEN {0} IS NULL OR {0} = 'null'::jsonb THEN NULL WHEN jsonb_typeof({0}) = 'array' AND NOT EXISTS "
    "(SELECT FROM jsonb_array_elements({0}) AS item WHERE jsonb_typeof(item) <> 'string') THEN {0} "
    f"ELSE to_jsonb({_REFUSED}) END"
)


def _enum_name(enum_type: GraphQLEnumType, stored: Any) -> _Sql:
    """The name of the enum value stored (as text) in `stored`."""
    cases = []
    for name, value in enum_type.values.items():
        python_value = getattr(value.value, "value", value.value)
        cases.append(f"WHEN ({{0}})::text = {_literal(str(python_value))} THEN {_literal(name)}")
    return _Sql(f"CASE WHEN {{0}} IS NULL THEN NULL {' '.join(cases)} ELSE {_REFUSED} END", stored)


def _required(value: Any, kind: str) -> _Sql:
    """`value` of a non-null field: REFUSED_VALUE where it is null. `kind`: "json" (a subquery's object),
    "jsonb" (a JSON column or entry, whose JSON null is null too) or "scalar"."""
    if kind == "json":
        return _Sql(f"coalesce({{0}}, to_json({_REFUSED}))", value)
    if kind == "jsonb":
        return _Sql(f"coalesce(nullif({{0}}, 'null'::jsonb), to_jsonb({_REFUSED}))", value)
    return _Sql(f"coalesce(to_json({{0}}), to_json({_REFUSED}))", value)


def _entry_string(value: str) -> _Sql:
    """An entry's string (jsonb): another JSON type is refused (the general path would write it as text)."""
    return _Sql(
        f"CASE WHEN {value} IS NULL OR jsonb_typeof({value}) = 'null' THEN NULL "
        f"WHEN jsonb_typeof({value}) = 'string' THEN {value} ELSE to_jsonb({_REFUSED}) END"
    )


class _Compiler:
    """Compiles selections of one root field, over querysets scoped as its resolver chain's `info` scopes them."""

    def __init__(self, executor: Any, info: Any):
        self.executor, self.info = executor, info

    def subfields(self, object_type: GraphQLObjectType, field_details_list: Any, where: str) -> Any:
        for details in field_details_list:
            for directive in details.node.directives or ():
                if directive.name.value not in _DIRECTIVES_COLLECTED:
                    raise NotCompiled(where, f"directive @{directive.name.value}")
        grouped_field_set, new_defer_usages, *_ = self.executor.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            raise NotCompiled(where, "@defer")
        return grouped_field_set

    def rows(self, object_type: GraphQLObjectType, where: str) -> tuple[type[Model], Any]:
        """The model and strawberry type of a model type, or NotCompiled."""
        definition = (object_type.extensions or {}).get(STRAWBERRY_DEFINITION)
        origin = getattr(definition, "origin", None)
        django_definition = get_django_definition(origin) if origin is not None else None
        if django_definition is None or not hasattr(origin, "get_queryset"):
            raise NotCompiled(where, f"{object_type.name} is not a model type")
        return django_definition.model, origin

    def scoped(self, origin: Any, model: type[Model], **correlation: Any) -> QuerySet:
        """The rows of `model` its type shows the acting user, then those related to the outer row (after: the
        scoping rules may evaluate their querysets, as guardian's does, which a reference to the outer row cannot)."""
        return origin.get_queryset(model._default_manager.all(), self.info).filter(**correlation)

    def node(self, object_type: GraphQLObjectType, field_details_list: Any, where: str) -> _Sql:
        """json_build_object of a row of `object_type`'s model (in the query the expression is part of)."""
        model, _ = self.rows(object_type, where)
        pairs: list[tuple[str, Any]] = []
        for response_name, details in self.subfields(object_type, field_details_list, where).items():
            name = details[0].node.name.value
            here = f"{object_type.name}.{name}"
            if name == "__typename":
                pairs.append((response_name, _text(object_type.name)))
                continue
            field_def = object_type.fields[name]
            field = (field_def.extensions or {}).get(STRAWBERRY_DEFINITION)
            pairs.append((response_name, self.value(model, object_type, field_def, field, details, here)))
        return _object(pairs, where)

    def value(self, model: type[Model], object_type: GraphQLObjectType, field_def, field, details, where: str) -> Any:
        if is_node_id_field(field):
            pk = model._meta.pk
            _, origin = self.rows(object_type, where)
            if pk is None or origin.resolve_id_attr() not in ("pk", pk.name):
                raise NotCompiled(where, "an id not made of the primary key")
            return _global_id(object_type.name, F("pk"))
        if field is None or getattr(field, "permission_classes", None) or _has_permission_extension(field):
            raise NotCompiled(where, "a permission-dependent field")
        resolver = getattr(getattr(field, "base_resolver", None), "wrapped_func", None)
        if resolver is not None and resolver in _ENTRY_LISTS:
            return self.entry_list(field_def, details, *_ENTRY_LISTS[resolver], where)
        if resolver is not None and not is_default_connection_resolver(resolver):
            raise NotCompiled(where, "a custom resolver")
        django_name = getattr(field, "django_name", None)
        if not django_name or "__" in django_name:
            raise NotCompiled(where, "not a model field")
        model_field = model._meta.get_field(django_name)
        if getattr(field, "is_connection", False):
            return self.nested_connection(model, model_field, field_def, details, where)
        if any(details_item.node.arguments for details_item in details):
            raise NotCompiled(where, "arguments")
        if isinstance(model_field, ForeignKey):
            related_type = get_nullable_type(field_def.type)
            related_model, origin = self.rows(related_type, where)
            rows = self.scoped(origin, related_model, pk=OuterRef(model_field.attname))
            related = _one_row(rows.order_by().values(json=self.node(related_type, details, where)))
            return _required(related, "json") if is_non_null_type(field_def.type) else related
        if isinstance(model_field, ManyToOneRel):
            item_type = get_named_type(field_def.type)
            related_model, origin = self.rows(item_type, where)
            rows = self.scoped(origin, related_model, **{model_field.field.attname: OuterRef("pk")})
            if not rows.ordered:
                rows = rows.order_by("pk")
            return _json_array(rows.values(json=self.node(item_type, details, where)))
        if model_field.is_relation:
            raise NotCompiled(where, "a relation of another kind")
        value = _column_value(model_field, field_def, where)
        nullable = getattr(model_field, "null", True) or isinstance(model_field, JSONField)
        if not is_non_null_type(field_def.type) or not nullable:
            return value
        return _required(value, "jsonb" if isinstance(model_field, JSONField) else "scalar")

    def entry_list(self, field_def, details, column: str, keys: Mapping[str, str], where: str) -> _Sql:
        entry_type = get_named_type(field_def.type)
        pairs: list[tuple[str, Any]] = []
        for response_name, entry_details in self.subfields(entry_type, details, where).items():
            name = entry_details[0].node.name.value
            if name == "__typename":
                pairs.append((response_name, _text(entry_type.name)))
            elif name in keys:
                field_type = entry_type.fields[name].type
                value_type, stored = get_named_type(field_type), f"(entry.value -> {_literal(keys[name])})"
                if isinstance(value_type, GraphQLEnumType):
                    value = _enum_name(value_type, _Sql(f"(entry.value ->> {_literal(keys[name])})"))
                    kind = "scalar"
                elif value_type.name == "String" and not isinstance(get_nullable_type(field_type), GraphQLList):
                    value, kind = _entry_string(stored), "jsonb"
                else:
                    raise NotCompiled(where, f"{entry_type.name}.{name}: an entry field of type {value_type.name}")
                pairs.append((response_name, _required(value, kind) if is_non_null_type(field_type) else value))
            else:
                raise NotCompiled(where, f"{entry_type.name}.{name} has no stored key")
        entry = _object(pairs, where)
        return _Sql(
            "(SELECT coalesce(json_agg({0} ORDER BY entry.ordinality), '[]'::json) "
            "FROM jsonb_array_elements(coalesce({1}, '[]'::jsonb)) WITH ORDINALITY AS entry)",
            entry,
            F(column),
        )

    def nested_connection(self, model, model_field, field_def, details, where: str) -> _Sql:
        if not isinstance(model_field, ManyToOneRel):
            raise NotCompiled(where, "a connection of another relation")
        arguments = self.arguments(field_def, details)
        if arguments.get("last") is not None or arguments.get("before") is not None:
            raise NotCompiled(where, "last/before on a nested connection")
        if any(value is not None for name, value in arguments.items() if name not in _PAGE_ARGUMENTS):
            raise NotCompiled(where, "filters or ordering on a nested connection")
        connection_type = get_nullable_type(field_def.type)
        node_type = self.executor.schema.get_type(connection_node_type(connection_type))
        related_model, origin = self.rows(node_type, where)
        rows = self.scoped(origin, related_model, **{model_field.field.attname: OuterRef("pk")})
        return self.connection(connection_type, details, totally_ordered(rows), arguments, nested=True)

    def arguments(self, field_def, details) -> dict[str, Any]:
        return get_argument_values(field_def, details[0].node, self.executor.variable_values)

    def connection(self, connection_type, details, rows: QuerySet, arguments: dict[str, Any], nested: bool) -> _Sql:
        """The connection's JSON over `rows` (scoped, filtered, totally ordered) as strawberry-django pages it."""
        where = connection_type.name
        page = SliceMetadata.from_arguments(
            self.info,
            before=arguments.get("before"),
            after=arguments.get("after"),
            first=arguments.get("first"),
            last=arguments.get("last"),
            max_results=settings.PAGINATION_MAX_LIMIT,
        )
        if page.end == sys.maxsize:
            raise NotCompiled(where, "last without before")
        start, size = page.start, page.end - page.start
        if not rows.ordered:
            rows = rows.order_by("pk")
        # The connection's fields read the page (`c.page`, its rows' JSON, one more than the page holds
        # when there is a next page) and the total (`c.total`).
        fields = self.subfields(connection_type, details, where)
        node = _Sql("NULL::json")
        for edge_details in (d for d in fields.values() if d[0].node.name.value == "edges"):
            edge_type = get_named_type(connection_type.fields["edges"].type)
            for node_details in self.subfields(edge_type, edge_details, where).values():
                if node_details[0].node.name.value == "node":
                    if node.template != "NULL::json":
                        raise NotCompiled(where, "node selected under several names")
                    node = self.node(get_named_type(edge_type.fields["node"].type), node_details, where)
        shown = f"least(cardinality(c.page), {size})"
        pairs: list[tuple[str, Any]] = []
        total = None
        for response_name, field_details in fields.items():
            name = field_details[0].node.name.value
            if name == "__typename":
                pairs.append((response_name, _text(connection_type.name)))
            elif name == "totalCount":
                total = rows
                pairs.append((response_name, _Sql("c.total")))
            elif name == "edges":
                edge_type = get_named_type(connection_type.fields["edges"].type)
                pairs.append((response_name, self.edges(edge_type, field_details, start, size, where)))
            elif name == "pageInfo":
                info_type = get_nullable_type(connection_type.fields["pageInfo"].type)
                # strawberry-django prefetches a nested page only when its edges' node is selected.
                prefetched = nested and node.template != "NULL::json"
                pairs.append((response_name, self.page_info(info_type, field_details, start, size, shown, prefetched)))
            else:
                raise NotCompiled(where, f"{connection_type.name}.{name}")
        count = _Sql("NULL")
        if total is not None:
            counted = _Sql("(SELECT count(*) FROM {0} AS counted)", Subquery(total.order_by().values("pk")))
            count = _OrEmpty(counted, "0")
        page_rows = _OrEmpty(ArraySubquery(rows.values(json=node)[start : page.end + 1]), "ARRAY[]::json[]")
        # OFFSET 0 keeps the page a subquery of its own, computed once: pulled up into the outer query, it would
        # be computed again for each reference (edges, pageInfo's cursors).
        return _Sql(
            "(SELECT {0} FROM (SELECT {1} AS page, {2} AS total OFFSET 0) AS c)",
            _object(pairs, where),
            page_rows,
            count,
        )

    def edges(self, edge_type, details, start: int, size: int, where: str) -> _Sql:
        pairs: list[tuple[str, Any]] = []
        for response_name, field_details in self.subfields(edge_type, details, where).items():
            name = field_details[0].node.name.value
            if name == "__typename":
                pairs.append((response_name, _text(edge_type.name)))
            elif name == "cursor":
                pairs.append((response_name, _Sql(_cursor(f"{start} + edge.ordinality - 1"))))
            elif name == "node":
                pairs.append((response_name, _Sql("edge.node")))
            else:
                raise NotCompiled(where, f"{edge_type.name}.{name}")
        return _Sql(
            "(SELECT coalesce(json_agg({0} ORDER BY edge.ordinality), '[]'::json) "
            f"FROM unnest(c.page[1:{size}]) WITH ORDINALITY AS edge(node, ordinality))",
            _object(pairs, where),
        )

    def page_info(self, info_type, details, start: int, size: int, shown: str, prefetched: bool) -> _Sql:
        where = info_type.name
        # strawberry's pages: a previous page when the slice starts past 0; strawberry-django's prefetched
        # (nested) pages: only when the page has rows.
        previous = f"({start} > 0 AND {shown} > 0)" if prefetched else f"{start} > 0"
        # strawberry's pages: the overfetched row (its test: rows == size + 1; an `after` at or past `before`
        # makes the size negative, the slice empty, and a next page for a size of -1 only). Prefetched pages:
        # rows after the page's last, of which an empty page (first: 0) has none.
        following = "false" if prefetched and size == 0 else f"cardinality(c.page) = {size} + 1"
        values = {
            "hasNextPage": following,
            "hasPreviousPage": previous,
            "startCursor": f"CASE WHEN {shown} > 0 THEN {_cursor(str(start))} END",
            "endCursor": f"CASE WHEN {shown} > 0 THEN {_cursor(f'{start} + {shown} - 1')} END",
            "__typename": _literal(info_type.name) + "::text",
        }
        pairs: list[tuple[str, Any]] = []
        for response_name, field_details in self.subfields(info_type, details, where).items():
            name = field_details[0].node.name.value
            if name not in values:
                raise NotCompiled(where, f"{info_type.name}.{name}")
            pairs.append((response_name, _Sql(values[name])))
        return _object(pairs, where)


def _cursor(offset_sql: str) -> str:
    return _base64(f"{_literal(CURSOR_PREFIX + ':')} || ({offset_sql})::text")


def _json_array(rows: QuerySet) -> _Sql:
    return _Sql("array_to_json({0})", _OrEmpty(ArraySubquery(rows), "ARRAY[]::json[]"))


def _one_row(rows: QuerySet) -> _Sql:
    return _OrEmpty(Subquery(rows[:1], output_field=JSONField()), "NULL::json")


def _has_permission_extension(field: Any) -> bool:
    return any(isinstance(extension, PermissionExtension) for extension in getattr(field, "extensions", ()))


def _column_value(model_field: Any, field_def: Any, where: str) -> Any:
    """A plain column as the field's GraphQL type writes it."""
    graphql_type = get_nullable_type(field_def.type)
    column = F(model_field.attname)
    if isinstance(graphql_type, GraphQLList):
        if isinstance(model_field, JSONField) and get_named_type(graphql_type).name == "String":
            return _Sql(_STRING_LIST, column)
        raise NotCompiled(where, "a list column")
    if isinstance(graphql_type, GraphQLEnumType) and isinstance(model_field, CharField):
        return _enum_name(graphql_type, column)
    if not isinstance(graphql_type, GraphQLScalarType):
        raise NotCompiled(where, "not a scalar")
    scalar, big = graphql_type.name, type(model_field).__name__ in _BIG_INT_FIELDS
    if scalar == "String" and isinstance(model_field, (CharField, TextField)):
        return column
    if scalar == "Int" and isinstance(model_field, _INT_FIELDS) and not big:
        return column
    if scalar == "Boolean" and isinstance(model_field, BooleanField):
        return column
    if scalar == "ID" and isinstance(model_field, _INT_FIELDS):
        return _Sql("({0})::text", column)
    if scalar == "DateTime" and isinstance(model_field, DateTimeField):
        return _Sql(_ISOFORMAT, column)
    if scalar == "JSON" and isinstance(model_field, JSONField):
        return column
    raise NotCompiled(where, f"a {scalar} column of a {type(model_field).__name__}")


def _capture(executor: Any, field_def: Any, field_details_list: Any, parent_type: Any, path: Any, source: Any):
    """(queryset, strawberry Info) the root field's resolver chain answers, or None when it raised (a refusal)
    or answered something else: the general path then answers it."""
    arguments = get_argument_values(field_def, field_details_list[0].node, executor.variable_values)
    info = executor.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, path)
    resolve = field_def.resolve or executor.field_resolver
    if executor.middleware_manager is not None:
        resolve = executor.middleware_manager.get_field_resolver(resolve)
    token = _capturing.set(True)
    try:
        with DjangoOptimizerExtension.disabled():
            resolve(source, info, **arguments)
    except _Captured as captured:
        return captured.queryset, captured.info, arguments
    except Exception:  # the general path runs the field again and reports it
        return None
    finally:
        _capturing.reset(token)
    return None


def _root_candidate(field_def: Any) -> bool:
    """Whether a root field is read by a model field's resolver chain (strawberry-django, ModelField)."""
    field = (field_def.extensions or {}).get(STRAWBERRY_DEFINITION)
    return hasattr(field, "get_queryset") and hasattr(field, "django_name")


def compiled_reads_enabled() -> bool:
    """The compiled path is PostgreSQL's (SQLite, for development, keeps the general path)."""
    return settings.GRAPHQL_COMPILED_READS and connections["default"].vendor == "postgresql"


GENERAL_PATH = object()
# Set by the test suite (tests/support/compiled_reads.py): given the executor, a compiled answer and a function
# computing the general path's answer of the same field, compares them.
compare_with_general_path: Callable[[Any, "CompiledJSON | None", Callable[[], Any]], None] | None = None


def compiled_answer(executor: Any, parent_type, source, field_details_list, path, *, general: Callable[[], Any]) -> Any:
    """A root field's compiled answer (a CompiledJSON, or None for null), or GENERAL_PATH, logged with the reason."""
    try:
        statement = compiled_root_field(executor, parent_type, source, field_details_list, path)
    except NotCompiled as refusal:
        logger.debug("%s takes the general path: %s", path.key, refusal)
        return GENERAL_PATH
    except Exception:  # a selection this compiler gets wrong: answered by the general path, and logged
        logger.warning("%s takes the general path: its compilation failed", path.key, exc_info=True)
        return GENERAL_PATH
    logger.debug("%s is compiled", path.key)
    try:
        answer = statement()
    except Exception as raw_error:  # a database failure: located at the field, as graphql-core locates it
        field_name = field_details_list[0].node.name.value  # path.key is the response name: maybe an alias
        executor.handle_field_error(raw_error, parent_type.fields[field_name].type, field_details_list, path)
        return None
    if answer is not None and REFUSED_VALUE in answer.text:
        logger.debug("%s takes the general path: its rows hold a value only the general path answers", path.key)
        return GENERAL_PATH
    if compare_with_general_path is not None:
        compare_with_general_path(executor, answer, general)
    return answer


def compiled_root_field(
    executor: Any, parent_type, source, field_details_list, path
) -> Callable[[], CompiledJSON | None]:
    """The statement answering the root field (its JSON; None: null), ready to run; or NotCompiled."""
    node = field_details_list[0].node
    where = f"{parent_type.name}.{node.name.value}"
    field_def = parent_type.fields.get(node.name.value)
    if field_def is None or not _root_candidate(field_def):
        raise NotCompiled(where, "not a model field")
    return_type = get_nullable_type(field_def.type)
    is_connection = connection_node_type(return_type) is not None
    if not is_connection and not isinstance(return_type, GraphQLObjectType):
        raise NotCompiled(where, "a list root field")
    captured = _capture(executor, field_def, field_details_list, parent_type, path, source)
    if captured is None:
        raise NotCompiled(where, "its resolver chain refused or answered no queryset")
    queryset, info, arguments = captured
    connection = connections[queryset.db]
    key = _statement_key(executor, info, path, queryset)
    statement = _statements.get(key)
    if statement is None:
        compiler = _Compiler(executor, info)
        try:
            if is_connection:
                expression = compiler.connection(return_type, field_details_list, queryset, arguments, nested=False)
            else:
                rows = queryset if queryset.ordered else queryset.order_by("pk")  # as QuerySet.first()
                expression = _one_row(rows.values(json=compiler.node(return_type, field_details_list, where)))
        except NotCompiled as refusal:
            _statements[key] = _kept(refusal)
            raise
        query = Query(queryset.model)
        statement = expression.resolve_expression(query).as_sql(query.get_compiler(connection=connection), connection)
        if kept_statement_characters(statement) <= MAX_KEPT_STATEMENT_CHARACTERS:
            _statements[key] = statement
    if isinstance(statement, NotCompiled):
        raise _kept(statement)
    return functools.partial(_run, connection, *statement)


# Compiled statements (or why a root field is not compiled), per process, by what determines them: the
# operation (its text, name and variables), the root field, the rows its resolver chain answered (their SQL), and
# who reads: the user, their company and their permissions (which the scoping rules of nested relations read).
# The root field's resolver chain (its permission check) still runs on every request, before the lookup. Data
# are not part of a statement: writes leave the kept statements valid.
# At most 256 x 50,000 characters per worker, parameters included (a filter's value is one, and a request may
# be megabytes); R1's and R3's statements are about 10,000 characters.
MAX_KEPT_STATEMENTS = 256
MAX_KEPT_STATEMENT_CHARACTERS = 50_000
_statements: cachetools.LRUCache[str, tuple[str, list[Any]] | NotCompiled] = cachetools.LRUCache(
    maxsize=MAX_KEPT_STATEMENTS
)


def kept_statement_characters(statement: tuple[str, list[Any]]) -> int:
    """The size of a statement kept: its SQL and its parameters (strings, numbers...) as text."""
    sql, params = statement
    return len(sql) + sum(len(str(param)) for param in params)


def _kept(refusal: NotCompiled) -> NotCompiled:
    """A refusal without the traceback a raised one carries: its frames hold the request (body, variables)."""
    return NotCompiled(refusal.where, refusal.reason)


def _statement_key(executor: Any, info: Any, path: Any, queryset: QuerySet) -> str:
    user = info.context.request.user
    operation = executor.operation
    try:
        rows: Any = queryset.query.sql_with_params()
    except EmptyResultSet:
        rows = None
    material = json.dumps(
        [
            operation.loc.source.body if operation.loc else None,
            operation.name.value if operation.name else None,
            executor.variable_values,
            path.key,
            rows,
            user.pk,
            user.company_id,
            sorted(user.get_all_permissions()),
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def _run(connection: Any, sql: str, params: list[Any]) -> CompiledJSON | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({sql})::text", params)
        text = cursor.fetchone()[0]
    return None if text is None else CompiledJSON(text)
