"""Rules for what a room may hold: its code and the two URLs a Host App registers."""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

# A room code: 4 to 12 letters or digits. Asked for in any case, stored and shown upper-case.
_CODE_LENGTH = "{4,12}"
ROOM_CODE_RE = re.compile(rf"[A-Za-z0-9]{_CODE_LENGTH}", re.ASCII)
STORED_ROOM_CODE_RE = re.compile(rf"[A-Z0-9]{_CODE_LENGTH}", re.ASCII)
URL_MAX_LENGTH = 2048
LOCAL_HOSTS = {"localhost", "127.0.0.1"}

_ws_url = URLValidator(schemes=["ws", "wss"], message="must be a ws:// or wss:// URL")
_app_url = URLValidator(schemes=["https", "http"], message="must be an https:// URL")


def validate_room_code(value: str) -> None:
    if not ROOM_CODE_RE.fullmatch(value):
        raise ValidationError("must be 4 to 12 letters (A-Z) or digits")


def _validate_length(value: str) -> None:
    if len(value) > URL_MAX_LENGTH:
        raise ValidationError(f"must be at most {URL_MAX_LENGTH} characters")


def validate_ws_url(value: str) -> None:
    _validate_length(value)
    _ws_url(value)


def validate_app_url(value: str) -> None:
    _validate_length(value)
    _app_url(value)
    parts = urlsplit(value)
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise ValidationError("must be an https:// URL (http:// only for localhost)")
