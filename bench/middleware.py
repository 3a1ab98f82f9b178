"""Counts the SQL statements of one request, on demand (bench/settings.py puts it first in
MIDDLEWARE, so that the statements of every other middleware count), and explains them.

A request carrying `X-Bench-Count-Queries: 1` runs under `connection.execute_wrapper`
and gets `X-Bench-Query-Count` (every statement sent on the default connection while the
request was handled, authentication included), `X-Bench-Query-Summary` (statement
kinds and tables, e.g. `SELECT task_definitions x1`) and `X-Bench-Page-Faults` (minor
page faults of the worker process while it handled the request: see
schema/stack.py).

A request carrying `X-Bench-Explain: <name>` (letters, digits, - and _) has each SELECT it sends
run again under `EXPLAIN (ANALYZE, BUFFERS)` right after it, in the same transaction scope and as the
same database role (so with row-level security as the request has it), and the statements with their
plans written to `$BENCH_EXPLAIN_DIR/<name>.json` (the harness sets the directory; without it the
header is ignored). Every other request goes straight through.
"""

import json
import os
import re
import resource
from collections import Counter
from pathlib import Path

from django.db import connection

from bench.queries import (
    COUNT_QUERIES_HEADER,
    EXPLAIN_HEADER,
    PAGE_FAULTS_HEADER,
    QUERY_COUNT_HEADER,
    QUERY_SUMMARY_HEADER,
)

_TARGET = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)
_EXPLAIN_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")


def statement_kind(sql: str) -> str:
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
    target = _TARGET.search(sql)
    return f"{verb} {target.group(1)}" if target else verb


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        explain_as = request.headers.get(EXPLAIN_HEADER, "")
        if explain_as and _EXPLAIN_NAME.fullmatch(explain_as) and os.environ.get("BENCH_EXPLAIN_DIR"):
            return self._explained(request, Path(os.environ["BENCH_EXPLAIN_DIR"]) / f"{explain_as}.json")
        if request.headers.get(COUNT_QUERIES_HEADER) not in ("1", "true"):
            return self.get_response(request)
        kinds: list[str] = []

        def count(execute, sql, params, many, context):
            kinds.append(statement_kind(sql))
            return execute(sql, params, many, context)

        faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        response[PAGE_FAULTS_HEADER] = str(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before)
        response[QUERY_COUNT_HEADER] = str(len(kinds))
        summary = ", ".join(f"{kind} x{n}" for kind, n in Counter(kinds).most_common())
        response[QUERY_SUMMARY_HEADER] = summary[:4000]
        return response

    def _explained(self, request, path: Path):
        explained: list[dict] = []
        explaining = False

        def explain(execute, sql, params, many, context):
            nonlocal explaining
            result = execute(sql, params, many, context)
            if not explaining and not many and sql.lstrip().upper().startswith("SELECT"):
                explaining = True
                try:
                    statement = connection.ops.compose_sql(sql, params)
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
                        plan = [row[0] for row in cursor.fetchall()]
                    explained.append({"sql": statement, "plan": plan})
                finally:
                    explaining = False
            return result

        with connection.execute_wrapper(explain):
            response = self.get_response(request)
        path.write_text(json.dumps(explained, indent=1))
        return response
