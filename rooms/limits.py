"""The limits on guessing at rooms, declared once (core.ratelimit.Limit) for every place that
counts or checks them: the room lookup (its view and its fast path), /join/<code>, and the
host permission."""

from core.ratelimit import Limit

# Lookups of rooms that do not exist, by the API or by /join/<code>, counted together. Found
# rooms never count, so a room full of players is never limited; past the limit every lookup
# waits, found rooms too, or codes could still be walked.
ROOM_LOOKUP_MISS = Limit(
    scope="room-lookup-miss",
    setting="ROOM_LOOKUP_MISS_RATE",
    refusal="too many lookups of unknown rooms;",
)
# Wrong host secrets. Past the limit even the right secret waits, so guessing cannot go on.
HOST_AUTH_FAIL = Limit(
    scope="host-auth-fail",
    setting="HOST_AUTH_FAIL_RATE",
    refusal="too many wrong host secrets from this address;",
)
