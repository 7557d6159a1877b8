"""Guessing is slow: lookups of unknown rooms and wrong host secrets are limited per client,
while lookups that find a room never count, so a room full of players is never throttled."""

import time

import pytest
from django.core.cache import cache
from rest_framework.test import APIRequestFactory

from core import ratelimit
from core.ratelimit import Rate, client_address
from tests.support import AVATAR_JPEG

PLAYER = {"REMOTE_ADDR": "198.51.100.7"}
OTHER = {"REMOTE_ADDR": "198.51.100.8"}


@pytest.fixture
def clock(time_machine):
    time_machine.move_to("2026-11-24 20:00:00Z", tick=False)
    return time_machine


@pytest.fixture
def tight_limits(settings):
    settings.ROOM_LOOKUP_MISS_RATE = "3/minute"
    settings.HOST_AUTH_FAIL_RATE = "2/minute"


class TestRate:
    @pytest.mark.parametrize(
        ("text", "rate"),
        [
            ("30/minute", Rate(30, 60)),
            ("10/second", Rate(10, 1)),
            (" 5 / Hour ", Rate(5, 3600)),
            ("100/day", Rate(100, 86400)),
            ("off", None),
        ],
    )
    def test_it_reads_rates(self, text, rate):
        assert Rate.parse(text) == rate

    @pytest.mark.parametrize("text", ["30", "30/fortnight", "-1/minute", "0/minute", "x/minute"])
    def test_it_refuses_what_is_not_a_rate(self, text):
        with pytest.raises(ValueError, match="is not a rate"):
            Rate.parse(text)


class TestClientAddress:
    @pytest.mark.parametrize(
        ("trusted", "forwarded", "expected"),
        [
            (0, "203.0.113.9", "10.0.0.2"),
            (1, "203.0.113.9", "203.0.113.9"),
            (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
            (2, "6.6.6.6, 203.0.113.9, 10.0.0.9", "203.0.113.9"),
            (2, "203.0.113.9", "10.0.0.2"),
            (1, "", "10.0.0.2"),
        ],
    )
    def test_it_trusts_only_the_configured_proxies(self, settings, trusted, forwarded, expected):
        settings.TRUSTED_PROXY_COUNT = trusted
        request = APIRequestFactory().get(
            "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded
        )

        assert client_address(request.META) == expected


@pytest.mark.django_db
class TestRoomLookupLimit:
    def test_misses_past_the_limit_get_429_with_retry_after(self, api, clock, tight_limits):
        clock.shift(15)
        for code in ("AAAA", "BBBB", "CCCC"):
            assert api.get(f"/api/rooms/{code}", **PLAYER).status_code == 404

        response = api.get("/api/rooms/DDDD", **PLAYER)

        assert response.status_code == 429
        assert response.headers["Retry-After"] == "45"
        assert response.json() == {"error": "too many lookups of unknown rooms; try again in 45 s"}

    def test_past_the_limit_even_a_live_room_waits(self, api, register, clock, tight_limits):
        register({"room_code": "LIVE"})
        for code in ("AAAA", "BBBB", "CCCC"):
            api.get(f"/api/rooms/{code}", **PLAYER)

        assert api.get("/api/rooms/LIVE", **PLAYER).status_code == 429

    def test_lookups_that_find_a_room_never_count(self, api, register, clock, tight_limits):
        register({"room_code": "LIVE"})
        for _ in range(50):
            assert api.get("/api/rooms/LIVE", **PLAYER).status_code == 200

        assert api.get("/api/rooms/AAAA", **PLAYER).status_code == 404

    def test_other_clients_are_not_held_back(self, api, clock, tight_limits):
        for code in ("AAAA", "BBBB", "CCCC", "DDDD"):
            api.get(f"/api/rooms/{code}", **PLAYER)

        assert api.get("/api/rooms/EEEE", **OTHER).status_code == 404

    def test_the_limit_lifts_when_its_minute_is_over(self, api, clock, tight_limits):
        for code in ("AAAA", "BBBB", "CCCC", "DDDD"):
            api.get(f"/api/rooms/{code}", **PLAYER)

        clock.shift(60)

        assert api.get("/api/rooms/EEEE", **PLAYER).status_code == 404

    def test_a_forged_forwarded_header_does_not_reset_the_count(
        self, api, settings, clock, tight_limits
    ):
        settings.TRUSTED_PROXY_COUNT = 1
        answers = [
            api.get(
                f"/api/rooms/AAA{n}",
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7",
            ).status_code
            for n in range(5)
        ]

        assert answers == [404, 404, 404, 429, 429]

    def test_the_default_allows_30_misses_a_minute(self, api, clock):
        answers = [api.get(f"/api/rooms/Z{n:03d}", **PLAYER).status_code for n in range(31)]

        assert answers == [404] * 30 + [429]

    def test_the_count_is_shared_through_the_cache(self, api, clock, tight_limits, shared_cache):
        for code in ("AAAA", "BBBB", "CCCC"):
            api.get(f"/api/rooms/{code}", **PLAYER)

        assert api.get("/api/rooms/DDDD", **PLAYER).status_code == 429

    def test_off_means_no_limit(self, api, settings, clock):
        settings.ROOM_LOOKUP_MISS_RATE = "off"

        answers = {api.get(f"/api/rooms/Z{n:03d}", **PLAYER).status_code for n in range(40)}

        assert answers == {404}

    def test_a_failing_cache_lets_lookups_through(self, api, settings, caplog):
        settings.CACHES = {
            alias: {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
            }
            for alias in ("default", settings.RATELIMIT_CACHE)
        }

        response = api.get("/api/rooms/AAAA", **PLAYER)

        assert response.status_code == 404
        assert "rate limit room-lookup-miss not checked, the cache failed" in caplog.text


@pytest.mark.django_db
class TestTheMemoOfClientsWithinTheirLimits:
    """Each process remembers for a moment that a client was within its limit: the slack."""

    def blocked_elsewhere(self, client: str) -> None:
        """What another worker or instance does when it counts the client's third miss."""
        window = int(time.time() // 60)
        ratelimit.counters().set(f"ratelimit:room-lookup-miss:{client}:{window}", 3, timeout=61)

    def test_a_client_blocked_elsewhere_waits_here_once_the_memo_lapses(
        self, api, register, clock, tight_limits, monkeypatch
    ):
        monkeypatch.setattr(ratelimit, "CLEAR_MEMO_SECONDS", 0.2)
        register({"room_code": "LIVE"})
        assert api.get("/api/rooms/LIVE", **PLAYER).status_code == 200

        self.blocked_elsewhere(PLAYER["REMOTE_ADDR"])
        within_the_slack = api.get("/api/rooms/LIVE", **PLAYER).status_code
        time.sleep(0.25)

        assert within_the_slack == 200
        assert api.get("/api/rooms/LIVE", **PLAYER).status_code == 429

    def test_a_miss_counted_here_blocks_at_once_whatever_the_memo_says(
        self, api, register, clock, tight_limits
    ):
        register({"room_code": "LIVE"})
        assert api.get("/api/rooms/LIVE", **PLAYER).status_code == 200
        self.blocked_elsewhere(PLAYER["REMOTE_ADDR"])

        assert api.get("/api/rooms/AAAA", **PLAYER).status_code == 404

        assert api.get("/api/rooms/LIVE", **PLAYER).status_code == 429

    def test_a_client_never_seen_is_checked_in_the_cache(self, api, clock, tight_limits):
        self.blocked_elsewhere(PLAYER["REMOTE_ADDR"])

        assert api.get("/api/rooms/AAAA", **PLAYER).status_code == 429


@pytest.mark.django_db
class TestHostAuthLimit:
    def test_wrong_secrets_past_the_limit_get_429_even_with_the_right_one(
        self, api, register, clock, tight_limits
    ):
        wrong = [guess(api, "guess-1"), guess(api, "guess-2")]

        right = register({"room_code": "ABCD"}, **PLAYER)

        assert wrong == [403, 403]
        assert right.status_code == 429
        assert right.headers["Retry-After"] == "60"
        assert right.json() == {
            "error": "too many wrong host secrets from this address; try again in 60 s"
        }
        assert api.get("/api/rooms/ABCD").status_code == 404  # nothing was created

    def test_the_right_secret_never_counts(self, api, register, clock, tight_limits):
        for number in range(5):
            assert register({"room_code": f"ROOM{number}"}, **PLAYER).status_code == 201

        assert guess(api, "x") == 403

    def test_the_host_on_another_address_still_gets_in(self, api, register, clock, tight_limits):
        for _ in range(3):
            guess(api, "guess")

        assert register({"room_code": "ABCD"}, **OTHER).status_code == 201

    def test_requests_without_a_secret_never_count(self, api, register, clock, tight_limits):
        # A browser's GETs and preflights, say, sent from the host's own address.
        body = {"ws_url": "wss://a.example/ws", "app_url": "https://mini.app"}
        missing = [
            api.post("/api/host/rooms/register", body, **PLAYER).status_code for _ in range(10)
        ]
        missing += [api.options("/api/host/rooms", **PLAYER).status_code for _ in range(10)]

        assert missing == [403] * 20
        assert register({"room_code": "ABCD"}, **PLAYER).status_code == 201

    def test_the_default_allows_10_failures_a_minute(self, api, clock):
        answers = [guess(api, f"guess-{n}") for n in range(11)]

        assert answers == [403] * 10 + [429]

    def test_wrong_room_tokens_count_too(self, api, register, clock, tight_limits):
        token = register({"room_code": "ABCD"}).json()["host_token"]
        wrong = [
            api.delete("/api/host/rooms/ABCD", HTTP_X_ROOM_TOKEN="guess", **PLAYER).status_code
            for _ in range(2)
        ]

        right = api.delete("/api/host/rooms/ABCD", HTTP_X_ROOM_TOKEN=token, **PLAYER)

        assert wrong == [403, 403]
        assert right.status_code == 429
        assert api.get("/api/rooms/ABCD").status_code == 200  # still open


def guess(api, secret: str) -> int:
    """The status of a registration with a wrong host secret from PLAYER."""
    body = {"ws_url": "wss://a.example/ws", "app_url": "https://mini.app"}
    return api.post(
        "/api/host/rooms/register", body, HTTP_X_HOST_SECRET=secret, **PLAYER
    ).status_code


@pytest.mark.django_db
class TestJoinPageLimit:
    def test_join_links_share_the_count_of_misses(self, api, client, clock, tight_limits):
        for code in ("AAAA", "BBBB"):
            assert client.get(f"/join/{code}", **PLAYER).status_code == 404
        assert api.get("/api/rooms/CCCC", **PLAYER).status_code == 404

        page = client.get("/join/DDDD", **PLAYER)
        lookup = api.get("/api/rooms/DDDD", **PLAYER)

        assert page.status_code == 429
        assert page.headers["Retry-After"] == "60"
        assert "Wait 60 seconds and try again." in page.content.decode()
        assert lookup.status_code == 429

    def test_past_the_limit_a_join_link_to_a_live_room_waits_too(
        self, client, register, clock, tight_limits
    ):
        register({"room_code": "LIVE"})
        for code in ("AAAA", "BBBB", "CCCC"):
            client.get(f"/join/{code}", **PLAYER)

        response = client.get("/join/LIVE", **PLAYER)

        assert response.status_code == 429

    def test_the_wait_page_speaks_russian(self, client, clock, tight_limits):
        for code in ("AAAA", "BBBB", "CCCC"):
            client.get(f"/join/{code}", **PLAYER)

        response = client.get("/join/DDDD", HTTP_ACCEPT_LANGUAGE="ru", **PLAYER)

        assert response.status_code == 429
        assert "Подождите 60 с и попробуйте снова." in response.content.decode()


@pytest.mark.django_db
class TestCountersHaveACacheOfTheirOwn:
    """One counter per client: in the avatars' cache, a flood of clients culled the avatars
    (the database cache culls in key order, and `avatar:` comes before `ratelimit:`)."""

    def test_many_clients_counters_never_cull_avatars(self, api, fake_telegram, settings, clock):
        settings.AVATAR_FETCH_RATE = settings.AVATAR_FETCH_TOTAL_RATE = "off"
        entries = {"MAX_ENTRIES": 300}
        settings.CACHES = {
            "default": {**settings.CACHES["default"], "OPTIONS": entries},
            settings.RATELIMIT_CACHE: {
                **settings.CACHES[settings.RATELIMIT_CACHE],
                "OPTIONS": entries,
            },
        }
        users = range(1, 101)
        for user in users:
            fake_telegram.add_photo(user, AVATAR_JPEG)
            assert api.get(f"/api/users/{user}/avatar").status_code == 200

        for client in range(600):
            address = {"REMOTE_ADDR": f"10.0.{client // 250}.{client % 250}"}
            assert api.get("/api/rooms/ZZZZ", **address).status_code == 404

        assert [api.get(f"/api/users/{user}/avatar").status_code for user in users] == [200] * 100
        assert fake_telegram.count("getUserProfilePhotos") == 100
        assert cache.get("avatar:1") is not None

    def test_counters_and_avatars_live_in_two_caches(self, settings):
        assert settings.RATELIMIT_CACHE != "default"
        assert ratelimit.counters() is not cache
