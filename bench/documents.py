"""Generated workflow documents (plain dicts in the upload format; no Django needed).

A chain of tasks (every tenth one a SYNC_ACTION, the others FORMs), a start transition, one
forward edge per task (the last one ends the workflow) and conditional back edges whose
conditions read an output property every task declares (`tasks.<key>.ok`), like
tests/test_workflow_upload.py::generated_workflow, but with exactly the number of
transitions asked for and every optional field filled in, so that reads of "all fields"
carry realistic payloads.
"""

from typing import Any

OUTPUT_SCHEMA = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}, "note": {"type": "string", "maxLength": 500}},
    "required": ["ok"],
}
INPUT_SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}, "summary": {"type": "string"}}}

# Layouts following the layout contract (README "Layouts"), one source per task: realistic work for the
# layout checks and their cache, which an upload of the same document again finds there.
DISPLAY_LAYOUT = """import {{ Badge, Card }} from "@ticketflower/ui";

export default function Show_{key}({{ task, output }}) {{
  return (
    <Card title={{task.title}}>
      {{output ? <Badge tone={{output.ok ? "success" : "warning"}}>{{output.note ?? "done"}}</Badge> : "pending"}}
    </Card>
  );
}}
"""
EDIT_LAYOUT = """import {{ SchemaForm }} from "@ticketflower/ui";

export default function Edit_{key}({{ schema, value, onChange, onSubmit, errors, disabled }}) {{
  return (
    <SchemaForm
      schema={{schema}}
      value={{value}}
      onChange={{onChange}}
      onSubmit={{onSubmit}}
      errors={{errors}}
      disabled={{disabled}}
    />
  );
}}
"""
FLOW_LAYOUT = """import { Steps } from "@ticketflower/ui";

export default function Flow({ workflow, currentTask }) {
  return <Steps items={workflow.tasks} current={currentTask} />;
}
"""


def _task(index: int, key: str) -> dict[str, Any]:
    task: dict[str, Any] = {
        "key": key,
        "title": f"Step {index}: review {key}",
        "description": f"Generated task {index}; checks the ticket and records whether it is ok.",
        "extRef": [{"label": "Runbook", "uri": f"https://wiki.example.com/runbooks/{key}", "desc": "How to do it"}],
        "inputSchema": INPUT_SCHEMA,
        "outputSchema": OUTPUT_SCHEMA,
        "displayLayout": DISPLAY_LAYOUT.format(key=key),
    }
    if index % 10 == 9:
        task.update(
            taskType="SYNC_ACTION",
            httpMethod="POST",
            actionUrl=f"https://hooks.example.com/bench/{key}",
            inputTransform={"n": {"var": "ticket.n"}, "summary": {"var": "ticket.summary"}},
            outputTransform={"ok": {"var": "response.ok"}},
            timeoutSeconds=30,
            retry={"maxAttempts": 3, "intervalSeconds": 10},
        )
    else:
        task.update(
            taskType="FORM",
            editLayout=EDIT_LAYOUT.format(key=key),
        )
    return task


def generated_workflow(tasks: int, transitions: int, *, title: str) -> dict[str, Any]:
    """A valid workflow document with exactly `tasks` tasks and `transitions` transitions
    (at least tasks + 1: the start edge and one forward edge per task)."""
    if tasks < 1 or transitions < tasks + 1:
        raise ValueError(f"need tasks >= 1 and transitions >= tasks + 1, got {tasks}, {transitions}")
    keys = [f"t{i}" for i in range(tasks)]
    document: dict[str, Any] = {
        "title": title,
        "description": f"Generated benchmark workflow: {tasks} tasks, {transitions} transitions.",
        "extRef": [{"label": "Process owner", "uri": "https://wiki.example.com/bench", "desc": "Who owns it"}],
        "fields": [{"fieldName": "n", "fieldType": "integer"}, {"fieldName": "summary", "fieldType": "string"}],
        "displayLayout": FLOW_LAYOUT,
        "tasks": [_task(i, key) for i, key in enumerate(keys)],
        "transitions": [{"fromTask": None, "toTask": keys[0]}],
    }
    edges = document["transitions"]
    for i, key in enumerate(keys):
        edges.append({"fromTask": key, "toTask": keys[i + 1] if i + 1 < tasks else None})
    back = 1
    while len(edges) < transitions:
        for i, key in enumerate(keys):
            if len(edges) >= transitions:
                break
            edges.append(
                {
                    "fromTask": key,
                    "toTask": keys[max(i - back, 0)],
                    "priority": back,
                    "condition": {"==": [{"var": f"tasks.{key}.ok"}, back % 2 == 0]},
                }
            )
        back += 1
    return document


def edited(document: dict[str, Any], *, count: int, tag: str) -> dict[str, Any]:
    """The exported `document` (with id and expectedVersion) with `count` task titles changed,
    spread over the workflow."""
    tasks = document["tasks"]
    count = min(count, len(tasks))
    step = max(len(tasks) // count, 1) if count else 1
    changed = {i * step for i in range(count)}
    return {
        **document,
        "tasks": [
            {**task, "title": f"{task['key']} edited {tag}"} if i in changed else task for i, task in enumerate(tasks)
        ],
    }


TICKET_DEFINITION = {
    "title": "Bench ticket",
    "description": "A ticket definition running the R1 workflow.",
    "extRef": [{"label": "Policy", "uri": "https://wiki.example.com/policy", "desc": "Why"}],
    "fields": {"n": 1, "summary": "benchmark"},
    "companyRoleAccess": [],
}
