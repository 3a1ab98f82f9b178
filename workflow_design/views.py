"""The public JSON documents that describe the workflow language: the JSON Schemas of the
documents and the language reference. Each is the same for every request of one deployment."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import etag, require_GET

from workflow_design.document import document_json_schema, ticket_definition_json_schema
from workflow_design.language import workflow_language


@dataclass(frozen=True)
class _Serialized:
    body: bytes
    etag: str  # a hash of the body


def _constant_json_view(build: Callable[[], dict[str, Any]]) -> Callable[[HttpRequest], HttpResponse]:
    """A GET view of the JSON document `build` makes. The document only changes with a deployment,
    so it is serialized once, and its strong ETag lets a client revalidate the copy it keeps with
    If-None-Match: an unchanged document is answered 304 without a body."""

    @cache
    def serialized() -> _Serialized:
        body = json.dumps(build(), indent=2).encode()
        return _Serialized(body, hashlib.sha256(body).hexdigest())

    @require_GET
    @cache_control(public=True, max_age=3600)
    @etag(lambda request: serialized().etag)
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(serialized().body, content_type="application/json")

    return view


workflow_document_schema = _constant_json_view(document_json_schema)
ticket_definition_schema = _constant_json_view(ticket_definition_json_schema)
workflow_language_reference = _constant_json_view(workflow_language)
