"""V1's in-process figures: `validate_workflow` alone (no HTTP, no GraphQL, no server
workers competing for the cores) on generated documents, the least noisy measure of what
the validator's own checks cost and of how that cost grows with the document; and
`workflow_diff` of the first document against an edit of it (W2's 10 changed titles, a
changed condition, an added transition: what a reviewer asks workflowDiff for).

Run by the harness as `python -m bench.validator '{"sizes": [[500, 1500], [1000, 3000]], "runs": 15}'`
with the project's settings (a check may read one); prints one line `BENCH-VALIDATOR <JSON>`:
the fastest run's seconds of each size, in order, then of the diff. The measures are taken in
turn, run after run, so that a slower spell of the machine slows them alike.
"""

import json
import sys
import time

import django


def reviewed_edit(document: dict) -> dict:
    """The document with W2's edit (10 task titles), one condition changed and one transition added."""
    from bench.documents import edited

    result = edited(document, count=10, tag="reviewed")
    transitions = [dict(transition) for transition in result["transitions"]]
    conditional = next(t for t in transitions if t.get("condition") is not None)
    conditional["condition"] = {"!": conditional["condition"]}
    transitions.append({"fromTask": transitions[-1]["fromTask"], "toTask": None, "priority": 7})
    return {**result, "transitions": transitions}


def main(spec: dict) -> list[float]:
    django.setup()
    from bench.documents import generated_workflow
    from workflow_design.diff import workflow_diff
    from workflow_design.validation import errors, validate_workflow

    documents = [generated_workflow(tasks, transitions, title="V1 in-process") for tasks, transitions in spec["sizes"]]
    for document in documents:
        found = errors(validate_workflow(document))
        if found:
            raise SystemExit(f"a generated document of {len(document['tasks'])} tasks is invalid: {found[:3]}")
    proposal = reviewed_edit(documents[0])
    expected = min(10, len(documents[0]["tasks"])) + 2
    if len(workflow_diff(documents[0], proposal)) != expected:
        raise SystemExit(f"the reviewed edit should make {expected} changes (titles, a condition, a transition)")
    measures = [lambda document=document: validate_workflow(document) for document in documents]
    measures.append(lambda: workflow_diff(documents[0], proposal))
    fastest = [float("inf")] * len(measures)
    for _ in range(spec["runs"]):
        for index, measure in enumerate(measures):
            started = time.perf_counter()
            measure()
            fastest[index] = min(fastest[index], time.perf_counter() - started)
    return fastest


if __name__ == "__main__":
    print("BENCH-VALIDATOR " + json.dumps(main(json.loads(sys.argv[1]))), flush=True)
