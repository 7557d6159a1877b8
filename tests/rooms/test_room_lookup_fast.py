"""The room lookup answered in front of Django (rooms/lookup.py) answers exactly as Django does,
hands Django every case it does not answer itself, and caches nothing.

Each case is sent as a WSGI request to the hub's application (spirtuoz.wsgi.application, what
both servers run, or one built the same way after the case changed settings) and to Django's
own handler behind it, and the two answers are compared.
Transactional, because the lookup manages its connection as a request does, outside any test
transaction.
"""

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory

from core.ratelimit import limit_memo_forget
from rooms import services
from rooms.lookup import RoomLookup
from spirtuoz import wsgi
from tests.support.fake_telegram import TOKEN
from tests.support.initdata import signed

pytestmark = pytest.mark.django_db(transaction=True)

ROOM = {"ws_url": "wss://abc.trycloudflare.com/ws", "app_url": "https://mini.app/?a=1"}


def call(application, path: str, method: str = "GET", **headers):
    """(status, headers with lower-case names, body) of one WSGI request."""
    extra = {"HTTP_HOST": "127.0.0.1:3000", **headers}
    environ = RequestFactory().generic(method, path, **extra)
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = status
        answer["headers"] = {name.lower(): value for name, value in response_headers}

    body = b"".join(application(environ.environ, start_response))
    return answer["status"], answer["headers"], body


class DjangoSpy:
    """Django's handler, counting the requests the fast lookup handed it."""

    def __init__(self, handler):
        self.handler = handler
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.handler(environ, start_response)


@pytest.fixture
def django_spy(monkeypatch):
    spy = DjangoSpy(wsgi.django_application)
    monkeypatch.setattr(wsgi.application, "application", spy)
    return spy


def hub_with_spy() -> tuple[RoomLookup, DjangoSpy]:
    """The hub's application as spirtuoz/wsgi.py builds it, on the settings now in force (Django
    reads its middleware's settings once), and a spy on the Django handler behind it."""
    spy = DjangoSpy(WSGIHandler())
    return RoomLookup(spy), spy


@pytest.fixture
def room():
    cache.clear()
    limit_memo_forget()
    return services.room_register(code="FAST", **ROOM).room


def same_answer(path: str, *, answered_by_django: bool = False, **headers):
    """The answer of the hub's application, checked to be Django's own, byte for byte."""
    hub, django = hub_with_spy()
    fast = call(hub, path, **headers)
    assert django.calls == int(answered_by_django)
    assert fast == call(django.handler, path, **headers)
    return fast


class TestFastLookup:
    def test_it_answers_a_live_room_itself(self, room, django_spy):
        status, _, body = call(wsgi.application, "/api/rooms/fast")

        assert django_spy.calls == 0
        assert status == "200 OK"
        assert body == (
            b'{"room_code":"FAST","ws_url":"wss://abc.trycloudflare.com/ws",'
            b'"app_url":"https://mini.app/?a=1","created_at":'
            + str(int(room.created_at.timestamp() * 1000)).encode()
            + b"}"
        )

    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"HTTP_ORIGIN": "https://miniapp.vercel.app"},
            {"HTTP_AUTHORIZATION": "Bearer something-else"},
        ],
    )
    def test_it_answers_as_django_does(self, room, headers):
        status, _, _ = same_answer("/api/rooms/FAST", **headers)

        assert status == "200 OK"

    def test_it_answers_as_django_does_over_https(self, room, settings):
        settings.SECURE_SSL_REDIRECT = True
        settings.SECURE_HSTS_SECONDS = 600

        _, headers, _ = same_answer("/api/rooms/FAST", HTTP_X_FORWARDED_PROTO="https")

        assert headers["strict-transport-security"] == "max-age=600; includeSubDomains; preload"

    @pytest.mark.parametrize(
        ("origin", "allowed"),
        [("https://miniapp.vercel.app", True), ("https://evil.example", False)],
    )
    def test_it_answers_as_django_does_to_listed_origins(self, room, settings, origin, allowed):
        settings.CORS_ALLOWED_ORIGINS = ["https://miniapp.vercel.app"]
        settings.CORS_ALLOW_ALL_ORIGINS = False

        _, headers, _ = same_answer("/api/rooms/FAST", HTTP_ORIGIN=origin)

        assert ("access-control-allow-origin" in headers) is allowed

    def test_it_answers_as_django_does_with_required_init_data(self, room, settings):
        settings.BOT_TOKEN = TOKEN
        settings.REQUIRE_TELEGRAM_INIT_DATA = True

        status, _, _ = same_answer("/api/rooms/FAST", HTTP_AUTHORIZATION=f"tma {signed()}")

        assert status == "200 OK"

    @pytest.mark.parametrize(
        ("path", "method", "headers", "status"),
        [
            ("/api/rooms/NONE", "GET", {}, "404 Not Found"),
            ("/api/rooms/FAST", "HEAD", {}, "200 OK"),
            ("/api/rooms/FAST", "POST", {}, "405 Method Not Allowed"),
            ("/api/rooms/FAST", "GET", {"HTTP_HOST": "evil.example"}, "400 Bad Request"),
            (
                "/api/rooms/FAST",
                "GET",
                {"HTTP_AUTHORIZATION": "tma hash=forged"},
                "401 Unauthorized",
            ),
        ],
    )
    def test_it_hands_django_what_it_does_not_answer(
        self, room, django_spy, path, method, headers, status
    ):
        answer = call(wsgi.application, path, method, **headers)

        assert answer[0] == status
        assert django_spy.calls == 1

    def test_it_hands_django_plain_http_when_the_hub_redirects_to_https(self, room, settings):
        settings.SECURE_SSL_REDIRECT = True

        status, headers, _ = same_answer("/api/rooms/FAST", answered_by_django=True)

        assert (status, headers["location"]) == (
            "301 Moved Permanently",
            "https://127.0.0.1:3000/api/rooms/FAST",
        )

    def test_it_hands_django_missing_init_data_when_it_is_required(self, room, settings):
        settings.REQUIRE_TELEGRAM_INIT_DATA = True

        status, headers, _ = same_answer("/api/rooms/FAST", answered_by_django=True)

        assert (status, headers["www-authenticate"]) == ("401 Unauthorized", "tma")

    def test_a_client_past_its_miss_limit_waits_even_for_a_live_room(self, room, settings):
        settings.ROOM_LOOKUP_MISS_RATE = "2/day"
        assert call(wsgi.application, "/api/rooms/FAST")[0] == "200 OK"

        misses = [call(wsgi.application, f"/api/rooms/NON{n}")[0] for n in range(2)]

        assert misses == ["404 Not Found"] * 2
        status, headers, _ = call(wsgi.application, "/api/rooms/FAST")
        assert status == "429 Too Many Requests"
        assert int(headers["retry-after"]) > 0

    def test_a_re_registration_and_a_close_show_on_the_very_next_lookup(self, room):
        call(wsgi.application, "/api/rooms/FAST")

        services.room_register(
            code="FAST", ws_url="wss://new.trycloudflare.com/ws", app_url=ROOM["app_url"]
        )
        assert b"wss://new.trycloudflare.com/ws" in call(wsgi.application, "/api/rooms/FAST")[2]

        services.room_close(code="FAST")
        assert call(wsgi.application, "/api/rooms/FAST")[:3:2] == (
            "404 Not Found",
            b'{"error":"room not found"}',
        )

    def test_an_expired_room_is_not_served(self, room, time_machine):
        time_machine.move_to(room.expires_at)

        assert call(wsgi.application, "/api/rooms/FAST")[0] == "404 Not Found"
