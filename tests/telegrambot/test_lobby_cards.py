"""Groups' lobby cards (telegrambot/cards.py): the bot's reply to /join CODE in a group is edited
as the room changes, once per change, no more often than every few seconds, until the room
ends; Telegram refusing an edit is logged and not retried in a loop. The real bot's sweep,
against the fake Bot API over HTTP."""

import asyncio
import logging
from datetime import timedelta

import pytest

from rooms import services
from rooms.models import Room
from telegrambot import cards, replies
from telegrambot.bot import build_application
from telegrambot.models import LobbyCard

pytestmark = pytest.mark.django_db(transaction=True)

GROUP = -1001234


@pytest.fixture
def sweep(fake_telegram, settings, monkeypatch):
    """Runs one sweep of the cards, as every bot does every few seconds; returns the edits."""
    settings.PUBLIC_URL = "https://hub.example"
    # The real pause between two edits of a card is 5 s: the system test waits it out.
    monkeypatch.setattr(cards, "EDIT_SECONDS", 0)
    application = build_application(polling=False)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(application.initialize())

    def sweep() -> int:
        return loop.run_until_complete(cards.lobby_cards_refresh(bot=application.bot))

    yield sweep
    loop.run_until_complete(application.shutdown())
    loop.close()


@pytest.fixture
def card(fake_telegram):
    """Room ABCD (its token), and its card posted in a group as the bot posts it."""
    registration = services.room_register(
        code="ABCD", ws_url="wss://a.example/ws", app_url="https://mini.app"
    )
    room = registration.room
    reply = replies.room_card(language="en", room=room, bot_username="spirtuoz_test_bot")
    cards.lobby_card_add(
        room=room, chat_id=GROUP, message_id=77, language="en", shown=reply.digest()
    )
    return room


def edits(fake) -> list[dict]:
    return [call.params for call in fake.calls_to("editMessageText")]


def report(room: Room, **changes) -> None:
    services.room_report(room=room, changes=changes)


class TestLobbyCards:
    def test_nothing_changed_nothing_is_edited(self, sweep, card, fake_telegram):
        assert sweep() == 0
        assert edits(fake_telegram) == []

    def test_a_change_edits_the_card_once(self, sweep, card, fake_telegram):
        report(card, players=3, max_players=8)

        assert [sweep(), sweep(), sweep()] == [1, 0, 0]
        (edit,) = edits(fake_telegram)
        assert (int(edit["chat_id"]), int(edit["message_id"])) == (GROUP, 77)
        assert edit["text"] == (
            "Room ABCD is open. Players: 3/8. Tap the button below to join the game."
        )
        assert edit["reply_markup"] == {
            "inline_keyboard": [
                [
                    {
                        "text": "Join room ABCD",
                        "url": "https://t.me/spirtuoz_test_bot?startapp=ABCD",
                    }
                ]
            ]
        }

    def test_a_heartbeat_that_changes_nothing_shown_edits_nothing(self, sweep, card):
        report(card)

        assert sweep() == 0

    def test_each_change_is_one_edit(self, sweep, card, fake_telegram):
        for players in (1, 2, 3):
            report(card, players=players)
            sweep()

        assert [edit["text"].split(". ")[1] for edit in edits(fake_telegram)] == [
            "Players: 1",
            "Players: 2",
            "Players: 3",
        ]

    def test_no_card_is_edited_again_within_five_seconds(self, sweep, card, monkeypatch):
        monkeypatch.setattr(cards, "EDIT_SECONDS", 5)
        LobbyCard.objects.update(edited_at=card.created_at - timedelta(seconds=10))
        report(card, players=1)
        assert sweep() == 1

        report(card, players=2)

        assert sweep() == 0

    def test_an_ended_room_says_the_game_is_over_without_a_button_once(
        self, sweep, card, fake_telegram
    ):
        services.room_close(room=card)

        assert [sweep(), sweep()] == [1, 0]
        (edit,) = edits(fake_telegram)
        assert edit["text"] == "The game in room ABCD is over."
        assert "reply_markup" not in edit
        assert LobbyCard.objects.get().done

    def test_an_offline_host_loses_the_button_and_gets_it_back(
        self, sweep, card, fake_telegram, settings
    ):
        settings.HOST_HEARTBEAT_TIMEOUT = 45
        Room.objects.update(last_seen_at=card.last_seen_at - timedelta(minutes=5))
        sweep()
        report(Room.objects.get(), players=1)
        sweep()

        offline, back = edits(fake_telegram)
        assert (
            offline["text"] == "The host of room ABCD seems to be offline. Try again in a minute."
        )
        assert "reply_markup" not in offline
        assert "reply_markup" in back

    def test_a_card_in_russian_stays_in_russian(self, sweep, card, fake_telegram):
        LobbyCard.objects.update(language="ru")
        report(card, players=2)

        sweep()

        assert edits(fake_telegram)[0]["text"].startswith("Комната ABCD открыта. Игроков: 2.")

    def test_a_card_telegram_will_not_edit_is_given_up_and_logged(
        self, sweep, card, fake_telegram, caplog
    ):
        fake_telegram.fail("editMessageText", 400, "Bad Request: message to edit not found")
        report(card, players=1)

        assert sweep() == 0
        report(card, players=2)
        sweep()

        assert len(edits(fake_telegram)) == 1
        assert LobbyCard.objects.get().done
        assert (
            "telegrambot.cards",
            logging.WARNING,
            f"lobby card of room ABCD in chat {GROUP}: Telegram refused the edit "
            "(Message to edit not found); it is not edited again",
        ) in caplog.record_tuples

    def test_asked_to_slow_down_it_tries_again_after_the_wait_and_not_before(
        self, sweep, card, fake_telegram
    ):
        fake_telegram.fail(
            "editMessageText", 429, "Too Many Requests: retry after 1", retry_after=1, times=1
        )
        report(card, players=4)

        assert [sweep(), sweep()] == [0, 0]
        assert len(edits(fake_telegram)) == 1
        LobbyCard.objects.update(retry_at=None)  # the wait is over
        assert sweep() == 1
        assert edits(fake_telegram)[-1]["text"].startswith("Room ABCD is open. Players: 4.")

    def test_a_card_failing_again_and_again_is_given_up(self, sweep, card, fake_telegram):
        fake_telegram.fail("editMessageText", 502, "Bad Gateway")
        report(card, players=5)

        for _ in range(cards.MAX_FAILURES + 2):
            sweep()
            LobbyCard.objects.update(retry_at=None)

        assert len(edits(fake_telegram)) == cards.MAX_FAILURES
        assert LobbyCard.objects.get().done
