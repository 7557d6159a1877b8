"""GET /metrics: closed without METRICS_TOKEN, then only with it; rooms, Telegram calls and
rate-limit refusals as Prometheus reads them (tests/monitoring/test_metrics_server.py counts
requests across the server's workers)."""

import asyncio
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from core import telegram
from core.logs import RedactSecrets
from rooms.models import Room
from telegrambot.bot import CountedRequest

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-0123456789"


@pytest.fixture
def scrape(client, settings):
    """The samples of one authorised scrape, as {(name, labels as a sorted tuple): value}."""
    settings.METRICS_TOKEN = TOKEN

    def samples() -> dict:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples
        }

    return samples


class TestMetrics:
    def test_it_is_not_found_without_a_metrics_token(self, client, settings):
        settings.METRICS_TOKEN = ""

        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything")

        assert (response.status_code, response.json()) == (404, {"error": "not found"})

    @pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}"])
    def test_it_refuses_a_scrape_without_the_token(self, client, settings, authorization):
        settings.METRICS_TOKEN = TOKEN
        headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

        response = client.get("/metrics", **headers)

        assert (response.status_code, response.json()) == (
            401,
            {"error": "metrics token required"},
        )
        assert response["WWW-Authenticate"] == "Bearer"

    def test_it_reads_rooms_hosts_and_players_from_the_database(self, scrape, register, api):
        for code, players in (("FIRST", 3), ("SECND", 4), ("ENDED", 9)):
            token = register({"room_code": code}).json()["host_token"]
            api.patch(f"/api/host/rooms/{code}", {"players": players}, HTTP_X_ROOM_TOKEN=token)
        Room.objects.filter(code="SECND").update(last_seen_at="2000-01-01T00:00Z")
        api.delete("/api/host/rooms/ENDED", HTTP_X_ROOM_TOKEN=token)

        samples = scrape()

        assert samples[("spirtuoz_rooms_live", ())] == 2
        assert samples[("spirtuoz_hosts_online", ())] == 1
        assert samples[("spirtuoz_players", ())] == 7

    def test_it_counts_telegram_calls_by_method_and_outcome(self, scrape, fake_telegram):
        before = scrape()
        fake_telegram.fail("getChat", 400, "Bad Request: chat not found")

        telegram.call("getMe", telegram.Deadline.after(3))
        with pytest.raises(telegram.TelegramBadRequest):
            telegram.call("getChat", telegram.Deadline.after(3), chat_id=1)
        after = scrape()

        def grew(method: str, outcome: str) -> float:
            key = ("spirtuoz_telegram_calls_total", (("method", method), ("outcome", outcome)))
            return after.get(key, 0) - before.get(key, 0)

        assert (grew("getMe", "ok"), grew("getChat", "error"), grew("getMe", "error")) == (1, 1, 0)

    def test_the_bots_calls_are_counted_alike(self, scrape, fake_telegram):
        before = scrape()
        fake_telegram.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")

        async def two_calls() -> list[int]:
            request = CountedRequest()
            await request.initialize()
            base = f"{fake_telegram.url}/bot{fake_telegram.token}"
            try:
                return [
                    (await request.do_request(f"{base}/{method}", "POST"))[0]
                    for method in ("getMe", "sendMessage")
                ]
            finally:
                await request.shutdown()

        assert asyncio.run(two_calls()) == [200, 403]
        after = scrape()

        def grew(method: str, outcome: str) -> float:
            key = ("spirtuoz_telegram_calls_total", (("method", method), ("outcome", outcome)))
            return after.get(key, 0) - before.get(key, 0)

        assert (grew("getMe", "ok"), grew("sendMessage", "error")) == (1, 1)

    def test_it_counts_requests_a_rate_limit_refused(self, scrape, api, settings):
        settings.HOST_AUTH_FAIL_RATE = "2/minute"
        key = ("spirtuoz_rate_limit_hits_total", (("limit", "host-auth-fail"),))
        before = scrape().get(key, 0)

        statuses = [
            api.post("/api/host/rooms/register", {}, HTTP_X_HOST_SECRET="wrong").status_code
            for _ in range(4)
        ]

        assert statuses == [403, 403, 429, 429]
        assert scrape()[key] - before == 2

    def test_the_token_never_reaches_a_log_line(self, settings):
        settings.METRICS_TOKEN = TOKEN
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "Bearer %s", (TOKEN,), None)

        RedactSecrets().filter(record)

        assert record.getMessage() == "Bearer [redacted]"
