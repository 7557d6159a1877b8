"""GET /metrics: the hub's metrics in Prometheus' text format, for a monitoring system."""

import hmac

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from core.authentication import bearer_token
from core.errors import error, not_found
from monitoring.metrics import metrics_page


@require_safe
def metrics(request):
    """404 unless METRICS_TOKEN is set; then 401 unless `Authorization: Bearer <token>`."""
    expected = settings.METRICS_TOKEN
    if not expected:
        return not_found(request)
    if not hmac.compare_digest(bearer_token(request).encode(), expected.encode()):
        response = error("metrics token required", 401)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    body, content_type = metrics_page()
    return HttpResponse(body, content_type=content_type)
