"""The one error shape of the service: a located problem, and the one way a service refuses.

A problem's `path` is a JSON Pointer (RFC 6901) into the `input` that was sent, `""` for the
whole request. A service that refuses raises `ServiceError` with every problem it found,
errors and warnings alike (nothing was written); the API layer turns it into the payload of
the mutation (schema.base.answers_refusals).
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import OperationalError

ERROR = "error"
WARNING = "warning"

# Every code a Problem can carry, with what it means to a client: filled by the domains' AppConfig.ready()
# (register_problem_codes); the API layer publishes it as the ProblemCode enum. A code several domains
# use keeps the meaning registered first (the kernel's, then INSTALLED_APPS order).
PROBLEM_CODES: dict[str, str] = {}


def register_problem_codes(codes: Mapping[str, str]) -> None:
    for code, meaning in codes.items():
        PROBLEM_CODES.setdefault(code, meaning)


register_problem_codes(
    {
        "NOT_FOUND": "The object named does not exist, belongs to another company, or the id is malformed or of "
        "another type (all answered alike).",
        "VERSION_CONFLICT": "The object changed since the version the request was based on, or a concurrent request "
        "changed the same data at the same moment: nothing was written; read it again and retry.",
    }
)


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    path: str = ""
    severity: str = ERROR


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


def warnings(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == WARNING]


class ServiceError(Exception):
    """Raised by a service that refuses a request; nothing was written. It carries every problem
    found, the warnings beside the errors, so that a client fixing the errors hears of both."""

    def __init__(self, problems: list[Problem], *, current: object = None):
        super().__init__("; ".join(f"{p.code} at {p.path or '/'}: {p.message}" for p in errors(problems)))
        self.problems = problems
        # The object as it now stands, when the refusal is that it changed (VERSION_CONFLICT): the
        # client's cache gets the current version with the refusal.
        self.current = current

    def with_problems(self, problems: list[Problem]) -> "ServiceError":
        """The same refusal with these problems (relocated, or with warnings added)."""
        return ServiceError(problems, current=self.current)

    @property
    def errors(self) -> list[Problem]:
        return errors(self.problems)

    @property
    def warnings(self) -> list[Problem]:
        return warnings(self.problems)

    @classmethod
    def single(cls, code: str, message: str, path: str = "") -> "ServiceError":
        return cls([Problem(code=code, message=message, path=path)])


# PostgreSQL's SQLSTATEs of a transaction it aborted in favour of a concurrent one.
_LOST_TO_A_CONCURRENT_WRITE = {"40001", "40P01"}  # serialization_failure, deadlock_detected


@contextmanager
def concurrent_write_refused() -> Iterator[None]:
    """Around a service call, outside its transaction (so that it is rolled back by then): PostgreSQL
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
