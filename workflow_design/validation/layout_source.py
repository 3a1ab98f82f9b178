"""What a layout's source says, read with tree-sitter: its syntax error, or its default-exported
component, imports, constructs that escape the component and the props it reads (`LayoutFacts`).

The facts depend on the source alone, so they are kept per process, keyed by the source's SHA-256:
an edit of a workflow parses only the layouts it changed. What the facts mean under the contract
(which props and properties exist, which imports are allowed) is decided by validation/layouts.py.

Parsing: as TSX first, which is JSX with TypeScript's annotations; a source TSX refuses is parsed
again as JavaScript (JSX), which accepts the few forms TypeScript reserves (`satisfies` as a
name). When both refuse it, the error found further into the source is reported: the other
grammar stopped at what only it does not know.

Bounds, since a layout is the client's text: a parse ends past its deadline (the caller's: per
layout and per document) or when it grows the process's resident memory by MAX_PARSE_MEMORY_BYTES
(TypeScript's ambiguous `a<a<a<...` keeps ~1.2 KB per byte of input alive); every walk over the
tree is an iterative loop over a cursor, never a recursion, and checks the same deadline.
"""

from __future__ import annotations

import hashlib
import os
import resource
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import tree_sitter_javascript
import tree_sitter_typescript
from cachetools import LRUCache
from tree_sitter import Language, Node, Parser, Tree

from workflow_design.layout_contract import ESCAPES

TSX = Language(tree_sitter_typescript.language_tsx())
JAVASCRIPT = Language(tree_sitter_javascript.language())

MAX_PARSE_MEMORY_BYTES = 64 * 1024 * 1024
# Resident memory is read every this many progress calls (a call comes every 100 parser operations).
_MEMORY_CHECK_INTERVAL = 16
_PAGE_BYTES = resource.getpagesize()
# The walks read the clock every this many nodes.
_CLOCK_INTERVAL = 1024
# Facts kept per layout: distinct property paths read (warnings beyond them are not reported) and
# their depth. Imports and escapes are all kept (once per module, once per construct): they are errors.
MAX_READS = 1000
MAX_READ_DEPTH = 16


class Position(NamedTuple):
    line: int  # from 1
    column: int  # from 1, in characters

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


START = Position(1, 1)


class Located(NamedTuple):
    at: Position
    message: str


class Import(NamedTuple):
    module: str | None  # None: a name computed when the layout runs
    how: str  # how it is written: "import", "export ... from", "import()", "require()"
    at: Position


class Read(NamedTuple):
    prop: str
    at: Position  # where the prop is named
    path: tuple[tuple[str | int, Position], ...]  # the properties read below it, each where it is named


@dataclass(frozen=True)
class LayoutFacts:
    syntax_error: Located | None = None  # then nothing else is known
    missing_component: Located | None = None
    imports: tuple[Import, ...] = ()
    escapes: tuple[tuple[str, Position], ...] = ()  # (a construct of ESCAPES, its first place)
    reads: tuple[Read, ...] = ()

    def size(self) -> int:
        """About the bytes this takes in the cache, and at least _MIN_ENTRY_BYTES: the cache's bound in
        bytes is also one in entries."""
        texts = sum(len(i.module or "") for i in self.imports) + sum(len(r.prop) for r in self.reads)
        parts = len(self.imports) + len(self.escapes) + sum(1 + len(r.path) for r in self.reads)
        located = 300 if self.syntax_error or self.missing_component else 0
        return max(_MIN_ENTRY_BYTES, 400 + texts + 120 * parts + located)


class TooCostly(Exception):
    """The layout's parse or walk passed its deadline ("time") or its memory bound ("memory")."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


# --- the cache -----------------------------------------------------------------------------

# At most 4 MiB of facts per process, keyed by a 32-byte digest rather than the text (up to 256 KiB);
# every entry counts as at least 512 bytes: at most 8,192 layouts (a 1,000-task workflow has up to 2,001).
MAX_CACHE_BYTES = 4 * 1024 * 1024
_MIN_ENTRY_BYTES = 512
_FACTS: LRUCache[bytes, LayoutFacts] = LRUCache(maxsize=MAX_CACHE_BYTES, getsizeof=LayoutFacts.size)
_FACTS_LOCK = threading.Lock()


def layout_facts(source: str, deadline: float) -> LayoutFacts:
    """The facts of a layout's source, from the cache or read before `deadline` (time.perf_counter());
    TooCostly past it, or past the memory bound (that verdict is not kept: it depends on the moment)."""
    encoded = source.encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(encoded).digest()
    with _FACTS_LOCK:
        cached = _FACTS.get(digest)
    if cached is not None:
        return cached
    if time.perf_counter() >= deadline:
        raise TooCostly("time")
    facts = read_source(encoded, deadline)
    with _FACTS_LOCK:
        if facts.size() <= MAX_CACHE_BYTES:  # larger facts are not kept (LRUCache refuses them)
            _FACTS[digest] = facts
    return facts


def read_source(source: bytes, deadline: float) -> LayoutFacts:
    tree = parse(TSX, source, deadline)
    if tree.root_node.has_error:
        javascript = parse(JAVASCRIPT, source, deadline)
        if not javascript.root_node.has_error:
            tree = javascript
        else:
            found = [_SyntaxErrorFinder(tree, TSX, source, deadline).find()]
            found.append(_SyntaxErrorFinder(javascript, JAVASCRIPT, source, deadline).find())
            return LayoutFacts(syntax_error=max(found, key=lambda error: error.at))
    return _FactFinder(tree, source, deadline).find()


def parse(language: Language, source: bytes, deadline: float) -> Tree:
    """The source's syntax tree; TooCostly when the parse passes the deadline or the memory bound."""
    resident_at_start, calls, exceeded = resident_memory(), 0, ""

    def progress(offset: int, has_error: bool) -> bool:
        nonlocal calls, exceeded
        calls += 1
        if time.perf_counter() > deadline:
            exceeded = "time"
        elif calls % _MEMORY_CHECK_INTERVAL == 0 and resident_memory() - resident_at_start > MAX_PARSE_MEMORY_BYTES:
            exceeded = "memory"
        return bool(exceeded)  # True cancels the parse

    view = memoryview(source)
    try:
        return Parser(language).parse(lambda offset, point: view[offset:], progress_callback=progress)
    except ValueError:  # tree-sitter's answer to a cancelled parse
        if exceeded:
            raise TooCostly(exceeded) from None
        raise


def resident_memory() -> int:
    """The process's resident memory in bytes, from /proc (Linux: a few microseconds). Elsewhere its peak,
    which bounds a parse only once the process passes its earlier peak (development machines)."""
    try:
        descriptor = os.open("/proc/self/statm", os.O_RDONLY)
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on most systems, bytes on macOS
    try:
        return int(os.read(descriptor, 128).split()[1]) * _PAGE_BYTES
    finally:
        os.close(descriptor)


# --- walking a tree ------------------------------------------------------------------------


class _Walk:
    """The nodes of a tree in document order (pre-order), by a cursor: a loop, not a recursion, so
    nesting costs no stack. Reads the clock every _CLOCK_INTERVAL nodes (TooCostly past the deadline);
    `depth` is the current node's; `skip_children()` goes on after the current node's subtree."""

    def __init__(self, tree: Tree, deadline: float) -> None:
        self.cursor, self.deadline = tree.walk(), deadline
        self.depth, self._skip = 0, False

    def skip_children(self) -> None:
        self._skip = True

    def __iter__(self) -> Iterator[Node]:
        cursor, visited = self.cursor, 0
        while True:
            visited += 1
            if visited % _CLOCK_INTERVAL == 0 and time.perf_counter() > self.deadline:
                raise TooCostly("time")
            self._skip = False
            yield cursor.node  # type: ignore[misc]  # a cursor always stands on a node
            if not self._skip and cursor.goto_first_child():
                self.depth += 1
                continue
            while not cursor.goto_next_sibling():
                if self.depth == 0 or not cursor.goto_parent():
                    return
                self.depth -= 1


class _Text:
    """Texts and positions of a source's nodes (tree-sitter counts bytes; messages count characters)."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        # line -> the character column of each of its byte columns; None for an ASCII line (the same)
        self._columns: dict[int, list[int] | None] = {}

    def of(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def position(self, node: Node) -> Position:
        row, column = node.start_point
        if row not in self._columns:
            self._columns[row] = self._line_columns(node.start_byte - column)
        columns = self._columns[row]
        return Position(row + 1, (columns[column] if columns is not None else column) + 1)

    def _line_columns(self, start: int) -> list[int] | None:
        """Once per line, so that positions on a long line cost no more than the line."""
        end = self.source.find(b"\n", start)
        line = self.source[start : end if end >= 0 else len(self.source)]
        if line.isascii():
            return None
        columns, characters = [], 0
        for byte in line:
            columns.append(characters)
            characters += (byte & 0xC0) != 0x80  # a continuation byte continues the same character
        columns.append(characters)
        return columns

    def shown(self, node: Node, limit: int = 30) -> str:
        text = " ".join(self.of(node).split())
        return "'" + (text if len(text) <= limit else text[: limit - 3] + "...") + "'"


# --- syntax errors -------------------------------------------------------------------------

_OPENERS = {"(": ")", "[": "]", "{": "}", "${": "}"}
_CLOSERS = frozenset(_OPENERS.values())
# Tokens said in words; the others are shown as written.
_TOKEN_WORDS = {
    "identifier": "a name",
    "property_identifier": "a property name",
    "type_identifier": "a type name",
    "number": "a number",
    '"': "a string",
    "'": "a string",
    "`": "a template string",
    "jsx_text": "text",
    "end": "the end of the layout",
}
_NOT_EXPECTED = frozenset({"comment", "html_comment", "hash_bang_line", "regex_pattern", "ERROR"})
# The expected tokens worth naming first: closing what is open, then separators.
_FIRST = (")", "]", "}", ">", "/>", "</", ";", ",", ":", "=>", "=", ".", "(", "[", "{")
_OPERATORS = frozenset(
    {
        *("+", "-", "*", "/", "%", "**", "==", "!=", "===", "!==", "<", "<=", ">", ">=", "&&", "||", "??"),
        *("&", "|", "^", "<<", ">>", ">>>", "instanceof", "in", "?"),
        *("+=", "-=", "*=", "/=", "%=", "**=", "&&=", "||=", "??=", "&=", "|=", "^=", "<<=", ">>=", ">>>="),
    }
)
_MAX_EXPECTED_SHOWN = 8


class _Opened(NamedTuple):
    closer: str  # what closes it, as messages show it: "')'" or "</Name>"
    shown: str  # how it is written: "'('" or "<Name>"
    at: Position
    in_jsx: bool = False  # a { among JSX children: {value}


class _SyntaxErrorFinder:
    """Where a tree with errors goes wrong, and what was expected there.

    tree-sitter recovers from an error by inserting a MISSING token, or by wrapping what it could not
    parse in an ERROR node, which may start well before the mistake. In document order, the first of:
    a MISSING token (expected: that token); a closing bracket or tag that does not match the one open
    (expected: the one that would), also a closing tag </ where a { among JSX children is still open
    (<p>{value</p>: expected '}'); inside or after an ERROR node, a token the parser's state before it
    had no action for (expected: those it had). Failing those, a bracket or tag still open at the end
    (expected: its closing one), else the first token of the first ERROR node (expected: what the
    parser's state before that node had an action for).
    """

    def __init__(self, tree: Tree, language: Language, source: bytes, deadline: float) -> None:
        self.tree, self.language, self.text, self.deadline = tree, language, _Text(source), deadline
        self._expected: dict[int, frozenset[int]] = {}

    def find(self) -> Located:
        opened: list[_Opened] = []
        first_error: Node | None = None
        previous: Node | None = None  # the token before this one
        # The first token of the first ERROR node, and the token before it.
        unexpected: tuple[Node, Node | None] | None = None
        tag_end = -1  # where the last JSX tag or child {...} ends: a { right after it is among JSX children
        for node in _Walk(self.tree, self.deadline):
            if node.is_error and first_error is None:
                first_error = node
            if node.type == "jsx_opening_element":
                tag = _tag_name(node, self.text)
                opened.append(_Opened(f"</{tag}>", f"<{tag}>", self.text.position(node)))
            elif node.type == "jsx_closing_element":
                found = self._closing(f"</{_tag_name(node, self.text)}>", node, opened)
                if found is not None:
                    return found
            if node.type in _JSX_TAGS:
                tag_end = node.end_byte
            if node.child_count or node.is_extra:  # comments are tokens outside the grammar's states
                continue
            if node.is_missing:
                return Located(self.text.position(node), f"expected {_token(node.type)}.")
            if first_error is not None and unexpected is None:
                unexpected = (node, previous)
            if first_error is not None and previous is not None and not self._may_follow(previous, node):
                return Located(
                    self.text.position(node),
                    f"unexpected {self.text.shown(node)} after {self.text.shown(previous)}; "
                    f"expected {self._expected_after(previous, node)}.",
                )
            if node.type == "/" and previous is not None and previous.type == "<" and opened and opened[-1].in_jsx:
                last = opened[-1]
                return Located(
                    self.text.position(previous), f"expected '}}' to close the '{{' of {last.at}, found '</'."
                )
            if node.type in _OPENERS:
                in_jsx = node.type == "{" and previous is not None and _ends_jsx(previous, tag_end)
                opened.append(_Opened(f"'{_OPENERS[node.type]}'", f"'{node.type}'", self.text.position(node), in_jsx))
            elif node.type in _CLOSERS:
                closes_children = bool(opened) and opened[-1].in_jsx
                found = self._closing(f"'{node.type}'", node, opened)
                if found is not None:
                    return found
                if closes_children:  # {a}{b: JSX children go on after it
                    tag_end = node.end_byte
            previous = node
        if opened:
            last = opened[-1]
            return Located(
                last.at, f"{last.shown} is never closed; expected {last.closer} before the end of the layout."
            )
        if unexpected is None:  # an ERROR node without a token of its own (an empty one)
            return Located(START, "the layout is not JavaScript (JSX or TSX).")
        token, before = unexpected
        expected = self._expected_after(before, token) if before is not None and before.next_parse_state else None
        return Located(
            self.text.position(token),
            f"unexpected {self.text.shown(token)}" + (f"; expected {expected}." if expected else "."),
        )

    def _closing(self, closer: str, node: Node, opened: list[_Opened]) -> Located | None:
        """Pops what `closer` closes; the error when it closes nothing, or not the innermost opened."""
        if opened and opened[-1].closer == closer:
            opened.pop()
            return None
        at = self.text.position(node)
        if not opened:
            return Located(at, f"unexpected {closer}: nothing before it is open.")
        last = opened[-1]
        return Located(at, f"expected {last.closer} to close the {last.shown} of {last.at}, found {closer}.")

    def _may_follow(self, previous: Node, node: Node) -> bool:
        """Whether the parser, in its state after `previous`, has an action for `node`'s token; True
        when the state is unknown (tree-sitter records none for tokens its error recovery moved)."""
        state = previous.next_parse_state
        return state == 0 or node.grammar_id in self._symbols(state)

    def _symbols(self, state: int) -> frozenset[int]:
        if state not in self._expected:
            iterator = self.language.lookahead_iterator(state)
            self._expected[state] = frozenset(iterator.symbols()) if iterator is not None else frozenset()
        return self._expected[state]

    def _expected_after(self, previous: Node, unexpected: Node) -> str:
        """In words, the tokens the parser had an action for after `previous`, but `unexpected`'s."""
        names = []
        for symbol in self._symbols(previous.next_parse_state) - {unexpected.grammar_id}:
            name = self.language.node_kind_for_id(symbol)
            if (
                name
                and self.language.node_kind_is_visible(symbol)
                and not name.startswith("_")
                and name not in _NOT_EXPECTED
                and (name in _TOKEN_WORDS or not self.language.node_kind_is_named(symbol))
            ):
                names.append(name)
        return _expected_words(names)


_JSX_TAGS = frozenset({"jsx_opening_element", "jsx_closing_element", "jsx_self_closing_element"})


def _ends_jsx(token: Node, tag_end: int) -> bool:
    """Whether JSX children follow `token`: text between tags, the end of a tag or of a child {...}."""
    return token.type == "jsx_text" or token.end_byte == tag_end


def _token(name: str) -> str:
    return _TOKEN_WORDS.get(name, f"'{name}'")


def _expected_words(names: list[str]) -> str:
    """'one of ')', ';', a name or an operator', in the order _FIRST gives, then words, then keywords."""
    operators = [name for name in names if name in _OPERATORS]
    rest = [name for name in dict.fromkeys(names) if name not in _OPERATORS]
    first = [name for name in _FIRST if name in rest]
    words = list(dict.fromkeys(_TOKEN_WORDS[name] for name in rest if name in _TOKEN_WORDS))
    others = sorted(name for name in rest if name not in _FIRST and name not in _TOKEN_WORDS)
    shown = [f"'{name}'" for name in first] + words + (["an operator"] if operators else [])
    shown += [f"'{name}'" for name in others]
    if not shown:
        return "something else"
    more = len(shown) - _MAX_EXPECTED_SHOWN
    shown = shown[:_MAX_EXPECTED_SHOWN]
    if more > 0:
        return "one of " + ", ".join(shown) + f" (or {more} more)"
    return shown[0] if len(shown) == 1 else "one of " + ", ".join(shown[:-1]) + " or " + shown[-1]


# --- facts ---------------------------------------------------------------------------------

_FUNCTIONS = frozenset(
    {
        "function_declaration",
        "function_expression",
        "arrow_function",
        "generator_function_declaration",
        "generator_function",
        "method_definition",
    }
)
# Nodes whose direct children's declarations are visible to everything inside them.
_BLOCKS = frozenset({"program", "statement_block", "switch_case"})
_SCOPES = _FUNCTIONS | _BLOCKS | {"for_statement", "for_in_statement", "catch_clause"}
_DECLARATIONS = frozenset({"lexical_declaration", "variable_declaration"})
_NAMED_DECLARATIONS = frozenset({"function_declaration", "generator_function_declaration", "class_declaration"})
_MEMBERS = frozenset({"member_expression", "subscript_expression"})
_MODULES = frozenset({"import_statement", "export_statement"})
# Subtrees without expressions: literals and TypeScript's types (erased before the layout runs).
_INERT = frozenset(
    {
        "string",
        "number",
        "regex",
        "comment",
        "jsx_text",
        "type_annotation",
        "type_arguments",
        "type_parameters",
        "interface_declaration",
        "type_alias_declaration",
    }
)
# Wrappers a chain reads through: (value).a, value!.a, (value as Output).a.
_TRANSPARENT = frozenset({"parenthesized_expression", "non_null_expression", "as_expression", "satisfies_expression"})
# Where the window is reached from: window.fetch is fetch.
_GLOBAL_OBJECTS = frozenset({"window", "globalThis", "self"})
# Globals whose mere use escapes (a construct of the contract each).
_ESCAPING_GLOBALS = {
    "eval": "eval",
    "Function": "Function",
    "localStorage": "localStorage",
    "sessionStorage": "sessionStorage",
    "indexedDB": "indexedDB",
    "fetch": "fetch",
    "XMLHttpRequest": "XMLHttpRequest",
    "WebSocket": "WebSocket",
    "EventSource": "EventSource",
    "open": "window.open",
}
# (global, property) whose use escapes.
_ESCAPING_MEMBERS = {
    ("document", "cookie"): "document.cookie",
    ("document", "write"): "document.write",
    ("document", "writeln"): "document.write",
    ("navigator", "sendBeacon"): "navigator.sendBeacon",
    ("location", "assign"): "location.assign",
    ("location", "replace"): "location.replace",
}
# Properties of any element whose assignment or call inserts HTML.
_HTML_SINKS = {"innerHTML": "innerHTML", "outerHTML": "outerHTML", "insertAdjacentHTML": "insertAdjacentHTML"}
_STRINGS = frozenset({"string", "template_string"})
_STRING_TIMERS = {"setTimeout": "setTimeout with a string", "setInterval": "setInterval with a string"}
_DANGEROUS_PROP = "dangerouslySetInnerHTML"
assert set(_ESCAPING_GLOBALS.values()) | set(_ESCAPING_MEMBERS.values()) | set(_HTML_SINKS.values()) | set(
    _STRING_TIMERS.values()
) | {_DANGEROUS_PROP, "location assignment"} == set(ESCAPES), "every construct of the contract is detected"


class _Tracked(NamedTuple):
    """What a name of the component is bound to: a prop (prop None: the props object), or a property
    below one. Every other binding is None: the name is the layout's own."""

    prop: str | None
    path: tuple[tuple[str | int, Position], ...]
    at: Position | None  # where the prop is named


_PROPS = _Tracked(None, (), None)
_Path = list[tuple[str | int | None, Node]]  # properties read in order, each with where it is named (None: computed)


class _Component(NamedTuple):
    node: Node | None  # the function; None when it comes from an import (its props are not known here)


class _FactFinder:
    """One walk over a tree without errors: the default-exported component and the names bound in
    each scope, the imports, the escaping constructs, and the reads of the component's props."""

    def __init__(self, tree: Tree, source: bytes, deadline: float) -> None:
        self.tree, self.text, self.deadline = tree, _Text(source), deadline
        self.imports: dict[str | None, Import] = {}
        self.escapes: dict[str, Position] = {}
        self.reads: dict[tuple[str, tuple[str | int, ...]], Read] = {}
        # name -> its bindings, innermost last; a scope is (its depth, the names it bound)
        self.bindings: dict[str, list[_Tracked | None]] = {}
        self.scopes: list[tuple[int, list[str]]] = []
        self.read_members: set[int] = set()  # ids of member expressions read as part of a longer chain
        self.component_id: int | None = None
        self._handlers: dict[str, Callable[[Node], None]] = {
            "member_expression": self._member_chain,
            "subscript_expression": self._member_chain,
            "identifier": self._identifier,
            "shorthand_property_identifier": self._shorthand,
            "assignment_expression": self._assignment,
            "augmented_assignment_expression": self._assignment,
            "call_expression": self._call,
            "jsx_attribute": self._attribute,
            "pair": self._pair,
        }

    def find(self) -> LayoutFacts:
        root = self.tree.root_node
        component, missing_component = _DefaultExport(root, self.text).component()
        if component is not None and component.node is not None:
            self.component_id = component.node.id
        walk = _Walk(self.tree, self.deadline)
        for node in walk:
            depth = walk.depth
            while self.scopes and self.scopes[-1][0] >= depth:
                for name in self.scopes.pop()[1]:
                    self.bindings[name].pop()
            if not node.is_named:  # punctuation and keywords
                continue
            kind = node.type
            if kind in _INERT or (kind in _MODULES and self._module_import(node)):
                walk.skip_children()  # import { fetch as f }: names of another module, not expressions
                continue
            if kind in _SCOPES:
                self._open_scope(node, depth)
            if kind == "jsx_element":
                mismatch = self._mismatched_tags(node)
                if mismatch is not None:
                    return LayoutFacts(syntax_error=mismatch)
            handler = self._handlers.get(kind)
            if handler is not None:
                handler(node)
        return LayoutFacts(
            missing_component=missing_component,
            imports=tuple(self.imports.values()),
            escapes=tuple(self.escapes.items()),
            reads=tuple(self.reads.values()),
        )

    def _identifier(self, node: Node) -> None:
        self._global_name(self.text.of(node), node)

    def _shorthand(self, node: Node) -> None:  # { fetch }, { dangerouslySetInnerHTML }
        self._global_name(self.text.of(node), node)
        self._dangerous_prop(node)

    def _attribute(self, node: Node) -> None:  # <div dangerouslySetInnerHTML={...}>
        name = _first_named(node)
        if name is not None:
            self._dangerous_prop(name)

    def _pair(self, node: Node) -> None:  # { dangerouslySetInnerHTML: ... }, { "dangerouslySetInnerHTML": ... }
        key = node.child_by_field_name("key")
        if key is not None:
            self._dangerous_prop(key)

    # --- scopes and what their names are bound to ---

    def _open_scope(self, node: Node, depth: int) -> None:
        names: list[str] = []
        self.scopes.append((depth, names))

        def bind(name: str, binding: _Tracked | None) -> None:
            names.append(name)
            self.bindings.setdefault(name, []).append(binding)

        if node.type in _FUNCTIONS:
            name = node.child_by_field_name("name")
            if node.type == "function_expression" and name is not None:
                bind(self.text.of(name), None)
            for index, parameter in enumerate(_parameters(node)):
                is_props = index == 0 and node.id == self.component_id
                self._bind_pattern(parameter, _PROPS if is_props else None, bind)
        elif node.type in _BLOCKS:
            for statement in node.named_children:
                declaration = (
                    statement.child_by_field_name("declaration") if statement.type == "export_statement" else None
                )
                self._declare(declaration or statement, bind)
        elif node.type == "for_statement":
            initializer = node.child_by_field_name("initializer")
            if initializer is not None:
                self._declare(initializer, bind)
        else:  # for_in_statement, catch_clause
            pattern = node.child_by_field_name("left" if node.type == "for_in_statement" else "parameter")
            if pattern is not None:
                self._bind_pattern(pattern, None, bind)

    def _declare(self, statement: Node, bind: Callable[[str, _Tracked | None], None]) -> None:
        """The names a statement declares in its block: variables (bound to what they read, when that is
        a prop), functions, classes and imports."""
        if statement.type in _DECLARATIONS:
            for declarator in statement.named_children:
                pattern, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
                if declarator.type == "variable_declarator" and pattern is not None:
                    self._bind_pattern(pattern, self._chain_binding(value) if value is not None else None, bind)
        elif statement.type in _NAMED_DECLARATIONS:
            name = statement.child_by_field_name("name")
            if name is not None:
                bind(self.text.of(name), None)
        elif statement.type == "import_statement":
            for name in _imported_names(statement):
                bind(self.text.of(name), None)

    def _bind_pattern(
        self, pattern: Node, source: _Tracked | None, bind: Callable[[str, _Tracked | None], None]
    ) -> None:
        """Binds the names of a parameter or declaration pattern; under a tracked `source`, each to the
        prop or property it destructures, which counts as a read of it."""
        pending: list[tuple[Node, _Tracked | None]] = [(pattern, source)]
        while pending:
            node, binding = pending.pop()
            kind = node.type
            if kind in ("required_parameter", "optional_parameter"):  # TSX: the pattern beside its type
                inner = node.child_by_field_name("pattern")
                if inner is not None:
                    pending.append((inner, binding))
            elif kind in ("identifier", "shorthand_property_identifier_pattern"):
                bind(self.text.of(node), binding)
            elif kind in ("assignment_pattern", "object_assignment_pattern"):
                left = node.child_by_field_name("left")
                if left is not None:
                    pending.append((left, binding))
            elif kind == "rest_pattern":  # ...rest of a parameter list or an array: not a prop
                pending.extend((child, None) for child in node.named_children)
            elif kind == "object_pattern":
                for entry in node.named_children:
                    if entry.type == "rest_pattern":  # the rest of the object: read like the object
                        pending.extend((child, binding) for child in entry.named_children)
                        continue
                    key = _pattern_key(entry)
                    below = self._below(binding, _key_text(key, self.text), key) if key is not None else None
                    value = entry.child_by_field_name("value") if entry.type == "pair_pattern" else entry
                    if value is not None:
                        pending.append((value, below))
            elif kind == "array_pattern":
                for index, item in enumerate(node.named_children):
                    pending.append((item, self._below(binding, index, item) if item.type != "rest_pattern" else None))

    def _below(self, binding: _Tracked | None, segment: str | int | None, node: Node) -> _Tracked | None:
        """What is bound one property below `binding`, read where `node` names it."""
        if binding is None or segment is None:
            return None
        if binding.prop is None:  # a property of the props object: a prop
            if not isinstance(segment, str):
                return None
            below = _Tracked(segment, (), self.text.position(node))
        elif len(binding.path) >= MAX_READ_DEPTH:
            return None
        else:
            below = _Tracked(binding.prop, (*binding.path, (segment, self.text.position(node))), binding.at)
        self._read(below)
        return below

    def _read(self, read: _Tracked) -> None:
        if read.prop is None or read.at is None or len(self.reads) >= MAX_READS:
            return
        key = (read.prop, tuple(segment for segment, _ in read.path))
        if key not in self.reads:
            self.reads[key] = Read(read.prop, read.at, read.path)

    def _tracked(self, name: str) -> _Tracked | None:
        bound = self.bindings.get(name)
        return bound[-1] if bound else None

    def _is_global(self, name: str) -> bool:
        """Whether nothing in the layout binds the name where the walk is."""
        return not self.bindings.get(name)

    # --- member chains: props.value.amount, window.fetch, document.cookie ---

    def _chain(self, node: Node, *, mark: bool) -> tuple[Node, _Path]:
        """The chain's root expression and the properties read from it in order (None: computed). With
        `mark`, the chain's inner member expressions are not visited as chains of their own."""
        segments: _Path = []
        while node.type in _MEMBERS or node.type in _TRANSPARENT:
            if node.type in _MEMBERS:
                if mark:
                    self.read_members.add(node.id)
                segments.append(self._segment(node))
                inner = node.child_by_field_name("object")
            else:
                inner = _first_named(node)
            if inner is None:
                break
            node = inner
        segments.reverse()
        return node, segments

    def _segment(self, member: Node) -> tuple[str | int | None, Node]:
        if member.type == "member_expression":
            name = member.child_by_field_name("property")
            return (self.text.of(name), name) if name is not None else (None, member)
        index = member.child_by_field_name("index")
        if index is None:
            return None, member
        if index.type == "number" and self.text.of(index).isdigit():
            return int(self.text.of(index)), index
        return _string_literal(index, self.text), index

    def _chain_binding(self, node: Node) -> _Tracked | None:
        """What a name declared as `node` is bound to: a prop, a property below one, or None."""
        root, segments = self._chain(node, mark=False)
        binding = self._tracked(self.text.of(root)) if root.type == "identifier" else None
        for segment, segment_node in segments:
            binding = self._below(binding, segment, segment_node)
        return binding

    def _member_chain(self, node: Node) -> None:
        if node.id in self.read_members:
            return
        root, segments = self._chain(node, mark=True)
        if root.type != "identifier":
            return
        binding = self._tracked(self.text.of(root))
        for segment, segment_node in segments:
            binding = self._below(binding, segment, segment_node)
        path = self._from_globals(root, segments)
        if path:
            self._escaping_global(path[0][0], path[0][1])
            member = _ESCAPING_MEMBERS.get((str(path[0][0]), str(path[1][0]))) if len(path) > 1 else None
            if member is not None:
                self._escape(member, node)

    def _from_globals(self, root: Node, segments: _Path) -> _Path:
        """The names a chain reads from the global scope, `window.` dropped; [] when its root is a name
        the layout binds, or no name."""
        name = self.text.of(root)
        if root.type != "identifier" or not self._is_global(name):
            return []
        return segments if name in _GLOBAL_OBJECTS else [(name, root), *segments]

    def _global_path(self, expression: Node) -> _Path:
        return self._from_globals(*self._chain(expression, mark=False))

    def _global_name(self, name: str, node: Node) -> None:
        if self._is_global(name):
            self._escaping_global(name, node)

    def _escaping_global(self, name: str | int | None, node: Node) -> None:
        if isinstance(name, str) and name in _ESCAPING_GLOBALS:
            self._escape(_ESCAPING_GLOBALS[name], node)

    def _escape(self, construct: str, node: Node) -> None:
        if construct not in self.escapes:
            self.escapes[construct] = self.text.position(node)

    # --- assignments, calls, imports, JSX ---

    def _assignment(self, node: Node) -> None:
        target = node.child_by_field_name("left")
        if target is None:
            return
        names = [name for name, _ in self._global_path(target)]
        if names[:1] == ["location"] or names[:2] == ["document", "location"]:
            self._escape("location assignment", target)
        if target.type == "member_expression":
            name = target.child_by_field_name("property")
            if name is not None and self.text.of(name) in _HTML_SINKS:
                self._escape(_HTML_SINKS[self.text.of(name)], target)

    def _call(self, node: Node) -> None:
        callee, arguments = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if callee is None or arguments is None:
            return
        first = _first_named(arguments)
        if callee.type == "import":
            self._import(first, "import()", node)
            return
        if callee.type == "member_expression":
            name = callee.child_by_field_name("property")
            if name is not None and self.text.of(name) == "insertAdjacentHTML":
                self._escape("insertAdjacentHTML", callee)
        names = [name for name, _ in self._global_path(callee)]
        if names == ["require"]:
            self._import(first, "require()", node)
        elif len(names) == 1 and names[0] in _STRING_TIMERS and first is not None and first.type in _STRINGS:
            self._escape(_STRING_TIMERS[str(names[0])], node)

    def _module_import(self, node: Node) -> bool:
        """Records the module an import or export ... from names; whether it names one."""
        source = node.child_by_field_name("source")
        if source is None:  # TypeScript's import x = require("y")
            clause = next((c for c in node.named_children if c.type == "import_require_clause"), None)
            source = clause.child_by_field_name("source") if clause is not None else None
        if source is None:
            return False
        self._import(source, "import" if node.type == "import_statement" else "export ... from", node)
        return True

    def _import(self, module: Node | None, how: str, node: Node) -> None:
        name = _string_literal(module, self.text) if module is not None else None
        if name not in self.imports:
            self.imports[name] = Import(name, how, self.text.position(node))

    def _dangerous_prop(self, key: Node) -> None:
        if _key_text(key, self.text) == _DANGEROUS_PROP:
            self._escape(_DANGEROUS_PROP, key)

    def _mismatched_tags(self, node: Node) -> Located | None:
        """tree-sitter's grammars accept <a></b>; a JSX compiler does not."""
        opening, closing = node.child_by_field_name("open_tag"), node.child_by_field_name("close_tag")
        if opening is None or closing is None:
            return None
        opened, closed = (_tag_name(tag, self.text) for tag in (opening, closing))
        if opened == closed:
            return None
        return Located(
            self.text.position(closing),
            f"expected </{opened}> to close the <{opened}> of {self.text.position(opening)}, found </{closed}>.",
        )


class _DefaultExport:
    """The layout's default export, followed to the function component it names."""

    _MAX_STEPS = 8  # export default memo(forwardRef(Named)) and the like, not an endless alias chain

    def __init__(self, root: Node, text: _Text) -> None:
        self.root, self.text = root, text
        self.top_level: dict[str, Node | None] = {}  # name -> its value (a function, ...); None: imported
        self.exported: tuple[Node, Node | None] | None = None  # (the export statement, what it exports)

    def component(self) -> tuple[_Component | None, Located | None]:
        self._read_module()
        if self.exported is None:
            return None, Located(
                START,
                "the layout has no default export; expected a function component: "
                "export default function Layout(props) { ... }.",
            )
        statement, value = self.exported
        for _ in range(self._MAX_STEPS):
            if value is None:
                return _Component(None), None  # a re-export, or an imported component
            kind = value.type
            if kind in _FUNCTIONS:
                return _Component(value), None
            if kind in _TRANSPARENT:
                value = _first_named(value)
            elif kind == "call_expression":  # memo(Component), forwardRef(...)
                arguments = value.child_by_field_name("arguments")
                value = _first_named(arguments) if arguments is not None else None
                if value is None:
                    break
            elif kind == "identifier" and self.text.of(value) in self.top_level:
                value = self.top_level[self.text.of(value)]
            elif kind == "identifier":
                return None, Located(
                    self.text.position(value),
                    f"the default export names {self.text.shown(value)}, which the layout does not declare; "
                    "expected a function component.",
                )
            else:
                break
        what = "a class" if value is not None and value.type in ("class", "class_declaration") else "not a function"
        return None, Located(
            self.text.position(statement),
            f"the default export is {what}; expected a function component: export default function Layout(props) "
            "{ ... }.",
        )

    def _read_module(self) -> None:
        for statement in self.root.named_children:
            if statement.type == "import_statement":
                for name in _imported_names(statement):
                    self.top_level[self.text.of(name)] = None
            elif statement.type == "export_statement":
                self._read_export(statement)
            else:
                self._read_declaration(statement)

    def _read_export(self, statement: Node) -> None:
        declaration = statement.child_by_field_name("declaration")
        is_default = any(child.type == "default" for child in statement.children)
        if is_default and self.exported is None:
            self.exported = (statement, declaration or statement.child_by_field_name("value"))
        if declaration is not None:
            self._read_declaration(declaration)
        for clause in (c for c in statement.named_children if c.type == "export_clause"):
            for specifier in clause.named_children:
                alias = specifier.child_by_field_name("alias") or specifier.child_by_field_name("name")
                name = specifier.child_by_field_name("name")
                if (
                    alias is not None
                    and name is not None
                    and self.text.of(alias) == "default"
                    and self.exported is None
                ):
                    from_module = statement.child_by_field_name("source") is not None
                    self.exported = (statement, None if from_module else name)

    def _read_declaration(self, statement: Node) -> None:
        if statement.type in _NAMED_DECLARATIONS:
            name = statement.child_by_field_name("name")
            if name is not None:
                self.top_level[self.text.of(name)] = statement
        elif statement.type in _DECLARATIONS:
            for declarator in statement.named_children:
                name, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
                if name is not None and name.type == "identifier" and value is not None:
                    self.top_level[self.text.of(name)] = value


def _parameters(function: Node) -> list[Node]:
    single = function.child_by_field_name("parameter")  # x => ...
    if single is not None:
        return [single]
    parameters = function.child_by_field_name("parameters")
    return list(parameters.named_children) if parameters is not None else []


def _imported_names(statement: Node) -> Iterator[Node]:
    """The local names an import statement binds."""
    for clause in statement.named_children:
        if clause.type == "import_require_clause":
            yield from (c for c in clause.named_children if c.type == "identifier")
        if clause.type != "import_clause":
            continue
        for part in clause.named_children:
            if part.type == "identifier":
                yield part
            elif part.type == "namespace_import":
                yield from (c for c in part.named_children if c.type == "identifier")
            elif part.type == "named_imports":
                for specifier in part.named_children:
                    local = specifier.child_by_field_name("alias") or specifier.child_by_field_name("name")
                    if local is not None:
                        yield local


def _pattern_key(entry: Node) -> Node | None:
    """The property an entry of an object pattern destructures: { a }, { a = 1 }, { a: b }; None for
    a rest element or a computed key."""
    if entry.type == "shorthand_property_identifier_pattern":
        return entry
    if entry.type == "object_assignment_pattern":
        return entry.child_by_field_name("left")
    if entry.type == "pair_pattern":
        key = entry.child_by_field_name("key")
        return key if key is not None and key.type in ("property_identifier", "string") else None
    return None


def _first_named(node: Node) -> Node | None:
    return node.named_children[0] if node.named_child_count else None


def _key_text(key: Node, text: _Text) -> str | None:
    """A property key as written: a name, or a string literal's value."""
    return _string_literal(key, text) if key.type == "string" else text.of(key)


def _tag_name(tag: Node, text: _Text) -> str:
    name = tag.child_by_field_name("name")
    return text.of(name) if name is not None else ""  # a fragment's <> and </>


def _string_literal(node: Node, text: _Text) -> str | None:
    """The value of a string literal without escapes; None for anything else (a name computed, or
    spelt with escapes that a check should not have to decode)."""
    if node.type != "string" or any(child.type == "escape_sequence" for child in node.named_children):
        return None
    return "".join(text.of(child) for child in node.named_children if child.type == "string_fragment")
