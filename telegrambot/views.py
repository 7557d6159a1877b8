"""The webhook: Telegram posts each update here when the bot runs in webhook mode."""

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from telegrambot import webhook
from telegrambot.permissions import TelegramWebhookSecret


class BotUnavailable(exceptions.APIException):
    # Nothing was answered yet, so Telegram's redelivery of the update repeats nothing.
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "the bot cannot reach Telegram right now; try again"


class TelegramWebhookApi(APIView):
    """Hands a valid update to the same handlers `runbot` polls with, then answers 200 even if
    they failed (they log it): Telegram would redeliver anything else, repeating replies."""

    permission_classes = [TelegramWebhookSecret]

    def post(self, request):
        if not isinstance(request.data, dict):
            raise exceptions.ParseError("request body must be a JSON object")
        try:
            bot = webhook.webhook_bot()
        except webhook.BotUnavailable:
            raise BotUnavailable from None
        try:
            update = bot.parse(request.data)
        except webhook.NotAnUpdate as error:
            raise exceptions.ParseError(f"not a Telegram update: {error}") from None
        bot.handle(update)
        return Response(status=status.HTTP_200_OK)
