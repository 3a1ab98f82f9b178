"""Every name of graphql-core, strawberry and strawberry-django that this project relies on
beyond their documented API, in one place.

The devices that rely on them, all in this package and all switched off together by the
setting GRAPHQL_EXECUTION_SHORT_PATHS=false (the libraries' own paths then run):

- `execution.py`: the execution context completes plain columns, global ids, cached to-one rows,
  edges' nodes and lists of rows or edges itself, overriding and calling graphql-core's executor
  methods below;
- `base.py`: `ModelField` makes plain columns strawberry "basic fields" (attribute reads);
  `QuerysetOptimizer` drops strawberry-django's per-field `resolve` hook.

The compiled read path (`compiled_reads.py`, switched off by GRAPHQL_COMPILED_READS=false) tells a nested
connection reading its relation by strawberry-django's default resolver (`is_default_connection_resolver`),
pages connections with strawberry's own SliceMetadata and cursor prefix, and collects fields with the executor's
`collect_subfields` (and its `build_resolve_info`, `handle_field_error`, `middleware_manager`).

Besides them, `extensions.py` validates a parsed document against the graphql-core schema
behind strawberry's (`graphql_core_schema`), and lowers graphql-core's field-overlap budget;
`extensions.RejectUnusableInput` reads the operationName a request gave (`provided_operation_name`).

`tests/test_library_internals.py` checks every entry here against the installed libraries and
fails, pointing at the README's "Upgrading the GraphQL libraries", when one of them changes.
"""

from typing import Any

from graphql import GraphQLSchema
from graphql.execution.executor import Executor, to_nodes
from graphql.pyutils import gather_with_cancel
from graphql.validation.rules import overlapping_fields_can_be_merged
from strawberry import relay
from strawberry.relay.types import PREFIX as CURSOR_PREFIX
from strawberry.relay.utils import SliceMetadata
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext, validate_document
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE
from strawberry.types.field import StrawberryField
from strawberry_django.fields.field import StrawberryDjangoConnectionExtension
from strawberry_django.optimizer import DjangoOptimizerExtension
from strawberry_django.relay import resolve_model_id
from strawberry_django.utils.typing import get_django_definition

__all__ = [
    "CURSOR_PREFIX",
    "TYPE_CAST_ATTRIBUTE",
    "SliceMetadata",
    "StrawberryGraphQLCoreExecutionContext",
    "gather_with_cancel",
    "get_django_definition",
    "graphql_core_schema",
    "set_field_overlap_budget",
    "to_nodes",
    "validate_document",
]

# The versions these entries were last checked against (and the devices measured with).
TESTED_VERSIONS = {
    "graphql-core": "3.3.2",
    "strawberry-graphql": "0.341.2",
    "strawberry-graphql-django": "0.93.0",
}

# graphql-core's Executor methods that execution.py overrides or calls, with their parameters.
EXECUTOR_METHODS: dict[str, tuple[str, ...]] = {
    "execute_fields": ("self", "parent_type", "source_value", "path", "grouped_field_set", "position_context"),
    "execute_field": ("self", "parent_type", "source", "field_details_list", "path", "position_context"),
    "complete_value": ("self", "return_type", "field_details_list", "info", "path", "result", "position_context"),
    "complete_iterable_value": (
        "self",
        "item_type",
        "field_details_list",
        "info",
        "path",
        "items",
        "position_context",
    ),
    "build_resolve_info": ("self", "field_def", "field_nodes", "parent_type", "path"),
    "handle_field_error": ("self", "raw_error", "return_type", "field_details_list", "path"),
    "collect_subfields": ("self", "return_type", "field_details_list"),
    "get_stream_usage": ("self", "field_details_list", "path"),
    "settle_in_background": ("self", "awaitables"),
    "is_awaitable": ("value",),
}
EXECUTOR = Executor
# Set by the executor's constructor; execution.py asks it whether any `resolve` hook is installed.
EXECUTOR_MIDDLEWARE_ATTRIBUTE = "middleware_manager"

# strawberry's field members ModelField overrides (base.py), with their parameters.
STRAWBERRY_FIELD = StrawberryField
STRAWBERRY_FIELD_GET_RESULT = ("self", "source", "info", "args", "kwargs")
# strawberry-django's per-field hook that QuerysetOptimizer drops (base.py).
OPTIMIZER = DjangoOptimizerExtension
OPTIMIZER_RESOLVE = ("self", "next_", "root", "info", "args", "kwargs")

# Where strawberry keeps its own definition in a graphql-core type's or field's extensions.
STRAWBERRY_DEFINITION = "strawberry-definition"
# The name of strawberry's resolver of a basic field (an attribute read), marked `_is_default`.
BASIC_FIELD_RESOLVER = "_get_basic_result"
# The module whose `is_type_of` strawberry-django gives its types: a row completes as the
# type exactly when it is an instance of the type's model.
DJANGO_TYPE_MODULE = "strawberry_django.type"


# The `id` field of strawberry's Node interface: its resolver `Node._id` writes
# GlobalID(resolve_typename(root, info), resolve_id(root, info)), whose text is base64 of
# "<type name>:<node id>". For a strawberry-django type, resolve_id is `resolve_model_id` (the
# attribute resolve_id_attr names, read off the row, as text) and resolve_typename Node's own
# (the parent type's name): execution.py writes that text itself (kernel.global_ids.global_id).
NODE_ID_RESOLVER = relay.Node._id
NODE_RESOLVE_TYPENAME = relay.Node.resolve_typename
MODEL_NODE_ID_RESOLVER = resolve_model_id


def is_node_id_field(field: Any) -> bool:
    """Whether a strawberry field is the Node interface's `id` (a type's own or the interface's)."""
    resolver = getattr(field, "base_resolver", None)
    wrapped = getattr(resolver, "wrapped_func", None)
    return getattr(wrapped, "__func__", None) is NODE_ID_RESOLVER.__func__


def node_id_of_model_pk(object_type: Any) -> str | None:
    """The primary key's attribute that a strawberry-django Node type's `id` is made of, when the
    type leaves id and type name to the libraries (strawberry-django's resolve_model_id, Node's
    resolve_typename); None otherwise."""
    definition = (object_type.extensions or {}).get(STRAWBERRY_DEFINITION)
    origin: Any = getattr(definition, "origin", None)
    django_definition = get_django_definition(origin) if origin is not None else None
    if (
        django_definition is None
        or getattr(origin.resolve_id, "__func__", None) is not MODEL_NODE_ID_RESOLVER
        or getattr(origin.resolve_typename, "__func__", None) is not getattr(NODE_RESOLVE_TYPENAME, "__func__", None)
    ):
        return None
    pk = django_definition.model._meta.pk
    return pk.attname if pk is not None and origin.resolve_id_attr() in ("pk", pk.name) else None


# The resolver strawberry-django gives a connection field without one of its own (the related manager's rows).
CONNECTION_DEFAULT_RESOLVER = (
    StrawberryDjangoConnectionExtension.__module__,
    "StrawberryDjangoConnectionExtension.apply.<locals>.default_resolver",
)


def is_default_connection_resolver(resolver: Any) -> bool:
    """Whether a connection field's resolver is strawberry-django's default: the rows of the relation."""
    return (
        getattr(resolver, "__module__", None),
        getattr(resolver, "__qualname__", None),
    ) == CONNECTION_DEFAULT_RESOLVER


def graphql_core_schema(schema: Any) -> GraphQLSchema:
    """The graphql-core schema behind a strawberry schema (strawberry keeps it private)."""
    return schema._schema


def provided_operation_name(execution_context: Any) -> str | None:
    """The operationName the request gave: strawberry's `operation_name` answers the first operation's name
    when none was given (extensions.RejectUnusableInput refuses that with several operations, as GraphQL does)."""
    return execution_context._provided_operation_name


def set_field_overlap_budget(units: int) -> None:
    """graphql-core's OverlappingFieldsCanBeMergedRule aborts validation once it has spent this
    much work (a module-level knob the rule reads at each run)."""
    overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = units
