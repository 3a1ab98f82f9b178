"""Hypothesis strategies of the fuzzing tests: arbitrary JSON (text a database may refuse
included), and random mutations of a valid document."""

import copy
from typing import Any

from hypothesis import strategies as st

# --- arbitrary JSON ---------------------------------------------------------------------

# Text a database may refuse: NUL (no SQL text or jsonb string holds it) and a lone surrogate (not UTF-8).
_UNSTORABLE = ["\x00", "\ud800"]
TEXT = st.text(max_size=12) | st.sampled_from(["", " ", "~", "/", "a/b~c", "é", "FORM", "triage", "12", *_UNSTORABLE])
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and infinities too: a Python caller can pass them
    | TEXT
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(TEXT, children, max_size=5),
    max_leaves=25,
)


# --- mutations of a valid document -------------------------------------------------------

Path = tuple  # of str keys and int indices


def _paths(value: Any, prefix: Path = ()) -> list[Path]:
    """Every location below the root, in document order."""
    found: list[Path] = []
    if isinstance(value, dict):
        for key, child_value in value.items():
            found.append((*prefix, key))
            found += _paths(child_value, (*prefix, key))
    elif isinstance(value, list):
        for index, child_value in enumerate(value):
            found.append((*prefix, index))
            found += _paths(child_value, (*prefix, index))
    return found


def _parent(document: Any, path: Path) -> Any:
    node = document
    for token in path[:-1]:
        node = node[token]
    return node


def _delete(document: Any, path: Path, data: st.DataObject) -> None:
    del _parent(document, path)[path[-1]]


def _replace(document: Any, path: Path, data: st.DataObject) -> None:
    _parent(document, path)[path[-1]] = data.draw(JSON_VALUES, label="new value")


def _rename(document: Any, path: Path, data: st.DataObject) -> None:
    parent = _parent(document, path)
    if not isinstance(parent, dict):
        return
    old = path[-1]
    new = data.draw(
        TEXT | st.sampled_from([old.upper(), old.lower(), old + "s", old[:-1], f"{old}/x", "~"]), label="new key"
    )
    # Rebuild the object to keep the key's position.
    items = [(new if key == old else key, value) for key, value in parent.items()]
    parent.clear()
    parent.update(items)


def _duplicate(document: Any, path: Path, data: st.DataObject) -> None:
    parent = _parent(document, path)
    if isinstance(parent, list):
        parent.insert(data.draw(st.integers(0, len(parent)), label="at"), copy.deepcopy(parent[path[-1]]))


def _retext(document: Any, path: Path, data: st.DataObject) -> None:
    """Another string where there is one: the document mostly stays well-typed, and often valid."""
    parent = _parent(document, path)
    if isinstance(parent[path[-1]], str):
        unstorable = st.tuples(st.text(), st.sampled_from(_UNSTORABLE), st.text()).map("".join)
        text = TEXT | st.text(min_size=1) | unstorable
        parent[path[-1]] = data.draw(text, label="new text")


MUTATIONS = {"delete": _delete, "replace": _replace, "rename": _rename, "duplicate": _duplicate, "retext": _retext}


def _mutate_once(document: dict, data: st.DataObject) -> str:
    paths = _paths(document)
    lists = [name for name, value in document.items() if isinstance(value, list) and len(value) > 1]
    kind = data.draw(st.sampled_from([*MUTATIONS, "shuffle"] if lists else list(MUTATIONS)), label="mutation")
    if kind == "shuffle":
        name = data.draw(st.sampled_from(lists), label="list")
        document[name] = data.draw(st.permutations(document[name]), label=f"{name} shuffled")
        return f"shuffle /{name}"
    if not paths:
        return "nothing to mutate"
    path = data.draw(st.sampled_from(paths), label="path")
    MUTATIONS[kind](document, path, data)
    return f"{kind} {path}"


def retext_somewhere(document: dict, data: st.DataObject) -> dict:
    """One string of the document replaced by another, the document otherwise unchanged."""
    paths = [path for path in _paths(document) if isinstance(_parent(document, path)[path[-1]], str)]
    if paths:
        _retext(document, data.draw(st.sampled_from(paths), label="path"), data)
    return document


def mutate(document: dict, data: st.DataObject, max_mutations: int = 4) -> dict:
    for _ in range(data.draw(st.integers(1, max_mutations), label="mutations")):
        _mutate_once(document, data)
    return document
