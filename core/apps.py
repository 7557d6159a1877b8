from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares and no app owns: the error shape, init-data checking, rate limits,
    outage mapping, log redaction and the health check. It has no models."""

    name = "core"
