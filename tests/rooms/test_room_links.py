"""Every room's ways in from Telegram: its startapp link (the bot's Main Mini App, or a Direct
Link Mini App by its short name), the bot's chat, the hub's join page and the QR code's URL, in
the public lookup and in every answer to its host; and the QR code itself."""

import pytest

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://hub.example"


@pytest.fixture
def hub(settings):
    settings.PUBLIC_URL = PUBLIC_URL
    settings.ALLOWED_HOSTS = ["testserver", "hub.example"]
    settings.HOST_AUTH_FAIL_RATE = "off"


def links_of(answer) -> dict:
    return answer.json()["links"]


class TestRoomLinks:
    def test_the_bots_main_mini_app_opens_the_room(self, api, register, hub, settings):
        settings.TELEGRAM_BOT_USERNAME = "spirtuoz_bot"

        created = register({"room_code": "ABCD"})

        assert links_of(created) == {
            "telegram": "https://t.me/spirtuoz_bot?startapp=ABCD",
            "bot": "https://t.me/spirtuoz_bot?start=ABCD",
            "web": f"{PUBLIC_URL}/join/ABCD",
            "qr": f"{PUBLIC_URL}/api/rooms/ABCD/qr.svg",
        }
        assert links_of(api.get("/api/rooms/abcd")) == links_of(created)

    def test_a_direct_link_mini_app_by_its_short_name(self, api, register, hub, settings):
        settings.TELEGRAM_BOT_USERNAME = "@spirtuoz_bot"
        settings.MINI_APP_SHORT_NAME = "play"

        register({"room_code": "ABCD"})

        assert links_of(api.get("/api/rooms/ABCD"))["telegram"] == (
            "https://t.me/spirtuoz_bot/play?startapp=ABCD"
        )

    def test_every_answer_to_the_host_carries_them(self, api, register, hub, settings):
        settings.TELEGRAM_BOT_USERNAME = "spirtuoz_bot"
        token = register({"room_code": "ABCD"}).json()["host_token"]
        headers = {"HTTP_X_ROOM_TOKEN": token}

        answers = [
            register({"room_code": "ABCD", "host_token": token}),
            api.post("/api/host/rooms/ABCD/heartbeat", **headers),
            api.patch("/api/host/rooms/ABCD", {"players": 2}, **headers),
        ]

        assert [links_of(answer)["bot"] for answer in answers] == [
            "https://t.me/spirtuoz_bot?start=ABCD"
        ] * 3

    def test_the_username_comes_from_getme_once(self, api, register, hub, fake_telegram):
        register({"room_code": "ABCD"})

        looked_up = [links_of(api.get("/api/rooms/ABCD"))["telegram"] for _ in range(3)]

        assert looked_up == ["https://t.me/spirtuoz_test_bot?startapp=ABCD"] * 3
        assert fake_telegram.count("getMe") == 1

    def test_while_telegram_cannot_say_the_telegram_links_are_null_and_it_is_not_asked_again(
        self, api, register, hub, fake_telegram
    ):
        fake_telegram.fail("getMe", 502, "Bad Gateway")
        register({"room_code": "ABCD"})

        answers = [links_of(api.get("/api/rooms/ABCD")) for _ in range(3)]

        assert {(links["telegram"], links["bot"]) for links in answers} == {(None, None)}
        assert answers[0]["web"] == f"{PUBLIC_URL}/join/ABCD"
        assert fake_telegram.count("getMe") == 1

    def test_without_a_bot_only_the_hubs_links(self, api, register, settings):
        settings.BOT_TOKEN = ""
        settings.PUBLIC_URL = ""

        links = links_of(register({"room_code": "ABCD"}))

        assert links == {
            "telegram": None,
            "bot": None,
            "web": "http://testserver/join/ABCD",
            "qr": "http://testserver/api/rooms/ABCD/qr.svg",
        }


class TestRoomQr:
    def test_it_is_an_svg_qr_code_the_tv_may_cache(self, api, register, hub, settings):
        settings.TELEGRAM_BOT_USERNAME = "spirtuoz_bot"
        register({"room_code": "ABCD"})

        response = api.get("/api/rooms/abcd/qr.svg", HTTP_ACCEPT="text/html")

        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert response["Cache-Control"] == "public, max-age=300"
        assert response.content.startswith(b"<svg")
        assert b"<title>https://t.me/spirtuoz_bot?startapp=ABCD</title>" in response.content
        again = api.get("/api/rooms/ABCD/qr.svg", HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304

    def test_a_room_that_is_not_live_gets_404_in_json_and_counts_as_a_miss(self, api, settings):
        settings.ROOM_LOOKUP_MISS_RATE = "2/minute"

        answers = [api.get("/api/rooms/NOPE/qr.svg") for _ in range(3)]

        assert [answer.status_code for answer in answers] == [404, 404, 429]
        assert answers[0].json() == {"error": "room not found"}
