"""L1: concurrent clients (one process each) on a mixed read/upload load for a fixed time.

Each client loops until the deadline, choosing an operation at random (seeded):
  r1   the designer view of the R1 workflow (all fields)
  r2   the first workflowDefinitions page (shallow fields)
  edit a W2-style edit of a shared R1-sized workflow: the first time, and after a
       conflict, an export ("export"); otherwise an upload of its copy with 10 titles
       changed and expectedVersion ("upload"). VERSION_CONFLICT answers are expected
       (clients edit the same workflows) and counted as conflicts, not errors.
Errors: transport failures, HTTP status other than 200, top-level GraphQL errors
("Unexpected error." and any other), and payload errors other than VERSION_CONFLICT.
"""

import json
import random
import time
from typing import Any

from bench import client, queries
from bench.documents import edited

MIX = (("r1", 0.45), ("r2", 0.45), ("edit", 0.10))
# "graphql": as clients use it (reads may be answered from the response cache, which edits of
# the company invalidate); "graphql no-cache": every read computed (Cache-Control: no-cache).
TARGETS = ("graphql", "graphql no-cache", "baseline")


def _choose(rng: random.Random) -> str:
    roll = rng.random()
    for op, share in MIX:
        if roll < share:
            return op
        roll -= share
    return MIX[-1][0]


class _Requests:
    """The operations of one client against one of TARGETS."""

    def __init__(self, http: client.Http, target: str, setup: dict):
        self.http, self.setup = http, setup
        self.target, self.fresh = ("graphql", True) if target == "graphql no-cache" else (target, False)
        tokens = setup["tokens"]
        self.r1_token, self.r2_token, self.w_token = tokens["r1"], tokens["r2"], tokens["w"]
        self.r1_body = client.graphql_body(queries.R1, {"id": setup["r1_workflow_id"]})
        self.r2_body = client.graphql_body(queries.R2, {"first": setup["r2_page"]})

    def read(self, op: str) -> client.Reply:
        if self.target == "graphql":
            body, token = (self.r1_body, self.r1_token) if op == "r1" else (self.r2_body, self.r2_token)
            return client.post_graphql(self.http, body, token, fresh=self.fresh)
        if op == "r1":
            return client.get(self.http, queries.r1_path(self.setup["r1_workflow_id"]), self.r1_token)
        path = queries.list_path(self.setup["r2_page"], "shallow")
        return client.get(self.http, path, self.r2_token)

    def export(self, workflow_id: str) -> client.Reply:
        if self.target == "graphql":
            return client.post_graphql(
                self.http, client.graphql_body(queries.EXPORT, {"id": workflow_id}), self.w_token
            )
        return client.get(self.http, queries.baseline_export(workflow_id), self.w_token)

    def upload(self, document: dict) -> client.Reply:
        if self.target == "graphql":
            body = client.graphql_body(queries.UPLOAD, {"input": document})
            return client.post_graphql(self.http, body, self.w_token)
        return client.post_json(
            self.http, queries.BASELINE_UPLOAD, json.dumps({"input": document}).encode(), self.w_token
        )


def _read_ok(reply: client.Reply) -> str | None:
    """None when fine, else what is wrong (a cheap check: no parse of large bodies)."""
    if reply.status != 200:
        return f"HTTP {reply.status}: {reply.body[:200]!r}"
    if not reply.body.startswith(b'{"data":{') or b'"errors":' in reply.body:
        return f"GraphQL errors: {reply.body[:300]!r}"
    return None


def run_client(args: dict[str, Any]) -> dict[str, Any]:
    """One client process; returns its samples."""
    setup, target, index = args["setup"], args["target"], args["index"]
    rng = random.Random(args["seed"])
    http = client.Http(setup["ports"][index % len(setup["ports"])], timeout=60)
    requests = _Requests(http, target, setup)
    workflow_id = setup["l1_workflow_ids"][index % len(setup["l1_workflow_ids"])]
    document: dict | None = None
    samples: dict[str, list[float]] = {}
    error_samples: list[str] = []
    counts = {"requests": 0, "errors": 0, "conflicts": 0}
    edits = 0
    time.sleep(max(0.0, args["start_at"] - time.time()))
    first_start = time.time()
    last_end = first_start
    while time.time() < args["deadline"]:
        op = _choose(rng)
        if op == "edit":
            op = "export" if document is None else "upload"
        problem = None
        try:
            if op in ("r1", "r2"):
                reply = requests.read(op)
                problem = _read_ok(reply)
            elif op == "export":
                reply = requests.export(workflow_id)
                problem = _read_ok(reply)
                if problem is None:
                    document = reply.json()["data"]["exportWorkflow"]
            else:
                edits += 1
                changed = edited(document, count=10, tag=f"L1 {target} c{index} e{edits}")
                reply = requests.upload(changed)
                if reply.status != 200:
                    problem = f"HTTP {reply.status}: {reply.body[:200]!r}"
                else:
                    answer = reply.json()
                    payload = (answer.get("data") or {}).get("uploadWorkflow")
                    if "errors" in answer or payload is None:
                        problem = f"GraphQL errors: {answer.get('errors')}"
                    elif payload["errors"] and {e["code"] for e in payload["errors"]} == {"VERSION_CONFLICT"}:
                        counts["conflicts"] += 1
                        document = None  # re-read before the next edit
                    elif payload["errors"]:
                        problem = f"upload refused: {payload['errors'][:2]}"
                    else:
                        document = {**changed, "expectedVersion": payload["workflow"]["version"]}
            seconds = reply.seconds
        except Exception as exc:  # transport failure or timeout: an error, the load goes on
            problem, seconds = f"{type(exc).__name__}: {exc}", None
            time.sleep(0.05)
        last_end = time.time()
        counts["requests"] += 1
        if seconds is not None:
            samples.setdefault(op, []).append(seconds)
        if problem:
            counts["errors"] += 1
            if len(error_samples) < 5:
                error_samples.append(f"{op}: {problem}")
    http.close()
    return {
        "samples": samples,
        "error_samples": error_samples,
        "first_start": first_start,
        "last_end": last_end,
        **counts,
    }
