from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class MonitoringConfig(AppConfig):
    """How the night is going: the request context and counts of every request (wsgi.py),
    /metrics for a monitoring system, and the dashboard in the admin."""

    name = "monitoring"


class HubAdminConfig(AdminConfig):
    """Django's admin, with the hub's own site (monitoring/admin.py) as `admin.site`."""

    default_site = "monitoring.admin.HubAdminSite"
