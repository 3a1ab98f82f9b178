"""The document JSON Schemas, served as public documents: any origin may read them, and a client holding one
revalidates it by its ETag."""

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.views.decorators.cache import cache_control
from django.views.decorators.http import etag, require_GET

from workflow_design.document import document_json_schema, ticket_definition_json_schema


def _public_document(build: Callable[[], dict[str, Any]], description: str) -> Callable[[HttpRequest], HttpResponse]:
    @functools.cache
    def served() -> tuple[bytes, str]:
        """The document's bytes and their ETag, computed once per process."""
        body = json.dumps(build(), indent=2).encode()
        return body, hashlib.sha256(body).hexdigest()[:32]

    @require_GET
    @cache_control(public=True, max_age=3600)
    @etag(lambda request: served()[1])  # If-None-Match: 304, without the body
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(served()[0], content_type="application/json")

    view.__doc__ = description
    return view


workflow_document_schema = _public_document(
    document_json_schema, "The JSON Schema of the workflow document, for editors and generators."
)
ticket_definition_schema = _public_document(
    ticket_definition_json_schema, "The JSON Schema of a ticket definition document."
)
PUBLIC_DOCUMENT_VIEWS = frozenset({workflow_document_schema, ticket_definition_schema})


def public_documents_for_any_origin(sender: object, request: HttpRequest, **kwargs: object) -> bool:
    """django-cors-headers' check_request_enabled signal: the JSON Schemas are public, so any origin may read them
    (without credentials: CORS_ALLOW_CREDENTIALS is off), where /graphql/ answers only CORS_ALLOWED_ORIGINS."""
    try:
        return resolve(request.path_info).func in PUBLIC_DOCUMENT_VIEWS
    except Resolver404:
        return False
