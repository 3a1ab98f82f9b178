"""The layouts of a workflow document or ticket definition against the layout contract
(workflow_design/layout_contract.py).

INVALID_LAYOUT (a syntax error, or a layout too costly to check), MISSING_COMPONENT,
IMPORT_NOT_ALLOWED, UNSAFE_LAYOUT (errors); UNKNOWN_LAYOUT_PROP and UNDECLARED_PROPERTY (warnings).
What a layout's source says is read once per source (layout_source.py, cached by its hash); what
that means depends on the kind of layout, the document (the task's outputSchema, the workflow's
fields) and the deployment's policy, and is decided here, for every check.

Time: each layout is read within LAYOUT_SECONDS, and one document's layouts within
DOCUMENT_LAYOUT_SECONDS (layouts read from the cache cost nothing); past either, the layout is
INVALID_LAYOUT, since an unread layout could hold anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from kernel.problems import Problem
from kernel.values import child
from workflow_design import document as doc
from workflow_design import layout_contract as contract

from . import layout_source
from .layout_source import LayoutFacts, Located, Position, Read, TooCostly, layout_facts
from .model import TaskView
from .problems import SUGGESTION_BUDGET, closest, error, hint, quoted_list, warning
from .types import UNKNOWN, ValueType, of_field, of_schema

LAYOUT_SECONDS = 0.5
DOCUMENT_LAYOUT_SECONDS = 4.0
# Problems of one check of one layout (imports; the props and properties it reads): cached facts cost no
# time to read, so a document of 2,000 layouts reading 1,000 undeclared properties each must not make 2
# million warnings. The escaping constructs are reported once each: at most ESCAPES of them.
MAX_PROBLEMS_PER_CHECK = 20

# Who declares what a derived prop holds, for UNDECLARED_PROPERTY's message.
_DECLARED_BY = {
    contract.OUTPUT: "the task's outputSchema",
    contract.FIELD_VALUES: "the workflow's fields",
    contract.OUTPUTS: "the workflow's tasks and their outputSchemas",
}
_OBJECT_KINDS = frozenset({"object", "null"})


class LayoutShapes:
    """What the derived props hold in one document, read when a layout first reads them: the ticket's
    field values (exactly the workflow's fields) and each task's output."""

    def __init__(
        self,
        field_types: dict[str, str] | None,
        tasks: Sequence[TaskView] = (),
        output_type: Callable[[str], ValueType | None] = lambda key: None,
    ) -> None:
        """`field_types` None: unknown (a ticket definition whose workflow was not found); `output_type`:
        the output of the first task of a key (rules.Variables.output_type, which reads each once), None
        where its outputSchema has problems of its own (the output is then not judged)."""
        self._field_types, self._output_type = field_types, output_type
        self._first_tasks: dict[str, int] = {}  # in document order
        for task in tasks:
            if task.key is not None:
                self._first_tasks.setdefault(task.key, task.index)

    @cached_property
    def fields(self) -> ValueType:
        if self._field_types is None:
            return UNKNOWN
        return _closed_object({name: of_field(field_type) for name, field_type in self._field_types.items()})

    @cached_property
    def outputs(self) -> ValueType:
        return _closed_object({key: self._output_type(key) or UNKNOWN for key in self._first_tasks})

    def output(self, task: TaskView | None) -> ValueType:
        """The task's output; not judged (UNKNOWN) for a second task of a key, already a DUPLICATE_KEY."""
        if task is None or task.key is None or self._first_tasks.get(task.key) != task.index:
            return UNKNOWN
        return self._output_type(task.key) or UNKNOWN


def _closed_object(properties: dict[str, ValueType]) -> ValueType:
    return ValueType(frozenset({"object"}), properties=properties, closed=True)


def check_workflow_layouts(
    document: dict[str, Any], tasks: list[TaskView], shapes: LayoutShapes, skip: set[str]
) -> list[Problem]:
    """The workflow's displayLayout and each task's layouts; `skip`: paths with problems already (a layout
    that is no text, too long, or not allowed for its task type)."""
    checker = LayoutChecker(contract.layout_policy(), shapes)
    problems = checker.check_props(document, doc.WORKFLOW, "", skip)
    for task in tasks:
        problems += checker.check_props(task.data, doc.TASK, task.path, skip, task)
    return problems


def check_ticket_layouts(document: dict[str, Any], field_types: dict[str, str] | None, skip: set[str]) -> list[Problem]:
    """A ticket definition's layouts; `field_types` None when its workflow was not found (the fields'
    properties are then not checked)."""
    checker = LayoutChecker(contract.layout_policy(), LayoutShapes(field_types))
    return checker.check_props(document, doc.TICKET_DEFINITION, "", skip)


@dataclass
class LayoutChecker:
    """The layouts of one document, checked within one time budget and one budget of "did you mean"
    lookups (each compares a name with every property a schema declares)."""

    policy: contract.LayoutPolicy
    shapes: LayoutShapes
    spent: float = 0.0  # seconds spent reading layouts
    suggestions: int = SUGGESTION_BUDGET

    def suggest(self, name: str, candidates: list[str]) -> str:
        """ " Did you mean 'x'?" while the budget lasts."""
        if self.suggestions <= 0:
            return ""
        self.suggestions -= 1
        return hint(closest(name, candidates))

    def check_props(
        self, data: dict[str, Any], obj: doc.DocObject, path: str, skip: set[str], task: TaskView | None = None
    ) -> list[Problem]:
        problems = []
        for prop in _LAYOUT_PROPS[obj.name]:
            source, layout_path = data.get(prop.name), child(path, prop.name)
            if isinstance(source, str) and layout_path not in skip:
                problems += self.check(source, layout_path, contract.LAYOUT_KINDS[prop.content or ""], task)
        return problems

    def check(self, source: str, path: str, kind: contract.LayoutKind, task: TaskView | None = None) -> list[Problem]:
        """The problems of one layout of `kind` at `path`; `task`: the task of a task's layouts."""
        facts = self._facts(source, path)
        if isinstance(facts, Problem):
            return [facts]
        if facts.syntax_error is not None:
            return [
                error("INVALID_LAYOUT", path, f"Syntax error at {facts.syntax_error.at}: {facts.syntax_error.message}")
            ]
        problems = []
        if facts.missing_component is not None:
            problems.append(error("MISSING_COMPONENT", path, _located(facts.missing_component)))
        problems += self._imports(facts, path)
        problems += self._escapes(facts, path)
        problems += _Reads(self, kind, task, path).problems(facts.reads)
        return problems

    def _facts(self, source: str, path: str) -> LayoutFacts | Problem:
        remaining = DOCUMENT_LAYOUT_SECONDS - self.spent
        started = time.perf_counter()
        try:
            return layout_facts(source, started + max(0.0, min(LAYOUT_SECONDS, remaining)))
        except TooCostly as costly:
            if costly.what == "memory":
                why = f"reading it needed more than {layout_source.MAX_PARSE_MEMORY_BYTES // 2**20} MiB."
            elif remaining <= LAYOUT_SECONDS:
                why = (
                    f"this document's layouts took more than {DOCUMENT_LAYOUT_SECONDS:g} s to check; the layouts "
                    "checked are remembered, so sending the document again checks the next ones."
                )
            else:
                why = f"it took more than {LAYOUT_SECONDS:g} s to read. Is it JavaScript (JSX or TSX)?"
            return error("INVALID_LAYOUT", path, f"The layout was not checked: {why}")
        finally:
            self.spent += time.perf_counter() - started

    def _imports(self, facts: LayoutFacts, path: str) -> list[Problem]:
        allowed = " and ".join(f"'{module}'" for module in self.policy.modules)
        problems = []
        for found in facts.imports:
            if found.module is None:
                message = f"{found.how} of a module named when the layout runs; a layout imports {allowed} by name."
            elif not self.policy.may_import(found.module):
                message = f"a layout may import only {allowed} (and their subpaths), not '{found.module}'."
            else:
                continue
            problems.append(error("IMPORT_NOT_ALLOWED", path, _at(found.at, message)))
            if len(problems) == MAX_PROBLEMS_PER_CHECK:
                break
        return problems

    def _escapes(self, facts: LayoutFacts, path: str) -> list[Problem]:
        problems = []
        for construct, at in facts.escapes:
            category = contract.ESCAPES[construct].category
            if category not in self.policy.allowed_escapes:
                problems.append(
                    error(
                        "UNSAFE_LAYOUT",
                        path,
                        _at(
                            at,
                            f"{construct} {contract.ESCAPE_CATEGORIES[category]}; a layout renders inside the "
                            f"frontend and may not use it (the setting {contract.ALLOWED_ESCAPES_SETTING} can allow "
                            f"'{category}').",
                        ),
                    )
                )
        return problems


class _Reads:
    """The props a layout reads, and the properties below them, against what its kind receives."""

    def __init__(self, checker: LayoutChecker, kind: contract.LayoutKind, task: TaskView | None, path: str) -> None:
        self.checker, self.shapes, self.kind, self.task, self.path = checker, checker.shapes, kind, task, path
        self.reported: set[tuple[str, tuple[str | int, ...]]] = set()

    def problems(self, reads: Iterable[Read]) -> list[Problem]:
        """At most MAX_PROBLEMS_PER_CHECK, the first in the source's order."""
        problems = []
        for read in reads:
            prop = self.kind.by_name.get(read.prop)
            problem = self._unknown_prop(read) if prop is None else self._undeclared(read, prop)
            if problem is not None:
                problems.append(problem)
                if len(problems) == MAX_PROBLEMS_PER_CHECK:
                    break
        return problems

    def _unknown_prop(self, read: Read) -> Problem | None:
        if (read.prop, ()) in self.reported:
            return None
        self.reported.add((read.prop, ()))
        names = [prop.name for prop in self.kind.props]
        return warning(
            "UNKNOWN_LAYOUT_PROP",
            self.path,
            _at(read.at, f"{self.kind.name} receives no prop '{read.prop}' (props: {quoted_list(names)}).")
            + self.checker.suggest(read.prop, names),
        )

    def _undeclared(self, read: Read, prop: contract.LayoutProp) -> Problem | None:
        """UNDECLARED_PROPERTY at the first property of the read that its object does not declare. Only
        objects whose properties are declared are judged: below anything else (a string's length, an
        array's map, a value of unknown shape) every property may exist."""
        if not read.path:
            return None
        current = self._type(prop)
        for index, (segment, at) in enumerate(read.path):
            if isinstance(segment, int):
                if current.kinds is None or "array" not in current.kinds:
                    return None
                current = current.items or UNKNOWN
                continue
            declared = current.properties
            if current.kinds is None or not current.kinds <= _OBJECT_KINDS or (declared is None and not current.closed):
                return None
            if segment in (declared or {}):
                current = (declared or {})[segment]
                continue
            key = (read.prop, tuple(s for s, _ in read.path[: index + 1]))
            if key in self.reported:
                return None
            self.reported.add(key)
            return self._undeclared_problem(read, prop, index, list(declared or {}), at)
        return None

    def _undeclared_problem(
        self, read: Read, prop: contract.LayoutProp, index: int, names: list[str], at: Position
    ) -> Problem:
        segments = [str(segment) for segment, _ in read.path]
        owner = _DECLARED_BY.get(prop.derived_from or "", "the layout contract")
        parent = ".".join([read.prop, *segments[:index]])
        has = f"the properties {quoted_list(names)}" if names else "no properties"
        return warning(
            "UNDECLARED_PROPERTY",
            self.path,
            _at(at, f"{parent}.{segments[index]} is not declared ({parent} has {has}, from {owner}).")
            + self.checker.suggest(segments[index], names),
        )

    def _type(self, prop: contract.LayoutProp) -> ValueType:
        if prop.derived_from == contract.OUTPUT:
            return self.shapes.output(self.task)
        if prop.derived_from == contract.FIELD_VALUES:
            return self.shapes.fields
        if prop.derived_from == contract.OUTPUTS:
            return self.shapes.outputs
        return _FIXED_TYPES[self.kind.layout, prop.name]


# The layouts of each object of a document.
_LAYOUT_PROPS = {
    obj.name: [prop for prop in obj.props if prop.content in contract.LAYOUT_KINDS]
    for obj in (doc.WORKFLOW, doc.TASK, doc.TICKET_DEFINITION)
}
# The props the contract gives a fixed shape (a JSON Schema), read once; UNKNOWN for the others.
_FIXED_TYPES = {
    (kind.layout, prop.name): of_schema(prop.shape) if prop.shape is not None else UNKNOWN
    for kind in contract.LAYOUT_KINDS.values()
    for prop in kind.props
}


def _at(position: Position, message: str) -> str:
    text = str(position)
    return f"{text[0].upper()}{text[1:]}: {message}"


def _located(located: Located) -> str:
    return _at(located.at, located.message)
