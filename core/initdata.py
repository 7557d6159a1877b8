"""Telegram Mini App init data: the signed launch parameters Telegram gives every Mini App.

Checked as Telegram's docs prescribe (core.telegram.org/bots/webapps, "Validating data received
via the Mini App"): the secret key is HMAC-SHA256 of the bot token keyed with "WebAppData"; the
data-check string is every field but `hash`, as `key=value` sorted by key and joined by newlines;
its HMAC-SHA256 under the secret key must equal `hash`.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl


class InvalidInitData(Exception):
    pass


@dataclass(frozen=True)
class TelegramUser:
    """The Telegram user a verified launch belongs to."""

    id: int
    first_name: str
    username: str
    language_code: str
    last_name: str = ""
    is_authenticated = True

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class InitData:
    fields: dict[str, str]
    user: TelegramUser | None
    auth_date: int


def init_data_verify(
    init_data: str, *, bot_token: str, max_age: int | None, now: float | None = None
) -> InitData:
    """The verified init data, or InvalidInitData saying why not. `max_age=None`: no age limit."""
    if not init_data or not bot_token:
        raise InvalidInitData("init data is empty")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInitData("init data is malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InvalidInitData("init data repeats a field")
    received = fields.pop("hash", "")
    if not received:
        raise InvalidInitData("init data has no hash")
    check_string = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    # Bytes, because compare_digest refuses non-ASCII strings instead of answering False.
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise InvalidInitData("init data signature is invalid")
    auth_date = _auth_date(fields.get("auth_date", ""))
    if max_age is not None and (now if now is not None else time.time()) - auth_date > max_age:
        raise InvalidInitData("init data is too old")
    return InitData(fields=fields, user=_user(fields.get("user")), auth_date=auth_date)


def _auth_date(value: str) -> int:
    # Unix time in seconds: ten digits until the year 2286. A longer number is no time at all,
    # and a huge one would not even compare with a float (OverflowError) or parse (ValueError).
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise InvalidInitData("init data has no valid auth_date")
    return int(value)


def _user(value: str | None) -> TelegramUser | None:
    if value is None:
        return None
    try:
        user = json.loads(value)
        user_id = user["id"]
    except (ValueError, TypeError, KeyError):
        raise InvalidInitData("init data has an invalid user") from None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InvalidInitData("init data has an invalid user")
    return TelegramUser(
        id=user_id,
        first_name=str(user.get("first_name", "")),
        username=str(user.get("username", "")),
        language_code=str(user.get("language_code", "")),
        last_name=str(user.get("last_name", "")),
    )
