"""The GraphQL execution context: graphql-core's, with a short path for model rows.

A designer view completes ~2,400 objects and ~25,000 fields, most of them plain columns
(`id`, `title`, `version`...) of Django rows already loaded by the optimizer. For each
of them graphql-core runs its general machinery: resolve-info object, resolver lookup,
`complete_value`, `is_type_of`, sub-field collection. This context keeps that machinery
for anything unusual and short-cuts three common cases, inside its loops:

- a plain column (a `ModelField` with no resolver, extension or argument, or a
  resolver-less field of a plain strawberry type) of scalar or enum type: the attribute
  is read and coerced here (`str` and `bool` values of String and Boolean pass as is);
- a row's global id (the `id` of the Node interface, with strawberry-django's id
  resolution): written here from the type's name and the loaded primary key, as
  strawberry's GlobalID writes it;
- a to-one relation already in the row's relation cache (`_CachedForeignKey`), or a plain
  strawberry type's attribute holding a row (a connection edge's `node`): the row is the
  value the resolver would return, so its fields are completed here directly;
- a list of rows, all of the exact model of the item type (what a prefetched relation
  or a queryset gives), or of the exact class of a plain strawberry type without
  `is_type_of` (a connection's edges): each item's fields are completed here, without the
  per-item `complete_value` / `is_type_of` / sub-field collection.

The answer is the same: null in a non-null field, a value the scalar refuses, an
exception, field arguments, `@defer`/`@stream`, a type cast, a row of another class or a
schema extension's `resolve` hook all take graphql-core's own path, which reports them
as usual (errors located at the same paths).
"""

from typing import Any

from django.conf import settings
from django.db.models.constants import LOOKUP_SEP
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor
from graphql import (
    DocumentNode,
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    OperationType,
    get_nullable_type,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.pyutils import Path, Undefined
from strawberry.types.field import StrawberryField

from kernel.global_ids import global_id
from schema.base import ModelField, short_paths_enabled
from schema.compiled_reads import GENERAL_PATH, compiled_answer, compiled_reads_enabled
from schema.connections import connection_argument_errors
from schema.library_internals import (
    BASIC_FIELD_RESOLVER,
    DJANGO_TYPE_MODULE,
    STRAWBERRY_DEFINITION,
    TYPE_CAST_ATTRIBUTE,
    StrawberryGraphQLCoreExecutionContext,
    gather_with_cancel,
    get_django_definition,
    is_node_id_field,
    node_id_of_model_pk,
    to_nodes,
)
from schema.variable_errors import located_variable_errors

# Kinds of field plans.
_LEAF, _RELATED, _GENERAL, _GLOBAL_ID = 0, 1, 2, 3
# Python types whose values these scalars return unchanged.
_UNCHANGED = {GraphQLString.name: str, GraphQLBoolean.name: bool}
# How these scalars coerce an `int`: ID as its decimal text, Int as is within 32 bits.
_INT_AS_TEXT, _INT_32 = 1, 2
_INT_COERCION = {GraphQLID.name: _INT_AS_TEXT, GraphQLInt.name: _INT_32}
_INT_32_MIN, _INT_32_MAX = -(2**31), 2**31 - 1

_plans: dict[int, tuple[GraphQLField, tuple]] = {}
_models: dict[int, tuple[GraphQLObjectType, type | None]] = {}
_global_ids: dict[int, tuple[GraphQLObjectType, tuple[str, str] | None]] = {}


def _probe(*_args, **_kwargs):  # a resolver no middleware has seen
    return None


def _row_class_of(object_type: GraphQLObjectType) -> type | None:
    """The class whose instances complete as `object_type` with nothing but their fields
    completed: the model of a strawberry-django type (by strawberry-django's own
    `is_type_of`: an instance of the model, not cast to another type), or `object` for a
    plain strawberry type without `is_type_of` (a connection's edges and pageInfo, the typed
    document's parts), which graphql-core completes whatever the value's class (strawberry
    makes a class per annotation of a generic type: a nested connection's edges are not of
    the class the schema names); None for any other object type."""
    entry = _models.get(id(object_type))
    if entry is None or entry[0] is not object_type:
        row_class = None
        definition = (object_type.extensions or {}).get(STRAWBERRY_DEFINITION)
        origin = getattr(definition, "origin", None)
        is_type_of = getattr(origin, "__dict__", {}).get("is_type_of")
        django_definition = get_django_definition(origin) if origin is not None else None
        if (
            django_definition is not None
            and getattr(getattr(is_type_of, "__func__", None), "__module__", None) == DJANGO_TYPE_MODULE
        ):
            row_class = django_definition.model
        elif (
            isinstance(origin, type)
            and django_definition is None
            and object_type.is_type_of is None
            and not getattr(definition, "is_graphql_generic", True)
        ):
            row_class = object
        entry = _models[id(object_type)] = (object_type, row_class)
    return entry[1]


def _global_id_of(object_type: GraphQLObjectType) -> tuple[str, str] | None:
    """(type name, primary key attribute) that a model type's global ids are made of; None when its
    type leaves them to other code than the libraries' (library_internals.node_id_of_model_pk)."""
    entry = _global_ids.get(id(object_type))
    if entry is None or entry[0] is not object_type:
        pk_attname = node_id_of_model_pk(object_type)
        entry = _global_ids[id(object_type)] = (
            object_type,
            None if pk_attname is None else (object_type.name, pk_attname),
        )
    return entry[1]


def _is_plain_row(row: Any, row_class: type | None) -> bool:
    if row_class is object:  # as graphql-core: any value but null and an error
        return row is not None and not isinstance(row, Exception)
    return type(row) is row_class and TYPE_CAST_ATTRIBUTE not in row.__dict__


class _CachedForeignKey:
    """Plan of a to-one relation field (`fromTask`, `createdBy`...): when the related row
    is already in the instance's relation cache (select_related / the optimizer's
    prefetch, scoped through the related type's get_queryset), strawberry-django's
    resolver would return exactly that cached object; this takes it directly. Not
    cached: strawberry-django's resolver runs."""

    __slots__ = ("field", "field_def", "nullable")

    def __init__(self, descriptor: ForwardManyToOneDescriptor, field_def: GraphQLField):
        self.field, self.field_def = descriptor.field, field_def
        self.nullable = not is_non_null_type(field_def.type)

    def related(self, source: Any) -> Any:
        try:
            return self.field.get_cached_value(source)
        except (KeyError, AttributeError):
            return _NOT_LOADED  # strawberry-django's resolver fetches it


class _RowAttribute:
    """Plan of a plain strawberry type's attribute of an object type (a connection edge's
    `node`): strawberry's basic-field resolver returns the attribute, a row to complete."""

    __slots__ = ("attname", "field_def", "nullable")

    def __init__(self, attname: str, field_def: GraphQLField):
        self.attname, self.field_def = attname, field_def
        self.nullable = not is_non_null_type(field_def.type)

    def related(self, source: Any) -> Any:
        return getattr(source, self.attname, _NOT_LOADED)


def _plan(field_def: GraphQLField) -> tuple:
    """(kind, detail) of a field: _LEAF (attribute, leaf type, non-null, unchanged type, int coercion),
    _RELATED (_CachedForeignKey or _RowAttribute), _GLOBAL_ID (the type's name is its parent's: `_plans`
    fills it in) or _GENERAL."""
    if field_def.args:
        return _GENERAL, None
    field = (field_def.extensions or {}).get(STRAWBERRY_DEFINITION)
    if is_node_id_field(field):
        return _GLOBAL_ID, None
    if isinstance(field, ModelField):
        if not field.is_plain_column:
            return _foreign_key_plan(field, field_def)
        attname = field.django_name or field.python_name
    elif type(field) is StrawberryField and field.is_basic_field and field.default_resolver is getattr:
        attname = field.python_name  # a plain strawberry type's attribute (ExtRef.label, an edge's node...)
    else:
        return _GENERAL, None
    resolve = field_def.resolve
    if (
        resolve is None
        or getattr(resolve, "_is_default", False) is not True
        or resolve.__name__ != BASIC_FIELD_RESOLVER
    ):
        return _GENERAL, None
    non_null = is_non_null_type(field_def.type)
    leaf = get_nullable_type(field_def.type)
    if is_object_type(leaf) and not isinstance(field, ModelField) and _row_class_of(leaf) is not None:
        return _RELATED, _RowAttribute(attname, field_def)
    if not is_leaf_type(leaf):
        return _GENERAL, None
    return _LEAF, (attname, leaf, non_null, _UNCHANGED.get(leaf.name), _INT_COERCION.get(leaf.name))


def _foreign_key_plan(field: ModelField, field_def: GraphQLField) -> tuple:
    if not (
        field.is_relation
        and field.base_resolver is None
        and not field.extensions
        and not field.permission_classes
        and not field.arguments
        and not field.is_list
        and field.django_name
        and LOOKUP_SEP not in field.django_name
    ):
        return _GENERAL, None
    origin = field.origin_django_type
    descriptor = getattr(origin.model, field.django_name, None) if origin is not None else None
    object_type = get_nullable_type(field_def.type)
    if type(descriptor) is not ForwardManyToOneDescriptor or not is_object_type(object_type):
        return _GENERAL, None
    return _RELATED, _CachedForeignKey(descriptor, field_def)


def _plan_of(field_def: GraphQLField) -> tuple:
    entry = _plans.get(id(field_def))
    if entry is None or entry[0] is not field_def:
        entry = _plans[id(field_def)] = (field_def, _plan(field_def))
    return entry[1]


_NOT_LOADED = object()


class TicketFlowerExecutionContext(StrawberryGraphQLCoreExecutionContext):
    @classmethod
    def build(  # graphql-core's parameters, named as its `execute` passes them
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        root_value: Any = None,
        context_value: Any = None,
        raw_variable_values: dict[str, Any] | None = None,
        operation_name: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """The context, or the errors of the request's variables, located (schema.variable_errors), or those
        of its connections' arguments (schema.connections)."""
        built = super().build(
            schema, document, root_value, context_value, raw_variable_values, operation_name, *args, **kwargs
        )
        if isinstance(built, list):
            return located_variable_errors(
                built, schema=schema, document=document, variables=raw_variable_values, operation_name=operation_name
            )
        return connection_argument_errors(built, max_results=settings.PAGINATION_MAX_LIMIT) or built

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # Off (GRAPHQL_EXECUTION_SHORT_PATHS): every field takes graphql-core's path; with a
        # schema extension's `resolve` hook every field must go through it.
        self._short_paths = short_paths_enabled() and (manager is None or manager.get_field_resolver(_probe) is _probe)
        self._plans_of_field_sets: dict[int, tuple] = {}
        self._row_plans: dict[int, tuple] = {}
        self._compiled_reads = self.operation.operation == OperationType.QUERY and compiled_reads_enabled()

    def execute_field(self, parent_type, source, field_details_list, path, position_context):
        """A query's root field over model data: one statement's JSON (schema/compiled_reads.py), else graphql-core's
        path."""
        if self._compiled_reads and path.prev is None and position_context is None:

            def general() -> Any:
                return super(TicketFlowerExecutionContext, self).execute_field(
                    parent_type, source, field_details_list, path, position_context
                )

            answer = compiled_answer(self, parent_type, source, field_details_list, path, general=general)
            if answer is not GENERAL_PATH:
                return answer
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _plans(self, parent_type, grouped_field_set) -> list[tuple]:
        """[(kind, response name, field details, detail)] of a field set; graphql-core
        memoizes the field set of a selection per execution, so this is computed once per
        selection, not once per object."""
        cached = self._plans_of_field_sets.get(id(grouped_field_set))
        if cached is not None and cached[0] is grouped_field_set and cached[1] is parent_type:
            return cached[2]
        plans = []
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            field_def = self.schema.get_field(parent_type, node.name.value)
            kind, detail = (_GENERAL, None) if field_def is None or node.arguments else _plan_of(field_def)
            if kind is _GLOBAL_ID:
                detail = _global_id_of(parent_type)
                kind = _GENERAL if detail is None else _GLOBAL_ID
            plans.append((kind, response_name, field_details_list, detail))
        # The field set is kept alive with its plans, so that its id cannot be reused.
        self._plans_of_field_sets[id(grouped_field_set)] = (grouped_field_set, parent_type, plans)
        return plans

    def _located(self, completed: Any, return_type, field_details_list, path: Path) -> Any:
        """An awaitable completion whose error is located at `path` like graphql-core's."""

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, return_type, field_details_list, path)
                return None

        return await_completed()

    def _complete_related(self, parent_type, field_details_list, path, response_name, plan, related, position_context):
        """graphql-core's execute_field after the resolver returned the cached `related` row."""
        return_type = plan.field_def.type
        field_path = Path(path, response_name, parent_type.name)
        try:
            row_plan = self._row_plan(return_type, field_details_list, field_path)
            if row_plan is not None and _is_plain_row(related, row_plan[1]):
                object_type, _, grouped_field_set = row_plan
                completed = self.execute_fields(object_type, related, field_path, grouped_field_set, position_context)
            else:
                nodes = to_nodes(field_details_list)
                info = self.build_resolve_info(plan.field_def, nodes, parent_type, field_path)
                completed = self.complete_value(
                    return_type, field_details_list, info, field_path, related, position_context
                )
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, field_path)
            return None
        if self.is_awaitable(completed):
            return self._located(completed, return_type, field_details_list, field_path)
        return completed

    def execute_fields(self, parent_type, source_value, path, grouped_field_set, position_context):
        if not self._short_paths or position_context is not None:  # inside @defer: graphql-core's path
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for kind, response_name, field_details_list, detail in self._plans(parent_type, grouped_field_set):
                if kind is _LEAF:
                    attname, leaf, non_null, unchanged, int_coercion = detail
                    try:
                        value = getattr(source_value, attname)
                        value_type = type(value)
                        if value_type is unchanged:
                            results[response_name] = value
                            continue
                        if value_type is int and int_coercion:
                            if int_coercion == _INT_AS_TEXT:
                                results[response_name] = str(value)
                                continue
                            if _INT_32_MIN <= value <= _INT_32_MAX:
                                results[response_name] = value
                                continue
                        if value is None:
                            if not non_null:
                                results[response_name] = None
                                continue
                        else:
                            coerced = leaf.coerce_output_value(value)
                            if coerced is not Undefined and coerced is not None:
                                results[response_name] = coerced
                                continue
                    except Exception:  # graphql-core's path below reports it
                        pass
                elif kind is _GLOBAL_ID:
                    type_name, pk_attname = detail
                    pk = getattr(source_value, "__dict__", {}).get(pk_attname)
                    if type(pk) is int:
                        results[response_name] = global_id(type_name, pk)
                        continue
                elif kind is _RELATED:
                    related = detail.related(source_value)
                    if related is None and detail.nullable:
                        results[response_name] = None
                        continue
                    if related is not None and related is not _NOT_LOADED:
                        result = self._complete_related(
                            parent_type, field_details_list, path, response_name, detail, related, position_context
                        )
                        results[response_name] = result
                        if is_awaitable(result):
                            awaitable_fields.append(response_name)
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _row_plan(self, row_type, field_details_list, path: Path) -> tuple | None:
        """(object type, model, grouped field set) when rows of `row_type` (a to-one field's
        type or a list's item type) may take the short path: a strawberry-django type, no
        @stream, no @defer inside. Computed once per selection."""
        cached = self._row_plans.get(id(field_details_list))
        if cached is not None and cached[0] is field_details_list and cached[1] is row_type:
            return cached[2]
        plan = None
        object_type = get_nullable_type(row_type)
        if (
            self._short_paths
            and is_object_type(object_type)
            and self.get_stream_usage(field_details_list, path) is None
        ):
            model = _row_class_of(object_type)
            if model is not None:
                grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
                if not new_defer_usages:
                    plan = (object_type, model, grouped_field_set)
        self._row_plans[id(field_details_list)] = (field_details_list, row_type, plan)
        return plan

    def complete_iterable_value(self, item_type, field_details_list, info, path, items, position_context):
        plan = self._row_plan(item_type, field_details_list, path) if position_context is None else None
        if plan is not None:
            object_type, model, grouped_field_set = plan
            rows = items if isinstance(items, list) else list(items)
            if all(_is_plain_row(row, model) for row in rows):
                return self._complete_rows(
                    item_type, object_type, grouped_field_set, field_details_list, path, rows, position_context
                )
            items = rows
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)

    def _complete_rows(self, item_type, object_type, grouped_field_set, field_details_list, path, rows, context):
        """graphql-core's list completion for rows that all complete as `object_type`."""
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        for index, row in enumerate(rows):
            row_path = path.add_key(index, None)
            try:
                value = self.execute_fields(object_type, row, row_path, grouped_field_set, context)
            except Exception as raw_error:
                self.handle_field_error(raw_error, item_type, field_details_list, row_path)
                value = None
            else:
                if is_awaitable(value):
                    value = self._located(value, item_type, field_details_list, row_path)
                    awaitable_indices.append(index)
            completed.append(value)
        if not awaitable_indices:
            return completed

        async def get_completed() -> list[Any]:
            awaited = await gather_with_cancel(*(completed[index] for index in awaitable_indices))
            for index, value in zip(awaitable_indices, awaited, strict=True):
                completed[index] = value
            return completed

        return get_completed()
