"""What every part of the GraphQL layer shares.

- `CompanyScopedType`: the base of every model type, each an object with an identity (the
  Relay `Node` interface, its `id` a global id: kernel/global_ids). Its `get_queryset` hands
  each queryset (lists, single objects, `node` lookups and nested relations alike, since the
  optimizer prefetches through it) to `scoping.visible_to`, so no resolver can forget the
  tenant filter.
- `connection`: every list that can grow without bound is a Relay cursor connection
  (schema/connections.py checks its arguments).
- Permission extensions raising `UNAUTHENTICATED` / `FORBIDDEN`.
- `ProblemType`, the one error shape of every mutation payload, and `answers_refusals`,
  the one way a service's refusal reaches it.
"""

import dataclasses
import functools
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar, cast

import strawberry
import strawberry_django
from django.conf import settings
from django.db.models import Model, QuerySet
from django.db.models.constants import LOOKUP_SEP
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case
from strawberry_django.fields.field import StrawberryDjangoField
from strawberry_django.optimizer import DjangoOptimizerExtension, is_optimized_by_prefetching

from kernel.global_ids import pk_of
from kernel.metrics import REFUSALS
from kernel.problems import PROBLEM_CODES, Problem, ServiceError, concurrent_write_refused
from kernel.scoping import visible_to
from schema.compiled_reads import captured_root_queryset
from schema.connections import totally_ordered
from users.roles import DESIGN_WORKFLOWS, MANAGE_COMPANY

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"

_ROLE_OF_PERMISSION = {MANAGE_COMPANY: "company_admin", DESIGN_WORKFLOWS: "workflow_creator"}


def acting_user(info: Info):
    return info.context.request.user


class CompanyScopedType(relay.Node):
    """Base of every strawberry-django model type: rows of the acting user's company only, each
    a Node whose `id` is its global id, made of its primary key `id`."""

    # Named, so that strawberry finds it once; strawberry-django would look for it on every call (its
    # resolve_model_id_attr falls back to the primary key each time, after scanning the annotations).
    id: relay.NodeID[int]

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs: Any) -> QuerySet:
        return visible_to(queryset, acting_user(info))


def short_paths_enabled() -> bool:
    """The performance devices that lean on the GraphQL libraries' internals
    (schema/library_internals.py), or the libraries' own paths (for re-measuring after an upgrade)."""
    return settings.GRAPHQL_EXECUTION_SHORT_PATHS


class ModelField(StrawberryDjangoField):
    """The field class of every model type. A plain column (no resolver, no extension, no
    argument, not a relation, no `__` lookup) resolves as a bare attribute read through
    strawberry's basic-field path, instead of strawberry-django's per-field machinery
    (Info object, argument parsing, extension chain, cached-relation probing), which is
    what made large reads slow. The optimizer still plans `only()` from these fields;
    relations and computed fields keep the full path (scoping, prefetching, permissions)."""

    @property
    def is_basic_field(self) -> bool:
        return self.is_plain_column and short_paths_enabled()

    @property
    def is_plain_column(self) -> bool:
        return (
            not self.is_relation
            and self.base_resolver is None
            and not self.extensions
            and not self.permission_classes
            and not self.arguments
            and LOOKUP_SEP not in (self.django_name or "")
            and not self.is_paginated
            and not self.is_connection
        )

    def get_queryset(self, queryset, info, **kwargs):
        return captured_root_queryset(self.ordered_rows(super().get_queryset(queryset, info, **kwargs)), info)

    def ordered_rows(self, queryset: QuerySet) -> QuerySet:
        return queryset

    def get_result(self, source, info, args, kwargs):
        if info is None:  # only strawberry's basic-field path calls without an Info
            # A deferred column is loaded by the attribute read, as strawberry-django does (sync).
            return getattr(source, self.django_name or self.python_name)
        return super().get_result(source, info, args, kwargs)


def model_type(model: type, **options):
    """`strawberry_django.type` with ModelField as the field class."""
    return strawberry_django.type(model, field_cls=ModelField, **options)


def model_field(**options):
    """`strawberry_django.field` with ModelField as the field class."""
    return strawberry_django.field(field_cls=ModelField, **options)


class QuerysetOptimizer(DjangoOptimizerExtension):
    """The strawberry-django optimizer without its per-field `resolve` hook: a schema
    extension's `resolve` wraps every field of every response (~10,000 in a designer view).
    Every field returning a queryset here is a strawberry-django field, whose
    `get_queryset` hands the queryset to this extension's `optimize` itself."""

    # strawberry installs no hook for an extension that does not override it. (The two libraries' signatures of
    # resolve differ in a parameter's name and in the type of *args.)
    resolve = SchemaExtension.resolve  # type: ignore[assignment]


def unauthenticated_error(info: Info) -> GraphQLError:
    reason = (
        getattr(info.context.request, "auth_error", None) or "log in and send 'Authorization: Bearer <accessToken>'"
    )
    return GraphQLError(f"Authentication required: {reason}", extensions={"code": UNAUTHENTICATED})


class IsAuthenticated(BasePermission):
    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not acting_user(info).is_authenticated:
            raise unauthenticated_error(info)
        return True


class HasSystemPermission(IsAuthenticated):
    error_extensions = {"code": FORBIDDEN}

    def __init__(self, permission: str):
        self.permission = permission
        self.message = f"This operation needs the system role '{_ROLE_OF_PERMISSION[permission]}'."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return super().has_permission(source, info) and acting_user(info).has_perm(self.permission)


def login_required() -> list[FieldExtension]:
    return [PermissionExtension(permissions=[IsAuthenticated()], use_directives=False)]


def company_admin_required() -> list[FieldExtension]:
    return [PermissionExtension(permissions=[HasSystemPermission(MANAGE_COMPANY)], use_directives=False)]


def workflow_creator_required() -> list[FieldExtension]:
    return [PermissionExtension(permissions=[HasSystemPermission(DESIGN_WORKFLOWS)], use_directives=False)]


VALUE_WITHOUT_IDENTITY = (
    "A value without an identity of its own (no id): it is part of the object that holds it, and a client cache "
    "keeps it there, never as an object of its own."
)


ERRORS = "Why nothing was done: every error found, located; empty on success."
WARNINGS = "What is worth a look but did not stop the write, located."


def described_enum(name: str, members: dict[str, str], description: str) -> type[Enum]:
    """A GraphQL enum whose values are `members`' keys (names and values alike), each described."""
    values = {member: strawberry.enum_value(member, description=meaning) for member, meaning in members.items()}
    enum_class: type[Enum] = Enum(name, values)  # type: ignore[misc]  # the functional API, with a name made here
    return strawberry.enum(enum_class, name=name, description=description)


# Built when the schema is, after every domain registered its codes (AppConfig.ready).
ProblemCode = described_enum(
    "ProblemCode",
    dict(sorted(PROBLEM_CODES.items())),
    "Every code a Problem can carry; the workflow language reference (workflowLanguage) says what triggers each "
    "code of workflow documents and how to fix it.",
)


@strawberry.type(
    name="Problem",
    description="A located problem. `path` is an RFC 6901 JSON Pointer, rooted alike by every operation: into the "
    "document sent as `input` for a problem in it (/tasks/3/key), else into the arguments (/workflowId, "
    "/expectedVersion, /ticket/severity). " + VALUE_WITHOUT_IDENTITY,
)
class ProblemType:
    code: ProblemCode = strawberry.field(  # type: ignore[valid-type]  # an enum made at run time
        description="Stable, machine-readable code, e.g. REQUIRED or UNKNOWN_TASK."
    )
    message: str = strawberry.field(description="What is wrong and what was expected, for people.")
    path: str = strawberry.field(description='The JSON Pointer; "" for the whole input or request.')

    @classmethod
    def list_from(cls, problems: list[Problem]) -> list["ProblemType"]:
        return [cls(code=ProblemCode(p.code), message=p.message, path=p.path) for p in problems]


@strawberry.type(description="The result of an operation that returns nothing else.")
class OkPayload:
    ok: bool = strawberry.field(default=False, description="Whether it was done.")
    errors: list[ProblemType] = strawberry.field(default_factory=list, description=ERRORS)


Resolver = TypeVar("Resolver", bound=Callable[..., Any])
Row = TypeVar("Row", bound=Model)


def answers_refusals(payload_type: type, *, current: str | None = None) -> Callable[[Resolver], Resolver]:
    """Decorates a mutation's resolver, which calls a service and returns `payload_type`: the
    service's refusal (ServiceError, also a write that lost to a concurrent one) becomes the
    payload's `errors` (and `warnings`, where the payload has them), never a top-level error.
    A refusal that carries the object as it now stands (VERSION_CONFLICT) answers it in the
    payload's field named `current`, so that a client cache is brought up to date."""
    fields = {field.name for field in dataclasses.fields(payload_type)}
    has_warnings = "warnings" in fields
    assert current is None or current in fields, f"{payload_type.__name__} has no field {current}"

    def decorate(resolver: Resolver) -> Resolver:
        mutation = to_camel_case(resolver.__name__)  # the field's name, as strawberry derives it

        @functools.wraps(resolver)
        def resolve(*args: Any, **kwargs: Any) -> Any:
            try:
                with concurrent_write_refused():
                    return resolver(*args, **kwargs)
            except ServiceError as refusal:
                for code in {problem.code for problem in refusal.errors}:
                    REFUSALS.labels(mutation=mutation, code=code).inc()
                answer: dict[str, object] = {"errors": ProblemType.list_from(refusal.errors)}
                if has_warnings:
                    answer["warnings"] = ProblemType.list_from(refusal.warnings)
                if current is not None and refusal.current is not None:
                    answer[current] = refusal.current
                return payload_type(**answer)

        return cast(Resolver, resolve)

    return decorate


def rows_with_id(model: type[Row], object_id: str) -> QuerySet[Row]:
    """The row with that global id, as a queryset for strawberry-django to scope (through the
    type's get_queryset), optimize and unwrap; an id that is malformed or of another type
    matches nothing, like an unknown one."""
    pk = pk_of(object_id, model)
    return model._default_manager.none() if pk is None else model._default_manager.filter(pk=pk)


class ConnectionField(ModelField):
    """The field class of connections: their rows in a total order (`totally_ordered`), whether
    the connection is a root field or a nested one the optimizer prefetches through this method."""

    def ordered_rows(self, queryset: QuerySet) -> QuerySet:
        # A prefetched page comes back as it is: ordering it again would drop what was fetched.
        return queryset if is_optimized_by_prefetching(queryset) else totally_ordered(queryset)


def connection(graphql_type=None, *, extensions: list, **options):
    """A Relay cursor connection field (or its decorator): `first`/`after`/`last`/`before`, edges
    with cursors, pageInfo and totalCount; at most settings.PAGINATION_MAX_LIMIT nodes per page
    (the schema's relay_max_results, also the page size when neither first nor last is given).
    The arguments are checked before execution (schema/connections.py). `extensions` say who may
    call it: a root connection is nullable (`DjangoListConnection[T] | None`), so that a refusal
    leaves the operation's other fields their data."""
    return strawberry_django.connection(graphql_type, field_cls=ConnectionField, extensions=extensions, **options)
