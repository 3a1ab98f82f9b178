"""What changed between two workflow documents: a structured change list for reviewers.

Pure: two documents in (stored versions, or a proposed document against a stored one), the
changes out; no database. The comparison follows the document's declared shape
(`workflow_design.document`), so a prop declared later is compared without a change here.

Identity, which decides whether an entry was changed or removed and added:

* the workflow itself: its props other than the three lists below;
* a field: its `fieldName`; a task: its `key` (a renamed key is a removal and an addition);
* a transition: its ends (`fromTask`, `toTask`) and its occurrence among the transitions
  with the same ends, in document order (0 for the first), so a changed condition or
  priority is a CHANGED transition naming `condition` / `priority`.

Order: tasks and fields have no meaning by their place in the list, so moving one is no
change. Transitions leaving one task are tried in document order among equal priorities,
so a transition that moved among its task's outgoing transitions is CHANGED with the
pseudo-property `order`: the fewest moves that explain the new order (those outside a longest
increasing subsequence of the kept transitions' new places).

The documents' canonical forms are compared (`workflow_design.codec`: what an upload stores), whose
lists keep their order, so the pointers hold for the documents as given. Values are compared as
JSON text (`kernel.values.json_text`: 1, 1.0 and true differ, key order does not), each once:
linear in the documents' sizes. Changes come in a fixed order:
the workflow, then fields, tasks, transitions; within each, removals in the old document's
order, then additions and changes in the new document's order.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from kernel.values import json_text
from workflow_design import document as doc
from workflow_design.codec import EDIT_TARGET_PROPS, canonical

ADDED = "ADDED"
REMOVED = "REMOVED"
CHANGED = "CHANGED"
KINDS = (ADDED, REMOVED, CHANGED)

WORKFLOW = "WORKFLOW"
FIELD = "FIELD"
TASK = "TASK"
TRANSITION = "TRANSITION"
SUBJECTS = (WORKFLOW, FIELD, TASK, TRANSITION)

# A transition that moved among its task's outgoing transitions (see the module's docstring).
ORDER = "order"


@dataclass(frozen=True)
class Change:
    kind: str  # one of KINDS
    what: str  # one of SUBJECTS
    key: str | None  # a field's fieldName or a task's key; None for the workflow and transitions
    from_task: str | None  # transitions: their ends and occurrence; None otherwise
    to_task: str | None
    occurrence: int | None
    properties: tuple[str, ...]  # CHANGED: the props that differ, in declared order (ORDER last)
    from_path: str | None  # JSON Pointer into the old document; None for an addition
    to_path: str | None  # JSON Pointer into the new document; None for a removal


@dataclass(frozen=True)
class _Entry:
    identity: Hashable
    index: int
    value: dict[str, Any]


@dataclass(frozen=True)
class _Listed:
    """A list of the document whose entries have an identity."""

    prop: str
    what: str
    identity: Callable[[dict[str, Any], dict[Hashable, int]], Hashable]
    ends: tuple[str, ...]  # the props that make the identity (not compared as properties)


def _by_prop(name: str) -> Callable[[dict[str, Any], dict[Hashable, int]], Hashable]:
    return lambda value, _seen: value.get(name)


def _by_ends(value: dict[str, Any], seen: dict[Hashable, int]) -> Hashable:
    ends = (value.get("fromTask"), value.get("toTask"))
    occurrence = seen.get(ends, 0)
    seen[ends] = occurrence + 1
    return (*ends, occurrence)


_LISTS = (
    _Listed("fields", FIELD, _by_prop("fieldName"), ("fieldName",)),
    _Listed("tasks", TASK, _by_prop("key"), ("key",)),
    _Listed("transitions", TRANSITION, _by_ends, ("fromTask", "toTask")),
)
# The workflow's own props: all but the lists above and which stored workflow an upload edits.
_NOT_WORKFLOW_PROPS = {listed.prop for listed in _LISTS}.union(EDIT_TARGET_PROPS)
_WORKFLOW_PROPS = tuple(prop.name for prop in doc.WORKFLOW.props if prop.name not in _NOT_WORKFLOW_PROPS)


def workflow_diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """The changes that make `old` into `new` (documents in the upload format, valid ones), compared in their
    canonical forms: an absent, a null and an empty list are alike, as for an upload."""
    old, new = canonical(doc.WORKFLOW, old), canonical(doc.WORKFLOW, new)
    changes: list[Change] = []
    differing = _differing(old, new, _WORKFLOW_PROPS)
    if differing:
        changes.append(Change(CHANGED, WORKFLOW, None, None, None, None, differing, "", ""))
    for listed in _LISTS:
        changes.extend(_list_changes(listed, old.get(listed.prop) or [], new.get(listed.prop) or []))
    return changes


def _differing(old: dict[str, Any], new: dict[str, Any], props: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in props if json_text(old.get(name)) != json_text(new.get(name)))


def _entries(listed: _Listed, values: list[Any]) -> dict[Hashable, _Entry]:
    """The entries by identity; a repeated identity (only in an invalid document) keeps the first."""
    seen: dict[Hashable, int] = {}
    entries: dict[Hashable, _Entry] = {}
    for index, value in enumerate(values):
        if isinstance(value, dict):
            identity = listed.identity(value, seen)
            entries.setdefault(identity, _Entry(identity, index, value))
    return entries


def _list_changes(listed: _Listed, old_values: list[Any], new_values: list[Any]) -> list[Change]:
    item = doc.WORKFLOW.prop(listed.prop).item_object
    compared = tuple(prop.name for prop in item.props if prop.name not in listed.ends)
    old, new = _entries(listed, old_values), _entries(listed, new_values)
    moved = _moved(old, new) if listed.what == TRANSITION else set()

    def change(kind: str, identity: Hashable, properties: tuple[str, ...] = ()) -> Change:
        before, after = old.get(identity), new.get(identity)
        path = f"/{listed.prop}/"
        transition = identity if isinstance(identity, tuple) else None  # (fromTask, toTask, occurrence)
        return Change(
            kind,
            listed.what,
            identity if isinstance(identity, str) else None,
            transition[0] if transition else None,
            transition[1] if transition else None,
            transition[2] if transition else None,
            properties,
            None if before is None else f"{path}{before.index}",
            None if after is None else f"{path}{after.index}",
        )

    changes = [change(REMOVED, identity) for identity in old if identity not in new]
    for identity, entry in new.items():
        before = old.get(identity)
        if before is None:
            changes.append(change(ADDED, identity))
            continue
        differing = _differing(before.value, entry.value, compared) + ((ORDER,) if identity in moved else ())
        if differing:
            changes.append(change(CHANGED, identity, differing))
    return changes


def _moved(old: dict[Hashable, _Entry], new: dict[Hashable, _Entry]) -> set[Hashable]:
    """Transitions kept in both documents whose place among their task's outgoing transitions
    changed: per task, those outside a longest increasing subsequence of their new places
    taken in the old order (the fewest moves that explain the new order)."""
    kept_by_task: dict[Any, list[Hashable]] = {}
    for identity, entry in sorted(old.items(), key=lambda pair: pair[1].index):
        if identity in new:
            kept_by_task.setdefault(entry.value.get("fromTask"), []).append(identity)
    moved: set[Hashable] = set()
    for kept in kept_by_task.values():
        staying = _longest_increasing(kept, [new[identity].index for identity in kept])
        moved.update(identity for identity in kept if identity not in staying)
    return moved


def _longest_increasing(items: list[Hashable], places: list[int]) -> set[Hashable]:
    """The items of a longest strictly increasing subsequence of `places` (patience sorting, n log n)."""
    tails: list[int] = []  # tails[k]: the smallest place ending an increasing run of length k + 1
    tail_at: list[int] = []  # the position (in items) of that tail
    previous: list[int] = [-1] * len(items)
    for position, place in enumerate(places):
        length = bisect_left(tails, place)
        if length == len(tails):
            tails.append(place)
            tail_at.append(position)
        else:
            tails[length] = place
            tail_at[length] = position
        previous[position] = tail_at[length - 1] if length else -1
    staying: set[Hashable] = set()
    position = tail_at[-1] if tail_at else -1
    while position >= 0:
        staying.add(items[position])
        position = previous[position]
    return staying
