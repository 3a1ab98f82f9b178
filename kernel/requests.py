"""What an HTTP request says about itself, read once for every layer that needs it."""

from django.http import HttpRequest


def declared_body_bytes(request: HttpRequest) -> int:
    """The body's size as Content-Length declares it; Django reads no more (and none when it is malformed)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
