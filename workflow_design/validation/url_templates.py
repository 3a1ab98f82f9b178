"""An action's URL template: `https://shop.example/orders/{ticket.orderId}`.

Each `{name}` is a placeholder whose value is the variable `name` (as JsonLogic's `var` reads it),
filled in percent-encoded; `{{` and `}}` stand for literal braces. Placeholders may only stand
after the host (in the path, the query or the fragment): the host a request goes to is fixed by
the document, so that the UNSAFE_ACTION_URL rules judge the host it calls.

Reports INVALID_URL_TEMPLATE; the variables are checked where conditions are (rules.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from kernel.problems import Problem

from .problems import error, shown

# A placeholder's variable: dotted names of letters, digits and _ (ticket.orderId, tasks.a.items.0).
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*")
_TOKENS = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
# What a placeholder reads as when the URL's form is judged: a plain path segment.
_SAMPLE = "x"


@dataclass(frozen=True)
class UrlTemplate:
    text: str
    placeholders: tuple[str, ...]  # the variables, in order
    sample: str  # the URL with each placeholder read as a plain segment, literal braces percent-encoded
    first_placeholder: int | None  # where the first placeholder starts in `text`
    # The URL between the placeholders (literal braces percent-encoded): one more than the placeholders.
    literals: tuple[str, ...] = ()

    def fill(self, text_of: Callable[[str], str]) -> str:
        """The URL, each placeholder replaced by the text of its variable, percent-encoded (a "/" too)."""
        parts = [self.literals[0]]
        for name, literal in zip(self.placeholders, self.literals[1:], strict=True):
            parts += [quote(text_of(name), safe=""), literal]
        return "".join(parts)


def parse_url_template(text: str, path: str) -> tuple[UrlTemplate | None, list[Problem]]:
    """The template, or None with its INVALID_URL_TEMPLATE problem."""
    placeholders: list[str] = []
    literals: list[str] = [""]
    first: int | None = None
    position = 0
    for match in _TOKENS.finditer(text):
        literals[-1] += text[position : match.start()]
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            literals[-1] += quote(token[0])
            continue
        name = match.group(1)
        if name is None:
            return None, [
                _problem(
                    path,
                    f"the brace at character {match.start() + 1} is not closed or opened; "
                    "write {{ or }} for a literal brace",
                )
            ]
        if not _VARIABLE.fullmatch(name):
            return None, [
                _problem(
                    path,
                    f"the placeholder {shown('{' + name + '}')} does not name a variable, e.g. "
                    "{ticket.orderId} or {tasks.lookup.id}",
                )
            ]
        first = match.start() if first is None else first
        placeholders.append(name)
        literals.append("")
    literals[-1] += text[position:]
    sample = _SAMPLE.join(literals)
    return UrlTemplate(text, tuple(placeholders), sample, first, tuple(literals)), []


def placeholder_in_host(template: UrlTemplate, path: str) -> list[Problem]:
    """INVALID_URL_TEMPLATE when a placeholder stands before the URL's path: in its scheme or host."""
    if template.first_placeholder is None:
        return []
    before = template.text[: template.first_placeholder]
    _, separator, authority = before.partition("://")
    if separator and any(mark in authority for mark in "/?#"):
        return []
    return [
        _problem(
            path,
            f"the placeholder {{{template.placeholders[0]}}} stands in the scheme or the host; the host an action "
            "calls is fixed: put placeholders in the path or the query, e.g. https://shop.example/orders/"
            "{ticket.orderId}",
        )
    ]


def _problem(path: str, reason: str) -> Problem:
    return error("INVALID_URL_TEMPLATE", path, f"The actionUrl is not a valid URL template: {reason}.")
