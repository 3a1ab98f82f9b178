from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from schema import schema
from schema.persisted_queries import trusted_documents
from schema.views import TicketFlowerGraphQLView
from workflow_design.views import ticket_definition_schema, workflow_document_schema, workflow_language_reference

# Read now, as the URLconf loads (each worker before its first request, `manage.py check` and `migrate`): a broken
# trusted documents manifest stops the start instead of failing requests.
trusted_documents()

urlpatterns = [
    path("admin/", admin.site.urls),
    # CSRF is checked inside the view, for session-authenticated requests only.
    path("graphql/", csrf_exempt(TicketFlowerGraphQLView.as_view(schema=schema)), name="graphql"),
    path("schemas/workflow-document.json", workflow_document_schema, name="workflow-document-schema"),
    path("schemas/ticket-definition.json", ticket_definition_schema, name="ticket-definition-schema"),
    path("schemas/workflow-language.json", workflow_language_reference, name="workflow-language-reference"),
]

# JSON in the GraphQL error shape instead of an HTML page (DEBUG off).
handler500 = "ticketflower.views.server_error"
