"""The benchmark harness still runs: `bench/run --smoke` and `bench/run --scale --smoke` end to end (own
database, own server, as the application's role under row-level security).

No timing assertions: only that it finishes, that every baseline and every read's SQL limit still answer
exactly what GraphQL answers (the harness asserts it and fails otherwise), that the HTTP floor answers, and that
the tables name every scenario, the cold reads beside their limits with issue 19's ratios (at scale: with a plan
for each). PostgreSQL only (the harness needs it); the smoke
runs use databases of their own, `ticketflower_bench_smoke_<pid>`, never the test database.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow  # bench/run: its own database and bin/serve

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("| R1 |", "| R2 |", "| R3 |", "| W1 |", "| W2 |", "| V1 |", "| graphql |", "| baseline |")


def _bench_database_url() -> str:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        reason = "the benchmark harness needs PostgreSQL (this run uses SQLite)"
        print(f"SKIPPED: {reason}", file=sys.stderr)
        pytest.skip(reason)
    host = db.get("HOST") or ""
    if host not in ("127.0.0.1", "localhost"):
        reason = f"the benchmark harness only uses a PostgreSQL server on 127.0.0.1, not {host!r}"
        print(f"SKIPPED: {reason}", file=sys.stderr)
        pytest.skip(reason)
    user, password = db.get("USER") or "postgres", db.get("PASSWORD") or ""
    auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return f"postgres://{auth}@{host}:{db.get('PORT') or 5432}/ticketflower_bench_smoke_{os.getpid()}"


def test_bench_smoke_run_prints_every_scenario(tmp_path):
    database_url = _bench_database_url()
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [str(ROOT / "bench" / "run"), "--smoke", "--json", str(out), "--database-url", database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=85,
        check=False,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
    for scenario in SCENARIOS:
        assert scenario in done.stdout, (scenario, done.stdout)
    assert "same JSON as GraphQL (asserted)" in done.stdout
    assert done.stdout.count("SQL limit: same JSON as GraphQL (asserted)") == 3, done.stdout  # R1, R2, R3
    limits = done.stdout.split("Cold reads beside their limits (issue 19)", 1)[1]
    for read in ("R1", "R2", "R3"):
        # median / p90 of GraphQL, baseline, SQL limit and floor; the statement; the two ratios; statements per side
        row = re.search(
            rf"^\| {read} \|(?: [\d.]+ / [\d.]+ \|){{4}} [\d.]+ \| [\d.]+x \| [\d.]+x \| \d+ / \d+ / \d+ / \d+ \|",
            limits,
            re.M,
        )
        assert row, (read, limits[:3000])
    assert "issue 19: L1 with `no-cache` reads" in done.stdout
    scenarios = {s["name"]: s for s in json.loads(out.read_text())["scenarios"]}
    assert set(scenarios["R1"]["medians"]) == {"graphql", "baseline", "sql limit", "floor"}
    assert set(scenarios["R1 repeated"]["medians"]) == {"graphql", "baseline"}


def test_bench_scale_smoke_run_prints_every_scenario_with_its_plans(tmp_path):
    """The at-scale family on tiny sizes (bench/scale.py: the real sizes take minutes to generate, never in CI)."""
    database_url = _bench_database_url()
    done = subprocess.run(
        [str(ROOT / "bench" / "run"), "--scale", "--smoke", "--database-url", database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=85,
        check=False,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
    assert "connected as ticketflower_app (row-level security)" in done.stdout
    for scenario in ("first page", "search", "by title", "deep page", "one workflow", "its tasks"):
        assert f"| {scenario} |" in done.stdout, (scenario, done.stdout)
        assert f"- {scenario} at 1,000: " in done.stdout, (scenario, done.stdout)
    assert "Index Scan" in done.stdout
