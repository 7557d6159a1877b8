"""The room lookup's replay (rooms/lookup.py): every answer is Django's own, byte for byte,
whatever the middleware and the settings; it steps aside wherever an answer cannot be replayed;
and it never serves a room that changed.

Each case sends WSGI requests to a RoomLookup in front of a Django handler built on the
settings in force, and compares what it answers with a fresh Django handler's answer.
Transactional, because the lookup manages its connection as a request does, outside any test
transaction.
"""

import time
import uuid

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory
from django.utils.cache import patch_vary_headers

from rooms import lookup, services
from rooms.lookup import RoomLookup
from rooms.models import Room
from rooms.tokens import room_token
from tests.support.fake_telegram import TOKEN
from tests.support.initdata import signed

pytestmark = pytest.mark.django_db(transaction=True)

ROOM = {"ws_url": "wss://abc.trycloudflare.com/ws", "app_url": "https://mini.app/?a=1"}
HERE = __name__


def call(application, path: str, method: str = "GET", **headers):
    """(status, headers, body) of one WSGI request."""
    extra = {"HTTP_HOST": "127.0.0.1:3000", **headers}
    environ = RequestFactory().generic(method, path, **extra).environ
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, response_headers

    body = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], body


class DjangoSpy:
    """A Django handler, counting the requests the lookup handed it."""

    def __init__(self):
        self.handler = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.handler(environ, start_response)


class StampsAHeader:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Served-By"] = "hub"
        return response


class StampsANonce(StampsAHeader):
    def __call__(self, request):
        response = self.get_response(request)
        response["X-Nonce"] = uuid.uuid4().hex
        return response


class SetsACookie(StampsAHeader):
    def __call__(self, request):
        response = self.get_response(request)
        response.set_cookie("seen", "1")
        return response


class SpeaksTheClientsLanguage(StampsAHeader):
    def __call__(self, request):
        response = self.get_response(request)
        response["Content-Language"] = request.headers.get("Accept-Language", "en")[:2]
        patch_vary_headers(response, ["Accept-Language"])
        return response


@pytest.fixture
def room():
    cache.clear()
    return services.room_register(code="FAST", **ROOM).room


def asked_three_times(path: str = "/api/rooms/FAST", **headers):
    """Three answers of a fresh lookup to the same request, how many Django made, and what a
    fresh Django handler answers that request."""
    django = DjangoSpy()
    hub = RoomLookup(django)
    answers = [call(hub, path, **headers) for _ in range(3)]
    return answers, django.calls, call(WSGIHandler(), path, **headers)


def middleware(settings, name: str) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{HERE}.{name}"]


class TestReplay:
    def test_it_replays_a_room_once_django_gave_the_same_answer_twice(self, room):
        answers, django_calls, django = asked_three_times()

        assert django_calls == 2
        assert answers == [django] * 3
        assert answers[2][0] == "200 OK"
        assert answers[2][2] == (
            b'{"room_code":"FAST","ws_url":"wss://abc.trycloudflare.com/ws",'
            b'"app_url":"https://mini.app/?a=1","created_at":'
            + str(int(room.created_at.timestamp() * 1000)).encode()
            + b',"state":"lobby","players":0,"max_players":null,"locked":false,"full":false,'
            + b'"host_online":true,"last_seen":'
            + str(int(room.last_seen_at.timestamp() * 1000)).encode()
            + b',"links":{"telegram":null,"bot":null,"web":"http://127.0.0.1:3000/join/FAST",'
            + b'"qr":"http://127.0.0.1:3000/api/rooms/FAST/qr.svg"}}'
        )

    @pytest.mark.parametrize(
        ("configure", "headers"),
        [
            pytest.param(lambda s: None, {}, id="defaults"),
            pytest.param(lambda s: None, {"HTTP_ORIGIN": "https://mini.app"}, id="any origin"),
            pytest.param(
                lambda s: (
                    setattr(s, "CORS_ALLOWED_ORIGINS", ["https://mini.app"])
                    or setattr(s, "CORS_ALLOW_ALL_ORIGINS", False)
                ),
                {"HTTP_ORIGIN": "https://mini.app"},
                id="a listed origin",
            ),
            pytest.param(
                lambda s: (
                    setattr(s, "CORS_ALLOWED_ORIGINS", ["https://mini.app"])
                    or setattr(s, "CORS_ALLOW_ALL_ORIGINS", False)
                ),
                {"HTTP_ORIGIN": "https://evil.example"},
                id="an unlisted origin",
            ),
            pytest.param(
                lambda s: (
                    setattr(s, "CORS_EXPOSE_HEADERS", ["X-Served-By"])
                    or setattr(s, "CORS_ALLOW_CREDENTIALS", True)
                ),
                {"HTTP_ORIGIN": "https://mini.app"},
                id="cors credentials and exposed headers",
            ),
            pytest.param(
                lambda s: (
                    setattr(s, "SECURE_SSL_REDIRECT", True)
                    or setattr(s, "SECURE_HSTS_SECONDS", 600)
                ),
                {"HTTP_X_FORWARDED_PROTO": "https"},
                id="https with hsts",
            ),
            pytest.param(
                lambda s: (
                    setattr(s, "X_FRAME_OPTIONS", "SAMEORIGIN")
                    or setattr(s, "SECURE_REFERRER_POLICY", "no-referrer")
                    or setattr(s, "SECURE_CROSS_ORIGIN_OPENER_POLICY", None)
                ),
                {},
                id="other security headers",
            ),
            pytest.param(
                lambda s: setattr(s, "USE_X_FORWARDED_HOST", True),
                {"HTTP_X_FORWARDED_HOST": "localhost"},
                id="a forwarded host",
            ),
            pytest.param(
                lambda s: middleware(s, "StampsAHeader"), {}, id="a middleware of our own"
            ),
            pytest.param(
                lambda s: middleware(s, "SpeaksTheClientsLanguage"),
                {"HTTP_ACCEPT_LANGUAGE": "ru"},
                id="a middleware that varies",
            ),
        ],
    )
    def test_whatever_the_settings_it_replays_djangos_own_bytes(
        self, room, settings, configure, headers
    ):
        configure(settings)

        answers, django_calls, django = asked_three_times(**headers)

        assert answers == [django] * 3
        assert django_calls == 2

    @pytest.mark.parametrize(
        "configure",
        [
            pytest.param(lambda s: middleware(s, "StampsANonce"), id="a nonce in every answer"),
            pytest.param(lambda s: middleware(s, "SetsACookie"), id="a cookie"),
            pytest.param(lambda s: setattr(s, "SECURE_SSL_REDIRECT", True), id="a redirect"),
            pytest.param(lambda s: setattr(s, "REQUIRE_TELEGRAM_INIT_DATA", True), id="a refusal"),
        ],
    )
    def test_it_steps_aside_for_answers_it_may_not_replay(self, room, settings, configure):
        configure(settings)

        answers, django_calls, _ = asked_three_times()

        assert django_calls == 3
        assert answers[0][0] == answers[2][0]

    @pytest.mark.parametrize(
        ("path", "method", "headers"),
        [
            ("/api/rooms/FAST", "HEAD", {}),
            ("/api/rooms/FAST", "POST", {}),
            ("/api/rooms/FAST?format=json", "GET", {}),
            ("/api/rooms/FAST", "GET", {"HTTP_COOKIE": "sessionid=x"}),
            ("/api/rooms/FAST", "GET", {"HTTP_AUTHORIZATION": "tma hash=forged"}),
            ("/api/rooms/NONE", "GET", {}),
            ("/api/rooms/FAST", "GET", {"HTTP_HOST": "evil.example"}),
        ],
    )
    def test_django_answers_every_other_request(self, room, path, method, headers):
        django = DjangoSpy()
        hub = RoomLookup(django)

        answers = [call(hub, path, method, **headers) for _ in range(3)]

        assert django.calls == 3
        assert answers[2] == call(WSGIHandler(), path, method, **headers)

    def test_a_player_with_init_data_is_answered_by_django(self, room, settings):
        settings.BOT_TOKEN = TOKEN
        settings.REQUIRE_TELEGRAM_INIT_DATA = True

        answers, django_calls, _ = asked_three_times(HTTP_AUTHORIZATION=f"tma {signed()}")

        assert django_calls == 3
        assert {status for status, _, _ in answers} == {"200 OK"}

    @pytest.mark.parametrize(
        "headers",
        [
            ({"HTTP_ORIGIN": "https://a.example"}, {"HTTP_ORIGIN": "https://b.example"}),
            ({"HTTP_ACCEPT": "application/json"}, {"HTTP_ACCEPT": "text/html"}),
        ],
        ids=["origin", "accept"],
    )
    def test_requests_django_would_answer_apart_are_kept_apart(self, room, settings, headers):
        settings.CORS_ALLOWED_ORIGINS = ["https://a.example"]
        settings.CORS_ALLOW_ALL_ORIGINS = False
        hub = RoomLookup(DjangoSpy())
        for _ in range(2):
            call(hub, "/api/rooms/FAST", **headers[0])

        answer = call(hub, "/api/rooms/FAST", **headers[1])

        assert answer == call(WSGIHandler(), "/api/rooms/FAST", **headers[1])
        assert answer != call(hub, "/api/rooms/FAST", **headers[0])

    def test_a_client_past_its_miss_limit_waits_even_for_a_replayed_room(self, room, settings):
        settings.ROOM_LOOKUP_MISS_RATE = "2/day"
        hub = RoomLookup(DjangoSpy())
        assert [call(hub, "/api/rooms/FAST")[0] for _ in range(3)] == ["200 OK"] * 3

        misses = [call(hub, f"/api/rooms/NON{n}")[0] for n in range(2)]

        assert misses == ["404 Not Found"] * 2
        status, headers, _ = call(hub, "/api/rooms/FAST")
        assert status == "429 Too Many Requests"
        assert int(dict(headers)["Retry-After"]) > 0

    def test_a_re_registration_and_a_close_show_once_the_answer_is_not_fresh(
        self, room, monkeypatch
    ):
        monkeypatch.setattr(lookup, "FRESH_SECONDS", 0)
        hub = RoomLookup(DjangoSpy())
        for _ in range(3):
            call(hub, "/api/rooms/FAST")

        services.room_register(
            code="FAST",
            ws_url="wss://new.trycloudflare.com/ws",
            app_url=ROOM["app_url"],
            token=room_token(token_salt=room.token_salt),
        )
        assert b"wss://new.trycloudflare.com/ws" in call(hub, "/api/rooms/FAST")[2]

        services.room_close(room=Room.objects.get(code="FAST"))
        status, _, body = call(hub, "/api/rooms/FAST")
        assert (status, body) == ("404 Not Found", b'{"error":"room not found"}')

    def test_an_expired_room_is_not_replayed(self, room, time_machine):
        hub = RoomLookup(DjangoSpy())
        for _ in range(3):
            call(hub, "/api/rooms/FAST")

        time_machine.move_to(room.expires_at)

        assert call(hub, "/api/rooms/FAST")[0] == "404 Not Found"

    def test_a_host_falling_silent_shows_offline_without_any_write(self, room, time_machine):
        hub = RoomLookup(DjangoSpy())
        time_machine.move_to(room.last_seen_at, tick=False)
        for _ in range(3):
            assert b'"host_online":true' in call(hub, "/api/rooms/FAST")[2]

        time_machine.shift(46)

        assert b'"host_online":false' in call(hub, "/api/rooms/FAST")[2]
        assert call(hub, "/api/rooms/FAST") == call(WSGIHandler(), "/api/rooms/FAST")

    def test_a_change_shows_within_fresh_seconds_and_no_query_is_made_meanwhile(
        self, room, monkeypatch, django_assert_num_queries
    ):
        # Long enough that no lookup below outlives it on a busy machine, but for the last.
        monkeypatch.setattr(lookup, "FRESH_SECONDS", 60)
        hub = RoomLookup(DjangoSpy())
        for _ in range(3):
            call(hub, "/api/rooms/FAST")
        services.room_report(room=room, changes={"players": 4})

        with django_assert_num_queries(0):
            stale = call(hub, "/api/rooms/FAST")
        now = time.monotonic()
        monkeypatch.setattr(lookup.time, "monotonic", lambda: now + lookup.FRESH_SECONDS)
        fresh = call(hub, "/api/rooms/FAST")

        assert b'"players":0' in stale[2]
        assert b'"players":4' in fresh[2]
        assert fresh == call(WSGIHandler(), "/api/rooms/FAST")

    def test_another_room_of_a_shape_django_answers_alike_is_replayed_after_one_answer(self, room):
        services.room_register(code="TWIN", **ROOM)
        django = DjangoSpy()
        hub = RoomLookup(django)
        for _ in range(2):
            call(hub, "/api/rooms/FAST")

        answers = [call(hub, "/api/rooms/TWIN") for _ in range(3)]

        assert django.calls == 3
        assert answers == [call(WSGIHandler(), "/api/rooms/TWIN")] * 3

    def test_it_keeps_a_bounded_number_of_answers(self, room, monkeypatch):
        monkeypatch.setattr(lookup, "MAX_ANSWERS", 2)
        hub = RoomLookup(DjangoSpy())

        for origin in ("a", "b", "c", "d"):
            call(hub, "/api/rooms/FAST", HTTP_ORIGIN=f"https://{origin}.example")

        assert len(hub.answers) == 2


class TestChangeFeed:
    """What changed is asked of the database once for all rooms, not once per lookup."""

    def test_lookups_of_many_rooms_cost_one_query_per_fresh_seconds_between_them(
        self, room, monkeypatch, django_assert_num_queries
    ):
        codes = ["FAST", *(services.room_register(code=f"MANY{n}", **ROOM).room.code
                           for n in range(5))]  # fmt: skip
        hub = RoomLookup(DjangoSpy())
        for code in codes:
            for _ in range(3):
                call(hub, f"/api/rooms/{code}")
        now = time.monotonic()
        monkeypatch.setattr(lookup.time, "monotonic", lambda: now + lookup.FRESH_SECONDS)

        with django_assert_num_queries(1):
            answers = [call(hub, f"/api/rooms/{code}") for code in codes * 2]

        assert answers == [call(WSGIHandler(), f"/api/rooms/{code}") for code in codes * 2]

    def test_a_write_stamped_by_a_clock_a_little_behind_is_still_seen(
        self, room, monkeypatch, time_machine
    ):
        monkeypatch.setattr(lookup, "FRESH_SECONDS", 0)
        hub = RoomLookup(DjangoSpy())
        for _ in range(3):
            call(hub, "/api/rooms/FAST")

        # Another instance, its clock behind ours, writes a change after our last question.
        time_machine.move_to(room.changed_at, tick=False)
        time_machine.shift(-(lookup.CHANGES_MARGIN_SECONDS - 1))
        services.room_report(room=room, changes={"players": 7})
        time_machine.shift(lookup.CHANGES_MARGIN_SECONDS - 1)

        assert b'"players":7' in call(hub, "/api/rooms/FAST")[2]

    def test_while_the_feed_cannot_be_read_nothing_is_replayed(self, room, monkeypatch):
        hub = RoomLookup(django := DjangoSpy())
        for _ in range(3):
            call(hub, "/api/rooms/FAST")
        services.room_report(room=room, changes={"players": 5})
        now = time.monotonic()
        monkeypatch.setattr(lookup.time, "monotonic", lambda: now + lookup.FRESH_SECONDS)

        def cannot(*, since):
            raise lookup.DatabaseError("the feed's connection dropped")

        monkeypatch.setattr(lookup, "room_changes", cannot)
        calls = django.calls
        answer = call(hub, "/api/rooms/FAST")

        assert django.calls == calls + 1
        assert b'"players":5' in answer[2]
