"""A workflow drawn: its graph as Mermaid flowchart text, or as SVG laid out by Graphviz.

Pure but for `svg`, which runs Graphviz's `dot` (a Debian package, `bin/test` installs it)
as a subprocess; no database. What is drawn:

* a node per task, labelled with its title and key; the task type is its shape (FORM a
  rounded box, SYNC_ACTION a double-bordered box, ASYNC_ACTION a hexagon) and its class
  (Mermaid `classDef form`, `sync_action`, `async_action`);
* `start` (a circle) with an edge to each task a start transition (fromTask null) leads to,
  and `end` (a double circle) for each transition to null;
* an edge per transition, labelled with its condition in a compact JsonLogic rendering
  (`(ticket.amount > 1000) and (tasks.review.approved == true)`), its priority when not 0, and
  for an error transition (non-empty `onError`) the errors it catches (`on TIMEOUT, HTTP_5XX`);
  error edges are dashed.

Labels are bounded (MAX_LABEL_CHARS, rendering stops there whatever the condition's size) and
escaped for each output: Mermaid's `#<code>;` entities for every character its parser or its
HTML labels read, DOT's quoted strings with `&` written as an entity (Graphviz reads entities
in labels). Node ids derive from task keys (`t_<key>`), never from free text.

Graphviz runs with constant arguments (`dot -Tsvg`, the source on standard input, nothing a
client wrote in a position read as a file name or an option), with a time limit, an address
space limit, capped input and output, an empty environment and a temporary working
directory. The source uses no attribute that reads or links anything (images, shape files,
URLs, font paths): only shapes, styles, colours and labels this module writes.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any

from workflow_design import document as doc

MERMAID = "MERMAID"
SVG = "SVG"
FORMATS = (MERMAID, SVG)

MAX_LABEL_CHARS = 80  # a node's title or an edge's label, before the key or ellipsis
_ELLIPSIS = "…"
# Deeper JsonLogic is drawn as "…": labels are short anyway, and the walk stays shallow.
_MAX_LOGIC_DEPTH = 8

DOT_SECONDS = 10  # Graphviz's layout grows faster than linearly: a 1,000-task document is the worst
DOT_MEMORY_BYTES = 1024 * 1024 * 1024  # address space of the dot process (libraries included)
MAX_DOT_SOURCE_BYTES = 4 * 1024 * 1024  # labels are bounded: 1,000 tasks and 5,000 transitions stay below
MAX_SVG_BYTES = 16 * 1024 * 1024

_TASK_SHAPES = {
    # task type: (Mermaid's opening and closing brackets, DOT attributes, class)
    "FORM": ("(", ")", 'shape=box, style="rounded,filled", fillcolor="#e8f0fe"', "form"),
    "SYNC_ACTION": ("[[", "]]", 'shape=box, peripheries=2, style=filled, fillcolor="#fef7e0"', "sync_action"),
    "ASYNC_ACTION": ("{{", "}}", 'shape=hexagon, style=filled, fillcolor="#e6f4ea"', "async_action"),
}
_OTHER_SHAPE = ("[", "]", "shape=box", "task")
_CLASS_STYLES = {
    "form": "fill:#e8f0fe,stroke:#1a73e8",
    "sync_action": "fill:#fef7e0,stroke:#f9ab00",
    "async_action": "fill:#e6f4ea,stroke:#1e8e3e",
    "terminal": "fill:#f1f3f4,stroke:#5f6368",
}
# Node ids: tasks are t_<key>, so these never clash (and Mermaid reads a node named `end` as a keyword).
_START, _END = "wf_start", "wf_end"
_KEY = re.compile(doc.TASK_KEY_PATTERN)

# Operators written between their operands.
_INFIX = frozenset({"==", "===", "!=", "!==", ">", ">=", "<", "<=", "+", "-", "*", "/", "%", "and", "or", "in"})
_BRACKETED = _INFIX | {"!", "!!"}  # operands drawn with these are put in brackets


class DiagramUnavailable(Exception):
    """Graphviz could not draw the document (missing, too slow, too large); the message says which."""


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    shape: tuple[str, str, str, str]  # see _TASK_SHAPES


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    error: bool  # an error transition: drawn dashed


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


_TERMINALS = {
    _START: Node(_START, "start", ("((", "))", 'shape=circle, style=filled, fillcolor="#f1f3f4"', "terminal")),
    _END: Node(_END, "end", ("(((", ")))", 'shape=doublecircle, style=filled, fillcolor="#f1f3f4"', "terminal")),
}


# --- the graph ------------------------------------------------------------------------------


def workflow_graph(document: dict[str, Any]) -> Graph:
    """The nodes and edges of a (valid) workflow document; transitions naming no task are left out."""
    nodes: list[Node] = []
    ids: dict[str, str] = {}
    for task in document.get("tasks") or []:
        key = task.get("key")
        if not isinstance(key, str) or not _KEY.fullmatch(key) or key in ids:
            continue
        ids[key] = f"t_{key}"
        title = _bounded(str(task.get("title") or ""))
        shape = _TASK_SHAPES.get(task.get("taskType"), _OTHER_SHAPE)
        nodes.append(Node(ids[key], f"{title}\n{key}", shape))
    edges: list[Edge] = []
    terminals: set[str] = set()
    for transition in document.get("transitions") or []:
        source, target = transition.get("fromTask"), transition.get("toTask")
        source_id = _START if source is None else ids.get(source)
        target_id = _END if target is None else ids.get(target)
        if source_id is None or target_id is None:
            continue
        terminals.update({source_id, target_id} & set(_TERMINALS))
        edges.append(Edge(source_id, target_id, edge_label(transition), bool(transition.get("onError"))))
    starts = [_TERMINALS[_START]] if _START in terminals else []
    ends = [_TERMINALS[_END]] if _END in terminals else []
    return Graph(tuple(starts + nodes + ends), tuple(edges))


def edge_label(transition: dict[str, Any]) -> str:
    """What a transition's edge says: the errors it catches, its condition, its priority when not 0."""
    parts = []
    errors = transition.get("onError")
    if errors:
        parts.append("on " + ", ".join(str(error) for error in errors))
    if transition.get("condition") is not None:
        parts.append(condition_text(transition["condition"]))
    if transition.get("priority"):
        parts.append(f"priority {transition['priority']}")
    return _bounded("; ".join(parts))


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _bounded(text: str) -> str:
    """One line of at most MAX_LABEL_CHARS: control characters (which XML cannot hold) and runs of white space
    as one space."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + _ELLIPSIS


class _Full(Exception):
    pass


def condition_text(logic: Any) -> str:
    """A compact, bounded rendering of a JsonLogic expression: `var`s as their paths, comparisons
    and `and`/`or` infix, `!` as `not`, other operators as calls, literals as JSON. Stops
    after MAX_LABEL_CHARS characters, whatever the expression's size."""
    parts: list[str] = []
    size = 0

    def emit(text: str) -> None:
        nonlocal size
        parts.append(text)
        size += len(text)
        if size > MAX_LABEL_CHARS:
            raise _Full

    def literal(value: Any) -> None:
        if isinstance(value, str):
            emit(json.dumps(value[: MAX_LABEL_CHARS + 1], ensure_ascii=False))
        elif isinstance(value, list):
            emit("[")
            for index, item in enumerate(value):
                emit(", " if index else "")
                walk(item, 1)
            emit("]")
        elif isinstance(value, dict):
            emit("{…}")
        else:
            emit(json.dumps(value))

    def walk(node: Any, depth: int) -> None:
        if depth > _MAX_LOGIC_DEPTH:
            emit(_ELLIPSIS)
            return
        if not (isinstance(node, dict) and len(node) == 1):
            literal(node)
            return
        ((operator, args),) = node.items()
        args = args if isinstance(args, list) else [args]
        if operator == "var":
            emit(str(args[0]) if args and isinstance(args[0], str | int) else "data")
        elif operator in _INFIX and len(args) >= 2:
            for index, arg in enumerate(args):
                emit(f" {operator} " if index else "")
                bracketed(arg, depth)
        elif operator in ("!", "!!") and len(args) == 1:
            emit("not " if operator == "!" else "truthy ")
            bracketed(args[0], depth)
        else:
            emit(f"{operator}(")
            for index, arg in enumerate(args):
                emit(", " if index else "")
                walk(arg, depth + 1)
            emit(")")

    def bracketed(node: Any, depth: int) -> None:
        """An operand: in brackets when it is itself infix or negated."""
        inner = isinstance(node, dict) and len(node) == 1 and next(iter(node)) in _BRACKETED
        emit("(" if inner else "")
        walk(node, depth + 1)
        emit(")" if inner else "")

    with contextlib.suppress(_Full):  # the label is full: what was emitted so far is shown
        walk(logic, 0)
    return _bounded("".join(parts))


# --- Mermaid ----------------------------------------------------------------------------------


def _mermaid_text(text: str) -> str:
    """A label as a Mermaid quoted string: characters its parser or HTML labels read as entities."""
    escaped = "".join(f"#{ord(c)};" if c in '"#&<>`\\' else c for c in text)
    return '"' + escaped + '"'


def mermaid(document: dict[str, Any]) -> str:
    """The workflow as a Mermaid flowchart (top to bottom)."""
    graph = workflow_graph(document)
    lines = ["flowchart TD"]
    for node in graph.nodes:
        opening, closing, _dot, _class = node.shape
        label = "<br>".join(_mermaid_text(line)[1:-1] for line in node.label.split("\n"))
        lines.append(f'    {node.id}{opening}"{label}"{closing}')
    for edge in graph.edges:
        arrow = "-.->" if edge.error else "-->"
        label = f"|{_mermaid_text(edge.label)}|" if edge.label else ""
        lines.append(f"    {edge.source} {arrow}{label} {edge.target}")
    by_class: dict[str, list[str]] = {}
    for node in graph.nodes:
        by_class.setdefault(node.shape[3], []).append(node.id)
    for name, members in by_class.items():
        if name in _CLASS_STYLES:
            lines.append(f"    classDef {name} {_CLASS_STYLES[name]}")
        lines.append(f"    class {','.join(members)} {name}")
    return "\n".join(lines) + "\n"


# --- Graphviz ---------------------------------------------------------------------------------


def _dot_text(text: str) -> str:
    """A label as a DOT quoted string: backslashes (DOT's escapes such as \\N) and quotes escaped,
    `&` as an entity (Graphviz reads entities in labels), lines as \\n."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    return '"' + escaped.replace("\n", "\\n") + '"'


def dot_source(document: dict[str, Any]) -> str:
    """The workflow as a Graphviz DOT digraph (top to bottom)."""
    graph = workflow_graph(document)
    lines = [
        "digraph workflow {",
        '    graph [rankdir=TB, fontname="Helvetica"];',
        '    node [fontname="Helvetica", fontsize=11];',
        '    edge [fontname="Helvetica", fontsize=9];',
    ]
    for node in graph.nodes:
        lines.append(f'    "{node.id}" [{node.shape[2]}, label={_dot_text(node.label)}];')
    for edge in graph.edges:
        style = ', style=dashed, color="#d93025", fontcolor="#d93025"' if edge.error else ""
        lines.append(f'    "{edge.source}" -> "{edge.target}" [label={_dot_text(edge.label)}{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_program() -> str | None:
    """The path of Graphviz's dot, or None when it is not installed."""
    return shutil.which("dot")


def svg(document: dict[str, Any]) -> str:
    """The workflow as SVG, laid out by Graphviz's dot; DiagramUnavailable when it cannot be."""
    return layout_svg(dot_source(document))


def layout_svg(dot: str) -> str:
    """A DOT source (dot_source's) laid out as SVG by Graphviz's dot; DiagramUnavailable when it cannot be."""
    program = dot_program()
    if program is None:
        raise DiagramUnavailable("Graphviz (dot) is not installed on the server; ask for MERMAID instead.")
    source = dot.encode("utf-8")
    if len(source) > MAX_DOT_SOURCE_BYTES:
        raise DiagramUnavailable(f"The workflow is too large to draw as SVG ({len(source)} bytes of graph).")
    # The limits are set by a constant shell line (no preexec_fn: it is unsafe in threaded servers); the
    # program's path is $0, the source comes on standard input.
    limits = f'ulimit -v {DOT_MEMORY_BYTES // 1024} && ulimit -t {int(DOT_SECONDS) + 1} && exec "$0" -Tsvg'
    with tempfile.TemporaryDirectory(prefix="ticketflower-dot-") as workdir:
        try:
            finished = subprocess.run(
                ["/bin/sh", "-c", limits, program],
                input=source,
                capture_output=True,
                timeout=DOT_SECONDS,
                cwd=workdir,
                env={},
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise DiagramUnavailable(
                f"Graphviz did not lay out the workflow within {DOT_SECONDS} s; ask for MERMAID instead."
            ) from None
    if finished.returncode != 0 or not finished.stdout:
        reason = finished.stderr.decode("utf-8", "replace").strip()[:200] or f"exit status {finished.returncode}"
        raise DiagramUnavailable(f"Graphviz failed to draw the workflow ({reason}).")
    if len(finished.stdout) > MAX_SVG_BYTES:
        raise DiagramUnavailable(f"The drawing is too large ({len(finished.stdout)} bytes of SVG).")
    return finished.stdout.decode("utf-8")
