"""Groups' lobby cards: the bot's reply to `/join CODE` in a group shows the room as it fills,
edited whenever what it shows changes, until the room ends and the card says the game is over.

Every bot that runs sweeps the cards every SWEEP_SECONDS (the polling bot, and in webhook mode
each web worker's bot), so that a change shows within 10 s wherever it was made, and an end
that no request makes (an expiry, a host falling silent) shows too. Each edit is claimed in
the database first, by moving the card's `shown` digest on only where it still holds the old
one and its last edit is EDIT_SECONDS old: of all the bots that see the same change, exactly
one edits, and no card is edited more than once per EDIT_SECONDS. A refusal from Telegram is
logged: a card it will not edit (deleted, too old) is never tried again, and a card it asks to
wait for (429) or that a network failure hit is tried again once its wait is over, at most
MAX_FAILURES times in a row.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F
from django.utils import timezone
from telegram import Bot
from telegram.error import BadRequest, RetryAfter, TelegramError

from rooms.models import Room
from telegrambot import replies
from telegrambot.models import LobbyCard
from telegrambot.selectors import in_fresh_connection

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 2
EDIT_SECONDS = 5
FAILURE_WAIT_SECONDS = 30
MAX_FAILURES = 3


@dataclass(frozen=True)
class _Edit:
    card_id: int
    code: str
    chat_id: int
    message_id: int
    reply: replies.Reply
    was: str
    ends: bool


def lobby_card_add(
    *, room: Room, chat_id: int, message_id: int, language: str, shown: str
) -> None:
    """Remember the card the bot just posted, showing what `shown` digests."""
    LobbyCard.objects.update_or_create(
        chat_id=chat_id,
        message_id=message_id,
        defaults={"room": room, "language": language, "shown": shown, "edited_at": timezone.now()},
    )


lobby_card_aadd = in_fresh_connection(lobby_card_add)


def _edits_claim(*, bot_username: str) -> list[_Edit]:
    now = timezone.now()
    quiet_since = now - timedelta(seconds=EDIT_SECONDS)
    edits = []
    for card in LobbyCard.objects.filter(done=False).select_related("room"):
        if card.edited_at > quiet_since or (card.retry_at and card.retry_at > now):
            continue
        reply = replies.room_card(
            language=card.language, room=card.room, bot_username=bot_username
        )
        shown = reply.digest()
        if shown == card.shown:
            continue
        claimed = LobbyCard.objects.filter(
            pk=card.pk, shown=card.shown, edited_at=card.edited_at, done=False
        ).update(shown=shown, edited_at=now)
        if claimed:
            ends = card.room.status() != Room.Status.LIVE
            edits.append(
                _Edit(
                    card.pk, card.room.code, card.chat_id, card.message_id, reply, card.shown, ends
                )
            )
    return edits


def _edit_done(*, edit: _Edit) -> None:
    LobbyCard.objects.filter(pk=edit.card_id).update(failures=0, retry_at=None, done=edit.ends)


def _edit_refused(*, edit: _Edit) -> None:
    LobbyCard.objects.filter(pk=edit.card_id).update(done=True)


def _edit_failed(*, edit: _Edit, wait: int) -> None:
    """Give the change back, to be tried again after `wait` seconds, or never after too many."""
    card = LobbyCard.objects.filter(pk=edit.card_id)
    card.update(
        shown=edit.was,
        retry_at=timezone.now() + timedelta(seconds=wait),
        failures=F("failures") + 1,
    )
    card.filter(failures__gte=MAX_FAILURES).update(done=True)


async def lobby_cards_refresh(*, bot: Bot) -> int:
    """Edit every card whose room changed since it was last shown; returns how many were."""
    edited = 0
    for edit in await in_fresh_connection(_edits_claim)(bot_username=bot.username):
        where = f"lobby card of room {edit.code}"
        try:
            await bot.edit_message_text(
                edit.reply.text,
                chat_id=edit.chat_id,
                message_id=edit.message_id,
                reply_markup=edit.reply.markup,
            )
        except RetryAfter as error:
            logger.warning(
                "%s in chat %s: Telegram asked to wait %s", where, edit.chat_id, error.retry_after
            )
            await in_fresh_connection(_edit_failed)(edit=edit, wait=int(error.retry_after))
            continue
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                logger.warning(
                    "%s in chat %s: Telegram refused the edit (%s); it is not edited again",
                    where,
                    edit.chat_id,
                    error,
                )
                await in_fresh_connection(_edit_refused)(edit=edit)
                continue
        except TelegramError as error:
            logger.warning("%s in chat %s: the edit failed (%r)", where, edit.chat_id, error)
            await in_fresh_connection(_edit_failed)(edit=edit, wait=FAILURE_WAIT_SECONDS)
            continue
        await in_fresh_connection(_edit_done)(edit=edit)
        edited += 1
    return edited
