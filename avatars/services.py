"""A user's Telegram profile photo, asked of Telegram once per cache period and shared by every
server worker through Django's cache.

Per user the cache holds:
- the entry: the photo's bytes (or "no photo") and until when they are fresh. It outlives its
  freshness by AVATAR_STALE_SECONDS so that a stale copy can be served when Telegram fails;
- a lock, taken with `cache.add`, held by the one request that is asking Telegram (single
  flight); it expires on its own, so a crashed holder cannot block anybody for long;
- a failure marker: after Telegram failed, the next requests get the failure (or the stale
  copy) for a few seconds instead of asking again. A 429's retry_after holds every lookup.
A failure is never stored as "no photo".

A lookup that must ask Telegram counts towards the client's and the hub's budgets of Telegram
lookups (avatars/limits.py), counted once it holds the lock: so many clients waiting for one
user cost one lookup, and lookups already under way when a budget runs out (at most the server's
threads) are the only ones past it.
"""

import hashlib
import logging
import math
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from avatars.limits import AVATAR_FETCH_LIMITS
from core import telegram
from core.bulkheads import RETRY_AFTER_SECONDS
from core.errors import ApplicationError

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.05
# The smallest photo at least this wide is what the Mini App shows (else the largest one).
MIN_WIDTH = 160
RETRY_AT_KEY = "telegram:retry-at"
IMAGE_TYPES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF8", "image/gif"),
)


@dataclass(frozen=True)
class Avatar:
    content: bytes
    content_type: str
    etag: str
    # Seconds a browser may keep it: what is left of its freshness, 0 for a stale copy.
    max_age: int


class AvatarsNotConfigured(ApplicationError):
    status = 503
    message = "avatars are not configured on this hub (BOT_TOKEN is unset)"


class AvatarCacheUnavailable(ApplicationError):
    status = 503
    message = "the hub's cache could not store the avatar; try again shortly"


class AvatarUnavailable(ApplicationError):
    """Telegram failed and there is no earlier copy to serve: 502, 503 (rate-limited, with
    Retry-After) or 504 (too slow)."""


def avatar_get(*, user_id: int, client: Mapping) -> Avatar | None:
    """The user's profile photo, None when they have no visible one, or AvatarUnavailable.

    `client` is the request's META: a lookup that must ask Telegram counts towards that client's
    budget and the hub's (avatars/limits.py), and past either gets 429 (or a stale copy)."""
    if not settings.BOT_TOKEN:
        raise AvatarsNotConfigured
    keys = _Keys(user_id)
    give_up_at = time.monotonic() + settings.AVATAR_DEADLINE_SECONDS + 1
    # Asking Telegram, and waiting for whoever asks, each hold a slot (core/bulkheads.py); a
    # request that finds none free is refused at once rather than queued.
    asking, waiting = telegram.asking_slot(), telegram.waiting_slot()
    try:
        while True:
            found = cache.get_many([keys.entry, keys.failure, keys.lock, RETRY_AT_KEY])
            entry = found.get(keys.entry)
            if entry is not None and entry["fresh_until"] > time.time():
                return _avatar(entry, stale=False)
            failure = found.get(keys.failure) or _rate_limit_failure(found.get(RETRY_AT_KEY))
            if failure is not None:
                return _stale_or_raise(entry, failure)
            if keys.lock not in found:
                for limit in AVATAR_FETCH_LIMITS:
                    wait = limit.wait(client)
                    if wait is not None:
                        if entry is not None:
                            return _avatar(entry, stale=True)
                        raise limit.exceeded(wait)
                token = uuid.uuid4().hex
                if cache.add(keys.lock, token, timeout=_lock_seconds()):
                    try:
                        # The one to ask: with a slot, or not at all (the next may).
                        if not asking.take():
                            return _stale_or_raise(entry, _failure(telegram.TelegramBusy()))
                        for limit in AVATAR_FETCH_LIMITS:
                            limit.hit(client)
                        return _refresh(user_id, keys, stale=entry)
                    finally:
                        if cache.get(keys.lock) == token:
                            cache.delete(keys.lock)
                _check_cache_stores(keys, stale=entry)
            elif entry is not None:
                # Somebody is refreshing it: the previous copy is good enough meanwhile.
                return _avatar(entry, stale=True)
            if time.monotonic() >= give_up_at:
                return _stale_or_raise(entry, _failure(telegram.TelegramTimeout()))
            if not waiting.take():
                return _stale_or_raise(entry, _failure(telegram.TelegramBusy()))
            time.sleep(POLL_SECONDS)
    finally:
        asking.release()
        waiting.release()


def _check_cache_stores(keys: "_Keys", stale: dict | None) -> None:
    """After `cache.add` of the lock failed: someone else holds it, or the cache cannot store
    anything. The database cache answers a failed write with False, not an error (a full disk,
    a read-only database), and waiting for a lock nobody holds would end, seconds later, as
    Telegram's timeout though Telegram was never asked. Whoever took the lock leaves its
    entry, failure or the lock itself behind: with none of them, it was the write that failed."""
    found = cache.get_many([keys.lock, keys.entry, keys.failure, RETRY_AT_KEY])
    if found:
        return
    logger.warning("avatar cache write failed: the lock for user %s was not stored", keys.user_id)
    if stale is not None:
        return
    raise AvatarCacheUnavailable


@dataclass(frozen=True)
class _Keys:
    user_id: int

    @property
    def entry(self) -> str:
        return f"avatar:{self.user_id}"

    @property
    def lock(self) -> str:
        return f"avatar:{self.user_id}:lock"

    @property
    def failure(self) -> str:
        return f"avatar:{self.user_id}:failure"


def _refresh(user_id: int, keys: _Keys, stale: dict | None) -> Avatar | None:
    deadline = telegram.Deadline.after(settings.AVATAR_DEADLINE_SECONDS)
    try:
        avatar = _fetch(user_id, deadline)
    except telegram.TelegramError as error:
        logger.warning("avatar lookup for user %s failed: %s", user_id, error)
        if isinstance(error, telegram.TelegramRateLimited):
            # Telegram limits the bot as a whole: every lookup waits, not just this user's.
            cache.set(RETRY_AT_KEY, time.time() + error.retry_after, timeout=error.retry_after)
        else:
            cache.set(keys.failure, _failure(error), timeout=settings.AVATAR_FAILURE_SECONDS)
        return _stale_or_raise(stale, _failure(error))
    fresh_for = settings.AVATAR_CACHE_SECONDS if avatar else settings.AVATAR_MISS_CACHE_SECONDS
    entry = {
        "content": avatar.content if avatar else None,
        "content_type": avatar.content_type if avatar else "",
        "etag": avatar.etag if avatar else "",
        "fresh_until": time.time() + fresh_for,
    }
    cache.set(keys.entry, entry, timeout=fresh_for + settings.AVATAR_STALE_SECONDS)
    return _avatar(entry, stale=False)


def _fetch(user_id: int, deadline: telegram.Deadline) -> Avatar | None:
    try:
        photos = telegram.call("getUserProfilePhotos", deadline, user_id=user_id, limit=1)
    except telegram.TelegramBadRequest:
        # "user not found": Telegram has no photo of this user to show to this bot.
        return None
    try:
        sizes = photos["photos"][0] if photos["photos"] else []
        size = _pick_size(sizes)
        if size is None:
            return None
        file = telegram.call("getFile", deadline, file_id=size["file_id"])
        file_path, file_size = file["file_path"], int(file.get("file_size") or 0)
    except (KeyError, IndexError, TypeError, ValueError):
        raise telegram.TelegramUnavailable("Telegram's answer was not understood") from None
    if file_size > settings.AVATAR_MAX_BYTES:
        raise telegram.TelegramUnavailable(
            f"the photo is larger than {settings.AVATAR_MAX_BYTES} bytes"
        )
    content = telegram.download(file_path, deadline, settings.AVATAR_MAX_BYTES)
    content_type = next((kind for magic, kind in IMAGE_TYPES if content.startswith(magic)), None)
    if content_type is None:
        raise telegram.TelegramUnavailable("Telegram's file is not an image")
    etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
    return Avatar(content, content_type, etag, max_age=settings.AVATAR_CACHE_SECONDS)


def _pick_size(sizes: list[dict]) -> dict | None:
    if not sizes:
        return None
    wide_enough = [size for size in sizes if int(size["width"]) >= MIN_WIDTH]
    if wide_enough:
        return min(wide_enough, key=lambda size: int(size["width"]))
    return max(sizes, key=lambda size: int(size["width"]))


def _avatar(entry: dict, *, stale: bool) -> Avatar | None:
    if entry["content"] is None:
        return None
    max_age = 0 if stale else max(0, math.floor(entry["fresh_until"] - time.time()))
    return Avatar(entry["content"], entry["content_type"], entry["etag"], max_age=max_age)


def _failure(error: telegram.TelegramError) -> dict:
    if isinstance(error, telegram.TelegramRateLimited):
        return {
            "status": 503,
            "message": f"Telegram asked the hub to slow down; try again in {error.retry_after} s",
            "retry_after": error.retry_after,
        }
    if isinstance(error, telegram.TelegramBusy):
        return {
            "status": 503,
            "message": "the hub is waiting on Telegram for too many avatars; try again shortly",
            "retry_after": RETRY_AFTER_SECONDS,
        }
    if isinstance(error, telegram.TelegramTimeout):
        return {"status": 504, "message": "Telegram did not answer in time; try again shortly"}
    return {"status": 502, "message": "Telegram could not give the avatar; try again shortly"}


def _rate_limit_failure(retry_at: float | None) -> dict | None:
    if retry_at is None or retry_at <= time.time():
        return None
    return _failure(telegram.TelegramRateLimited(math.ceil(retry_at - time.time())))


def _stale_or_raise(entry: dict | None, failure: dict) -> Avatar | None:
    if entry is not None:
        return _avatar(entry, stale=True)
    raise AvatarUnavailable(
        failure["message"], status=failure["status"], retry_after=failure.get("retry_after")
    )


def _lock_seconds() -> int:
    return math.ceil(settings.AVATAR_DEADLINE_SECONDS) + 2
