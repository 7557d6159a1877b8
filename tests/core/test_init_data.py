"""Telegram Mini App init data (`Authorization: tma <initData>`), checked as Telegram signs it."""

import time

import pytest
from rest_framework.test import APIRequestFactory

from avatars.links import avatar_image_url
from core.authentication import TelegramInitData
from core.initdata import InvalidInitData, TelegramUser, init_data_verify
from tests.support.fake_telegram import TOKEN
from tests.support.initdata import signed

# Published test vector: valid for bot token 42:TEST, signed on 2022-04-19.
VECTOR = (
    "auth_date=1650385342&user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D"
    "&query_id=test&hash=46d2ea5e32911ec8d30999b56247654460c0d20949b6277af519e76271182803"
)


class TestInitDataVerify:
    def test_the_published_vector_is_valid(self):
        data = init_data_verify(VECTOR, bot_token="42:TEST", max_age=None)

        assert data.user == TelegramUser(id=42, first_name="Test", username="", language_code="")
        assert data.auth_date == 1650385342
        assert data.fields["query_id"] == "test"

    @pytest.mark.parametrize(
        ("init_data", "token"),
        [
            (VECTOR, "42:INVALID"),
            (
                VECTOR.replace(
                    "&hash=46d2ea5e32911ec8d30999b56247654460c0d20949b6277af519e76271182803", ""
                ),
                "42:TEST",
            ),
            (VECTOR.split("&hash=")[0] + "&hash=test", "42:TEST"),
            ("", "42:TEST"),
            (VECTOR.split("&hash=")[0] + "&hash=%C3%A9%C3%A9%C3%A9", "42:TEST"),
        ],
        ids=["wrong token", "missing hash", "hash=test", "empty", "non-ASCII hash"],
    )
    def test_the_published_vector_fails_when_broken(self, init_data, token):
        with pytest.raises(InvalidInitData):
            init_data_verify(init_data, bot_token=token, max_age=None)

    def test_init_data_signed_like_telegram_is_valid(self):
        data = init_data_verify(signed(), bot_token=TOKEN, max_age=86400)

        assert data.user == TelegramUser(
            id=777, first_name="Аня", username="anya", language_code="ru"
        )

    def test_tampered_init_data_is_refused(self):
        tampered = signed().replace("777", "778")

        with pytest.raises(InvalidInitData, match="signature is invalid"):
            init_data_verify(tampered, bot_token=TOKEN, max_age=86400)

    def test_init_data_signed_with_another_token_is_refused(self):
        with pytest.raises(InvalidInitData, match="signature is invalid"):
            init_data_verify(signed(token="1:OTHER"), bot_token=TOKEN, max_age=86400)

    def test_stale_init_data_is_refused(self):
        day_and_a_minute_ago = int(time.time()) - 86460

        with pytest.raises(InvalidInitData, match="too old"):
            init_data_verify(
                signed(auth_date=day_and_a_minute_ago), bot_token=TOKEN, max_age=86400
            )

    def test_the_age_limit_is_the_setting(self):
        hour_ago = int(time.time()) - 3600

        assert init_data_verify(signed(auth_date=hour_ago), bot_token=TOKEN, max_age=7200)
        with pytest.raises(InvalidInitData):
            init_data_verify(signed(auth_date=hour_ago), bot_token=TOKEN, max_age=1800)

    @pytest.mark.parametrize(
        "init_data",
        [
            "hash",
            "=&=",
            "%FF%FE=1&hash=00",
            "auth_date=1&auth_date=2&hash=00",
            "user=%7B&hash=00",
            "a" * 10_000,
            "\x00\x01\x02",
        ],
    )
    def test_garbage_is_refused_without_raising_anything_else(self, init_data):
        with pytest.raises(InvalidInitData):
            init_data_verify(init_data, bot_token=TOKEN, max_age=86400)

    @pytest.mark.parametrize(
        "fields",
        [
            {"user": '{"first_name":"x"}'},
            {"user": '{"id":"42"}'},
            {"user": '{"id":true}'},
            {"user": '{"id":-1}'},
            {"user": "[]"},
            {"auth_date": "soon"},
            {"auth_date": "١٢٣"},
            # Found by test_fuzz.py: a 500 (OverflowError, or ValueError past 4300 digits).
            {"auth_date": "9" * 400},
            {"auth_date": "9" * 5000},
        ],
    )
    def test_well_signed_nonsense_is_refused(self, fields):
        with pytest.raises(InvalidInitData):
            init_data_verify(signed(**fields), bot_token=TOKEN, max_age=None)

    def test_the_verified_user_is_what_views_get(self, settings):
        settings.BOT_TOKEN = TOKEN
        request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"tma {signed()}")

        user, data = TelegramInitData().authenticate(request)

        assert user.id == 777
        assert user.is_authenticated
        assert data.fields["query_id"] == "AAHdF6IQAAAAAN0XohDhrOrc"


@pytest.mark.django_db
class TestMiniAppEndpointsWithInitData:
    @pytest.fixture(autouse=True)
    def _room(self, register, settings):
        settings.BOT_TOKEN = TOKEN
        register({"room_code": "ABCD"})

    def test_the_old_open_contract_holds_by_default(self, api):
        response = api.get("/api/rooms/ABCD")

        assert response.status_code == 200

    def test_valid_init_data_is_accepted_by_default(self, api):
        response = api.get("/api/rooms/ABCD", HTTP_AUTHORIZATION=f"tma {signed()}")

        assert response.status_code == 200

    def test_invalid_init_data_is_refused_even_by_default(self, api):
        response = api.get("/api/rooms/ABCD", HTTP_AUTHORIZATION=f"tma {signed(token='1:X')}")

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "tma"
        assert response.json() == {"error": "init data signature is invalid"}

    @pytest.mark.parametrize("path", ["/api/rooms/ABCD", "/api/users/42/avatar"])
    def test_when_required_a_request_without_init_data_gets_401(self, api, settings, path):
        settings.REQUIRE_TELEGRAM_INIT_DATA = True

        response = api.get(path)

        assert response.status_code == 401
        assert response.json() == {
            "error": "Telegram init data required: send Authorization: tma <initData>"
        }

    @pytest.mark.parametrize("path", ["/api/rooms/ABCD", "/api/users/42/avatar"])
    def test_when_required_valid_init_data_gets_in(self, api, settings, path, fake_telegram):
        settings.REQUIRE_TELEGRAM_INIT_DATA = True

        response = api.get(path, HTTP_AUTHORIZATION=f"tma {signed()}")

        assert response.status_code == 200

    def test_when_required_stale_init_data_gets_401(self, api, settings):
        settings.REQUIRE_TELEGRAM_INIT_DATA = True
        settings.TELEGRAM_INIT_DATA_MAX_AGE = 60

        response = api.get(
            "/api/rooms/ABCD", HTTP_AUTHORIZATION=f"tma {signed(auth_date=int(time.time()) - 61)}"
        )

        assert response.status_code == 401
        assert response.json() == {"error": "init data is too old"}

    def test_the_avatar_image_asks_an_img_tag_for_a_signed_link_not_init_data(
        self, api, settings, fake_telegram
    ):
        settings.REQUIRE_TELEGRAM_INIT_DATA = True
        link = avatar_image_url(user_id=42, base_url="")

        response = api.get(link)

        assert response.status_code == 404  # no photo, but not 401: <img> sends no headers
