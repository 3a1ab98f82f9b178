"""/healthz, /readyz and /metrics: for load balancers, Kubernetes and Prometheus.

They are answered by the first middleware, before any other runs: no host check (a kubelet's probe names the
pod's address, not a host of ALLOWED_HOSTS), no HTTPS redirect (probes and scrapes speak plain HTTP on the
private network), no session, no user, no request log line (a probe every few seconds would flood it).

- /healthz: the process answers. Nothing else is asked, the database least of all: a database outage must
  not make an orchestrator restart every healthy server.
- /readyz: the database answers, within READINESS_STATEMENT_TIMEOUT_MS (and the connect timeout), and every
  migration this code ships is applied; HTTP 503 otherwise, saying which, without details of the database.
- /metrics: Prometheus' text format, or OpenMetrics when asked for (kernel/metrics.py; under gunicorn, every
  worker's values summed).
  Not public: with METRICS_BEARER_TOKEN unset it does not exist (404); set, a scrape must send
  `Authorization: Bearer <token>` (401 otherwise). A token rather than an address list, since behind a
  proxy or load balancer every address is the proxy's.
"""

import functools
import hmac
import os
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.exposition import choose_encoder

READINESS_STATEMENT_TIMEOUT_MS = 2000
NO_STORE = {"Cache-Control": "no-store"}


@functools.cache
def _latest_migrations() -> dict[tuple[str, str], frozenset[tuple[str, str]]]:
    """The last migration of each installed app, read from the code once per process, with the migrations it
    replaces (a squashed one counts as applied where those are)."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    return {leaf: frozenset(graph.nodes[leaf].replaces) for leaf in graph.leaf_nodes()}


def _missing_migrations() -> list[str]:
    """Migrations apply in order: an app whose last migration is applied has them all."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Per transaction, as a connection pooler needs: the probe's budget, not the requests'.
            cursor.execute(f"SET LOCAL statement_timeout = {READINESS_STATEMENT_TIMEOUT_MS}")
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = set(cursor.fetchall())
    return sorted(
        f"{app}.{name}"
        for (app, name), replaced in _latest_migrations().items()
        if (app, name) not in applied and not (replaced and replaced <= applied)
    )


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "alive"}, headers=NO_STORE)


def readyz(request: HttpRequest) -> HttpResponse:
    try:
        missing = _missing_migrations()
    except DatabaseError:
        return JsonResponse(
            {"status": "unavailable", "reason": "the database does not answer"}, status=503, headers=NO_STORE
        )
    if missing:
        reason = f"migrations not applied: {', '.join(missing)}"
        return JsonResponse({"status": "unavailable", "reason": reason}, status=503, headers=NO_STORE)
    return JsonResponse({"status": "ready"}, headers=NO_STORE)


def _registry() -> CollectorRegistry:
    """Under gunicorn (bin/serve sets PROMETHEUS_MULTIPROC_DIR) the files of every worker, past and present;
    otherwise this process's values."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_BEARER_TOKEN
    if not token:
        return HttpResponse(status=404, headers=NO_STORE)
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
        return HttpResponse(status=401, headers={**NO_STORE, "WWW-Authenticate": 'Bearer realm="metrics"'})
    # The format the scraper asks for (Accept): OpenMetrics, or Prometheus' text format by default.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(_registry()), content_type=content_type, headers=NO_STORE)


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics}


class ProbeMiddleware:
    """Answers the probes before any other middleware runs (first in settings.MIDDLEWARE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        probe = PROBES.get(request.path)
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={**NO_STORE, "Allow": "GET, HEAD"})
        return probe(request)
