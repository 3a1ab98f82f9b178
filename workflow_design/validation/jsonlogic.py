"""JsonLogic conditions and transforms: INVALID_CONDITION, INVALID_TRANSFORM, UNKNOWN_VARIABLE.

The operator set and arities come from the datalogic-py engine restricted to
the JsonLogic core; the same engine evaluates rules (``evaluate`` and friends
below), so what the validator accepts is what previews and runs execute.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import datalogic_py

from kernel.problems import Problem
from kernel.values import child

from .budget import active_budget
from .problems import Suggester, closest, error, hint, quoted_list, type_name

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
_COMMON_MISTAKES = {"=": "==", "&&": "and", "||": "or", "not": "!", "eq": "==", "ne": "!=", "if-else": "if"}
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
_OPERATOR_LIST = quoted_list(sorted(OPERATORS), limit=40)


# --- variables --------------------------------------------------------------


class Variables:
    """The variables a workflow's rules may read.

    ``ticket.<fieldName>``, ``tasks.<taskKey>.<property of its outputSchema>``
    and, in an outputTransform, ``response`` / ``response.<anything>``.
    """

    ROOTS = ("ticket", "tasks", "response")

    def __init__(self, fields: dict[str, str], task_outputs: dict[str, list[str] | None], budget: list[int]) -> None:
        self.fields = fields  # fieldName -> fieldType
        # task key -> output property names; None when the task's outputSchema
        # is itself wrong (reported already): any property is then accepted.
        self.task_outputs = task_outputs
        self._fields = Suggester(fields, budget)
        self.operators = Suggester(OPERATORS, budget)
        self._tasks = Suggester(task_outputs, budget)
        self._props = {key: Suggester(props or (), budget) for key, props in task_outputs.items()}

    def problem(self, name: str, response: bool) -> str | None:
        """None when `name` resolves, else why not (with a suggestion)."""
        root, *rest = name.split(".")
        if root == "ticket":
            return self._ticket(rest)
        if root == "tasks":
            return self._task(rest)
        if root == "response":
            return None if response else "'response' is only readable in an outputTransform."
        allowed = "ticket.<fieldName>, tasks.<taskKey>.<property>" + (", response" if response else "")
        fixed = closest(root, self.ROOTS)
        suggestion = ".".join([fixed, *rest]) if fixed else None
        if suggestion and self.problem(suggestion, response) is not None:
            suggestion = fixed
        return f"variables are {allowed}." + hint(suggestion)

    def _ticket(self, rest: list[str]) -> str | None:
        if not rest or not rest[0]:
            return f"name a field: ticket.<fieldName> (fields: {quoted_list(self.fields)})."
        field, *deeper = rest
        if field not in self.fields:
            suggestion = self._fields(field)
            return f"the workflow has no field '{field}' (fields: {quoted_list(self.fields)})." + hint(
                suggestion and ".".join(["ticket", suggestion, *deeper])
            )
        if deeper and self.fields[field] != "json":
            return f"field '{field}' is of type {self.fields[field]}; only json fields have sub-properties."
        return None

    def _task(self, rest: list[str]) -> str | None:
        if len(rest) < 2 or not rest[0] or not rest[1]:
            return "name a task and one of its output properties: tasks.<taskKey>.<property>."
        key, prop, *deeper = rest
        if key not in self.task_outputs:
            suggestion = self._tasks(key)
            return f"there is no task '{key}'." + hint(suggestion and ".".join(["tasks", suggestion, prop, *deeper]))
        outputs = self.task_outputs[key]
        if outputs is not None and prop not in outputs:
            suggestion = self._props[key](prop)
            return (
                f"task '{key}' declares no property '{prop}' in its outputSchema "
                f"(properties: {quoted_list(outputs)})."
                + hint(suggestion and ".".join(["tasks", key, suggestion, *deeper]))
            )
        return None


# --- walking a rule ---------------------------------------------------------

# A map/filter/reduce/all/some/none body is evaluated once per item, and every literal in it is
# copied into the result each time (3,000 items of a 100 KB literal once took 1 GB): a body's
# literals are capped. Real bodies hold a few short strings and numbers.
MAX_BODY_LITERAL_BYTES = 256


def _literal_bytes(node: Any) -> int:
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


class _RuleChecker:
    def __init__(self, variables: Variables, code: str, response: bool) -> None:
        self.variables = variables
        self.code = code  # INVALID_CONDITION or INVALID_TRANSFORM
        self.response = response  # whether `response` is readable
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(error(self.code, path, message))

    def unknown_variable(self, path: str, name: str, reason: str) -> None:
        self.problems.append(error("UNKNOWN_VARIABLE", path, f"Unknown variable '{name}': {reason}"))

    def node(self, value: Any, path: str, scoped: bool) -> None:
        """Check one JsonLogic value; `scoped` inside map/filter/reduce/... bodies,
        where `var` reads the current item, not the workflow's variables."""
        if isinstance(value, list):
            for index, item in enumerate(value):
                self.node(item, child(path, index), scoped)
            return
        if not isinstance(value, dict):
            return  # a literal
        if len(value) != 1:
            keys = quoted_list(value) if value else "none"
            self.fail(path, f"A JsonLogic operation is an object with exactly one key, the operator; got keys {keys}.")
            return
        op, raw = next(iter(value.items()))
        args = raw if isinstance(raw, list) else [raw]
        # {"op": x} is short for {"op": [x]}: x is then at /op, not /op/0.
        paths = [child(path, op, i) for i in range(len(args))] if isinstance(raw, list) else [child(path, op)]
        spec = OPERATORS.get(op)
        if spec is None:
            why = "'log' is not allowed" if op == "log" else f"Unknown JsonLogic operator '{op}'"
            suggestion = _COMMON_MISTAKES.get(op) if isinstance(op, str) else None
            self.fail(
                path,
                f"{why}; operators are {_OPERATOR_LIST}." + hint(suggestion or self.variables.operators(op)),
            )
            self.args(args, paths, scoped, None)
            return
        if len(args) < spec.min_args or (spec.max_args is not None and len(args) > spec.max_args):
            self.fail(path, f"'{op}' takes {spec.arity()} argument(s), got {len(args)}.")
        if op == "var":
            self.var(args, paths, path, scoped)
        elif op in ("missing", "missing_some"):
            self.missing(op, args, paths, scoped)
        else:
            self.args(args, paths, scoped, spec.scoped_index(len(args)), op)

    def args(self, args: list[Any], paths: list[str], scoped: bool, scoped_index: int | None, op: str = "") -> None:
        for index, (arg, arg_path) in enumerate(zip(args, paths, strict=True)):
            if index == scoped_index:
                self.body_literals(op, arg, arg_path)
            self.node(arg, arg_path, scoped or index == scoped_index)

    def body_literals(self, op: str, body: Any, path: str) -> None:
        size = _literal_bytes(body)
        if size > MAX_BODY_LITERAL_BYTES:
            self.fail(
                path,
                f"The body of '{op}' runs once per item and copies its literal values into the result each time: "
                f"keep them under {MAX_BODY_LITERAL_BYTES} bytes (these take {size}); read long values from the "
                "data instead.",
            )

    def var(self, args: list[Any], paths: list[str], path: str, scoped: bool) -> None:
        if len(args) > 1:
            self.node(args[1], paths[1], scoped)  # the default value
        name = args[0] if args else None
        if isinstance(name, dict):
            self.node(name, paths[0], scoped)
            if not scoped:
                self.unknown_variable(path, "<computed>", "write the variable name as a string so it can be checked.")
            return
        if isinstance(name, bool) or not isinstance(name, (str, int, float, type(None))):
            self.fail(paths[0] if args else path, f"A variable name must be a string, got {type_name(name)}.")
            return
        if scoped:
            return  # reads the current item: nothing to resolve statically
        name = "" if name is None else str(name)
        if not name:
            self.unknown_variable(path, name, "an empty name reads the whole context; name a variable.")
            return
        reason = self.variables.problem(name, self.response)
        if reason is not None:
            self.unknown_variable(path, name, reason)

    def missing(self, op: str, args: list[Any], paths: list[str], scoped: bool) -> None:
        if op == "missing_some":
            if args and (isinstance(args[0], bool) or not isinstance(args[0], (int, dict))):
                self.fail(paths[0], "The first argument of 'missing_some' is how many names must be present.")
            args, paths = args[1:2], paths[1:2]
        if len(args) == 1 and isinstance(args[0], list):  # {"missing": [["a", "b"]]}
            args, paths = args[0], [child(paths[0], i) for i in range(len(args[0]))]
        for name, name_path in zip(args, paths, strict=True):
            if isinstance(name, dict):
                self.node(name, name_path, scoped)
            elif not isinstance(name, str):
                self.fail(name_path, f"'{op}' takes variable names (strings), got {type_name(name)}.")
            elif not scoped:
                reason = self.variables.problem(name, self.response)
                if reason is not None:
                    self.unknown_variable(name_path, name, reason)


def check_condition(condition: Any, path: str, variables: Variables) -> list[Problem]:
    checker = _RuleChecker(variables, "INVALID_CONDITION", response=False)
    checker.node(condition, path, scoped=False)
    return checker.problems


def check_transform(transform: Any, path: str, variables: Variables, response: bool) -> list[Problem]:
    """A transform is an object whose values are JsonLogic expressions."""
    checker = _RuleChecker(variables, "INVALID_TRANSFORM", response=response)
    if not isinstance(transform, dict):
        checker.fail(path, f"A transform must be an object of JsonLogic expressions, got {type_name(transform)}.")
        return checker.problems
    for key, expression in transform.items():
        checker.node(expression, child(path, key), scoped=False)
    return checker.problems


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
