"""The webhook: Telegram posts each update here when the bot runs in webhook mode."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import errors
from telegrambot.permissions import TelegramWebhookSecret


class TelegramWebhookApi(APIView):
    """Hands a valid update to the same handlers `runbot` polls with, then answers 200 even if
    they failed (they log it): Telegram would redeliver anything else, repeating replies."""

    permission_classes = [TelegramWebhookSecret]

    @extend_schema(
        operation_id="receiveTelegramUpdate",
        summary="An update from Telegram (webhook mode)",
        tags=["Telegram"],
        auth=[{"telegramWebhookSecret": []}],
        request={
            "application/json": {
                "type": "object",
                "description": "A Telegram Update (core.telegram.org/bots/api#update).",
                "properties": {"update_id": {"type": "integer"}},
                "required": ["update_id"],
            }
        },
        responses={
            200: OpenApiResponse(description="The update was handed to the bot."),
            **errors(
                400,
                403,
                404,
                413,
                415,
                503,
                s400="The JSON is not a Telegram update.",
                s403="The secret token header is missing or wrong.",
                s404="Webhook mode is off (TELEGRAM_WEBHOOK_SECRET or BOT_TOKEN unset).",
                s503="The bot could not reach Telegram to start; nothing was sent.",
            ),
        },
    )
    def post(self, request):
        # Imported here: python-telegram-bot costs every web process about 15 MB, and only
        # webhook mode needs it in the web processes (the polling bot is a process of its own).
        from telegrambot import webhook

        if not isinstance(request.data, dict):
            raise exceptions.ParseError("request body must be a JSON object")
        bot = webhook.webhook_bot()
        bot.handle(bot.parse(request.data))
        return Response(status=status.HTTP_200_OK)
