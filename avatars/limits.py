"""The limits on avatar lookups that ask Telegram, declared once (core.ratelimit.Limit).

Only a lookup the cache cannot answer counts: it costs up to three Bot API calls under the bot's
token (getUserProfilePhotos, getFile, the download), and Telegram limits the bot as a whole. A
client walking new user ids spends its own budget; all clients together stay within the hub's,
below what Telegram allows the bot. Cached photos (and "no photo") never count.
"""

from core.ratelimit import Limit

AVATAR_FETCH = Limit(
    scope="avatar-fetch",
    setting="AVATAR_FETCH_RATE",
    refusal="too many avatars of new users from this address;",
)
AVATAR_FETCH_TOTAL = Limit(
    scope="avatar-fetch-total",
    setting="AVATAR_FETCH_TOTAL_RATE",
    refusal="the hub is asking Telegram for too many avatars;",
    per_client=False,
)
# The order they are checked in: the client's own first, so that one client's flood is told so.
AVATAR_FETCH_LIMITS = (AVATAR_FETCH, AVATAR_FETCH_TOTAL)
