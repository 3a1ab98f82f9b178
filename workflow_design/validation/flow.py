"""Which tasks have run when a rule is evaluated: data flow along the workflow graph.

For each task, the tasks that have certainly run before it is entered (on every path from
a start) and those that may have run (on some path). A transition from task S is evaluated
right after S: S has run too. A start transition is evaluated before any task.

Sets are bit masks (one bit per task key).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .model import TransitionView


@dataclass(frozen=True)
class Arrival:
    """A way into a place: the transition taken and the task it came from (None: a start)."""

    transition_path: str
    source: str | None


@dataclass(frozen=True)
class RunState:
    """What has run when a rule is evaluated: bit masks over the DataFlow's task keys."""

    flow: DataFlow
    certain: int
    possible: int
    # How the place is entered, with what had certainly run on each way: to say which path
    # leaves a task unrun.
    arrivals: tuple[tuple[Arrival, int], ...] = ()

    def certainly_ran(self, key: str) -> bool:
        return bool(self.certain & self.flow.bit.get(key, 0))

    def may_have_run(self, key: str) -> bool:
        return bool(self.possible & self.flow.bit.get(key, 0))

    def missing_on(self, key: str) -> Arrival | None:
        """The first way in on which task `key` has not certainly run."""
        bit = self.flow.bit.get(key, 0)
        for arrival, certain in self.arrivals:
            if not certain & bit:
                return arrival
        return None


class DataFlow:
    """Tasks run before each task; built from the transitions whose ends resolve.

    Certainly run before entering a task: the tasks on every path from a start to it, its
    strict dominators (Cooper, Harvey and Kennedy's iterative algorithm over reverse
    postorder). Possibly run: the tasks from which it can be reached, itself too when it is
    on a loop (strongly connected components, in topological order). Both in time about
    linear in the transitions, with one bit per task in Python integers.

    An action that fails leaves no output (tasks.<key> is null after a failed visit): its error
    transitions leave a node of their own, "the action failed", entered the ways the action is,
    so that what they lead to knows only what had run before the action.
    """

    def __init__(self, keys: list[str], transitions: list[TransitionView]) -> None:
        self.bit = {key: 1 << index for index, key in enumerate(keys)}
        self.entries: dict[str, list[TransitionView]] = defaultdict(list)
        root = len(keys)  # a virtual task before the start transitions
        index = {key: i for i, key in enumerate(keys)}
        successors: list[list[int]] = [[] for _ in range(root + 1)]
        failed: dict[int, int] = {}  # an action with error transitions -> its "failed" node
        for transition in transitions:
            if transition.target is None or transition.target not in index:
                continue
            self.entries[transition.target].append(transition)
            source = root if transition.source is None else index.get(transition.source)
            if source is not None and transition.is_error_route and source != root:
                if source not in failed:
                    failed[source] = len(successors)
                    successors.append([])
                source = failed[source]
            if source is not None:
                successors[source].append(index[transition.target])
        for node in range(len(successors)):  # a failed node is entered wherever its action is
            successors[node].extend(failed[target] for target in list(successors[node]) if target in failed)
        order = _postorder(root, successors)
        predecessors: list[list[int]] = [[] for _ in successors]
        for node in order:
            for target in successors[node]:
                predecessors[target].append(node)
        dominators = _immediate_dominators(root, order, predecessors)
        # In reverse postorder a node's immediate dominator comes before it.
        certain: dict[int, int] = {root: 0}
        for node in reversed(order):
            if node != root:
                parent = dominators[node]
                certain[node] = 0 if parent == root else certain[parent] | (1 << parent)
        possible = _possible(root, order, successors)
        self.certain = {keys[node]: mask for node, mask in certain.items() if node < root}
        self.possible = {keys[node]: possible[node] for node in certain if node < root}
        self._before: dict[str, RunState] = {}

    def _arrivals(self, key: str) -> tuple[tuple[Arrival, int], ...]:
        ways = []
        for transition in self.entries.get(key, ()):
            if transition.source is None:
                ways.append((Arrival(transition.path, None), 0))
            elif transition.source in self.certain:
                # After a failure, the action has no output: only what ran before it.
                ran = 0 if transition.is_error_route else self.bit[transition.source]
                ways.append((Arrival(transition.path, transition.source), self.certain[transition.source] | ran))
        return tuple(ways)

    def before_task(self, key: str | None) -> RunState | None:
        """What has run when task `key` is entered (its transforms are evaluated); None when
        it is never entered (reported as unreachable) or unknown."""
        if key is None or key not in self.certain:
            return None
        if key not in self._before:
            self._before[key] = RunState(self, self.certain[key], self.possible[key], self._arrivals(key))
        return self._before[key]

    def after_failure(self, key: str) -> RunState | None:
        """What has run when the error transitions leaving action `key` are tried: what ran before it (the
        failed visit left no output)."""
        return self.before_task(key)

    def after_task(self, key: str | None) -> RunState | None:
        """What has run when the transitions leaving task `key` are tried (None: a start)."""
        if key is None:
            return RunState(self, 0, 0)
        before = self.before_task(key)
        if before is None:
            return None
        bit = self.bit[key]
        return RunState(self, before.certain | bit, before.possible | bit, before.arrivals)


def _postorder(root: int, successors: list[list[int]]) -> list[int]:
    """The nodes reachable from `root`, in depth-first postorder (iteratively: no recursion limit)."""
    order: list[int] = []
    seen = {root}
    stack = [(root, iter(successors[root]))]
    while stack:
        node, pending = stack[-1]
        for target in pending:
            if target not in seen:
                seen.add(target)
                stack.append((target, iter(successors[target])))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def _immediate_dominators(root: int, order: list[int], predecessors: list[list[int]]) -> dict[int, int]:
    position = {node: i for i, node in enumerate(order)}  # postorder numbers
    dominators = {root: root}
    changed = True
    while changed:
        changed = False
        for node in reversed(order):
            if node == root:
                continue
            chosen = -1
            for parent in predecessors[node]:
                if parent not in dominators:
                    continue
                if chosen < 0:
                    chosen = parent
                    continue
                a, b = parent, chosen  # walk both up the dominator tree until they meet
                while a != b:
                    while position[a] < position[b]:
                        a = dominators[a]
                    while position[b] < position[a]:
                        b = dominators[b]
                chosen = a
            if dominators.get(node) != chosen:
                dominators[node] = chosen
                changed = True
    return dominators


def _possible(root: int, order: list[int], successors: list[list[int]]) -> dict[int, int]:
    """For each reachable node, the mask of nodes from which it can be reached (itself when on a
    loop), the virtual root aside."""
    components = _components(order, successors)
    component_of = {node: c for c, members in enumerate(components) for node in members}
    # Tarjan's algorithm lists components in reverse topological order.
    reach: list[int] = [0] * len(components)
    masks: list[int] = [0] * len(components)
    cyclic: list[bool] = [False] * len(components)
    for c, members in enumerate(components):
        for node in members:
            if node != root:
                masks[c] |= 1 << node
            cyclic[c] |= len(members) > 1 or node in successors[node]
    for c in reversed(range(len(components))):
        after = reach[c] | masks[c]
        for node in components[c]:
            for target in successors[node]:
                other = component_of[target]
                if other != c:
                    reach[other] |= after
    return {
        node: reach[component_of[node]] | (masks[component_of[node]] if cyclic[component_of[node]] else 0)
        for node in order
    }


def _components(order: list[int], successors: list[list[int]]) -> list[list[int]]:
    """Strongly connected components of the reachable nodes (Tarjan, iteratively), in reverse
    topological order."""
    number: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    components: list[list[int]] = []
    for start in reversed(order):
        if start in number:
            continue
        work = [(start, iter(successors[start]))]
        number[start] = low[start] = len(number)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            for target in pending:
                if target not in number:
                    number[target] = low[target] = len(number)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(successors[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], number[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == number[node]:
                    members = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        members.append(member)
                        if member == node:
                            break
                    components.append(members)
    return components
