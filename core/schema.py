"""What the OpenAPI description (drf-spectacular) says about errors and the secrets.

Every error answer has the one shape `{"error": "<message>"}`; views list which ones they give.
Every endpoint lists 503: each one needs the database (avatars through the cache, which is the
database's unless REDIS_URL is set), and answers 503 while it is unavailable.

Every operation names itself in its view, `extend_schema(operation_id="getRoom")`: a short
camelCase verb and noun, which generated clients turn into their functions' names
(tests/core/test_schema.py refuses any other, and any name used twice).
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

# Security schemes declared in SPECTACULAR_SETTINGS: X-Host-Secret, or a bearer token.
HOST_AUTH = [{"hostSecret": []}, {"hostBearer": []}]
# The host's own room: its room token (X-Room-Token), given when the room was created.
ROOM_AUTH = [{"roomToken": []}]
ROOM_TOKEN_PARAMETER = OpenApiParameter(
    "X-Room-Token",
    str,
    OpenApiParameter.HEADER,
    description="The room's token, to register a live room again (or the body's host_token).",
)
# The Mini App endpoints: Telegram init data, or nothing unless the hub requires it.
MINI_APP_AUTH = [{"telegramInitData": []}, {}]
# Endpoints anybody may call name no security requirement at all: generated clients read even
# an empty one (`security: [{}]`) as asking for credentials.
PUBLIC: list[dict] = []

DATABASE_DOWN = 'The database is unavailable (`{"error": "database unavailable"}`).'
CACHE_DOWN = 'The Redis cache (with REDIS_URL) is unavailable (`{"error": "cache unavailable"}`).'

ERRORS = {
    400: "The request is malformed: bad JSON, a bad field or a bad id.",
    401: "Telegram init data is missing (when required), invalid or too old.",
    403: "The host secret is missing or wrong.",
    409: "The room is live and held by another host.",
    404: "Nothing lives here.",
    405: "The method is not allowed on this endpoint.",
    413: "The body is larger than 16 KiB.",
    415: "The body is not JSON.",
    429: "Too many mistakes from this address (unknown rooms or wrong host secrets); "
    "`Retry-After` says when to try again.",
    502: "Telegram failed or could not be reached, and no earlier copy is cached.",
    503: "The service is unavailable or not configured; `Retry-After` may say when to retry.",
    504: "Telegram did not answer in time, and no earlier copy is cached.",
}


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="What went wrong, in one sentence.")


def errors(*statuses: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """Responses for these error statuses; `descriptions` (as `s404="..."`) override the text."""
    return {
        status: OpenApiResponse(
            ErrorSerializer, description=descriptions.get(f"s{status}", ERRORS[status])
        )
        for status in statuses
    }
