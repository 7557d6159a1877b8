"""Middleware of the project itself."""

from django.conf import settings


class HealthCheckFromAnyHost:
    """Lets platform health checks reach /healthz whatever Host header they send.

    A platform's health checker calls each instance directly, often with an internal address
    as Host, which ALLOWED_HOSTS would refuse with 400 and so mark a healthy hub as down. For
    /healthz alone, whose answer does not depend on the host, the request is given an allowed
    host instead; every other path is still checked.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            allowed = [h for h in settings.ALLOWED_HOSTS if h != "*" and not h.startswith(".")]
            if allowed:
                request.META["HTTP_HOST"] = allowed[0]
                request.META.pop("HTTP_X_FORWARDED_HOST", None)
        return self.get_response(request)
