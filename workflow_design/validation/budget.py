"""A budget of evaluation steps and wall-clock time for work a client's data drives.

A preview evaluates the client's JsonLogic rules on the client's sample data and checks
outputs against the client's JSON Schemas: each of these can be made arbitrarily costly
(a `reduce` that doubles a string, a schema whose `$ref`s fan out). So every such
evaluation charges the budget that is active for the current context, and stops with
`BudgetExceeded` once its steps or its time are spent:

- a JsonLogic rule charges the operations datalogic's metered evaluation counts (its
  string and array operators charge by size, so the steps bound memory too);
- a JSON Schema check charges one step per keyword applied to a value.

Outside `budget_scope` a default budget applies to each evaluation on its own, so that
no caller can evaluate without a bound.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

# The defaults of settings.PREVIEW_BUDGET_*: the expense approval's rework loop walked for
# the full 1,000 visits charges about 3,000 steps; a million is about 32 MiB of strings, or
# some seconds of schema checks.
DEFAULT_STEPS = 1_000_000
DEFAULT_SECONDS = 2.0
# Time is read every this many steps: reading the clock costs more than a step.
_CLOCK_EVERY = 256


class BudgetExceeded(Exception):
    """The active budget is spent; the message says which part of it."""


@dataclass
class Budget:
    steps: int = DEFAULT_STEPS
    seconds: float = DEFAULT_SECONDS
    spent: int = 0
    # Regular expressions compiled while this budget is active: they live as long as it does.
    compiled_patterns: dict[str, Any] = field(default_factory=dict)
    deadline: float = field(init=False)
    _next_clock_check: int = field(init=False, default=_CLOCK_EVERY)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    @property
    def remaining(self) -> int:
        return max(0, self.steps - self.spent)

    def charge(self, steps: int = 1) -> None:
        self.spent += steps
        if self.spent > self.steps:
            raise BudgetExceeded(f"it took more than {self.steps:,} evaluation steps")
        if self.spent >= self._next_clock_check:
            self._next_clock_check = self.spent + _CLOCK_EVERY
            self.check_clock()

    def check_clock(self) -> None:
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(f"it took more than {self.seconds:g} seconds")


_active: ContextVar[Budget | None] = ContextVar("evaluation_budget", default=None)


@contextmanager
def budget_scope(budget: Budget) -> Iterator[Budget]:
    """Makes `budget` the one every evaluation in this context charges."""
    token = _active.set(budget)
    try:
        yield budget
    finally:
        _active.reset(token)


def active_budget() -> Budget:
    """The budget of the current scope, or a fresh default one for a single evaluation."""
    return _active.get() or Budget()
