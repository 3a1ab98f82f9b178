"""The static check of JsonLogic conditions and transforms: names, shapes, types and data flow.

Errors: INVALID_CONDITION, INVALID_TRANSFORM, UNKNOWN_VARIABLE, TYPE_MISMATCH, NOT_IN_ENUM,
NOT_YET_RUN, MISSING_PROPERTY, UNKNOWN_PROPERTY. Warnings: MAY_NOT_HAVE_RUN, VARIABLE_AS_TEXT.

Each rule is walked once. Every expression gets a type (types.py) from the variables it reads
(`ticket.<field>`: the field's type; `tasks.<key>...`: what the task's outputSchema says;
`response`: unknown) and the operators applied, and is checked against what its operator
needs. Reads of task outputs are checked against what has run when the rule is evaluated
(flow.py), narrowed like TypeScript narrows: inside `{"if": [{"var": "tasks.a.x"}, then, else]}`
the `then` branch knows that `a` ran, and so do later arguments of an `and`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from kernel.problems import Problem
from kernel.values import child
from workflow_design.document import ACTION_ERRORS

from .flow import RunState
from .jsonlogic import COMMON_MISTAKES, MAX_BODY_LITERAL_BYTES, OPERATOR_LIST, OPERATORS, literal_bytes
from .problems import Suggester, closest, error, hint, quoted_list, shown, type_name, warning
from .types import (
    ARRAY,
    BOOLEAN,
    INTEGER,
    NUMBER,
    STRING,
    STRINGS,
    UNKNOWN,
    ValueType,
    has_value,
    kind_of,
    kinds_fit,
    of_field,
    of_literal,
    of_schema,
    union,
)

# --- variables --------------------------------------------------------------

BROKEN: Any = object()  # an outputSchema with problems of its own


class Resolved(NamedTuple):  # a tuple: made for every variable read, and tuples are made fastest
    type: ValueType
    task: str | None = None  # the task whose output the variable reads


class Variables:
    """The variables a workflow's rules may read.

    ``ticket.<fieldName>``, ``tasks.<taskKey>.<property of its outputSchema>[.<deeper>]``,
    ``visits.<taskKey>`` (how many times the task has run: an integer), in an outputTransform
    ``response`` / ``response.<anything>``, and in an error transition's condition
    ``error.<code|status|attempts|message>``.
    """

    ROOTS = ("ticket", "tasks", "visits", "response", "error")

    def __init__(self, fields: dict[str, str], output_schemas: dict[str, Any], budget: list[int]) -> None:
        self.fields = fields  # fieldName -> fieldType
        # task key -> its outputSchema; BROKEN when the schema is itself wrong (reported already):
        # any property is then accepted. Read into a type when a rule first reads the task.
        self._output_schemas = output_schemas
        self._output_types: dict[str, ValueType | None] = {}
        self._fields = Suggester(fields, budget)
        self.operators = Suggester(OPERATORS, budget)
        self._tasks = Suggester(output_schemas, budget)

    def output_type(self, key: str) -> ValueType | None:
        """The type of task `key`'s output; None when its outputSchema is broken."""
        if key not in self._output_types:
            schema = self._output_schemas[key]
            self._output_types[key] = None if schema is BROKEN else of_schema(schema)
        return self._output_types[key]

    def resolve(self, name: str, response: bool, failure: bool = False) -> Resolved | str:
        """The variable's type, or why it does not resolve (with a suggestion). `response`: readable
        (an outputTransform); `failure`: `error` readable (an error transition's condition)."""
        root, *rest = name.split(".")
        if root == "ticket":
            return self._ticket(rest)
        if root == "tasks":
            return self._task(rest)
        if root == "visits":
            return self._visits(rest)
        if root == "response":
            return Resolved(UNKNOWN) if response else "'response' is only readable in an outputTransform."
        if root == "error":
            if not failure:
                return "'error' is only readable in the condition of an error transition (one with onError)."
            found = path_type(ERROR_TYPE, rest, "error")
            return found if isinstance(found, str) else Resolved(found)
        allowed = (
            "ticket.<fieldName>, tasks.<taskKey>.<property>, visits.<taskKey>"
            + (", response" if response else "")
            + (", error" if failure else "")
        )
        fixed = closest(root, self.ROOTS)
        suggestion = ".".join([fixed, *rest]) if fixed else None
        if suggestion and not isinstance(self.resolve(suggestion, response, failure), Resolved):
            suggestion = fixed
        return f"variables are {allowed}." + hint(suggestion)

    def _visits(self, rest: list[str]) -> Resolved | str:
        if len(rest) != 1 or not rest[0]:
            return "name one task: visits.<taskKey> is how many times it has run."
        if rest[0] not in self._output_schemas:
            suggestion = self._tasks(rest[0])
            return f"there is no task '{rest[0]}'." + hint(suggestion and f"visits.{suggestion}")
        return Resolved(INTEGER)

    def may_be_absent(self, name: str) -> bool:
        """Whether a task's output may lack the value `name` reads: a property its outputSchema
        does not require, at any level. Ticket fields are taken as present (a ticket carries every
        field of its workflow)."""
        root, *rest = name.split(".")
        if root != "tasks" or len(rest) < 2:
            return False
        current = self.output_type(rest[0]) if rest[0] in self._output_schemas else None
        for segment in rest[1:]:
            if current is None or segment not in current.required:
                return True
            current = (current.properties or {}).get(segment)
        return False

    def _ticket(self, rest: list[str]) -> Resolved | str:
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
        return Resolved(UNKNOWN if deeper else of_field(self.fields[field]))

    def _task(self, rest: list[str]) -> Resolved | str:
        if len(rest) < 2 or not rest[0] or not rest[1]:
            return "name a task and one of its output properties: tasks.<taskKey>.<property>."
        key, prop, *deeper = rest
        if key not in self._output_schemas:
            suggestion = self._tasks(key)
            return f"there is no task '{key}'." + hint(suggestion and ".".join(["tasks", suggestion, prop, *deeper]))
        output = self.output_type(key)
        if output is None:
            return Resolved(UNKNOWN, key)
        declared = output.properties or {}
        if prop not in declared:
            suggestion = closest(prop, declared)
            return (
                f"task '{key}' declares no property '{prop}' in its outputSchema "
                f"(properties: {quoted_list(declared)})."
                + hint(suggestion and ".".join(["tasks", key, suggestion, *deeper]))
            )
        found = path_type(declared[prop], deeper, f"tasks.{key}.{prop}")
        return found if isinstance(found, str) else Resolved(found, key)


def path_type(start: ValueType, segments: list[str], where: str) -> ValueType | str:
    """The type at `segments` below a value of type `start` (array items by index), or why
    no such value can exist."""
    current = start
    for segment in segments:
        found = current.item() if segment.isdigit() and current.can_be("array") else current.property(segment)
        if found is None:
            if current.known and not current.can_be("object", "array"):
                return f"'{where}' is {current.describe()}: it has no '{segment}'."
            declared = current.properties or {}
            return f"'{where}' declares no property '{segment}' (properties: {quoted_list(declared)})." + hint(
                (s := closest(segment, declared)) and f"{where}.{s}"
            )
        current, where = found, f"{where}.{segment}"
    return current


# The variable `error` of an error transition's condition (README, "Failing actions").
ERROR_TYPE = ValueType(
    frozenset({"object"}),
    properties={
        "code": ValueType(frozenset({"string"}), values=ACTION_ERRORS),
        "status": ValueType(frozenset({"integer", "null"})),
        "attempts": INTEGER,
        "message": STRING,
    },
    closed=True,
    required=frozenset({"code", "status", "attempts", "message"}),
)

# --- walking a rule ---------------------------------------------------------

_NOT_LITERAL: Any = object()
_VARIABLE_TEXT = re.compile(r"(ticket|tasks|visits|response|error)\.[A-Za-z0-9_.]+")
EQUALITY = frozenset({"==", "!=", "===", "!=="})
ORDERING = frozenset({"<", "<=", ">", ">="})
_ARITHMETIC = {"+", "-", "*", "/", "%", "min", "max"}
_RESULT_TYPES: dict[str, ValueType] = {
    **dict.fromkeys(EQUALITY | ORDERING | {"!", "!!", "in", "all", "some", "none"}, BOOLEAN),
    **dict.fromkeys(_ARITHMETIC, NUMBER),
    **dict.fromkeys(("cat", "substr"), STRING),
    **dict.fromkeys(("map", "filter", "merge"), ARRAY),
    **dict.fromkeys(("missing", "missing_some"), STRINGS),
}


class Operand(NamedTuple):
    """A checked expression: its type, the variable it reads or its literal value."""

    type: ValueType
    variable: str | None = None
    literal: Any = _NOT_LITERAL

    @property
    def is_literal(self) -> bool:
        return self.literal is not _NOT_LITERAL


class _Item(NamedTuple):
    """Inside a map/filter/reduce/all/some/none body: `var` reads the current item."""

    type: ValueType
    reduce: bool


@dataclass(frozen=True)
class Place:
    """Where a rule is evaluated: what has run then, and how to say where it is."""

    run: RunState | None  # None: not judged (the place is unreachable, reported already)
    words: str  # "the transitions leaving 'review'", "a start transition", "task 'pay' starts"
    start: bool = False


class RuleChecker:
    def __init__(self, variables: Variables, code: str, response: bool, place: Place, failure: bool = False) -> None:
        self.variables = variables
        self.code = code  # INVALID_CONDITION, INVALID_TRANSFORM or INVALID_URL_TEMPLATE
        self.response = response  # whether `response` is readable
        self.failure = failure  # whether `error` is readable
        self.place = place
        self.problems: list[Problem] = []
        self.reads = 0  # variables read: none makes a constant

    def fail(self, path: str, message: str) -> None:
        self.problems.append(error(self.code, path, message))

    def mismatch(self, path: str, message: str) -> None:
        self.problems.append(error("TYPE_MISMATCH", path, message))

    def unknown_variable(self, path: str, name: str, reason: str) -> None:
        self.problems.append(error("UNKNOWN_VARIABLE", path, f"Unknown variable '{name}': {reason}"))

    def node(self, value: Any, path: str, item: _Item | None, ran: frozenset[str], test: bool) -> Operand:
        """Check one JsonLogic value. `item`: inside an array operator's body; `ran`: tasks known
        to have run here (narrowed by enclosing tests); `test`: the value is only tested for truth."""
        if isinstance(value, list):
            for index, entry in enumerate(value):
                self.node(entry, child(path, index), item, ran, False)
            scalars = all(not isinstance(entry, (dict, list)) for entry in value)
            return Operand(ARRAY, literal=value) if scalars else Operand(ARRAY)
        if not isinstance(value, dict):
            if isinstance(value, str):
                self.literal_text(value, path)
            return Operand(of_literal(value), literal=value)
        if len(value) != 1:
            keys = quoted_list(value) if value else "none"
            self.fail(path, f"A JsonLogic operation is an object with exactly one key, the operator; got keys {keys}.")
            return Operand(UNKNOWN)
        op, raw = next(iter(value.items()))
        args = raw if isinstance(raw, list) else [raw]
        # {"op": x} is short for {"op": [x]}: x is then at /op, not /op/0.
        paths = [child(path, op, i) for i in range(len(args))] if isinstance(raw, list) else [child(path, op)]
        spec = OPERATORS.get(op)
        if spec is None:
            why = "'log' is not allowed" if op == "log" else f"Unknown JsonLogic operator '{op}'"
            suggestion = COMMON_MISTAKES.get(op) if isinstance(op, str) else None
            self.fail(path, f"{why}; operators are {OPERATOR_LIST}." + hint(suggestion or self.variables.operators(op)))
            for arg, arg_path in zip(args, paths, strict=True):
                if isinstance(arg, (dict, list)):  # operations inside; literals mean nothing under no operator
                    self.node(arg, arg_path, item, ran, False)
            return Operand(UNKNOWN)
        if len(args) < spec.min_args or (spec.max_args is not None and len(args) > spec.max_args):
            self.fail(path, f"'{op}' takes {spec.arity()} argument(s), got {len(args)}.")
        if op == "var":
            return self.var(args, paths, path, item, ran, test)
        if op in ("missing", "missing_some"):
            self.missing(op, args, paths, item, ran)
            return Operand(STRINGS)
        scoped = spec.scoped_index(len(args))
        operands: list[Operand] = []
        proven = ran  # what the earlier arguments of an `and` prove has run, once they are truthy
        for index, (arg, arg_path) in enumerate(zip(args, paths, strict=True)):
            if index == scoped:
                self.body_literals(op, arg, arg_path)
                scope = self.item_scope(op, operands[0] if operands else Operand(UNKNOWN), paths[0])
                operands.append(self.node(arg, arg_path, scope, ran, False))
                continue
            if op == "and":
                narrowed = proven
                shown_to_run = ran_if_true(arg)
                if not shown_to_run <= proven:  # grows once per task at most: linear in the arguments
                    proven = proven | shown_to_run
            elif op in ("if", "?:") and index % 2 == 1:  # a branch, after its test
                narrowed = ran | ran_if_true(args[index - 1])
            else:
                narrowed = ran
            operands.append(self.node(arg, arg_path, item, narrowed, self.tests(op, index, len(args), test)))
        return self.typed(op, operands, paths)

    # --- narrowing: what a truthy test proves has run ---------------------------------------

    @staticmethod
    def tests(op: str, index: int, count: int, test: bool) -> bool:
        """Whether argument `index` (of `count`) of `op` is only tested for truth."""
        if op in ("!", "!!"):
            return True
        if op in ("and", "or"):
            return test
        return op in ("if", "?:") and index % 2 == 0 and index < count - 1

    # --- operators ----------------------------------------------------------------------------

    def item_scope(self, op: str, array: Operand, path: str) -> _Item:
        items = array.type.item()
        if items is None:
            what = f"'{array.variable}'" if array.variable else "this value"
            self.mismatch(path, f"'{op}' goes through an array, but {what} is {array.type.describe()}.")
            items = UNKNOWN
        return _Item(items, reduce=op == "reduce")

    def typed(self, op: str, operands: list[Operand], paths: list[str]) -> Operand:
        if op in EQUALITY and len(operands) == 2:
            self.equality(op, operands, paths)
        elif op in ORDERING:
            self.ordering(op, operands, paths)
        elif op in _ARITHMETIC:
            for operand, path in zip(operands, paths, strict=True):
                if not operand.type.can_be("number") and operand.type.known and not operand.type.can_be("null"):
                    self.mismatch(
                        path, f"'{op}' is arithmetic, but {_what(operand)} is {operand.type.describe()}: not a number."
                    )
        elif op == "in" and len(operands) == 2:
            self.membership(operands, paths)
        if op in ("if", "?:"):
            branches = [o.type for i, o in enumerate(operands) if i % 2 == 1 or i == len(operands) - 1]
            return Operand(union(branches))
        if op in ("and", "or"):
            return Operand(union([o.type for o in operands]))
        return Operand(_RESULT_TYPES.get(op, UNKNOWN))

    def equality(self, op: str, operands: list[Operand], paths: list[str]) -> None:
        for this, other, other_path in ((operands[0], operands[1], paths[1]), (operands[1], operands[0], paths[0])):
            if this.variable is None or not other.is_literal or other.literal is None:
                continue
            values = this.type.values
            if values is not None and not has_value(values, other.literal):
                texts = [v for v in values if isinstance(v, str)]
                self.problems.append(
                    error(
                        "NOT_IN_ENUM",
                        other_path,
                        f"'{this.variable}' is {this.type.describe()}; {shown(other.literal)} is not among them, so "
                        f"'{op}' {'never holds' if op in ('==', '===') else 'always holds'}."
                        + hint(closest(other.literal, texts) if isinstance(other.literal, str) else None),
                    )
                )
                return
            if not kinds_fit(other.type, this.type):
                self.mismatch(
                    other_path,
                    f"'{this.variable}' is {this.type.describe()}, compared with {shown(other.literal)} "
                    f"({_article(kind_of(other.literal))}). Compare it with {this.type.describe()}"
                    + (" (JsonLogic's == converts types, which hides the mistake)." if op in ("==", "!=") else "."),
                )
                return
        first, second = operands
        if first.variable and second.variable and not kinds_fit(first.type, second.type):
            self.mismatch(
                paths[1],
                f"'{first.variable}' is {first.type.describe()} and '{second.variable}' is "
                f"{second.type.describe()}: they are never equal.",
            )

    def ordering(self, op: str, operands: list[Operand], paths: list[str]) -> None:
        numbers = strings = False
        for operand, path in zip(operands, paths, strict=True):
            kind = operand.type
            if not kind.known:
                continue
            if not kind.can_be("number", "string", "null"):
                self.mismatch(path, f"'{op}' orders numbers (or strings), but {_what(operand)} is {kind.describe()}.")
                return
            numbers |= not kind.can_be("string", "null")
            strings |= not kind.can_be("number", "null")
            if numbers and strings:
                self.mismatch(
                    path, f"'{op}' compares a number with a string here: {_what(operand)} is {kind.describe()}."
                )
                return

    def membership(self, operands: list[Operand], paths: list[str]) -> None:
        needle, haystack = operands
        if haystack.type.known and not haystack.type.can_be("array", "string", "null"):
            self.mismatch(
                paths[1], f"'in' looks into an array or a string, but {_what(haystack)} is {haystack.type.describe()}."
            )
            return
        if (
            needle.variable
            and needle.type.values is not None
            and haystack.is_literal
            and isinstance(haystack.literal, list)
        ):
            values = needle.type.values
            texts = [v for v in values if isinstance(v, str)]
            for index, candidate in enumerate(haystack.literal):
                if (
                    candidate is not None
                    and not isinstance(candidate, (dict, list))
                    and not has_value(values, candidate)
                ):
                    self.problems.append(
                        error(
                            "NOT_IN_ENUM",
                            child(paths[1], index),
                            f"'{needle.variable}' is {needle.type.describe()}; {shown(candidate)} is not among them."
                            + hint(closest(candidate, texts) if isinstance(candidate, str) else None),
                        )
                    )

    # --- variables ----------------------------------------------------------------------------

    def var(
        self, args: list[Any], paths: list[str], path: str, item: _Item | None, ran: frozenset[str], test: bool
    ) -> Operand:
        default = self.node(args[1], paths[1], item, ran, False) if len(args) > 1 else None
        name = args[0] if args else None
        if isinstance(name, dict):
            self.node(name, paths[0], item, ran, False)
            if item is None:
                self.unknown_variable(path, "<computed>", "write the variable name as a string so it can be checked.")
            return Operand(UNKNOWN)
        if isinstance(name, bool) or not isinstance(name, (str, int, float, type(None))):
            self.fail(paths[0] if args else path, f"A variable name must be a string, got {type_name(name)}.")
            return Operand(UNKNOWN)
        name = "" if name is None else str(name)
        self.reads += 1
        if item is not None:
            return Operand(self.item_variable(name, path, item))
        if not name:
            self.unknown_variable(path, name, "an empty name reads the whole context; name a variable.")
            return Operand(UNKNOWN)
        resolved = self.variables.resolve(name, self.response, self.failure)
        if isinstance(resolved, str):
            self.unknown_variable(path, name, resolved)
            return Operand(UNKNOWN)
        if resolved.task is not None:
            self.flow(resolved.task, name, path, warn=default is None and not test and resolved.task not in ran)
        value_type = resolved.type if default is None else union([resolved.type, default.type])
        return Operand(value_type, variable=name)

    def item_variable(self, name: str, path: str, item: _Item) -> ValueType:
        segments = name.split(".") if name else []
        if item.reduce:
            if not segments or segments[0] not in ("current", "accumulator"):
                self.unknown_variable(path, name, "inside 'reduce', variables are current and accumulator.")
                return UNKNOWN
            if segments[0] == "accumulator":
                return UNKNOWN
            segments = segments[1:]
        found = path_type(item.type, segments, "the item")
        if isinstance(found, str):
            self.unknown_variable(path, name, found)
            return UNKNOWN
        return found

    def flow(self, task: str, name: str, path: str, *, warn: bool) -> None:
        """A read of task `task`'s output: has it run when the rule is evaluated?"""
        run = self.place.run
        if run is None or run.certainly_ran(task):
            return
        if not run.may_have_run(task):
            if self.place.start:
                reason = (
                    "a start transition is tried before any task runs: it can read only ticket fields "
                    f"(ticket.<fieldName>), not '{name}'."
                )
            else:
                reason = (
                    f"no path from a start runs task '{task}' before {self.place.words}; read its output only after it "
                    "(or from a ticket field)."
                )
            self.problems.append(error("NOT_YET_RUN", path, f"Task '{task}' cannot have run here: {reason}"))
            return
        if not warn:
            return
        arrival = run.missing_on(task)
        coming = (
            "coming from a start transition"
            if arrival is None or arrival.source is None
            else f"coming from '{arrival.source}'"
        )
        where = f" ({arrival.transition_path})" if arrival is not None else ""
        self.problems.append(
            warning(
                "MAY_NOT_HAVE_RUN",
                path,
                f"Task '{task}' may not have run when {self.place.words}: not when {coming}{where}, and "
                f'\'{name}\' is then null. Give a default ({{"var": ["{name}", ...]}}) or test it first '
                f'({{"if": [{{"var": "{name}"}}, ..., ...]}}).',
            )
        )

    def missing(self, op: str, args: list[Any], paths: list[str], item: _Item | None, ran: frozenset[str]) -> None:
        if op == "missing_some":
            if args and (isinstance(args[0], bool) or not isinstance(args[0], (int, dict))):
                self.fail(paths[0], "The first argument of 'missing_some' is how many names must be present.")
            args, paths = args[1:2], paths[1:2]
        if len(args) == 1 and isinstance(args[0], list):  # {"missing": [["a", "b"]]}
            args, paths = args[0], [child(paths[0], i) for i in range(len(args[0]))]
        for name, name_path in zip(args, paths, strict=True):
            if isinstance(name, dict):
                self.node(name, name_path, item, ran, False)
            elif not isinstance(name, str):
                self.fail(name_path, f"'{op}' takes variable names (strings), got {type_name(name)}.")
            elif item is None:
                self.reads += 1
                resolved = self.variables.resolve(name, self.response, self.failure)
                if isinstance(resolved, str):
                    self.unknown_variable(name_path, name, resolved)
                elif resolved.task is not None:
                    self.flow(resolved.task, name, name_path, warn=False)  # testing absence is the point
            else:
                self.reads += 1

    # --- literals -----------------------------------------------------------------------------

    def body_literals(self, op: str, body: Any, path: str) -> None:
        size = literal_bytes(body)
        if size > MAX_BODY_LITERAL_BYTES:
            self.fail(
                path,
                f"The body of '{op}' runs once per item and copies its literal values into the result each time: "
                f"keep them under {MAX_BODY_LITERAL_BYTES} bytes (these take {size}); read long values from the "
                "data instead.",
            )

    def literal_text(self, value: Any, path: str) -> None:
        """A string that names a variable is almost always a forgotten {"var": ...}."""
        if not isinstance(value, str) or len(value) > 200 or not _VARIABLE_TEXT.fullmatch(value):
            return
        if isinstance(self.variables.resolve(value, self.response, self.failure), Resolved):
            self.problems.append(
                warning(
                    "VARIABLE_AS_TEXT",
                    path,
                    f"{shown(value)} is the text itself, not the value of the variable it names. "
                    f'To read the variable write {{"var": "{value}"}}.',
                )
            )


def _what(operand: Operand) -> str:
    if operand.variable:
        return f"'{operand.variable}'"
    if operand.is_literal:
        return shown(operand.literal)
    return "this value"


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def ran_if_true(expression: Any) -> frozenset[str]:
    """Tasks that have certainly run when `expression` is truthy: it reads their output in a way
    that is falsy (null, or false) when they have not run."""
    if not isinstance(expression, dict) or len(expression) != 1:
        return frozenset()
    op, raw = next(iter(expression.items()))
    args = raw if isinstance(raw, list) else [raw]
    if op == "var":
        name = args[0] if args else None
        default = args[1] if len(args) > 1 else None
        if isinstance(name, str) and name.startswith("tasks.") and not default:
            return frozenset({name.split(".")[1]})
        return frozenset()
    if op == "!!" and args:
        return ran_if_true(args[0])
    if op == "and":
        return frozenset().union(*(ran_if_true(arg) for arg in args))
    if op in ("==", "===") and len(args) == 2:
        for this, other in ((args[0], args[1]), (args[1], args[0])):
            if other is not None and not isinstance(other, (dict, list)):
                return ran_if_true(this)
    if op in ("!=", "!==") and len(args) == 2 and None in args:
        return ran_if_true(args[0] if args[1] is None else args[1])
    if op == "!" and args and isinstance(args[0], dict) and set(args[0]) == {"missing"}:
        names = args[0]["missing"]
        names = names if isinstance(names, list) else [names]
        return frozenset(
            n.split(".")[1] for n in names if isinstance(n, str) and n.count(".") >= 2 and n.startswith("tasks.")
        )
    return frozenset()


# --- conditions and transforms ------------------------------------------------------------

_SIMPLE_COMPARISON = re.compile(r"\s*([A-Za-z_][\w.]*)\s*(==|!=|>=|<=|>|<)\s*(.+?)\s*")


def _as_jsonlogic(text: str) -> str | None:
    """A text condition like "tasks.a.decision == 'approve'" written in JsonLogic, when it is that simple."""
    match = _SIMPLE_COMPARISON.fullmatch(text)
    if match is None:
        return None
    name, op, raw = match.groups()
    if raw[:1] in "'\"" and raw[-1:] == raw[:1] and len(raw) >= 2:
        literal = '"' + raw[1:-1].replace('"', '\\"') + '"'
    elif re.fullmatch(r"-?\d+(\.\d+)?|true|false|null", raw):
        literal = raw
    else:
        return None
    return f'{{"{op}": [{{"var": "{name}"}}, {literal}]}}'


def check_condition(
    condition: Any, path: str, variables: Variables, place: Place, *, failure: bool = False
) -> tuple[list[Problem], bool]:
    """Problems of a transition's condition, and whether it reads no variable (a constant).
    `failure`: an error transition's condition, which may read `error`."""
    checker = RuleChecker(variables, "INVALID_CONDITION", response=False, place=place, failure=failure)
    if isinstance(condition, str):
        written = _as_jsonlogic(condition)
        checker.fail(
            path,
            "A condition written as text is not evaluated: a non-empty string is always true. Write it in JsonLogic"
            + (f": {written}." if written else ', e.g. {"==": [{"var": "tasks.<key>.<property>"}, "value"]}.'),
        )
        return checker.problems, False
    if isinstance(condition, (int, float, list)) and not isinstance(condition, bool):
        checker.fail(
            path,
            f"A condition is a JsonLogic operation or a boolean, not {_article(type_name(condition))}: "
            'e.g. {"==": [{"var": "ticket.<field>"}, "value"]}.',
        )
        return checker.problems, False
    checker.node(condition, path, None, frozenset(), True)
    return checker.problems, checker.reads == 0 and isinstance(condition, dict)


def check_url_placeholders(names: tuple[str, ...], path: str, variables: Variables, place: Place) -> list[Problem]:
    """The variables of an actionUrl template's placeholders, read as a condition's are; each must be a
    scalar (a text, a number or a boolean), which the runtime writes into the URL percent-encoded."""
    checker = RuleChecker(variables, "INVALID_URL_TEMPLATE", response=False, place=place)
    for name in names:
        operand = checker.var([name], [path], path, None, frozenset(), False)
        if operand.type.known and not operand.type.can_be("string", "number", "boolean"):
            checker.mismatch(
                path,
                f"The placeholder {{{name}}} is {operand.type.describe()}: a URL takes a text, a number or a "
                "boolean; read one of its properties.",
            )
    return checker.problems


def check_transform(
    transform: Any,
    path: str,
    variables: Variables,
    response: bool,
    place: Place,
    target: ValueType | None,
    target_name: str,
) -> list[Problem]:
    """A transform is an object whose values are JsonLogic expressions; the object it builds is
    checked against `target`, the schema it must fit (None: no schema)."""
    checker = RuleChecker(variables, "INVALID_TRANSFORM", response=response, place=place)
    if not isinstance(transform, dict):
        checker.fail(path, f"A transform must be an object of JsonLogic expressions, got {type_name(transform)}.")
        return checker.problems
    built = {
        key: checker.node(expression, child(path, key), None, frozenset(), False)
        for key, expression in transform.items()
    }
    if target is not None and target.properties is not None:
        _check_built(checker, built, path, target, target_name)
    return checker.problems


def _check_built(
    checker: RuleChecker, built: dict[str, Operand], path: str, target: ValueType, target_name: str
) -> None:
    declared = target.properties or {}
    absent = [name for name in target.required if name not in built]
    if absent:
        checker.problems.append(
            error(
                "MISSING_PROPERTY",
                path,
                f"The {target_name} requires {quoted_list(sorted(absent))}, which this transform does not build; "
                "add them.",
            )
        )
    for key, operand in built.items():
        key_path = child(path, key)
        expected = declared.get(key)
        if expected is None:
            if target.closed:
                checker.problems.append(
                    error(
                        "UNKNOWN_PROPERTY",
                        key_path,
                        f"The {target_name} allows no property '{key}' (properties: {quoted_list(declared)})."
                        + hint(closest(key, declared)),
                    )
                )
            continue
        if operand.is_literal and operand.literal is not None and expected.values is not None:
            if not has_value(expected.values, operand.literal):
                checker.problems.append(
                    error(
                        "NOT_IN_ENUM",
                        key_path,
                        f"'{key}' of the {target_name} is {expected.describe()}; "
                        f"{shown(operand.literal)} is not among them.",
                    )
                )
            continue
        if not kinds_fit(operand.type, expected):
            checker.mismatch(
                key_path,
                f"'{key}' of the {target_name} is {expected.describe()}, but this builds {operand.type.describe()}.",
            )
