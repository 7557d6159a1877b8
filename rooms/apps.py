from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class RoomsConfig(AppConfig):
    name = "rooms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.logs import redact_shape
        from rooms.tokens import ROOM_TOKEN_SHAPE

        checks.register(check_host_secret, checks.Tags.security)
        checks.register(check_init_data, checks.Tags.security)
        redact_shape(ROOM_TOKEN_SHAPE)


def check_host_secret(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if not settings.HOST_SECRET:
        return [
            checks.Warning(
                "HOST_SECRET is not set: room registration answers 503 to every Host App.",
                hint="Set HOST_SECRET in the environment or in .env.",
                id="rooms.W001",
            )
        ]
    if len(settings.HOST_SECRET) < 16:
        return [
            checks.Warning(
                "HOST_SECRET is shorter than 16 characters and easy to guess.",
                hint="Use a long random value, e.g. the one `make run` writes to .env.",
                id="rooms.W002",
            )
        ]
    return []


def check_init_data(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.REQUIRE_TELEGRAM_INIT_DATA and not settings.BOT_TOKEN:
        return [
            checks.Warning(
                "REQUIRE_TELEGRAM_INIT_DATA is on but BOT_TOKEN is unset: init data cannot "
                "be checked, so every Mini App request gets 401.",
                hint="Set BOT_TOKEN, or turn REQUIRE_TELEGRAM_INIT_DATA off.",
                id="rooms.W003",
            )
        ]
    return []
