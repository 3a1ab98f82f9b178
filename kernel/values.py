"""Client values the database cannot take, recognised once for every entry point."""

import json
import re
from collections.abc import Iterator
from typing import Any, TypeAlias

import orjson

# ASCII digits within a 64-bit primary key; used with fullmatch ("$" would accept "4\n").
_ID = re.compile(r"[0-9]{1,18}")
# PostgreSQL stores no NUL in text or jsonb, and UTF-8 has no unpaired surrogates.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# In JSON text a lone surrogate stays itself and a NUL becomes the escape \u0000.

# Where a walked value sits: (the parent's trail, its key or index), None for the root.
_Trail: TypeAlias = "tuple[_Trail, object] | None"


def json_bytes(value: Any) -> int:
    """The size of a JSON value as compact UTF-8 JSON text: orjson's speed, and the json module
    for what orjson refuses (an integer beyond 64 bits)."""
    try:
        return len(orjson.dumps(value))
    except orjson.JSONEncodeError:
        return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass"))


def json_text(value: Any) -> bytes:
    """A JSON value as compact text with sorted keys: two values have the same text exactly when they
    are the same JSON, which Python's == does not tell (it takes 1, 1.0 and true for one another)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
            "utf-8", "surrogatepass"
        )


def parse_id(value: Any) -> int | None:
    """The primary key an id names, or None for a malformed one (which then matches
    nothing, like an id that does not exist)."""
    return int(value) if isinstance(value, str | int) and _ID.fullmatch(str(value)) else None


def unstorable_text(value: Any, path: str = "") -> Iterator[str]:
    """JSON Pointers to the strings (values or object keys) holding a NUL character or an
    unpaired surrogate, anywhere in a JSON value. Iterative, and a pointer is only spelled
    out when found, so any depth costs time proportional to the size of the value."""
    if not _may_hold_unstorable_text(value):
        return
    pending: list[tuple[Any, _Trail]] = [(value, None)]  # (value, where it sits)
    seen: set[int] = set()  # a Python caller's self-containing value must not loop forever
    while pending:
        value, trail = pending.pop()
        if isinstance(value, dict | list):
            if id(value) in seen:
                continue
            seen.add(id(value))
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                yield path + _pointer(trail)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and _UNSTORABLE.search(key):
                    yield path + _pointer((trail, key))
                pending.append((item, (trail, key)))
        elif isinstance(value, list):
            pending.extend((item, (trail, index)) for index, item in enumerate(value))


def _may_hold_unstorable_text(value: Any) -> bool:
    """False when the value certainly holds no unstorable text: one orjson serialization and
    one byte search instead of a Python walk over every value (a workflow upload has ~25,000;
    about 20 times faster than json.dumps and a regular expression). orjson refuses unpaired
    surrogates (and values it cannot write: non-string keys, integers past 64 bits, nesting
    past 255 levels, cycles), and writes NUL as an escape: in both cases the walk decides (a
    literal backslash-u0000 typed by the client also reaches it)."""
    try:
        text = orjson.dumps(value)
    except orjson.JSONEncodeError:
        return True
    return b"\\u0000" in text


def _pointer(trail: _Trail) -> str:
    tokens: list[object] = []
    while trail is not None:
        trail, token = trail
        tokens.append(token)
    return child("", *reversed(tokens))


# --- JSON Pointer (RFC 6901) -----------------------------------------------------------


def child(path: str, *segments: Any) -> str:
    """Extend a JSON Pointer by reference tokens, escaping ~ and /."""
    for segment in segments:
        path += "/" + str(segment).replace("~", "~0").replace("/", "~1")
    return path


def split_pointer(path: str) -> list[str]:
    """The reference tokens of a JSON Pointer, unescaped."""
    if not path:
        return []
    return [token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")]
