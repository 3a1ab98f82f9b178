"""The one error shape of the service: a located problem.

Mutations return problems in their payload; `path` is a JSON Pointer
(RFC 6901) into the `input` that was sent, `""` for the whole request.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import OperationalError

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    path: str = ""
    severity: str = ERROR


class ServiceError(Exception):
    """Raised by a service that refuses a request; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.code} at {p.path or '/'}: {p.message}" for p in problems))
        self.problems = problems

    @classmethod
    def single(cls, code: str, message: str, path: str = "") -> "ServiceError":
        return cls([Problem(code=code, message=message, path=path)])


# PostgreSQL's SQLSTATEs of a transaction it aborted in favour of a concurrent one.
_LOST_TO_A_CONCURRENT_WRITE = {"40001", "40P01"}  # serialization_failure, deadlock_detected


@contextmanager
def concurrent_write_refused() -> Iterator[None]:
    """Around a service's write transaction, outside it (so that it is rolled back by then): PostgreSQL
    aborting it for a concurrent one (a deadlock, a serialization failure) is a located refusal the
    client can simply retry, not a failure of the service."""
    try:
        yield
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) not in _LOST_TO_A_CONCURRENT_WRITE:
            raise
        raise ServiceError.single(
            "VERSION_CONFLICT",
            "another request changed the same data at the same moment; nothing was written: retry",
        ) from exc
