"""The public JSON documents that describe the workflow language: the JSON Schemas of the
documents and the language reference. Each is the same for every request of one deployment;
any origin may read them, and a client holding one revalidates it by its ETag."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import etag, require_safe

from workflow_design.document import document_json_schema, ticket_definition_json_schema
from workflow_design.language import workflow_language


@dataclass(frozen=True)
class _Serialized:
    body: bytes
    etag: str  # a hash of the body


def _constant_json_view(build: Callable[[], dict[str, Any]]) -> Callable[[HttpRequest], HttpResponse]:
    """A GET (and HEAD) view of the JSON document `build` makes. The document only changes with a deployment,
    so it is serialized once, and its strong ETag lets a client revalidate the copy it keeps with
    If-None-Match: an unchanged document is answered 304 without a body."""

    @cache
    def serialized() -> _Serialized:
        body = json.dumps(build(), indent=2).encode()
        return _Serialized(body, hashlib.sha256(body).hexdigest())

    @csrf_exempt  # nothing to forge: any other method than GET or HEAD is answered 405
    @require_safe
    @cache_control(public=True, max_age=3600)
    @etag(lambda request: serialized().etag)
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(serialized().body, content_type="application/json")

    return view


workflow_document_schema = _constant_json_view(document_json_schema)
ticket_definition_schema = _constant_json_view(ticket_definition_json_schema)
workflow_language_reference = _constant_json_view(workflow_language)
PUBLIC_DOCUMENT_VIEWS = frozenset({workflow_document_schema, ticket_definition_schema, workflow_language_reference})


def public_documents_for_any_origin(sender: object, request: HttpRequest, **kwargs: object) -> bool:
    """django-cors-headers' check_request_enabled signal: these documents are public, so any origin may
    read them (without credentials: CORS_ALLOW_CREDENTIALS is off), where /graphql/ answers only
    CORS_ALLOWED_ORIGINS."""
    try:
        return resolve(request.path_info).func in PUBLIC_DOCUMENT_VIEWS
    except Resolver404:
        return False
