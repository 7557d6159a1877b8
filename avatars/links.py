"""The hub's own link to a player's photo, for whoever shows players: the Mini App, a host's
screen (through a ticket), the avatar JSON.

Each link is signed (django.core.signing, under SECRET_KEY) for its user and an expiry, so that
with REQUIRE_TELEGRAM_INIT_DATA only links the hub handed out load: the image itself cannot ask
for init data (an `<img>` sends none), so the signature stands in for it. The expiry is rounded
to a whole period of AVATAR_URL_SECONDS, so one user's link stays the same for a while and
browsers can cache the image; a link lasts between one and two periods.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.signing import Signer
from django.urls import reverse
from django.utils.crypto import constant_time_compare

_SIGNER = Signer(salt="avatars.links.avatar_image_url")


def avatar_image_url(*, user_id: int, base_url: str, version: str | None = None) -> str:
    """The link to the user's photo under `base_url` (the hub's own URL); `version` changes with
    the photo, so that no cache shows an old one."""
    url = f"{base_url}{reverse('avatar-image', kwargs={'user_id': user_id})}"
    period = settings.AVATAR_URL_SECONDS
    expires = (int(time.time()) // period + 2) * period
    query = {"v": version} if version else {}
    query |= {"exp": expires, "sig": _signature(user_id, expires)}
    return f"{url}?{urlencode(query)}"


def avatar_link_valid(*, user_id: int, expires: str, signature: str) -> bool:
    """Whether `expires` and `signature` (a link's `exp` and `sig`) are the hub's own for this
    user, and the link has not expired."""
    if not expires.isdigit() or int(expires) <= time.time():
        return False
    return constant_time_compare(signature, _signature(user_id, int(expires)))


def _signature(user_id: int, expires: int) -> str:
    return _SIGNER.signature(f"{user_id}:{expires}")
