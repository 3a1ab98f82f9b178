"""GraphQL over real HTTP (urllib, proxies disabled), every answer kept as a `Reply`."""

import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to record, not to follow


# No proxy from the environment (requests go straight to 127.0.0.1), no redirects followed.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


@dataclass
class Reply:
    """One answer. `status` is None when no HTTP answer came at all (`failure` says why)."""

    operation: str
    url: str
    status: int | None
    body: Any
    text: str
    seconds: float
    failure: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case

    @property
    def top_errors(self) -> list[dict]:
        return self.body.get("errors") or [] if isinstance(self.body, dict) else []

    @property
    def top_codes(self) -> list[str | None]:
        return [(error.get("extensions") or {}).get("code") for error in self.top_errors]

    def field(self, name: str) -> Any:
        """`data.<name>`, or None."""
        data = self.body.get("data") if isinstance(self.body, dict) else None
        return (data or {}).get(name)

    def summary(self, limit: int = 300) -> str:
        what = self.failure if self.status is None else f"HTTP {self.status}"
        return f"{self.operation} -> {what} in {self.seconds:.2f}s: {self.text[:limit]!r}"


def post_graphql(
    url: str,
    query: str,
    variables: dict | None = None,
    *,
    token: str | None = None,
    timeout: float = 30.0,
    operation: str = "",
) -> Reply:
    """POSTs one operation; never raises for an HTTP or transport failure."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url, data=json.dumps({"query": query, "variables": variables or {}}).encode(), headers=headers
    )
    return _exchange(request, operation or query.split("{", 1)[0].strip(), timeout)


def get(url: str, *, headers: dict[str, str] | None = None, timeout: float = 30.0) -> Reply:
    """GETs a URL (a probe, the metrics); never raises for an HTTP or transport failure."""
    return _exchange(urllib.request.Request(url, headers=headers or {}), f"GET {url}", timeout)


def _exchange(request: urllib.request.Request, operation: str, timeout: float) -> Reply:
    started = time.monotonic()
    status, raw, failure, headers = None, b"", None, {}
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status, raw, headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        status, raw, headers = exc.code, exc.read(), dict(exc.headers)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        failure = f"{type(exc).__name__}: {exc}"
    seconds = time.monotonic() - started
    text = raw.decode("utf-8", "replace")
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    lowered = {name.lower(): value for name, value in headers.items()}
    return Reply(operation, request.full_url, status, body, text, seconds, failure, lowered)
