"""V1's in-process figure: `validate_workflow` alone (no HTTP, no GraphQL, no server
workers competing for the cores) on generated documents, the least noisy measure of what
the validator's own checks cost and of how that cost grows with the document.

Run by the harness as `python -m bench.validator '{"sizes": [[500, 1500], [1000, 3000]], "runs": 15}'`
with the project's settings (a check may read one); prints one line `BENCH-VALIDATOR <JSON>`:
the fastest run's seconds of each size, in order. The documents are measured in turn, run
after run, so that a slower spell of the machine slows them alike.
"""

import json
import sys
import time

import django


def main(spec: dict) -> list[float]:
    django.setup()
    from bench.documents import generated_workflow
    from workflow_design.validation import errors, validate_workflow

    documents = [generated_workflow(tasks, transitions, title="V1 in-process") for tasks, transitions in spec["sizes"]]
    for document in documents:
        found = errors(validate_workflow(document))
        if found:
            raise SystemExit(f"a generated document of {len(document['tasks'])} tasks is invalid: {found[:3]}")
    fastest = [float("inf")] * len(documents)
    for _ in range(spec["runs"]):
        for index, document in enumerate(documents):
            started = time.perf_counter()
            validate_workflow(document)
            fastest[index] = min(fastest[index], time.perf_counter() - started)
    return fastest


if __name__ == "__main__":
    print("BENCH-VALIDATOR " + json.dumps(main(json.loads(sys.argv[1]))), flush=True)
