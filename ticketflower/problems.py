"""The one error shape of the service: a located problem.

Mutations return problems in their payload; `path` is a JSON Pointer
(RFC 6901) into the `input` that was sent, `""` for the whole request.
"""

from dataclasses import dataclass

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
