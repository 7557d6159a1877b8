from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """How the night is going: the request context and counts of every request (wsgi.py),
    /metrics for a monitoring system, and the dashboard in the admin."""

    name = "monitoring"
