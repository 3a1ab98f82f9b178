"""Problems, JSON Pointers, "did you mean" hints and document ordering."""

from __future__ import annotations

import difflib
import itertools
import json
from collections.abc import Collection, Iterable
from typing import Any

from kernel.problems import ERROR, WARNING, Problem
from kernel.values import split_pointer


def error(code: str, path: str, message: str) -> Problem:
    return Problem(code=code, message=message, path=path, severity=ERROR)


def warning(code: str, path: str, message: str) -> Problem:
    return Problem(code=code, message=message, path=path, severity=WARNING)


# --- did you mean -----------------------------------------------------------

# A hostile document can hold thousands of unknown names, and one lookup among
# 1000 candidates costs about 5 ms, so one validation run stops suggesting
# after this many lookups.
SUGGESTION_BUDGET = 100


def _lowered(candidates: Iterable[str | None]) -> dict[str, str]:
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        if isinstance(candidate, str):
            by_lower.setdefault(candidate.lower(), candidate)
    return by_lower


def _closest_lowered(name: Any, by_lower: dict[str, str]) -> str | None:
    if not isinstance(name, str) or not name:
        return None
    matches = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[matches[0]] if matches else None


def closest(name: Any, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `name`, or None when none is close.

    Compares case-insensitively (``form`` finds ``FORM``, ``URI`` finds ``uri``).
    """
    return _closest_lowered(name, _lowered(candidates))


def hint(suggestion: str | None) -> str:
    return f" Did you mean '{suggestion}'?" if suggestion else ""


def did_you_mean(name: Any, candidates: Iterable[str]) -> str:
    """The hint ` Did you mean 'x'?` for the closest candidate, or "" when none is close."""
    return hint(closest(name, candidates))


class Suggester:
    """closest() over one fixed candidate set, memoized and budgeted."""

    def __init__(self, candidates: Iterable[str | None], budget: list[int] | None = None) -> None:
        self._by_lower = _lowered(candidates)
        self._memo: dict[str, str | None] = {}
        # A mutable cell, so that all suggesters of one validation run share it.
        self._budget = budget if budget is not None else [SUGGESTION_BUDGET]

    def __call__(self, name: Any) -> str | None:
        if not isinstance(name, str):
            return None
        if name not in self._memo:
            if self._budget[0] <= 0:
                return None
            self._budget[0] -= 1
            self._memo[name] = _closest_lowered(name, self._by_lower)
        return self._memo[name]


def quoted_list(values: Collection[Any], limit: int = 12) -> str:
    """'a', 'b', 'c' (and N more); reads no more than `limit` values."""
    shown = ", ".join(f"'{v}'" for v in itertools.islice(values, limit))
    if len(values) > limit:
        shown += f" and {len(values) - limit} more"
    return shown or "none"


# Lazy: shown() reads no more of a value than it shows. Not JSON (never in a parsed document):
# its type's name.
_MESSAGE_ENCODER = json.JSONEncoder(ensure_ascii=False, default=lambda value: f"<{type_name(value)}>")


def shown(value: Any, limit: int = 80) -> str:
    """A value as JSON for messages (null, true, "text"), cut after `limit` characters; never
    raises (integers of more than 4,300 digits and very deep nesting cannot be written)."""
    text = ""
    try:
        for chunk in _MESSAGE_ENCODER.iterencode(value):
            text += chunk
            if len(text) > limit:
                return text[: limit - 3] + "..."
    except (ValueError, RecursionError):
        return f"a value too large to show ({type_name(value)})"
    return text


def with_article(word: str, *, capitalized: bool = False) -> str:
    """The word after its indefinite article: "an ASYNC_ACTION", "a FORM". The words messages put
    after an article (task types, property names) are read as spelt, so the first letter decides."""
    article = "an" if word[:1].lower() in ("a", "e", "i", "o", "u") else "a"
    return f"{article.capitalize() if capitalized else article} {word}"


def type_name(value: Any) -> str:
    """The JSON type name of a Python value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


# --- document order ---------------------------------------------------------


class _DocumentPositions:
    """Positions of pointers in a document as sent: the index of each key among its siblings
    (found once per object, so that ordering many problems stays linear), list indices
    numerically. Absent keys sort after present ones and among themselves in the order
    reported (the definition's order)."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.key_positions: dict[int, dict[str, int]] = {}

    def of(self, path: str) -> tuple[tuple[int, int], ...]:
        key: list[tuple[int, int]] = []
        node = self.document
        for token in split_pointer(path):
            if isinstance(node, dict):
                positions = self.key_positions.get(id(node))
                if positions is None:
                    positions = self.key_positions[id(node)] = {k: i for i, k in enumerate(node) if isinstance(k, str)}
                if token in positions:
                    key.append((0, positions[token]))
                    node = node[token]
                    continue
                key.append((1, 0))
            elif isinstance(node, list) and token.isascii() and token.isdigit():
                key.append((0, int(token)))
                node = node[int(token)] if int(token) < len(node) else None
                continue
            else:
                key.append((1, 0))
            node = None
        return tuple(key)


# A client gets at most this many problems (about 2 MB of answer): a document at the limits with
# every reference broken has 6,000, and one with hundreds of thousands of bad entries must not
# make an answer of that size.
MAX_PROBLEMS = 10_000


def in_document_order(problems: list[Problem], document: Any) -> list[Problem]:
    """Sort problems by where they point in the document (stable for equal paths), at most
    MAX_PROBLEMS of them and a last one counting the rest."""
    positions = _DocumentPositions(document)
    keys: dict[str, tuple[tuple[int, int], ...]] = {}
    for problem in problems:
        if problem.path not in keys:
            keys[problem.path] = positions.of(problem.path)
    ordered = sorted(problems, key=lambda p: keys[p.path])
    if len(ordered) <= MAX_PROBLEMS:
        return ordered
    rest = ordered[MAX_PROBLEMS:]
    severity = ERROR if any(p.severity == ERROR for p in rest) else WARNING
    summary = Problem(
        "TOO_MANY_PROBLEMS",
        f"{len(rest)} more problems are not listed; fix these {MAX_PROBLEMS} and check again.",
        "",
        severity,
    )
    return [*ordered[:MAX_PROBLEMS], summary]
