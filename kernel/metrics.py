"""The service's Prometheus metrics, which every layer records into (prometheus-client).

Exposed at /metrics (ticketflower/probes.py). Under gunicorn each worker writes its values to
files in PROMETHEUS_MULTIPROC_DIR (bin/serve sets it) and /metrics sums them, whichever worker
answers; without it (runserver, tests) the values live in the process.

Label values are bounded, since every distinct value is a time series kept for good: endpoints
and outcomes are fixed sets, mutations and problem codes the schema's, and operation names,
which clients choose, are kept as sent for the first OPERATION_NAMES_KEPT distinct names a
process sees and counted under "other" after that.
"""

import re
import threading

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "ticketflower_requests",
    "HTTP requests answered, by endpoint, GraphQL operation name and outcome "
    "(ok, graphql_error: an answer with top-level errors, client_error: HTTP 4xx, server_error: HTTP 5xx).",
    ["endpoint", "operation", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "ticketflower_request_duration_seconds",
    "Time from the request's arrival in Django to its answer, by endpoint and GraphQL operation name.",
    ["endpoint", "operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
REQUEST_SQL_STATEMENTS = Histogram(
    "ticketflower_request_sql_statements",
    "SQL statements the application sent while answering a request, by endpoint and GraphQL operation name.",
    ["endpoint", "operation"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
RESPONSE_CACHE_LOOKUPS = Counter(
    "ticketflower_response_cache_lookups",
    "Reads the response cache could answer: hit, miss, or unavailable (its backend failed or is being left "
    "alone after a failure; the answer was computed).",
    ["result"],
)
REFUSALS = Counter(
    "ticketflower_refusals",
    'Mutations refused with located problems (uploads among them: mutation=~"upload.*"), by mutation and '
    "problem code; a refusal counts once per distinct code among its errors.",
    ["mutation", "code"],
)

OPERATION_NAMES_KEPT = 100
OTHER_OPERATION = "other"
_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_operation_names: set[str] = set()
_operation_names_lock = threading.Lock()


def operation_label(name: str | None) -> str:
    """The label of a GraphQL operation's name: "" for a request that ran none, the name itself while
    fewer than OPERATION_NAMES_KEPT names were seen, "other" past that or for a name GraphQL would not take."""
    if not name:
        return ""
    if not _GRAPHQL_NAME.fullmatch(name):
        return OTHER_OPERATION
    with _operation_names_lock:
        if name in _operation_names:
            return name
        if len(_operation_names) >= OPERATION_NAMES_KEPT:
            return OTHER_OPERATION
        _operation_names.add(name)
        return name
