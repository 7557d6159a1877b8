"""A group's lobby card shows the room as it fills, exactly once per change, when several bots
sweep the cards at once: two web processes in webhook mode (each its own instance) and a
polling bot process, on one database, against the fake Bot API over HTTP."""

import itertools
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from telegrambot.modes import webhook_secret_token
from tests.support import HOST_SECRET
from tests.support.bot_process import RunBot, bot_environment, live_database_url
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import Granian, free_port, http, hub_environment

# Starts processes of its own: left out of `make test-fast`.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PUBLIC_URL = "https://hub.example"
WEBHOOK_SECRET = "cards-webhook-secret"
# As through Render's TLS proxy: the hub redirects plain http when PUBLIC_URL is https.
HTTPS = {"X-Forwarded-Proto": "https"}
ROOM = {"room_code": "CARD", "ws_url": "wss://a.example/ws", "app_url": "https://mini.app"}


@pytest.fixture
def telegram():
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture
def bots(tmp_path, telegram, settings):
    """Two web processes in webhook mode and a polling bot, all sweeping the cards."""
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET  # for webhook_secret_token() below
    web = hub_environment(live_database_url(), 0) | {
        "BOT_TOKEN": telegram.token,
        "FILE_API_URL": telegram.url,
        "PUBLIC_URL": PUBLIC_URL,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEB_CONCURRENCY": "1",
    }

    def start(name: str) -> Granian:
        return Granian(web | {"PORT": str(free_port())}, tmp_path / f"{name}.log")

    with ThreadPoolExecutor(2) as pool:
        servers = list(pool.map(start, ("first", "second")))
    bot = RunBot(bot_environment(telegram), tmp_path / "runbot.log")
    telegram.wait_for_call("getUpdates", timeout=30)
    yield servers
    bot.stop()
    for server in servers:
        server.stop()


def edits_of(telegram: FakeTelegram) -> list[tuple[float, dict]]:
    return [(call.at, call.params) for call in telegram.calls_to("editMessageText")]


def wait_for_edits(telegram: FakeTelegram, count: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while len(edits_of(telegram)) < count:
        assert time.monotonic() < deadline, f"{len(edits_of(telegram))} edits, not {count}"
        time.sleep(0.05)


def test_the_card_follows_the_room_once_per_change_and_ends_without_a_button(bots, telegram):
    first, second = bots
    status, _, body = http(
        "POST",
        f"{first.url}/api/host/rooms/register",
        ROOM,
        **{"X-Host-Secret": HOST_SECRET} | HTTPS,
    )
    assert status == 201
    token = {"X-Room-Token": json.loads(body)["host_token"]} | HTTPS
    update = telegram.new_message("/join card", chat_type="group")
    status, _, _ = http(
        "POST",
        f"{first.url}/telegram/webhook",
        update,
        **{"X-Telegram-Bot-Api-Secret-Token": webhook_secret_token()} | HTTPS,
    )
    assert status == 200
    posted = time.monotonic()

    changes = [
        (second, "/api/host/rooms/CARD/heartbeat", {"players": 2, "max_players": 4}),
        (first, "/api/host/rooms/CARD/heartbeat", {"players": 4}),
    ]
    for number, (server, path, change) in enumerate(changes, start=1):
        assert http("POST", f"{server.url}{path}", change, **token)[0] == 200
        changed = time.monotonic()
        wait_for_edits(telegram, number)
        # Within 10 s of the change, however the 5 s between two edits of a card fall.
        assert time.monotonic() - changed < 10
    assert http("DELETE", f"{second.url}/api/host/rooms/CARD", **token)[0] == 204
    wait_for_edits(telegram, 3)
    time.sleep(5)  # every bot sweeps twice more: nothing is edited again

    edits = edits_of(telegram)
    assert [params["text"] for _, params in edits] == [
        "Room CARD is open. Players: 2/4. Tap the button below to join the game.",
        "Room CARD is open. Players: 4/4. The room is full. Tap the button below to join the game.",
        "The game in room CARD is over.",
    ]
    assert ["reply_markup" in params for _, params in edits] == [True, True, False]
    moments = [posted] + [at for at, _ in edits]
    assert all(later - earlier >= 4.9 for earlier, later in itertools.pairwise(moments))
