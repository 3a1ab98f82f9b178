"""Global ids: the one name of every object with an identity, across the whole API.

An object is named by the Relay convention (Global Object Identification): base64 of
"<TypeName>:<primary key>", where the type name is its model's, which is also its GraphQL
type's (`WorkflowDefinition`, `User`, ...). Ids of different types never collide, so a client
cache keys any object by its id alone, and `node(id:)` finds the type in the id. Clients treat
ids as opaque: only this module (and strawberry's GlobalID, which writes the same text) reads
inside them.

Every id a client sends is read here: a value that is not exactly the id of an object of the
expected type (malformed, another type's, another spelling of the same bytes) names nothing,
and is then answered like an id that does not exist.
"""

import base64
from typing import Any

from django.db.models import Model

from kernel.values import parse_id

# The longest global id of any model: a 30-character type name and an 18-digit key (kernel.values.parse_id)
# make 49 bytes, 68 characters of base64. Longer text is refused before it is decoded.
_MAX_LENGTH = 100


def type_name(of: type[Model] | str) -> str:
    """The type name in the global ids of a model (its class name), or the name itself."""
    return of if isinstance(of, str) else of.__name__


def global_id(of: type[Model] | str, pk: int) -> str:
    """The global id of the row with primary key `pk` of a model (or of the type named so)."""
    return base64.b64encode(f"{type_name(of)}:{pk}".encode()).decode()


def decode(value: Any) -> tuple[str, int] | None:
    """(type name, primary key) of a well-formed global id; None for anything else."""
    if not isinstance(value, str) or len(value) > _MAX_LENGTH:
        return None
    try:
        text = base64.b64decode(value, validate=True).decode("ascii")
    except ValueError:  # not base64 (binascii.Error), not ASCII, or bytes that are not ASCII text
        return None
    name, _, key = text.partition(":")
    pk = parse_id(key)
    # Exactly the text global_id writes: a key with leading zeros or a base64 spelling with other
    # padding bits would be a second id of the same object.
    if pk is None or global_id(name, pk) != value:
        return None
    return name, pk


def pk_of(value: Any, of: type[Model] | str) -> int | None:
    """The primary key a global id names when it is an id of that model (or type name); None otherwise."""
    decoded = decode(value)
    return decoded[1] if decoded is not None and decoded[0] == type_name(of) else None
