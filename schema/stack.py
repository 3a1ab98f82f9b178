"""A workaround for CPython 3.11's frame stack thrashing (python/cpython#142183).

CPython keeps Python frames in 16 KiB chunks and frees a chunk (munmap) as soon as the
frame at its start returns. A loop that calls across a chunk boundary therefore maps and
unmaps a chunk on every call: a GraphQL answer of ~3,000 objects completes ~25,000
fields from a loop that can sit right at such a boundary, which under gunicorn cost
8,000 mmap/munmap pairs (and their page faults) per request, about 60 ms. Where the
boundary falls depends on everything already on the stack, so it varies between servers,
middleware and queries. CPython 3.13.13 and 3.14 keep a spare chunk; 3.11 does not.

`run_in_roomy_stack_chunk` runs a call on top of a frame too large for the current chunk,
so CPython starts a new 256 KiB chunk with that frame at its base and the call's frames
above it: a GraphQL execution (depth limited to 15 levels) stays inside that one chunk,
and the chunk is mapped once per request instead of once per object (about 0.1 ms).
"""

import sys
from collections.abc import Callable
from typing import TypeVar

R = TypeVar("R")

# Locals of the roomy frame: 17,000 slots (136 KiB) do not fit the 16 KiB chunk, so CPython
# allocates the next power of two that does, 256 KiB, leaving ~120 KiB for the call.
_ROOMY_FRAME_SLOTS = 17_000


def _compile_roomy_runner() -> Callable[[Callable[[], R]], R]:
    names = ", ".join(f"_{i}" for i in range(_ROOMY_FRAME_SLOTS))
    # Never executed: `del` only makes the names locals of `run`, which sizes its frame.
    source = f"def run(call):\n    if False:\n        del {names}\n    return call()\n"
    namespace: dict = {}
    exec(compile(source, __name__, "exec"), namespace)  # our own generated source, above
    return namespace["run"]


_run_in_roomy_frame = _compile_roomy_runner() if sys.version_info[:2] == (3, 11) else None


def run_in_roomy_stack_chunk(call: Callable[[], R]) -> R:
    # Under a Python profiler or tracer the call runs as is: profilers that read frame
    # locals on every sample (pyinstrument) would walk the roomy frame's 17,000 slots each time.
    if _run_in_roomy_frame is None or sys.getprofile() is not None or sys.gettrace() is not None:
        return call()
    return _run_in_roomy_frame(call)
