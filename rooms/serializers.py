"""The room's shapes on the wire: what a Host App sends and what clients get back."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rooms.models import Room
from rooms.validators import (
    ROOM_CODE_RE,
    STORED_ROOM_CODE_RE,
    validate_app_url,
    validate_room_code,
    validate_ws_url,
)


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    default_error_messages = {"invalid": "must be a string"}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "pattern": f"^{ROOM_CODE_RE.pattern}$",
        "description": "4 to 12 letters or digits, any case; omitted, null or empty: "
        "the hub allocates a free 4-letter code.",
    }
)
class RoomCodeField(StrictCharField):
    pass


# What the URL validators accept, written as patterns so that clients (and the schema's
# fuzzer) can tell a good URL from a bad one: a DNS name with a TLD, an optional port and path.
_HOST_PORT_PATH = (
    r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
    r"(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~/-]*)?$"
)


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 2048,
        "pattern": "^[Ww][Ss][Ss]?://" + _HOST_PORT_PATH,
        "description": "The host's WebSocket address, e.g. its Cloudflare tunnel.",
    }
)
class WsUrlField(StrictCharField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 2048,
        "pattern": "^[Hh][Tt][Tt][Pp][Ss]://" + _HOST_PORT_PATH,
        "description": "The Mini App's address: https://, or http:// for localhost only.",
    }
)
class AppUrlField(StrictCharField):
    pass


class RoomRegisterInputSerializer(serializers.Serializer):
    room_code = RoomCodeField(
        required=False, allow_null=True, allow_blank=True, validators=[validate_room_code]
    )
    ws_url = WsUrlField(validators=[validate_ws_url])
    app_url = AppUrlField(validators=[validate_app_url])

    def validate_room_code(self, value: str | None) -> str | None:
        # Omitted, null or "" all ask the hub to allocate a code.
        return value.upper() if value else None


def epoch_ms(value) -> int:
    return int(value.timestamp() * 1000)


class RoomOutputSerializer(serializers.Serializer):
    """The Mini App contract of the original design: these names and types exactly."""

    room_code = serializers.RegexField(f"^{STORED_ROOM_CODE_RE.pattern}$", source="code")
    ws_url = serializers.CharField()
    app_url = serializers.CharField()
    created_at = serializers.SerializerMethodField(
        help_text="When the room was first registered, in milliseconds since the epoch."
    )

    def get_created_at(self, room: Room) -> int:
        return epoch_ms(room.created_at)


class RoomRegisteredOutputSerializer(RoomOutputSerializer):
    expires_at = serializers.SerializerMethodField(
        help_text="When the room expires unless re-registered, in ms since the epoch."
    )

    def get_expires_at(self, room: Room) -> int:
        return epoch_ms(room.expires_at)
