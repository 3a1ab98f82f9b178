"""The scenario family at tenant scale (bench/run --scale): how each read's cost grows with a company's size.

Three companies of 1,000, 10,000 and 100,000 workflows (100 tasks each in the first two, 10 in the third: a million
tasks in each of the larger two) share the tables with 997 other tenants (bench/scale_seed.py fills them in bulk
SQL). For each company, through the production server (cold reads: `Cache-Control: no-cache`):

  first page    workflowDefinitions: the 50 last updated, with totalCount
  search        the same filtered by title iContains "urgent" (1% of the titles)
  by title      the first 50 in title order
  deep page     the last 50 in id order (last: 50)
  one workflow  R1's designer view (every field) of a 100-task workflow
  its tasks     taskDefinitions of that workflow (filter workflowId), 100 by position, with totalCount

Each is timed `iterations` times per company, the companies in turn, then sent once more with the statement
counter and once with EXPLAIN (ANALYZE, BUFFERS) of every SELECT it sends (bench/middleware.py), as the role the
server connects as: with row-level security unless the run is --as-owner.
"""

import functools
import json
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import client, queries
from kernel.global_ids import global_id

PAGE = 50


@dataclass(frozen=True)
class ScaleSizes:
    sizes: tuple[int, ...]  # workflows of each measured company
    tasks: dict[int, int]  # tasks per workflow, by company size
    first_tasks: int  # tasks of the workflow read whole
    filler_companies: int
    filler_workflows: int
    filler_tasks: int
    iterations: int
    warmup: int

    def seed_spec(self, password: str) -> dict:
        return {
            "sizes": list(self.sizes),
            "tasks": {str(size): tasks for size, tasks in self.tasks.items()},
            "first_tasks": self.first_tasks,
            "filler_companies": self.filler_companies,
            "filler_workflows": self.filler_workflows,
            "filler_tasks": self.filler_tasks,
            "password": password,
        }


FULL_SCALE = ScaleSizes(
    sizes=(1_000, 10_000, 100_000),
    tasks={1_000: 100, 10_000: 100, 100_000: 10},
    first_tasks=100,
    filler_companies=997,
    filler_workflows=10,
    filler_tasks=5,
    iterations=10,
    warmup=2,
)
SMOKE_SCALE = ScaleSizes(
    sizes=(10, 100, 1_000),
    tasks={10: 5, 100: 5, 1_000: 2},
    first_tasks=20,
    filler_companies=7,
    filler_workflows=3,
    filler_tasks=2,
    iterations=2,
    warmup=1,
)


@dataclass
class Scenario:
    name: str
    what: str
    request: Callable[[int, int], tuple[str, dict]]  # (company size, its first workflow id) -> (query, variables)


SCENARIOS = [
    Scenario(
        "first page",
        f"the {PAGE} last updated, totalCount",
        lambda size, first: (queries.SCALE_FIRST_PAGE, {"limit": PAGE}),
    ),
    Scenario(
        "search",
        'title iContains "urgent" (1% of titles), last updated first, totalCount',
        lambda size, first: (queries.SCALE_SEARCH, {"limit": PAGE, "text": "urgent"}),
    ),
    Scenario(
        "by title",
        f"the first {PAGE} by title, totalCount",
        lambda size, first: (queries.SCALE_BY_TITLE, {"limit": PAGE}),
    ),
    Scenario(
        "deep page",
        f"the last {PAGE} by id (last: {PAGE}), totalCount",
        lambda size, first: (queries.SCALE_DEEP_PAGE, {"limit": PAGE}),
    ),
    Scenario(
        "one workflow",
        "R1's designer view of its first workflow",
        lambda size, first: (queries.R1, {"id": global_id("WorkflowDefinition", first)}),
    ),
    Scenario(
        "its tasks",
        "taskDefinitions of that workflow (workflowId), 100 by position, totalCount",
        lambda size, first: (queries.SCALE_TASKS, {"workflow": global_id("WorkflowDefinition", first)}),
    ),
]


@dataclass
class ScaleResult:
    scenario: str
    what: str
    samples: dict[int, list[float]] = field(default_factory=dict)  # by company size
    statements: dict[int, int | None] = field(default_factory=dict)
    plans: dict[int, list[dict]] = field(default_factory=dict)  # the explained SELECTs of one request

    def median(self, size: int) -> float:
        return statistics.median(self.samples[size])


def _checked(name: str, reply: client.Reply) -> client.Reply:
    if reply.status != 200 or b'"errors"' in reply.body[:20_000]:
        raise RuntimeError(f"{name}: HTTP {reply.status}: {reply.body[:500]!r}")
    return reply


def measure(http: client.Http, setup: dict, sizes: ScaleSizes, explain_dir: Path) -> list[ScaleResult]:
    results = []
    for scenario in SCENARIOS:
        result = ScaleResult(scenario.name, scenario.what)
        bodies = {}
        for size in sizes.sizes:
            query, variables = scenario.request(size, setup["first_workflow_ids"][str(size)])
            bodies[size] = client.graphql_body(query, variables)
        send = functools.partial(_send, http, setup, bodies, scenario.name)
        for _ in range(sizes.warmup):
            for size in sizes.sizes:
                send(size)
        for _ in range(sizes.iterations):
            for size in sizes.sizes:  # the companies in turn: noise lands on all of them
                result.samples.setdefault(size, []).append(send(size).seconds)
        for size in sizes.sizes:
            result.statements[size] = send(size, count=True).query_count
            name = f"{re.sub(r'[^a-z0-9]+', '-', scenario.name)}-{size}"
            send(size, explain=name)
            result.plans[size] = json.loads((explain_dir / f"{name}.json").read_text())
        results.append(result)
    return results


def _send(http, setup, bodies, name, size, *, count=False, explain=""):
    headers = client.auth_headers(setup["tokens"][str(size)], count=count, content_type=True, fresh=True)
    if explain:
        headers[queries.EXPLAIN_HEADER] = explain
    return _checked(f"{name} at {size}", http.request("POST", "/graphql/", bodies[size], headers))


# --- report -------------------------------------------------------------------------------------

_SCAN = re.compile(
    r"((?:Parallel )?(?:Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan))(?: Backward)?(?: using (\S+))? on (\S+)"
)
_BITMAP_INDEX = re.compile(r"Bitmap Index Scan on (\S+)")
_TOTAL = re.compile(r"Execution Time: ([\d.]+) ms")
_DESIGN_TABLES = ("workflow_definitions", "task_definitions", "workflow_transitions", "ticket_definitions")


def _scans(plan: list[str], indexes: dict[str, str]) -> list[str]:
    """The scans of one plan on the design tables, in order: "node (the index's columns)"; a bitmap heap scan is
    named by the index its bitmap came from."""
    scans, heap = [], None
    for line in plan:
        bitmap = _BITMAP_INDEX.search(line)
        if bitmap:
            if heap in _DESIGN_TABLES:
                scans.append(f"Bitmap Index Scan {indexes.get(bitmap.group(1), bitmap.group(1))}")
            continue
        scan = _SCAN.search(line)
        if scan:
            node, index, table = scan.groups()
            heap = table if node.endswith("Bitmap Heap Scan") else None
            if table in _DESIGN_TABLES and not node.endswith("Bitmap Heap Scan"):
                scans.append(f"{node}{f' {indexes.get(index, index)}' if index else ''}")
    return list(dict.fromkeys(scans))


def plan_summary(explained: list[dict], indexes: dict[str, str]) -> str:
    """The scans of each statement on the workflow design tables: `table: node (the index's columns)`, and its
    execution time. `indexes`: index name -> its columns (Django's index names say little)."""
    parts = []
    for entry in explained:
        scans = _scans(entry["plan"], indexes)
        if not scans:
            continue
        sql = entry["sql"]
        kind = "count" if "COUNT(*)" in sql else next((t for t in _DESIGN_TABLES if f'FROM "{t}"' in sql), "?")
        took = _TOTAL.search("\n".join(entry["plan"]))
        parts.append(f"{kind}: {', '.join(scans)}" + (f" {float(took.group(1)):.1f} ms" if took else ""))
    return "; ".join(parts)


def index_columns(index_definitions: list[tuple[str, str]]) -> dict[str, str]:
    """Index name -> "(its columns)", from pg_indexes' definitions."""
    return {
        name: definition[definition.index(" USING ") + len(" USING ") :].replace("btree ", "")
        for name, definition in index_definitions
    }


def render(results: list[ScaleResult], sizes: ScaleSizes, facts: dict) -> str:
    small, middle, large = sizes.sizes
    lines = [
        f"## At tenant scale{' (smoke: tiny sizes, numbers meaningless)' if facts['smoke'] else ''}",
        "",
        f"- data: {facts['rows']['company']:,} companies, {facts['rows']['workflow_definitions']:,} workflows, "
        f"{facts['rows']['task_definitions']:,} tasks, {facts['rows']['workflow_transitions']:,} transitions "
        f"({facts['database_size']}), generated in {facts['seed_seconds']} s; measured companies of "
        + ", ".join(f"{size:,} workflows ({size * sizes.tasks[size]:,} tasks)" for size in sizes.sizes),
        f"- server: bin/serve, {facts['workers']} workers, connected as {facts['role']}; "
        f"{sizes.warmup} warm-up + {sizes.iterations} timed requests per company, companies in turn, "
        "`Cache-Control: no-cache` (every answer computed)",
        "",
        f"| scenario | {small:,} ms | {middle:,} ms | {large:,} ms | growth {small:,} -> {middle:,} "
        f"| growth {middle:,} -> {large:,} | SQL/request | what |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        growth = [r.median(b) / r.median(a) for a, b in ((small, middle), (middle, large))]
        statements = sorted({count for count in r.statements.values() if count is not None})
        lines.append(
            f"| {r.scenario} | {r.median(small) * 1000:.1f} | {r.median(middle) * 1000:.1f} | "
            f"{r.median(large) * 1000:.1f} | {growth[0]:.2f}x | {growth[1]:.2f}x | "
            f"{'/'.join(map(str, statements))} | {r.what} |"
        )
    lines += ["", f"Plans (EXPLAIN ANALYZE of the statements on the design tables, as {facts['role']}):", ""]
    for r in results:
        for size in sizes.sizes:
            lines.append(f"- {r.scenario} at {size:,}: {plan_summary(r.plans[size], facts['indexes']) or 'n/a'}")
    return "\n".join(lines) + "\n"
