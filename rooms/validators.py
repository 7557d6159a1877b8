"""Rules for what a room may hold: its code and the two URLs a Host App registers."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

# A room code: 4 to 12 letters or digits. Asked for in any case, stored and shown upper-case.
_CODE_LENGTH = "{4,12}"
ROOM_CODE_RE = re.compile(rf"[A-Za-z0-9]{_CODE_LENGTH}", re.ASCII)
STORED_ROOM_CODE_RE = re.compile(rf"[A-Z0-9]{_CODE_LENGTH}", re.ASCII)
URL_MAX_LENGTH = 2048
LOCAL_HOSTS = {"localhost", "127.0.0.1"}
# What no URL a player's client opens may hold, though Django's URLValidator lets it through
# (outside the host): control characters; the invisible and bidirectional formatting marks
# that make a link read as another (U+202E turns `moc.live` into `evil.com`); and the
# backslash, which browsers read as a slash, so that `http://evil.com\@localhost/` opens
# evil.com while the hub reads localhost. Also the schema's pattern (rooms/serializers.py).
URL_FORBIDDEN_CHARACTERS = (
    r"\\\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
)
_FORBIDDEN = re.compile(f"[{URL_FORBIDDEN_CHARACTERS}]")
# The hub's own page that sends players on to a room's app_url (rooms/urls.py).
JOIN_PATH = re.compile(r"/join(/|$)")

_ws_url = URLValidator(schemes=["ws", "wss"], message="must be a ws:// or wss:// URL")
_app_url = URLValidator(schemes=["https", "http"], message="must be an https:// URL")


def validate_room_code(value: str) -> None:
    if not ROOM_CODE_RE.fullmatch(value):
        raise ValidationError("must be 4 to 12 letters (A-Z) or digits")


def _validate_length(value: str) -> None:
    if len(value) > URL_MAX_LENGTH:
        raise ValidationError(f"must be at most {URL_MAX_LENGTH} characters")


def _validate_text(value: str) -> None:
    """Length, forbidden characters and port: what both URLs must get right."""
    _validate_length(value)
    if _FORBIDDEN.search(value):
        raise ValidationError("must not contain backslashes, control or invisible characters")
    try:
        port = urlsplit(value).port
    except ValueError:
        port = 0
    if port == 0:
        raise ValidationError("must have a port from 1 to 65535")


def validate_ws_url(value: str) -> None:
    _validate_text(value)
    _ws_url(value)


def validate_app_url(value: str) -> None:
    _validate_text(value)
    _app_url(value)
    parts = urlsplit(value)
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise ValidationError("must be an https:// URL (http:// only for localhost)")
    if parts.hostname in _hub_hosts() and JOIN_PATH.match(parts.path):
        raise ValidationError(
            "must not be the hub's own /join/ page (it would send players round)"
        )


def _hub_hosts() -> set[str]:
    """The names the hub answers to: PUBLIC_URL's host and ALLOWED_HOSTS (wildcards aside)."""
    hosts = {host.strip("[]").lower() for host in settings.ALLOWED_HOSTS}
    hosts |= {urlsplit(settings.PUBLIC_URL).hostname or ""} | LOCAL_HOSTS
    return {host for host in hosts if host and host != "*" and not host.startswith(".")}
