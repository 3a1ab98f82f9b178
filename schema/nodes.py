"""Relay Global Object Identification: `node(id:)` and `nodes(ids:)`.

Every object with an identity (a CompanyScopedType) is found by its global id
(kernel/global_ids), whatever its type: the type named in the id looks its rows up with
strawberry-django's `resolve_nodes`, which runs the type's `get_queryset`, hence
`kernel.scoping.visible_to`, and the optimizer for what the operation selects. So a node
answers exactly the objects the scoping rules let the caller see through the typed fields
(nested ones included), and null for any other id alike: another company's, a nonexistent
one, one of a type the caller's roles do not show, one of a value type, a malformed one.
"""

from collections import defaultdict
from typing import Annotated, Any, cast

import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry import relay
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition

from kernel.global_ids import decode
from schema.base import CompanyScopedType, login_required

_ANSWERS = (
    "Any type's object with an identity (each implements Node) that you can read through the other fields, "
    "nested ones included: a workflow creator all of the company's definitions and versions, anyone else the "
    "ticket definitions granted to their company roles and the workflows (tasks, transitions) those run on; "
    "the company and its users (their email and roles null unless you are them or a company admin); company "
    "roles for company admins."
)


def _node_type(info: Info, type_name: str) -> type[CompanyScopedType] | None:
    definition = info.schema.get_type_by_name(type_name)
    origin = definition.origin if isinstance(definition, StrawberryObjectDefinition) else None
    return origin if isinstance(origin, type) and issubclass(origin, CompanyScopedType) else None


def _nodes(info: Info, ids: list[strawberry.ID]) -> list[Any]:
    """The objects with these global ids, in their order, null where there is none for the caller;
    one statement per type named."""
    wanted: defaultdict[type[CompanyScopedType], list[tuple[int, str]]] = defaultdict(list)
    for index, value in enumerate(ids):
        decoded = decode(value)
        node_type = None if decoded is None else _node_type(info, decoded[0])
        if decoded is not None and node_type is not None:
            wanted[node_type].append((index, str(decoded[1])))
    answers: list[Any] = [None] * len(ids)
    for node_type, positions in wanted.items():
        # A list, in the order asked (null where none is visible): this schema resolves synchronously.
        found = cast(list[Any], node_type.resolve_nodes(info=info, node_ids=[pk for _, pk in positions]))
        for (index, _), row in zip(positions, found, strict=True):
            answers[index] = row
    return answers


@strawberry.type
class NodeQuery:
    @strawberry.field(
        extensions=login_required(),
        description=f"The object with this global id (an `id` the API answered), whatever its type. {_ANSWERS} "
        "null for any other id alike: another company's, a nonexistent one, a malformed one.",
    )
    def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")]
    ) -> relay.Node | None:
        return _nodes(info, [id])[0]

    @strawberry.field(
        extensions=login_required(),
        description=f"The objects with these global ids, in the same order, as node answers each. {_ANSWERS} "
        f"At most {settings.PAGINATION_MAX_LIMIT} ids (BAD_USER_INPUT above).",
    )
    def nodes(
        self, info: Info, ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids.")]
    ) -> list[relay.Node | None] | None:
        if len(ids) > settings.PAGINATION_MAX_LIMIT:
            raise GraphQLError(
                f"At most {settings.PAGINATION_MAX_LIMIT} ids, got {len(ids)}.",
                extensions={"code": "BAD_USER_INPUT", "argument": "ids"},
            )
        return _nodes(info, ids)
