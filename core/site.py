"""Where the hub is, as its clients reach it: for links the hub hands out."""

from django.conf import settings


def public_base_url(request) -> str:
    """PUBLIC_URL, or, without one (`make run` on 127.0.0.1), the scheme and host the request
    came to. No trailing slash."""
    return settings.PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")
