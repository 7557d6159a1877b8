"""The ways into a room from anywhere in Telegram, for the host to show and share: the Mini App
link (t.me/<bot>/<short_name>?startapp=CODE, or t.me/<bot>?startapp=CODE for the bot's Main
Mini App), the bot's chat with the code, the hub's own /join/ page, and a QR code of the best
of them for the TV."""

from django.conf import settings
from django.urls import reverse


def room_links(*, code: str, base_url: str, bot_username: str | None) -> dict:
    """`base_url`: the hub's public URL (PUBLIC_URL, or the request's own). Without a bot
    username (no BOT_TOKEN, or Telegram cannot say yet), the Telegram links are None."""
    telegram = bot = None
    if bot_username:
        short_name = settings.MINI_APP_SHORT_NAME
        app = (
            f"https://t.me/{bot_username}/{short_name}"
            if short_name
            else f"https://t.me/{bot_username}"
        )
        telegram = f"{app}?startapp={code}"
        bot = f"https://t.me/{bot_username}?start={code}"
    return {
        "telegram": telegram,
        "bot": bot,
        "web": base_url + reverse("room-join", args=[code]),
        "qr": base_url + reverse("room-qr", args=[code]),
    }


def room_qr_link(links: dict) -> str:
    """What the TV's QR code opens: the Mini App in Telegram, or the web page without a bot."""
    return links["telegram"] or links["web"]
