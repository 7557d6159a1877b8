"""One tap into a room, in a real browser: the QR code on the TV decodes back to the room's link,
and the hub's /join/ (the Mini App URL set in BotFather) sends a player from Telegram's
startapp link on to their room's Mini App, Telegram's #tgWebAppData fragment kept."""

import io
import json

import pytest
import zxingcpp
from PIL import Image

from tests.support import HOST_SECRET
from tests.support.servers import http

# Starts a browser: left out of `make test-fast`.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LAUNCH = "tgWebAppData=user%3D%257B%2522id%2522%253A42%257D%26hash%3Dabc&tgWebAppVersion=8.0"


@pytest.fixture
def register(live_server):
    def register(code: str, app_url: str) -> dict:
        status, _, body = http(
            "POST",
            f"{live_server.url}/api/host/rooms/register",
            {"room_code": code, "ws_url": "wss://a.example/ws", "app_url": app_url},
            **{"X-Host-Secret": HOST_SECRET},
        )
        assert status == 201
        return json.loads(body)

    return register


def decoded(page, qr_url: str) -> list[str]:
    """What a real QR decoder reads off the QR code as the browser draws it, in an <img> as
    a Host App's screen would show it."""
    page.set_content(f'<body style="margin:0;background:#fff"><img src="{qr_url}"></body>')
    image = page.locator("img")
    image.evaluate("img => img.decode()")
    picture = Image.open(io.BytesIO(image.screenshot()))
    return [result.text for result in zxingcpp.read_barcodes(picture)]


class TestQrCode:
    def test_the_tvs_qr_code_opens_the_rooms_mini_app_in_telegram(
        self, page, live_server, register, settings
    ):
        settings.TELEGRAM_BOT_USERNAME = "spirtuoz_party_bot"
        settings.MINI_APP_SHORT_NAME = "play"
        room = register("QRTV", "https://mini.app")

        assert decoded(page, room["links"]["qr"]) == [
            "https://t.me/spirtuoz_party_bot/play?startapp=QRTV"
        ]
        assert room["links"]["telegram"] == "https://t.me/spirtuoz_party_bot/play?startapp=QRTV"

    def test_without_a_bot_it_opens_the_hubs_join_page(
        self, page, live_server, register, settings
    ):
        settings.BOT_TOKEN = ""
        settings.TELEGRAM_BOT_USERNAME = ""
        room = register("QRWB", "https://mini.app")

        assert decoded(page, room["links"]["qr"]) == [f"{live_server.url}/join/QRWB"]


class TestJoinEntry:
    def test_a_startapp_link_lands_on_the_rooms_app_with_telegrams_fragment(
        self, page, live_server, miniapp_url, register
    ):
        register("TAPP", f"{miniapp_url}?v=1")

        page.goto(f"{live_server.url}/join/?tgWebAppStartParam=TAPP#{LAUNCH}")

        assert page.url == f"{miniapp_url}?v=1&room=TAPP#{LAUNCH}"

    def test_without_a_code_the_page_asks_for_one_and_goes_there(
        self, page, live_server, miniapp_url, register
    ):
        register("FORM", miniapp_url)
        page.goto(f"{live_server.url}/join/")

        page.get_by_placeholder("ABCD").fill("form")
        page.get_by_role("button", name="Join").click()
        page.wait_for_url(f"{miniapp_url}?room=FORM")

        assert page.url == f"{miniapp_url}?room=FORM"
