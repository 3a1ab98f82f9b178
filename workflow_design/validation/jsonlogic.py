"""JsonLogic: the operator set and the evaluator (the static check of rules is rules.py).

The operator set and arities come from the datalogic-py engine restricted to
the JsonLogic core; the same engine evaluates rules (``evaluate`` and friends
below), so what the validator accepts is what previews and runs execute.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import datalogic_py

from .budget import active_budget
from .problems import quoted_list

JsonLogicError = datalogic_py.DataLogicError

_ENGINE = datalogic_py.Engine(families=[])  # the JsonLogic core, no extension families

# Stricter than the engine where jsonlogic.com fixes the arity (the engine
# tolerates and ignores extra arguments, which hides mistakes).
_ARITY_OVERRIDES: dict[str, tuple[int, int | None]] = {
    "var": (0, 2),
    "==": (2, 2),
    "===": (2, 2),
    "!=": (2, 2),
    "!==": (2, 2),
    ">": (2, 2),
    ">=": (2, 2),
    "<": (2, 3),
    "<=": (2, 3),
    "!": (1, 1),
    "!!": (1, 1),
    "%": (2, 2),
    "/": (2, 2),
    "-": (1, 2),
    "in": (2, 2),
    "substr": (2, 3),
    "?:": (3, 3),
    "missing_some": (2, 2),
    "reduce": (2, 3),
}
# Operators of other languages that difflib would not map well ("=" is as close
# to ">=" as to "==").
COMMON_MISTAKES = {"=": "==", "&&": "and", "||": "or", "not": "!", "eq": "==", "ne": "!=", "if-else": "if"}
# `val` is a datalogic extension, not on jsonlogic.com; the contract excludes `log`.
_EXCLUDED = {"val", "log"}


@dataclass(frozen=True)
class OperatorSpec:
    name: str
    min_args: int
    max_args: int | None
    scoped_arg: int | Literal["last"] | None  # argument evaluated per item, where `var` reads the item

    def scoped_index(self, count: int) -> int | None:
        return count - 1 if self.scoped_arg == "last" else self.scoped_arg

    def arity(self) -> str:
        if self.max_args == self.min_args:
            return f"exactly {self.min_args}"
        if self.max_args is None:
            return f"at least {self.min_args}"
        return f"{self.min_args} to {self.max_args}"


def _catalogue() -> dict[str, OperatorSpec]:
    specs: dict[str, OperatorSpec] = {}
    for info in _ENGINE.operators():
        for name in (info["name"], *info["aliases"]):
            if name in _EXCLUDED:
                continue
            low, high = _ARITY_OVERRIDES.get(name, (info["min_args"], info["max_args"]))
            specs[name] = OperatorSpec(name, low, high, info["scoped_arg"])
    return specs


OPERATORS: dict[str, OperatorSpec] = _catalogue()
OPERATOR_LIST = quoted_list(sorted(OPERATORS), limit=40)


# --- limits of rules ------------------------------------------------------

# A map/filter/reduce/all/some/none body is evaluated once per item, and every literal in it is
# copied into the result each time (3,000 items of a 100 KB literal once took 1 GB): a body's
# literals are capped. Real bodies hold a few short strings and numbers.
MAX_BODY_LITERAL_BYTES = 256


def literal_bytes(node: Any) -> int:
    """The bytes of the literal values in a JsonLogic expression (operator names and the
    variable names `var` reads aside)."""
    total, pending = 0, [node]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            for op, raw in value.items():
                args = raw if isinstance(raw, list) else [raw]
                pending.extend(args[1:] if op == "var" else args)
        elif isinstance(value, list):
            pending.extend(value)
        else:
            total += len(value) if isinstance(value, str) else 8
    return total


# --- evaluation (the same engine the validator's operator set comes from) ----


def evaluate(expression: Any, data: Any) -> Any:
    """Evaluate a JsonLogic expression, charging its operations to the active budget;
    raises JsonLogicError on failure and BudgetExceeded when the budget is spent."""
    if isinstance(expression, str):
        return expression  # a literal; the engine would read a str as JSON text
    if isinstance(data, str):
        data = json.dumps(data)  # likewise: a str datum must be JSON text
    budget = active_budget()
    budget.check_clock()
    try:
        result, operations = _ENGINE.eval_metered(expression, data, budget.remaining)
    except JsonLogicError as exc:
        if getattr(exc, "error_type", None) == "BudgetExceeded":
            budget.charge(budget.remaining + 1)  # raises BudgetExceeded, saying what was spent
        raise
    budget.charge(operations)
    return json.loads(result)


def condition_holds(condition: Any, data: Any) -> bool:
    """A transition's condition under JsonLogic truthiness; None means always."""
    if condition is None:
        return True
    return bool(evaluate({"!!": [condition]}, data))


def apply_transform(transform: dict[str, Any], data: Any) -> dict[str, Any]:
    return {key: evaluate(expression, data) for key, expression in transform.items()}
