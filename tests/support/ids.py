"""Global ids in tests: the API names every object by one (kernel/global_ids)."""

from django.db.models import Model

from kernel.global_ids import decode, global_id


def gid(row: Model) -> str:
    """The global id of a row, as the API answers it."""
    return global_id(type(row), row.pk)


def pk_of(value: str) -> int:
    """The primary key a global id the API answered names."""
    decoded = decode(value)
    assert decoded is not None, f"{value!r} is not a global id"
    return decoded[1]
