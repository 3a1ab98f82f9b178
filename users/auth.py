from django.http import HttpResponse


def lockout_response(request, original_response, credentials):
    """django-axes lockout hook.

    GraphQL answers a locked-out login itself (a TOO_MANY_ATTEMPTS problem in
    the login payload), so its response is kept; elsewhere (admin login) the
    client gets HTTP 429.
    """
    match = request.resolver_match
    if match is not None and match.url_name == "graphql" and original_response is not None:
        return original_response
    return HttpResponse("Too many failed login attempts; try again later.", status=429, content_type="text/plain")
