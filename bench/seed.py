"""Fills the benchmark database through the real services (run by the harness as
`python -m bench.seed '<sizes JSON>'` with DATABASE_URL pointing at the bench database).

One company per scenario family, each with its first user (company_admin +
workflow_creator), so that each read sees exactly its own data and the others are the
"other tenants" the scoping filters out:
  r1: one workflow of R1 size (+ two ticket definitions running it)
  r2: r2_workflows small workflows (R2 lists the first page)
  r3: r3_workflows workflows of r3 size
  w:  the W2 target (W1 size) and the L1 edit targets (R1 size); W1 adds more
Prints one line `BENCH-SEED <JSON>` with the ids and facts the harness needs.
"""

import json
import sys
import time

import django


def main(sizes: dict) -> dict:
    django.setup()
    import django as django_module
    from django.db import connection

    from bench.documents import TICKET_DEFINITION, generated_workflow
    from kernel.global_ids import global_id
    from users.services import company_create
    from workflow_design.models import WorkflowDefinition
    from workflow_design.services import ticket_definition_upload, workflow_upload

    started = time.perf_counter()
    password = sizes["password"]
    users = {}
    for name in ("r1", "r2", "r3", "w"):
        pair = company_create(
            company_name=f"Bench {name}", username=f"bench_{name}", email=f"{name}@example.com", password=password
        )
        users[name] = pair.user

    def upload(user, document) -> str:
        """The global id of the workflow written (as the API names it)."""
        return global_id(WorkflowDefinition, workflow_upload(acting_user=user, document=document).row.pk)

    r1_tasks, r1_transitions = sizes["r1"]
    r1_id = upload(users["r1"], generated_workflow(r1_tasks, r1_transitions, title="R1 designer view"))
    for n in (1, 2):
        ticket_definition_upload(
            acting_user=users["r1"], document={**TICKET_DEFINITION, "title": f"Bench ticket {n}", "workflowId": r1_id}
        )
    r2_tasks, r2_transitions = sizes["r2_shape"]
    for n in range(sizes["r2_workflows"]):
        upload(users["r2"], generated_workflow(r2_tasks, r2_transitions, title=f"R2 list item {n:03d}"))
    r3_tasks, r3_transitions = sizes["r3"]
    for n in range(sizes["r3_workflows"]):
        upload(users["r3"], generated_workflow(r3_tasks, r3_transitions, title=f"R3 workflow {n:02d}"))
    w_tasks, w_transitions = sizes["w1"]
    w2_id = upload(users["w"], generated_workflow(w_tasks, w_transitions, title="W2 edit target"))
    l1_ids = [
        upload(users["w"], generated_workflow(r1_tasks, r1_transitions, title=f"L1 edit target {n}"))
        for n in range(sizes["l1_targets"])
    ]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("ANALYZE")

    from importlib.metadata import version

    return {
        "usernames": {name: user.username for name, user in users.items()},
        "r1_workflow_id": r1_id,
        "w2_workflow_id": w2_id,
        "l1_workflow_ids": l1_ids,
        "postgresql": pg_version,
        "django": django_module.get_version(),
        "strawberry_graphql": version("strawberry-graphql"),
        "strawberry_graphql_django": version("strawberry-graphql-django"),
        "gunicorn": version("gunicorn"),
        "seconds": round(time.perf_counter() - started, 1),
    }


if __name__ == "__main__":
    print("BENCH-SEED " + json.dumps(main(json.loads(sys.argv[1]))), flush=True)
