from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from workflow_design.document import document_json_schema, ticket_definition_json_schema


@require_GET
@cache_control(public=True, max_age=3600)
def workflow_document_schema(request: HttpRequest) -> JsonResponse:
    """The JSON Schema of the workflow document, for editors and generators."""
    return JsonResponse(document_json_schema(), json_dumps_params={"indent": 2})


@require_GET
@cache_control(public=True, max_age=3600)
def ticket_definition_schema(request: HttpRequest) -> JsonResponse:
    return JsonResponse(ticket_definition_json_schema(), json_dumps_params={"indent": 2})
