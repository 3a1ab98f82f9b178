"""schema/stack.py: on CPython 3.11, a loop calling across a frame-stack chunk
boundary maps and unmaps a chunk per call (python/cpython#142183); run in a roomy chunk,
the same loop does not."""

import resource
import sys

import pytest

from schema.stack import run_in_roomy_stack_chunk

CALLS = 2_000


def leaf(a=0, b=0, c=0, d=0):
    return a


def loop_at_depth(depth: int) -> None:
    if depth:
        return loop_at_depth(depth - 1)
    for _ in range(CALLS):
        leaf()
    return None


def worst_faults(run) -> int:
    """The most minor page faults of CALLS calls made at any depth over ~2 chunks."""
    worst = 0
    for depth in range(0, 200):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        run(lambda depth=depth: loop_at_depth(depth))
        worst = max(worst, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    return worst


def test_returns_the_value_and_raises_the_error():
    assert run_in_roomy_stack_chunk(lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        run_in_roomy_stack_chunk(lambda: 1 / 0)


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the chunk thrashing is CPython 3.11's")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts page faults with getrusage (Linux)")
@pytest.mark.skipif(
    sys.gettrace() is not None or sys.getprofile() is not None,
    reason="under a tracer or profiler (coverage...) the workaround stands aside",
)
def test_a_loop_at_a_chunk_boundary_stops_mapping_memory_per_call():
    assert worst_faults(lambda call: call()) >= CALLS  # the problem exists: one fault per call somewhere
    assert worst_faults(run_in_roomy_stack_chunk) < CALLS / 10


def test_the_graphql_view_executes_in_a_roomy_chunk(gql, tenant_a, monkeypatch):
    import schema.views

    calls = []

    def recording(call):
        calls.append(call)
        return call()

    monkeypatch.setattr(schema.views, "run_in_roomy_stack_chunk", recording)
    assert gql.data("{ me { username } }", token=tenant_a.token)["me"]["username"] == tenant_a.admin.username
    assert len(calls) == 1
