"""What the bot says: texts and buttons in the player's language, through Django's translation.

Every function takes the language to answer in and renders inside `translation.override`, so
the active language belongs to the handler's own asyncio task (Django keeps it in a
context-local) and never leaks into another update handled at the same time.
"""

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    WebAppInfo,
)

from rooms.links import room_links
from rooms.models import Room
from rooms.validators import ROOM_CODE_RE


@dataclass(frozen=True)
class Reply:
    text: str
    markup: InlineKeyboardMarkup | None = None

    def digest(self) -> str:
        """What the message shows, in a few bytes: a card is edited when this changes."""
        markup = json.dumps(self.markup.to_dict() if self.markup else None, sort_keys=True)
        return hashlib.sha256(f"{self.text}\n{markup}".encode()).hexdigest()


def language_for(language_code: str | None) -> str:
    """The language to answer a Telegram user in: theirs when the hub has it, else English."""
    try:
        return translation.get_supported_language_variant(language_code or "")
    except LookupError:
        return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


# The menu button's text is one for every language: Telegram keeps one per bot.
MENU_BUTTON_TEXT = "Play"


def room_open(*, language: str, room: Room, private: bool, bot_username: str) -> Reply:
    """The live room's answer, with what its host reports (players, full, locked, playing): a
    Mini App button in a private chat; in a group, where Web App buttons are not allowed, the
    room's t.me link, which opens the Mini App right there. No button when the host seems
    offline: its socket is likely dead."""
    with translation.override(language):
        code = {"code": room.code}
        if not room.host_online():
            return Reply(
                _("The host of room %(code)s seems to be offline. Try again in a minute.") % code
            )
        sentences = [*_status_sentences(room), _("Tap the button below to join the game.")]
        links = room_links(code=room.code, base_url=settings.PUBLIC_URL, bot_username=bot_username)
        button_text = _("Join room %(code)s") % code
        if private:
            button = InlineKeyboardButton(button_text, web_app=WebAppInfo(url=links["web"]))
        else:
            button = InlineKeyboardButton(button_text, url=links["telegram"])
        return Reply(" ".join(sentences), InlineKeyboardMarkup([[button]]))


def _status_sentences(room: Room) -> list[str]:
    """What the host reports, in sentences: open or playing, players, full, locked."""
    code = {"code": room.code}
    if room.state == Room.State.PLAYING:
        sentences = [_("Room %(code)s: the game has already started.") % code]
    else:
        sentences = [_("Room %(code)s is open.") % code]
    if room.max_players is not None:
        numbers = {"players": room.players, "max": room.max_players}
        sentences.append(_("Players: %(players)s/%(max)s.") % numbers)
    elif room.players:
        sentences.append(_("Players: %(players)s.") % {"players": room.players})
    if room.full:
        sentences.append(_("The room is full."))
    if room.locked:
        sentences.append(_("The host is not taking new players right now."))
    return sentences


def inline_room(*, language: str, room: Room, bot_username: str) -> InlineQueryResultArticle:
    """What `@bot ABCD` offers in any chat: an invitation to the room, with its status, and a
    button that opens the Mini App for whoever taps it."""
    links = room_links(code=room.code, base_url=settings.PUBLIC_URL, bot_username=bot_username)
    with translation.override(language):
        code = {"code": room.code}
        if room.host_online():
            status = " ".join(_status_sentences(room))
        else:
            status = _("The host seems to be offline.")
        button = InlineKeyboardButton(_("Join room %(code)s") % code, url=links["telegram"])
        invitation = _("Let's play Spirtuoz Party! Room %(code)s, one tap to join:") % code
        return InlineQueryResultArticle(
            id=room.code,
            title=_("Join room %(code)s") % code,
            description=status,
            input_message_content=InputTextMessageContent(f"{invitation} {links['telegram']}"),
            reply_markup=InlineKeyboardMarkup([[button]]),
        )


def room_card(*, language: str, room: Room, bot_username: str) -> Reply:
    """A group's lobby card for the room: what the bot answers there to /join CODE while the
    room is live, and that the game is over, without a button, once it has ended."""
    if room.status() == Room.Status.LIVE:
        return room_open(language=language, room=room, private=False, bot_username=bot_username)
    with translation.override(language):
        return Reply(_("The game in room %(code)s is over.") % {"code": room.code})


def with_rejoin(
    reply: Reply, *, language: str, room: Room, private: bool, bot_username: str
) -> Reply:
    """`reply`, with a button back into the live room the player was last in."""
    links = room_links(code=room.code, base_url=settings.PUBLIC_URL, bot_username=bot_username)
    with translation.override(language):
        button_text = _("Back to room %(code)s") % {"code": room.code}
        if private:
            button = InlineKeyboardButton(button_text, web_app=WebAppInfo(url=links["web"]))
        else:
            button = InlineKeyboardButton(button_text, url=links["telegram"])
        return Reply(reply.text, InlineKeyboardMarkup([[button]]))


def room_not_found(*, language: str, code: str) -> Reply:
    """No live room: say so, naming the code when it looks like one, and how to get a fresh one."""
    with translation.override(language):
        if ROOM_CODE_RE.fullmatch(code):
            gone = _("Room %(code)s was not found or has already ended.")
        else:
            gone = _("There is no room with that code, or it has already ended.")
        fresh = _("Ask the host for the code shown on the game screen and send it to me.")
        return Reply(f"{gone % {'code': code.upper()}} {fresh}")


def how_to_join(*, language: str) -> Reply:
    with translation.override(language):
        return Reply(
            _(
                "Spirtuoz Party is played from your phone.\n"
                "\n"
                "To join a game, send me the room code shown on the host's screen, "
                "for example ABCD, or open the link the host shares.\n"
                "You can also type /join ABCD. Upper or lower case, both work."
            )
        )


def join_needs_code(*, language: str) -> Reply:
    with translation.override(language):
        return Reply(
            _(
                "Put the room code after the command, for example /join ABCD, "
                "or just send me the code."
            )
        )


def commands(*, language: str) -> list[BotCommand]:
    """The command list Telegram shows in the menu (setMyCommands)."""
    with translation.override(language):
        return [
            BotCommand("start", _("Start and see how to join a game")),
            BotCommand("join", _("Join a room by its code: /join ABCD")),
            BotCommand("help", _("How to join a game")),
        ]
