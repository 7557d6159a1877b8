from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares and no app owns: the error shape, init-data checking, rate limits,
    log redaction and the health check. It has no models."""

    name = "core"

    def ready(self) -> None:
        import logging

        from core.ratelimit import rate_settings_check

        rate_settings_check()
        # Python's warnings become log lines too, in the log's format and redacted.
        logging.captureWarnings(True)
