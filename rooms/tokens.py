"""Room tokens: the secret that makes a Host App the owner of the room it created.

A new room gets a random salt, kept in its row; its token is an HMAC of that salt under
SECRET_KEY (256 bits, URL-safe base64). The token is shown once, in the answer that creates the
room, and never stored: a database dump alone does not reveal it, while the hub can recompute
it (to sign players' tickets with it, say). Rotating SECRET_KEY therefore changes every room's
token: hosts of live rooms lose their hold on them (SECURITY.md says what that means).
"""

import base64
import hmac
import re
import secrets

from django.utils.crypto import salted_hmac

KEY_SALT = "spirtuoz.rooms.room_token"
# What a room token looks like (43 URL-safe base64 characters) wherever it stands in a line: the
# hub never stores one, so its log lines redact it by its shape (rooms/apps.py).
ROOM_TOKEN_SHAPE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


def token_salt_new() -> str:
    return secrets.token_hex(16)


def room_token(*, token_salt: str) -> str:
    digest = salted_hmac(KEY_SALT, token_salt, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def room_token_matches(*, token_salt: str, given: str) -> bool:
    """Whether `given` is the room's token, compared in constant time."""
    expected = room_token(token_salt=token_salt)
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
