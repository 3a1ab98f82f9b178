from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from schema import schema
from schema.views import TicketFlowerGraphQLView

urlpatterns = [
    path("admin/", admin.site.urls),
    # CSRF is checked inside the view, for session-authenticated requests only.
    path("graphql/", csrf_exempt(TicketFlowerGraphQLView.as_view(schema=schema)), name="graphql"),
]
