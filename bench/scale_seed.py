"""Fills the at-scale benchmark database (bench/run --scale) in bulk SQL, in a minute or two rather than the hours
the services would take for millions of rows (run by the harness as `python -m bench.scale_seed '<spec JSON>'` with
DATABASE_URL pointing at the bench database, as its owner).

- One company per measured size (spec "sizes": 1,000, 10,000 and 100,000 workflows), each with its first user made
  by the service (company_create: a password, both system roles), their workflows with `tasks` tasks each (the
  first workflow of each company has `first_tasks`: the one read whole), and a transition into each task and out
  of the last.
- `filler_companies` more companies with `filler_workflows` workflows of `filler_tasks` tasks each: the other
  tenants that share the tables and indexes.

Titles are "Process 000123 <word>", every hundredth ending in " urgent" (what the search scenario finds); update
times are a permutation of the workflow numbers, so that newest-first differs from id order. Rows hold what the
GraphQL reads ask for; no version snapshots are made (no scenario exports). VACUUM ANALYZE at the end, as autovacuum
would have done for tables of this age: visibility maps (index-only scans) and planner statistics.

Prints one line `BENCH-SCALE-SEED <JSON>` with the companies' usernames, first workflow ids and row counts.
"""

import json
import sys
import time

import django

WORDS = ["billing", "onboarding", "incident", "expense", "procurement", "access", "release", "audit"]
OUTPUT_SCHEMA = '{"type": "object", "properties": {"done": {"type": "boolean"}}}'

WORKFLOWS = """
INSERT INTO workflow_definitions
    (company_id, version, created_at, updated_at, created_by_id, title, description, ext_ref, fields, display_layout)
SELECT c.id, 1, now() - g * interval '1 minute', now() - ((g * 7919) %% %(count)s) * interval '1 second', c.author,
       'Process ' || lpad(g::text, 6, '0') || ' ' || (%(words)s::text[])[1 + g %% 8]
           || CASE WHEN g %% 100 = 0 THEN ' urgent' ELSE '' END,
       'Generated at scale', '[]'::jsonb, '[{"FieldName": "service", "FieldType": "string"}]'::jsonb, NULL
FROM unnest(%(companies)s::bigint[], %(authors)s::bigint[]) AS c(id, author)
CROSS JOIN generate_series(1, %(count)s) AS g
"""

TASKS = """
INSERT INTO task_definitions
    (company_id, version, created_at, updated_at, created_by_id, workflow_id, key, position, title, description,
     ext_ref, task_type, input_schema, output_schema, edit_layout, display_layout, action_url, input_transform,
     output_transform, timeout_seconds, assignee_roles)
SELECT w.company_id, 1, w.created_at, w.created_at, w.created_by_id, w.id, 't' || p, p, 'Step ' || p,
       NULL, '[]'::jsonb, 'FORM', NULL, %(schema)s::jsonb, 'export default function Form() { return null; }',
       NULL, NULL, NULL, NULL, NULL, '[]'::jsonb
FROM workflow_definitions w
JOIN (SELECT company_id, min(id) AS id FROM workflow_definitions GROUP BY company_id) AS first
    ON first.company_id = w.company_id
CROSS JOIN LATERAL generate_series(0, CASE WHEN w.id = first.id THEN %(first_tasks)s ELSE %(tasks)s END - 1) AS p
WHERE w.company_id = ANY(%(companies)s::bigint[])
"""

TRANSITIONS = """
WITH chain AS (
    SELECT company_id, workflow_id, id, position,
           lag(id) OVER steps AS previous, lead(id) OVER steps AS following
    FROM task_definitions
    WHERE company_id = ANY(%(companies)s::bigint[])
    WINDOW steps AS (PARTITION BY workflow_id ORDER BY position)
)
INSERT INTO workflow_transitions
    (company_id, workflow_id, from_task_id, to_task_id, condition, priority, position, on_error)
SELECT company_id, workflow_id, previous, id, NULL::jsonb, 0, position, '[]'::jsonb FROM chain
UNION ALL
SELECT company_id, workflow_id, id, NULL::bigint, NULL::jsonb, 0, position + 1, '[]'::jsonb FROM chain
WHERE following IS NULL
"""


def _fill(cursor, *, companies: list[int], authors: list[int | None], workflows: int, tasks: int, first: int) -> None:
    cursor.execute(WORKFLOWS, {"companies": companies, "authors": authors, "count": workflows, "words": WORDS})
    cursor.execute(TASKS, {"companies": companies, "tasks": tasks, "first_tasks": first, "schema": OUTPUT_SCHEMA})
    cursor.execute(TRANSITIONS, {"companies": companies})


def main(spec: dict) -> dict:
    django.setup()
    from django.db import DatabaseError, connection, transaction

    from users.services import company_create
    from workflow_design.models import WorkflowDefinition

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")  # statements of millions of rows: the limit is for requests
    measured = {}
    for size in spec["sizes"]:
        user = company_create(
            company_name=f"Scale {size}",
            username=f"scale_{size}",
            email=f"scale_{size}@example.com",
            password=spec["password"],
        ).user
        measured[size] = user
    with transaction.atomic(), connection.cursor() as cursor:
        try:
            with transaction.atomic():
                # Rows made from the rows they reference need no foreign key checks; at commit, the deferred
                # checks of millions of rows took three of the five minutes. Superusers only.
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            pass  # not a superuser: the foreign keys are checked at commit
        cursor.execute(
            "INSERT INTO company (name, created_at, data_generation, stored_document_bytes) "
            "SELECT 'Tenant ' || lpad(g::text, 4, '0'), now(), 0, 0 FROM generate_series(1, %s) AS g RETURNING id",
            [spec["filler_companies"]],
        )
        fillers = [row[0] for row in cursor.fetchall()]
        _fill(
            cursor,
            companies=fillers,
            authors=[None] * len(fillers),
            workflows=spec["filler_workflows"],
            tasks=spec["filler_tasks"],
            first=spec["filler_tasks"],
        )
        for size, user in measured.items():
            tasks = spec["tasks"][str(size)]
            _fill(
                cursor,
                companies=[user.company_id],
                authors=[user.pk],
                workflows=size,
                tasks=tasks,
                first=spec["first_tasks"],
            )
    with connection.cursor() as cursor:
        for table in ("company", "users", "workflow_definitions", "task_definitions", "workflow_transitions"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        counts = {}
        for table in ("company", "workflow_definitions", "task_definitions", "workflow_transitions"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size_on_disk = cursor.fetchone()[0]
    first_workflows = {
        str(size): WorkflowDefinition.objects.filter(company_id=user.company_id)
        .order_by("pk")
        .values_list("pk", flat=True)[0]
        for size, user in measured.items()
    }
    return {
        "usernames": {str(size): user.username for size, user in measured.items()},
        "first_workflow_ids": first_workflows,
        "rows": counts,
        "database_size": size_on_disk,
        "seconds": round(time.perf_counter() - started, 1),
    }


if __name__ == "__main__":
    print("BENCH-SCALE-SEED " + json.dumps(main(json.loads(sys.argv[1]))), flush=True)
