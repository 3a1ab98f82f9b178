"""Automatic persisted queries (Apollo's APQ protocol) and the trusted documents mode.

A client names its query by the SHA-256 of its text (UTF-8), in the request's extensions:
`{"persistedQuery": {"version": 1, "sha256Hash": "<64 lowercase hex digits>"}}`. Sent without the
text, the text registered under that hash runs; an unknown hash is answered HTTP 200 with the error
`PersistedQueryNotFound` (code PERSISTED_QUERY_NOT_FOUND), on which the client sends the text with the
hash: the hash is checked against the text, which is then registered in the `persisted-queries` cache
(settings.CACHES: shared by every worker and server, bounded in entries and time) and runs. A GET
works the same, `extensions` a URL parameter, so that a query can travel as a short URL.

Trusted documents (GRAPHQL_TRUSTED_DOCUMENTS names an Apollo persisted query manifest, the operations
a frontend build generated): only the manifest's operations run, named by hash or sent as their exact
text; clients register nothing.

A text found by its hash runs through everything a text sent runs through (schema/views.py checked its
length when it was registered; the token, depth, alias and list limits apply when it runs).
"""

import functools
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from graphql import GraphQLError, parse
from redis.exceptions import RedisError

CACHE_ALIAS = "persisted-queries"
PROTOCOL_VERSION = 1
MANIFEST_FORMAT = "apollo-persisted-query-manifest"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_HASH_POINTER = "/extensions/persistedQuery/sha256Hash"

logger = logging.getLogger("ticketflower.graphql")


class PersistedQueryRefusal(Exception):
    """A request the protocol answers before GraphQL runs: message, code, HTTP status, and a JSON Pointer into
    the request body when one thing in it is wrong."""

    def __init__(self, message: str, *, code: str, status: int, path: str | None = None):
        super().__init__(message)
        self.message, self.code, self.status, self.path = message, code, status, path


def sha256_hex(query: str) -> str:
    # Lone surrogates (JSON allows them) are hashed rather than refused here: the text is refused when it runs.
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()


def query_to_run(*, query: str | None, extensions: dict[str, Any] | None) -> str | None:
    """The text the request runs: the one sent, or the one its persisted query hash names. Registers a text sent
    with its hash. Raises PersistedQueryRefusal."""
    sha256 = _requested_hash(extensions)
    trusted = trusted_documents()
    if sha256 is None:
        if trusted is not None and query is not None and sha256_hex(query) not in trusted:
            raise _untrusted()
        return query
    if query is None:
        found = trusted.get(sha256) if trusted is not None else _registered(sha256)
        if found is None:
            # Apollo's exact answer, HTTP 200: clients then send the text (a 4xx turns their persisted queries off).
            raise PersistedQueryRefusal("PersistedQueryNotFound", code="PERSISTED_QUERY_NOT_FOUND", status=200)
        return found
    if sha256_hex(query) != sha256:
        raise PersistedQueryRefusal(
            "provided sha does not match query", code="BAD_USER_INPUT", status=400, path=_HASH_POINTER
        )
    if trusted is None:
        if _parses(query):  # a text that cannot run would only take a place in the cache
            _register(sha256, query)
    elif sha256 not in trusted:
        raise _untrusted()
    return query


def _parses(query: str) -> bool:
    try:
        parse(query, no_location=True, max_tokens=settings.GRAPHQL_MAX_TOKENS)
    except GraphQLError:
        return False
    return True


def _requested_hash(extensions: dict[str, Any] | None) -> str | None:
    """The hash of `extensions.persistedQuery`, None without one."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        raise _bad_input(
            "`extensions.persistedQuery` must be an object: {version: 1, sha256Hash}.", "/extensions/persistedQuery"
        )
    version = persisted.get("version")
    if type(version) is not int or version != PROTOCOL_VERSION:  # `true` is no version
        raise _bad_input("Unsupported persisted query version", "/extensions/persistedQuery/version")
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not _SHA256_HEX.fullmatch(sha256):
        raise _bad_input("`sha256Hash` must be the query's SHA-256: 64 lowercase hexadecimal digits.", _HASH_POINTER)
    return sha256


def _bad_input(message: str, path: str) -> PersistedQueryRefusal:
    return PersistedQueryRefusal(message, code="BAD_USER_INPUT", status=400, path=path)


def _untrusted() -> PersistedQueryRefusal:
    return PersistedQueryRefusal(
        "Only trusted documents run here: this operation is not in the trusted documents manifest.",
        code="UNTRUSTED_DOCUMENT",
        status=403,
    )


# A persisted query saves bytes on the wire and nothing else: when its cache fails, a lookup is a miss (the client
# sends the text) and a registration is skipped (the text runs all the same).


def _registered(sha256: str) -> str | None:
    try:
        return caches[CACHE_ALIAS].get(sha256)
    except (RedisError, DatabaseError):
        logger.warning("persisted query cache unavailable: lookup answered as a miss", exc_info=True)
        return None


def _register(sha256: str, query: str) -> None:
    try:
        caches[CACHE_ALIAS].set(sha256, query)
    except (RedisError, DatabaseError):
        logger.warning("persisted query cache unavailable: registration skipped", exc_info=True)


def trusted_documents() -> Mapping[str, str] | None:
    """Hash -> text of the trusted documents manifest (GRAPHQL_TRUSTED_DOCUMENTS), or None when every operation may
    run. Read once per process; the composition root reads it at start, so that a broken manifest stops the start."""
    path = settings.GRAPHQL_TRUSTED_DOCUMENTS
    return _manifest_documents(Path(settings.BASE_DIR) / path) if path else None


@functools.cache
def _manifest_documents(path: Path) -> Mapping[str, str]:
    """The operations of an Apollo persisted query manifest (`@apollo/generate-persisted-query-manifest`):
    {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "name", "type", "body"}]},
    each id the SHA-256 of its body."""

    def broken(why: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"GRAPHQL_TRUSTED_DOCUMENTS {path}: {why}")

    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise broken(f"cannot be read as JSON ({exc})") from exc
    if not isinstance(manifest, dict) or (manifest.get("format"), manifest.get("version")) != (MANIFEST_FORMAT, 1):
        raise broken(f'expected {{"format": "{MANIFEST_FORMAT}", "version": 1, "operations": [...]}}')
    operations = manifest.get("operations")
    if not isinstance(operations, list):
        raise broken("`operations` must be a list")
    documents: dict[str, str] = {}
    for index, operation in enumerate(operations):
        body = operation.get("body") if isinstance(operation, dict) else None
        if not isinstance(body, str) or operation.get("id") != sha256_hex(body):
            raise broken(f"operations[{index}] must have a string `body` and, as its `id`, the body's SHA-256")
        documents[operation["id"]] = body
    return documents
