"""The bot's handlers: /start [CODE], /join CODE, /help, a bare room code, and `@bot CODE`
typed in any chat (inline mode).

One set serves polling and webhook mode alike. Handlers stay thin: they read the room through
`selectors`, take their words from `replies`, and answer in the chat the message came from.
"""

import logging

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from rooms.validators import ROOM_CODE_RE
from telegrambot import cards, replies, selectors, services

logger = logging.getLogger(__name__)

# A private message that is just a room code, in any case.
BARE_CODE = filters.Regex(rf"^\s*{ROOM_CODE_RE.pattern}\s*$")


def add_handlers(application: Application) -> None:
    private_text = filters.ChatType.PRIVATE & filters.TEXT
    application.add_handlers(
        [
            CommandHandler("start", start),
            CommandHandler("join", join),
            CommandHandler("help", help_),
            MessageHandler(private_text & ~filters.COMMAND & BARE_CODE, bare_code),
            InlineQueryHandler(inline_query),
            # Anything else said to the bot in private (other text, unknown commands).
            MessageHandler(private_text, help_),
        ]
    )
    application.add_error_handler(log_error)


def _language(update: Update) -> str:
    user = update.effective_user
    return replies.language_for(user.language_code if user else None)


async def _send(update: Update, reply: replies.Reply) -> Message:
    return await update.effective_message.reply_text(reply.text, reply_markup=reply.markup)


def _private(update: Update) -> bool:
    return update.effective_chat.type == ChatType.PRIVATE


async def _answer_code(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    """The room's reply. In a group it is the room's lobby card, kept up to date (cards.py);
    and the player may come back to the room later with a bare /start."""
    room = await selectors.room_aget_live(code=code)
    language = _language(update)
    if room is None:
        await _send(update, replies.room_not_found(language=language, code=code))
        return
    reply = replies.room_open(
        language=language, room=room, private=_private(update), bot_username=context.bot.username
    )
    message = await _send(update, reply)
    if update.effective_user is not None:
        await services.player_avisit_record(user_id=update.effective_user.id, room=room)
    if not _private(update):
        await cards.lobby_card_aadd(
            room=room,
            chat_id=message.chat_id,
            message_id=message.message_id,
            language=language,
            shown=reply.digest(),
        )


async def _offer_way_back(
    update: Update, context: ContextTypes.DEFAULT_TYPE, reply: replies.Reply
) -> None:
    """`reply`, with a button back into the live room the player was last in, if any."""
    user = update.effective_user
    room = await selectors.room_aget_to_rejoin(user_id=user.id) if user else None
    if room is not None:
        reply = replies.with_rejoin(
            reply,
            language=_language(update),
            room=room,
            private=_private(update),
            bot_username=context.bot.username,
        )
    await _send(update, reply)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start CODE is what a t.me/<bot>?start=CODE link sends; bare /start is a first visit, or
    a player coming back after a drop."""
    if context.args:
        await _answer_code(update, context, context.args[0])
    else:
        await _offer_way_back(update, context, replies.how_to_join(language=_language(update)))


async def join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.args:
        await _answer_code(update, context, context.args[0])
    else:
        await _offer_way_back(update, context, replies.join_needs_code(language=_language(update)))


async def bare_code(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _answer_code(update, context, update.effective_message.text.strip())


async def help_(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _send(update, replies.how_to_join(language=_language(update)))


# How long Telegram may keep an inline answer: a room's players change all the time.
INLINE_CACHE_SECONDS = 5


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`@bot ABCD`: one invitation to the live room, or nothing for an unknown code."""
    query = update.inline_query
    code = query.query.strip()
    room = await selectors.room_aget_live(code=code) if ROOM_CODE_RE.fullmatch(code) else None
    results = []
    if room is not None:
        language = _language(update)
        results.append(
            replies.inline_room(language=language, room=room, bot_username=context.bot.username)
        )
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=False)


async def log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log a failed update and carry on: the next update is handled as if nothing happened.

    Telegram's own refusals (network trouble, 5xx, 429 with retry_after) are expected now and
    then and get one line; anything else is a bug and gets its traceback.
    """
    # Errors with no update come from polling itself (getUpdates failed; it is retried).
    doing = f"handling update {update.update_id}" if isinstance(update, Update) else "polling"
    if isinstance(context.error, TelegramError):
        logger.warning("Telegram error while %s: %r", doing, context.error)
    else:
        logger.error("Failure while %s", doing, exc_info=context.error)
