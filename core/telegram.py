"""A small Telegram Bot API client on `requests`, for the web side: profile photos, files and
their bytes, and the bot's username.

Every call goes to `{FILE_API_URL}/bot{BOT_TOKEN}/{method}` and every download to
`{FILE_API_URL}/file/bot{BOT_TOKEN}/{path}`, so a self-hosted Bot API server or a test double
stands in for Telegram by setting FILE_API_URL alone. URLs carry the token, so no exception
raised here quotes one: callers may log these errors as they are.
"""

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as once

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from requests.adapters import HTTPAdapter

from core.bulkheads import Slot
from monitoring.services import telegram_call_record

CHUNK_BYTES = 64 * 1024


class TelegramError(Exception):
    """Telegram could not answer; never a reason to believe the user has no photo."""


class TelegramTimeout(TelegramError):
    pass


class TelegramUnavailable(TelegramError):
    pass


class TelegramRateLimited(TelegramError):
    def __init__(self, retry_after: int):
        super().__init__(f"Telegram asked to retry after {retry_after} s")
        self.retry_after = retry_after


class TelegramBadRequest(TelegramError):
    """Telegram refused the request itself (400), e.g. a user it does not know."""


class TelegramBusy(TelegramError):
    """Every slot for waiting on Telegram is taken in this worker: not asked at all."""


def asking_slot() -> Slot:
    """A request's slot to ask Telegram: TELEGRAM_CONCURRENCY per worker (core/bulkheads.py),
    so that a hanging Telegram holds those threads alone."""
    return Slot("TELEGRAM_CONCURRENCY")


def waiting_slot() -> Slot:
    """A request's slot to wait while another asks Telegram for the same thing (a room of
    players loading one avatar): TELEGRAM_WAITERS per worker."""
    return Slot("TELEGRAM_WAITERS")


@dataclass(frozen=True)
class Deadline:
    """The time left for one lookup, shared by the several calls it makes."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> "Deadline":
        return cls(time.monotonic() + seconds)

    def timeout(self) -> tuple[float, float]:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TelegramTimeout("Telegram did not answer in time")
        return (
            min(settings.TELEGRAM_CONNECT_TIMEOUT, left),
            min(settings.TELEGRAM_READ_TIMEOUT, left),
        )


@once
def _session() -> requests.Session:
    """One pooled session per process; retries are ours to decide, so the adapter makes none."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _counted(method: str | None = None) -> Callable:
    """Counts each call of the decorated function by its Bot API method (`method`, or the
    function's first argument) and outcome: a TelegramError raised is an error."""

    def decorator(function: Callable) -> Callable:
        @functools.wraps(function)
        def counted(*args, **kwargs):
            name = method or args[0]
            try:
                result = function(*args, **kwargs)
            except TelegramError:
                telegram_call_record(method=name, ok=False)
                raise
            telegram_call_record(method=name, ok=True)
            return result

        return counted

    return decorator


@_counted()
def call(method: str, deadline: Deadline, **params) -> dict | list | bool:
    """The `result` of a Bot API method, or a TelegramError."""
    url = f"{settings.FILE_API_URL}/bot{settings.BOT_TOKEN}/{method}"
    response = _request("POST", url, deadline, json=params)
    body = _read(response, settings.API_MAX_BODY_BYTES * 16, deadline)
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        answer = {}
    if response.status_code == 200 and answer.get("ok") is True:
        return answer.get("result")
    description = str(answer.get("description") or f"HTTP {response.status_code}")
    if response.status_code == 429:
        retry_after = (answer.get("parameters") or {}).get("retry_after")
        raise TelegramRateLimited(int(retry_after) if str(retry_after).isdigit() else 30)
    if response.status_code == 400:
        raise TelegramBadRequest(f"{method}: {description}")
    raise TelegramUnavailable(f"{method} failed with HTTP {response.status_code}: {description}")


@_counted("download")
def download(file_path: str, deadline: Deadline, max_bytes: int) -> bytes:
    url = f"{settings.FILE_API_URL}/file/bot{settings.BOT_TOKEN}/{file_path}"
    response = _request("GET", url, deadline)
    if response.status_code != 200:
        response.close()
        if response.status_code == 429:
            raise TelegramRateLimited(int(response.headers.get("Retry-After", "30") or 30))
        raise TelegramUnavailable(f"file download failed with HTTP {response.status_code}")
    return _read(response, max_bytes, deadline)


def _request(http_method: str, url: str, deadline: Deadline, **kwargs) -> requests.Response:
    try:
        return _session().request(
            http_method, url, timeout=deadline.timeout(), stream=True, **kwargs
        )
    except requests.Timeout:
        raise TelegramTimeout("Telegram did not answer in time") from None
    except requests.RequestException as error:
        # The exception's own text quotes the URL, and with it the token.
        raise TelegramUnavailable(f"Telegram is unreachable ({type(error).__name__})") from None


def _read(response: requests.Response, max_bytes: int, deadline: Deadline) -> bytes:
    """The body, read in chunks so that neither a huge nor a trickling answer holds us."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise TelegramUnavailable(f"Telegram's answer is larger than {max_bytes} bytes")
    body = bytearray()
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            body += chunk
            if len(body) > max_bytes:
                raise TelegramUnavailable(f"Telegram's answer is larger than {max_bytes} bytes")
            deadline.timeout()
    except requests.Timeout:
        raise TelegramTimeout("Telegram did not answer in time") from None
    except requests.RequestException as error:
        raise TelegramUnavailable(
            f"Telegram's answer broke off ({type(error).__name__})"
        ) from None
    finally:
        response.close()
    return bytes(body)


# The bot's username changes only in BotFather: asked of Telegram once a day, and a failure is
# remembered for a minute (links without it meanwhile), so that no request waits on Telegram
# more than once a minute for it.
USERNAME_KEY = "telegram:bot-username"
USERNAME_SECONDS = 24 * 60 * 60
USERNAME_FAILURE_SECONDS = 60
USERNAME_DEADLINE_SECONDS = 3.0
USERNAME_MEMO_SECONDS = 60
# (until when, by time.monotonic(); the username) this process last had from the shared cache.
_username_memo: tuple[float, str | None] | None = None


def bot_username() -> str | None:
    """The bot's @username (without the @), or None without BOT_TOKEN or while Telegram cannot
    say: TELEGRAM_BOT_USERNAME when set, else getMe's answer, cached in the shared cache and
    remembered by each process for USERNAME_MEMO_SECONDS (every room's answer carries links
    made with it, and the shared cache may be a table of the database)."""
    global _username_memo
    if settings.TELEGRAM_BOT_USERNAME:
        return settings.TELEGRAM_BOT_USERNAME.lstrip("@")
    if not settings.BOT_TOKEN:
        return None
    memo = _username_memo
    if memo is not None and memo[0] > time.monotonic():
        return memo[1]
    username = _bot_username_shared()
    _username_memo = (time.monotonic() + USERNAME_MEMO_SECONDS, username)
    return username


def _bot_username_shared() -> str | None:
    known = cache.get(USERNAME_KEY)
    if known is not None:
        return known or None
    try:
        me = call("getMe", Deadline.after(USERNAME_DEADLINE_SECONDS))
        username = str(me["username"])  # type: ignore[index]
    except (TelegramError, KeyError, TypeError):
        cache.set(USERNAME_KEY, "", timeout=USERNAME_FAILURE_SECONDS)
        return None
    cache.set(USERNAME_KEY, username, timeout=USERNAME_SECONDS)
    return username


def _forget_username(**kwargs) -> None:
    global _username_memo
    _username_memo = None


setting_changed.connect(_forget_username, weak=False)
