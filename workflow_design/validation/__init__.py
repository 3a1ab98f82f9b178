"""Validation of workflow documents and ticket definitions.

Pure functions: no database, no Django. Each problem carries a stable code
(see the API contract), an actionable message, a JSON Pointer into the
document as sent and a severity ("error" blocks an upload, "warning" does not).
"""

from kernel.problems import ERROR, WARNING, Problem, errors, warnings

from .jsonlogic import OPERATORS, JsonLogicError, apply_transform, condition_holds, evaluate
from .ticket import validate_ticket_definition
from .workflow import validate_workflow

__all__ = [
    "ERROR",
    "OPERATORS",
    "WARNING",
    "JsonLogicError",
    "Problem",
    "apply_transform",
    "condition_holds",
    "errors",
    "evaluate",
    "validate_ticket_definition",
    "validate_workflow",
    "warnings",
]
