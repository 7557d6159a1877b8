"""Who opens the Mini App: a Telegram user, proven by the init data Telegram signed.

The Mini App sends `Authorization: tma <initData>` (the Mini Apps community's convention).
With REQUIRE_TELEGRAM_INIT_DATA off (the default) the Mini App endpoints stay open as in the
original design; init data that is sent is still checked, and wrong init data is refused.
"""

from django.conf import settings
from rest_framework import authentication, exceptions, permissions

from core.initdata import InvalidInitData, init_data_verify

KEYWORD = "tma"


def bearer_token(request) -> str:
    """The token of `Authorization: Bearer <token>`, or "" without one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class TelegramInitData(authentication.BaseAuthentication):
    def authenticate(self, request):
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != KEYWORD:
            return None
        try:
            data = init_data_verify(
                value.strip(),
                bot_token=settings.BOT_TOKEN,
                max_age=settings.TELEGRAM_INIT_DATA_MAX_AGE,
            )
        except InvalidInitData as error:
            raise exceptions.AuthenticationFailed(str(error)) from None
        return data.user, data

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) and say which scheme it wants.
        return KEYWORD


class MiniAppLaunch(permissions.BasePermission):
    """Anybody, unless REQUIRE_TELEGRAM_INIT_DATA asks for a verified Telegram launch."""

    def has_permission(self, request, view) -> bool:
        if settings.REQUIRE_TELEGRAM_INIT_DATA and request.auth is None:
            raise exceptions.NotAuthenticated(
                f"Telegram init data required: send Authorization: {KEYWORD} <initData>"
            )
        return True
