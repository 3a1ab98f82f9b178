"""The GraphQL execution context: graphql-core's, with a short path for plain columns.

A designer view resolves ~10,000 fields, most of them plain columns (`id`, `title`,
`version`...). graphql-core builds a resolve-info object, looks up the resolver and runs
the general completion for each of them. For a field that strawberry resolves as a
bare attribute read (a `ModelField` plain column: no resolver, no field extension, no
argument; or a resolver-less field of a plain strawberry type) whose type is a scalar or
an enum, this context reads the attribute and coerces it itself, inside graphql-core's
loop over an object's fields (`execute_fields`). To-one relations already loaded (see
`_CachedForeignKey`) skip strawberry-django's resolver the same way.
The answer is the same; anything unusual (null in a non-null field, a value the scalar
refuses, an exception, field arguments, a schema extension's `resolve` hook) goes
through graphql-core's own path, which reports it as usual.
"""

from typing import Any

from django.db.models.constants import LOOKUP_SEP
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor
from graphql import GraphQLField, get_nullable_type, is_leaf_type, is_non_null_type, is_object_type
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from schema.base import ModelField

_NOT_PLAIN = object()
_plans: dict[int, tuple[GraphQLField, Any]] = {}


def _probe(*_args, **_kwargs):  # a resolver no middleware has seen
    return None


def _plan(field_def: GraphQLField):
    """(attribute name, leaf type, non-null) of a plain-column field, else _NOT_PLAIN."""
    if field_def.args:
        return _NOT_PLAIN
    field = (field_def.extensions or {}).get("strawberry-definition")
    if isinstance(field, ModelField):
        if not field.is_plain_column:
            return _foreign_key_plan(field, field_def)
        attname = field.django_name or field.python_name
    elif type(field) is StrawberryField and field.is_basic_field and field.default_resolver is getattr:
        attname = field.python_name  # a plain strawberry type's attribute (ExtRef.label...)
    else:
        return _NOT_PLAIN
    if getattr(field_def.resolve, "_is_default", False) is not True or field_def.resolve.__name__ != (
        "_get_basic_result"
    ):
        return _NOT_PLAIN
    non_null = is_non_null_type(field_def.type)
    leaf = field_def.type.of_type if non_null else field_def.type
    if not is_leaf_type(leaf):
        return _NOT_PLAIN
    return (attname, leaf, non_null)


class _CachedForeignKey:
    """Plan of a to-one relation field (`fromTask`, `createdBy`...): when the related row
    is already in the instance's relation cache (select_related / the optimizer's
    prefetch, scoped through the related type's get_queryset), strawberry-django's
    resolver would return exactly that cached object; this takes it directly and lets
    graphql-core complete it. Not cached: strawberry-django's resolver runs."""

    __slots__ = ("field", "nullable")

    def __init__(self, descriptor: ForwardManyToOneDescriptor, nullable: bool):
        self.field, self.nullable = descriptor.field, nullable


def _foreign_key_plan(field: ModelField, field_def: GraphQLField):
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
        return _NOT_PLAIN
    origin = field.origin_django_type
    descriptor = getattr(origin.model, field.django_name, None) if origin is not None else None
    if type(descriptor) is not ForwardManyToOneDescriptor:
        return _NOT_PLAIN
    if not is_object_type(get_nullable_type(field_def.type)):
        return _NOT_PLAIN
    return _CachedForeignKey(descriptor, nullable=not is_non_null_type(field_def.type))


def _plan_of(field_def: GraphQLField):
    entry = _plans.get(id(field_def))
    if entry is None or entry[0] is not field_def:
        entry = _plans[id(field_def)] = (field_def, _plan(field_def))
    return entry[1]


class TicketFlowerExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # With a schema extension's `resolve` hook every field must go through it.
        self._plain_columns = manager is None or manager.get_field_resolver(_probe) is _probe
        self._plans_of_field_sets: dict[int, tuple] = {}

    def _plans(self, parent_type, grouped_field_set) -> list[tuple]:
        """[(response name, field details, plan or _NOT_PLAIN)] of a field set; graphql-core
        memoizes the field set of a selection per execution, so this is computed once per
        selection, not once per object."""
        cached = self._plans_of_field_sets.get(id(grouped_field_set))
        if cached is not None and cached[0] is grouped_field_set and cached[1] is parent_type:
            return cached[2]
        plans = []
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            field_def = self.schema.get_field(parent_type, node.name.value)
            plan = _NOT_PLAIN
            if field_def is not None and not node.arguments:
                plan = _plan_of(field_def)
            plans.append((response_name, field_details_list, plan))
        # The field set is kept alive with its plans, so that its id cannot be reused.
        self._plans_of_field_sets[id(grouped_field_set)] = (grouped_field_set, parent_type, plans)
        return plans

    def _complete_related(self, parent_type, field_details_list, path, response_name, related, position_context):
        """graphql-core's execute_field after the resolver returned `related`."""
        field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
        return_type = field_def.type
        field_path = Path(path, response_name, parent_type.name)
        info = self.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, field_path)
        try:
            completed = self.complete_value(
                return_type, field_details_list, info, field_path, related, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, field_path)
            return None
        if self.is_awaitable(completed):

            async def await_completed() -> Any:
                try:
                    return await completed
                except Exception as raw_error:
                    self.handle_field_error(raw_error, return_type, field_details_list, field_path)
                    return None

            return await_completed()
        return completed

    def execute_fields(self, parent_type, source_value, path, grouped_field_set, position_context):
        if not self._plain_columns:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, plan in self._plans(parent_type, grouped_field_set):
                if type(plan) is _CachedForeignKey:
                    try:
                        related = plan.field.get_cached_value(source_value)
                    except (KeyError, AttributeError):
                        pass  # not loaded: strawberry-django's resolver fetches it
                    else:
                        if related is None and plan.nullable:
                            results[response_name] = None
                            continue
                        if related is not None:
                            result = self._complete_related(
                                parent_type, field_details_list, path, response_name, related, position_context
                            )
                            results[response_name] = result
                            if is_awaitable(result):
                                awaitable_fields.append(response_name)
                            continue
                elif plan is not _NOT_PLAIN:
                    attname, leaf, non_null = plan
                    try:
                        value = getattr(source_value, attname)
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
