"""What transition conditions decide, found by evaluating them on every case that matters.

A variable whose values fall in a few classes gets one representative value per class: a
boolean (true, false), an enum (its values), a value only ever compared with literals (each
literal, a value between and beyond them, another text), and, where the variable may be
absent (a property the task's outputSchema does not require, or a task that may not have
run), absent. Conditions that read only such variables are then evaluated, by the engine
that runs them, on every combination of those values; `and`, `or` and `!` combine what
their parts decide, so a part over other variables leaves a condition undecided, never
wrongly decided. From this:

- CONSTANT_CONDITION (warning): a condition that reads no variable is always false (the
  transition is never taken), or always true but not written `true`;
- UNCOVERED_CASE (warning): where every transition leaving a task (or every start
  transition) has a condition, the cases in which none holds: the ticket would be stuck;
- `exclusive`: whether two conditions can never hold together (AMBIGUOUS_PRIORITY is then
  not reported).

Work is bounded and the results do not depend on the machine's speed: at most
MAX_CASES combinations per question, MAX_EVALUATIONS evaluations per document, each on a
small step budget; past a bound a question is left undecided (no warning).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kernel.problems import Problem

from .budget import Budget, BudgetExceeded, budget_scope
from .flow import RunState
from .jsonlogic import OPERATORS, JsonLogicError, condition_holds
from .model import TransitionView
from .problems import shown, warning
from .rules import EQUALITY, ORDERING, Resolved, Variables

MAX_CASES = 64
# Steps of the analysis itself (a condition's parts visited, combined, or read for its uses) per
# document: a long `or` of literals decided in every case must not cost more than this.
MAX_WORK = 200_000
MAX_EVALUATIONS = 2_000  # about 50 µs each: a tenth of a second at most per document
_STEPS_PER_EVALUATION = 2_000
_ABSENT: Any = object()
_OTHER_TEXT = "\u2063other"  # a text no literal equals (an invisible separator)


@dataclass
class _Uses:
    """How one variable is used across a set of conditions."""

    literals: list[Any] = field(default_factory=list)
    other: bool = False  # used other than compared with a literal
    ordered: bool = False  # compared with <, <=, > or >=


class _OutOfWork(Exception):
    """The document's analysis steps are spent: questions still open stay undecided."""


class _Evaluations:
    def __init__(self) -> None:
        self.left = MAX_EVALUATIONS

    def holds(self, condition: Any, data: dict[str, Any]) -> bool | None:
        """The condition's truth on `data` (a condition that raises does not hold, as at run
        time); None when the document's evaluations are spent."""
        if self.left <= 0:
            return None
        self.left -= 1
        try:
            with budget_scope(Budget(steps=_STEPS_PER_EVALUATION)):
                return condition_holds(condition, data)
        except BudgetExceeded:
            return None
        except (JsonLogicError, ValueError, TypeError, OverflowError, RecursionError):
            return False


class Cases:
    """The questions above, for one document."""

    def __init__(self, variables: Variables) -> None:
        self.variables = variables
        self.evaluations = _Evaluations()
        self._reads: dict[int, tuple[Any, set[str] | None]] = {}
        self._decided: dict[tuple[Any, ...], bool | None] = {}
        self._uses: dict[int, tuple[Any, dict[str, _Uses]]] = {}
        self.work_left = MAX_WORK

    def _spend(self, steps: int) -> None:
        self.work_left -= steps
        if self.work_left < 0:
            raise _OutOfWork

    # --- constants ------------------------------------------------------------------------

    def constant_problem(self, transition: TransitionView, path: str) -> Problem | None:
        """CONSTANT_CONDITION for a condition that reads no variable (checked as such)."""
        condition = transition.condition
        if condition is False:
            value: bool | None = False
        elif condition is True or condition is None:
            return None
        else:
            value = self.evaluations.holds(condition, {})
        if value is None:
            return None
        if value:
            message = "This condition reads no variable and always holds: write no condition (or true) to say so."
        else:
            message = "This condition reads no variable and never holds: the transition is never taken. Remove it."
        return warning("CONSTANT_CONDITION", path, message)

    # --- uncovered cases --------------------------------------------------------------------

    def uncovered_problem(
        self, outgoing: list[TransitionView], run: RunState | None, where: str, path: str
    ) -> Problem | None:
        """UNCOVERED_CASE where all of `outgoing` are conditional and some case takes none."""
        if not outgoing or any(t.unconditional for t in outgoing) or run is None:
            return None
        try:
            return self._uncovered(outgoing, run, where, path)
        except _OutOfWork:
            return None

    def _uncovered(self, outgoing: list[TransitionView], run: RunState, where: str, path: str) -> Problem | None:
        conditions = [t.condition for t in outgoing]
        domains = self._domains(conditions, run)
        if domains is None:
            return None
        uncovered = []
        for case in _cases(domains):
            decided = [self._decide(c, case, domains) for c in conditions]
            if any(d is None for d in decided):
                return None  # some case is not decided: say nothing rather than guess
            if not any(decided):
                uncovered.append(case)
        if not uncovered:
            return None
        shown_cases = "; ".join(_describe(case) for case in uncovered[:5])
        more = f" (and {len(uncovered) - 5} more)" if len(uncovered) > 5 else ""
        return warning(
            "UNCOVERED_CASE",
            path,
            f"Every transition {where} has a condition, and none holds when {shown_cases}{more}: the ticket would be "
            "stuck there. Add a transition without a condition as the default, or one for these cases.",
        )

    # --- exclusivity ------------------------------------------------------------------------

    def exclusive(self, first: TransitionView, second: TransitionView, run: RunState | None) -> bool:
        """Whether the two conditions provably never hold together."""
        if run is None:
            return False
        conditions = [first.condition, second.condition]
        try:
            domains = self._domains(conditions, run)
            if domains is None:
                return False
            for case in _cases(domains):
                a, b = (self._decide(c, case, domains) for c in conditions)
                if a is not False and b is not False:
                    return False
        except _OutOfWork:
            return False
        return True

    # --- the cases ----------------------------------------------------------------------------

    def _domains(self, conditions: list[Any], run: RunState) -> dict[str, list[Any]] | None:
        """Representative values of each variable the conditions read that falls in classes;
        None when there is none, or too many cases."""
        uses: dict[str, _Uses] = {}
        for condition in conditions:
            for name, use in self._uses_of(condition).items():
                merged = uses.setdefault(name, _Uses())
                merged.literals.extend(use.literals)
                merged.other |= use.other
            self._spend(len(uses))
        domains: dict[str, list[Any]] = {}
        for name, use in uses.items():
            values = self._representatives(name, use, run)
            if values is not None:
                domains[name] = values
        count = 1
        for values in domains.values():
            count *= len(values)
        return domains if domains and 0 < count <= MAX_CASES else None

    def _uses_of(self, condition: Any) -> dict[str, _Uses]:
        """How the condition uses each variable, found once per condition."""
        key = id(condition)
        if key not in self._uses:
            uses: dict[str, _Uses] = {}
            self._spend(_collect(condition, uses, compared=False))
            self._uses[key] = (condition, uses)  # the condition kept: its id stays its own
        return self._uses[key][1]

    def _representatives(self, name: str, use: _Uses, run: RunState) -> list[Any] | None:
        resolved = self.variables.resolve(name, response=False, failure=True)
        if not isinstance(resolved, Resolved):
            return None
        kind = resolved.type
        values: list[Any]
        if kind.values is not None and len(kind.values) <= MAX_CASES:
            values = list(kind.values)
        elif kind.kinds == frozenset({"boolean"}):
            values = [True, False]
        elif use.other or not use.literals or not kind.known or kind.can_be("object", "array"):
            return None
        else:
            kinds = {"number" if k == "integer" else k for k in (kind.kinds or ())} - {"null"}
            if len(kinds) != 1 or (use.ordered and "string" in kinds):
                return None  # a value of another kind, or texts between the ones ordered: not represented
            values = _between(use.literals, whole=kind.kinds == frozenset({"integer"}))
            if all(v is None for v in values):  # compared with null only: a value that is not null too
                values.append(_OTHER_TEXT if kinds == {"string"} else 0 if kinds == {"number"} else False)
        if self.variables.may_be_absent(name) or (resolved.task is not None and not run.certainly_ran(resolved.task)):
            values.append(_ABSENT)
        return values

    def _decide(self, condition: Any, case: dict[str, Any], domains: dict[str, list[Any]]) -> bool | None:
        """The condition's truth in `case`: evaluated when it reads only the case's variables,
        else combined from its parts (and / or / !); None when undecided."""
        self._spend(1)
        key = id(condition)
        if key not in self._reads:  # the same conditions are decided for every case
            self._reads[key] = (condition, _reads(condition))  # the condition kept: its id stays its own
        read = self._reads[key][1]
        if read is not None and read <= domains.keys():
            # Decided by the values of what it reads only: once per combination of those.
            decided = (key, tuple((name, type(case[name]), case[name]) for name in sorted(read)))
            if decided not in self._decided:
                self._decided[decided] = self.evaluations.holds(condition, _data(case))
            return self._decided[decided]
        if not isinstance(condition, dict) or len(condition) != 1:
            return None
        op, raw = next(iter(condition.items()))
        args = raw if isinstance(raw, list) else [raw]
        if op in ("!", "!!") and len(args) == 1:
            inner = self._decide(args[0], case, domains)
            return None if inner is None else (not inner if op == "!" else inner)
        if op in ("and", "or") and args:
            parts = [self._decide(arg, case, domains) for arg in args]
            decisive: bool = op == "or"  # a true part decides an `or`, a false one an `and`
            if decisive in parts:
                return decisive
            return None if None in parts else not decisive
        return None


def _cases(domains: dict[str, list[Any]]) -> Iterator[dict[str, Any]]:
    names = sorted(domains)
    for values in itertools.product(*(domains[name] for name in names)):
        yield dict(zip(names, values, strict=True))


def _between(literals: list[Any], *, whole: bool) -> list[Any]:
    """One value per class of values the literals tell apart: each literal, numbers between
    and beyond them (whole numbers only when `whole`), a text equal to none of them, null
    when compared with null."""
    numbers = sorted({v for v in literals if isinstance(v, (int, float)) and not isinstance(v, bool)})
    texts = [v for v in literals if isinstance(v, str)]
    values: list[Any] = list(numbers)
    for low, high in itertools.pairwise(numbers):
        middle = (low + high) / 2
        if whole:
            middle = math.floor(low) + 1
            if middle >= high:
                continue  # no whole number between
        values.append(middle)
    if numbers:
        values += [math.floor(numbers[0]) - 1, math.ceil(numbers[-1]) + 1]
    values += texts + ([_OTHER_TEXT] if texts else [])
    if any(isinstance(v, bool) for v in literals):
        values += [True, False]
    if any(v is None for v in literals):
        values.append(None)
    unique: dict[tuple[type, Any], Any] = {}  # by type too: 1 and true are different values
    for value in values:
        unique.setdefault((type(value), value), value)
    return list(unique.values())


def _collect(expression: Any, uses: dict[str, _Uses], compared: bool) -> int:
    """Record how each variable is used: compared with a literal, or otherwise. Returns the
    number of parts visited (the work it took)."""
    if isinstance(expression, list):
        return 1 + sum(_collect(item, uses, False) for item in expression)
    if not isinstance(expression, dict) or len(expression) != 1:
        return 1
    op, raw = next(iter(expression.items()))
    args = raw if isinstance(raw, list) else [raw]
    if op == "var":
        name = args[0] if args else None
        if isinstance(name, str) and name:
            use = uses.setdefault(name, _Uses())
            use.other |= not compared or len(args) > 1
        return 1 + len(args)
    if op in ("missing", "missing_some"):
        names = _missing_names(op, args)
        for name in names:
            if isinstance(name, str):
                uses.setdefault(name, _Uses())
        return 1 + len(names)
    spec = OPERATORS.get(op) if isinstance(op, str) else None
    scoped = spec.scoped_index(len(args)) if spec is not None else None
    literal_comparison = op in EQUALITY | ORDERING and all(_is_var(a) or _is_scalar(a) for a in args)
    if literal_comparison:
        literals = [a for a in args if _is_scalar(a)]
        for arg in args:
            if _is_var(arg):
                _collect(arg, uses, compared=bool(literals))
                uses[arg["var"]].literals.extend(literals)
                uses[arg["var"]].ordered |= op in ORDERING
        return 1 + len(args)
    if (
        op == "in"
        and len(args) == 2
        and _is_var(args[0])
        and isinstance(args[1], list)
        and all(map(_is_scalar, args[1]))
    ):
        _collect(args[0], uses, compared=True)
        uses[args[0]["var"]].literals.extend(args[1])
        return 2 + len(args[1])
    # a body reads the item, not the workflow's variables
    return 1 + sum(_collect(arg, uses, False) for index, arg in enumerate(args) if index != scoped)


def _missing_names(op: str, args: list[Any]) -> list[Any]:
    """The names `missing` / `missing_some` test: {"missing": ["a", "b"]}, {"missing": [["a", "b"]]},
    {"missing_some": [1, ["a", "b"]]}."""
    names = args[1:] if op == "missing_some" else args
    return names[0] if len(names) == 1 and isinstance(names[0], list) else names


def _is_var(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("var"), str) and bool(value["var"])


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def _reads(expression: Any) -> set[str] | None:
    """The variable names an expression reads (item reads aside); None when a name is computed."""
    names: set[str] = set()
    pending = [expression]
    while pending:
        value = pending.pop()
        if isinstance(value, list):
            pending.extend(value)
            continue
        if not isinstance(value, dict) or len(value) != 1:
            continue
        op, raw = next(iter(value.items()))
        args = raw if isinstance(raw, list) else [raw]
        if op == "var":
            if not args or not isinstance(args[0], str):
                return None
            names.add(args[0])
            pending.extend(args[1:])
            continue
        if op in ("missing", "missing_some"):
            listed = _missing_names(op, args)
            if not all(isinstance(n, str) for n in listed):
                return None
            names.update(listed)
            continue
        spec = OPERATORS.get(op) if isinstance(op, str) else None
        scoped = spec.scoped_index(len(args)) if spec is not None else None
        pending.extend(arg for index, arg in enumerate(args) if index != scoped)
    return names


def _data(case: dict[str, Any]) -> dict[str, Any]:
    """The data a condition reads, with each variable of the case set (absent ones left out)."""
    data: dict[str, Any] = {}
    for name, value in case.items():
        if value is _ABSENT:
            continue
        *parents, last = name.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[last] = value
    return data


def _describe(case: dict[str, Any]) -> str:
    parts = []
    for name, value in sorted(case.items()):
        if value is _ABSENT:
            parts.append(f"'{name}' is absent")
        elif value == _OTHER_TEXT:
            parts.append(f"'{name}' is another text")
        else:
            parts.append(f"'{name}' is {shown(value)}")
    return " and ".join(parts)
