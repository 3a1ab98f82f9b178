"""A small HTTP client for 127.0.0.1 (http.client: no dependency, keeps the connection open
whenever the server does; gunicorn's sync workers close it after every response, so each
request then pays a local TCP connect, as every client of the production server does)."""

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any

from bench import queries


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def query_count(self) -> int | None:
        raw = self.headers.get(queries.QUERY_COUNT_HEADER.lower())
        return int(raw) if raw is not None else None

    @property
    def query_summary(self) -> str:
        return self.headers.get(queries.QUERY_SUMMARY_HEADER.lower(), "")

    @property
    def page_faults(self) -> int | None:
        raw = self.headers.get(queries.PAGE_FAULTS_HEADER.lower())
        return int(raw) if raw is not None else None

    @property
    def statement_seconds(self) -> float | None:
        raw = self.headers.get(queries.STATEMENT_SECONDS_HEADER.lower())
        return float(raw) if raw is not None else None

    @property
    def cache_status(self) -> str | None:
        """`hit` or `miss` for a read the service may answer from its response cache."""
        return self.headers.get(queries.RESPONSE_CACHE_HEADER.lower())


class Http:
    def __init__(self, port: int, *, timeout: float = 120.0):
        self.port = port
        self.timeout = timeout
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        """One request, timed from sending to having read the whole body."""
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        seconds = time.perf_counter() - started
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data, seconds)

    def close(self) -> None:
        self.connection.close()


def auth_headers(
    token: str | None, *, count: bool = False, content_type: bool = False, fresh: bool = False
) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if count:
        headers[queries.COUNT_QUERIES_HEADER] = "1"
    if content_type:
        headers["Content-Type"] = "application/json"
    if fresh:
        headers["Cache-Control"] = "no-cache"  # computed afresh, never from the response cache
    return headers


def graphql_body(query: str, variables: dict) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


def post_graphql(http: Http, body: bytes, token: str | None, *, count: bool = False, fresh: bool = False) -> Reply:
    return http.request("POST", "/graphql/", body, auth_headers(token, count=count, content_type=True, fresh=fresh))


def get(http: Http, path: str, token: str | None, *, count: bool = False) -> Reply:
    return http.request("GET", path, None, auth_headers(token, count=count))


def post_json(http: Http, path: str, body: bytes, token: str | None, *, count: bool = False) -> Reply:
    return http.request("POST", path, body, auth_headers(token, count=count, content_type=True))
