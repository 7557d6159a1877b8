"""The room's shapes on the wire: what a Host App sends and what clients get back."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.site import public_base_url
from core.telegram import bot_username
from rooms import examples
from rooms.links import room_links
from rooms.models import Room
from rooms.validators import (
    ROOM_CODE_RE,
    STORED_ROOM_CODE_RE,
    URL_FORBIDDEN_CHARACTERS,
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


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField that takes JSON whole numbers only: not "3", 3.0 or true."""

    default_error_messages = {"invalid": "must be a whole number"}

    def to_internal_value(self, data):
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A BooleanField that takes JSON true and false only: not "yes", 1 or "on"."""

    default_error_messages = {"invalid": "must be true or false"}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class RejectsUnknownFields(serializers.Serializer):
    """A body naming a field this serializer does not know is refused, not half-applied."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({unknown[0]: ["unknown field"]})
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "pattern": f"^{ROOM_CODE_RE.pattern}$",
        "description": "4 to 12 letters or digits, any case; omitted, null or empty: "
        "the hub allocates a free 4-letter code.",
        "example": examples.ROOM_CODE,
    }
)
class RoomCodeField(StrictCharField):
    pass


# What the URL validators accept, written as patterns so that clients (and the schema's
# fuzzer) can tell a good URL from a bad one: a DNS name with a TLD, an optional port and path.
_HOST_PORT_PATH = (
    r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
    r"(:[1-9][0-9]{0,3})?(/[^\s" + URL_FORBIDDEN_CHARACTERS + r"]*)?$"
)


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 2048,
        "pattern": "^[Ww][Ss][Ss]?://" + _HOST_PORT_PATH,
        "description": "The host's WebSocket address, e.g. its Cloudflare tunnel.",
        "example": examples.WS_URL,
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
        "example": examples.APP_URL,
    }
)
class AppUrlField(StrictCharField):
    pass


# Bounds that keep a host's numbers in the database's column and a player's screen.
MAX_PLAYERS = 100_000


class RoomStatusInputSerializer(serializers.Serializer):
    """What a host reports about its room; each field may be left out (it stays as it is)."""

    state = serializers.ChoiceField(
        Room.State.values,
        required=False,
        error_messages={"invalid_choice": "must be lobby or playing"},
    )
    players = StrictIntegerField(min_value=0, max_value=MAX_PLAYERS, required=False)
    max_players = StrictIntegerField(
        min_value=1,
        max_value=MAX_PLAYERS,
        required=False,
        allow_null=True,
        help_text="null: no cap.",
    )
    locked = StrictBooleanField(required=False, help_text="The host accepts no new players.")


class RoomRegisterInputSerializer(RoomStatusInputSerializer):
    room_code = RoomCodeField(
        required=False, allow_null=True, allow_blank=True, validators=[validate_room_code]
    )
    ws_url = WsUrlField(validators=[validate_ws_url])
    app_url = AppUrlField(validators=[validate_app_url])
    host_token = StrictCharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="The room's token, to register a live room again (or send X-Room-Token).",
    )

    def validate_room_code(self, value: str | None) -> str | None:
        # Omitted, null or "" all ask the hub to allocate a code.
        return value.upper() if value else None


class RoomHeartbeatInputSerializer(RejectsUnknownFields, RoomStatusInputSerializer):
    """A heartbeat: the room's status fields, each optional; an unknown field is refused."""


class RoomUpdateInputSerializer(RejectsUnknownFields, RoomStatusInputSerializer):
    """A change to your room: its status fields and its URLs, each optional; an unknown field is
    refused."""

    ws_url = WsUrlField(validators=[validate_ws_url], required=False)
    app_url = AppUrlField(validators=[validate_app_url], required=False)


def epoch_ms(value) -> int:
    return int(value.timestamp() * 1000)


class RoomLinksSerializer(serializers.Serializer):
    telegram = serializers.URLField(allow_null=True)
    bot = serializers.URLField(allow_null=True)
    web = serializers.URLField()
    qr = serializers.URLField()


class RoomOutputSerializer(serializers.Serializer):
    """What everybody may know of a live room: the Mini App contract of the original design
    (its first four fields, these names and types exactly), then the room's status."""

    room_code = serializers.RegexField(f"^{STORED_ROOM_CODE_RE.pattern}$", source="code")
    ws_url = serializers.CharField()
    app_url = serializers.CharField()
    created_at = serializers.SerializerMethodField(
        help_text="When the room was first registered, in milliseconds since the epoch."
    )
    state = serializers.ChoiceField(Room.State.values)
    players = serializers.IntegerField(min_value=0)
    max_players = serializers.IntegerField(min_value=1, allow_null=True)
    locked = serializers.BooleanField()
    full = serializers.BooleanField(help_text="players ≥ max_players, when a cap is set.")
    host_online = serializers.SerializerMethodField(
        help_text="The host showed a sign of life within HOST_HEARTBEAT_TIMEOUT seconds."
    )
    last_seen = serializers.SerializerMethodField(
        help_text="The host's last sign of life, in ms since the epoch."
    )
    links = serializers.SerializerMethodField(
        help_text="The ways into the room: `telegram` opens the Mini App at once (null without "
        "a bot), `bot` the bot's chat with the code (null without a bot), `web` the hub's "
        "join page, `qr` an SVG QR code of the first of these that is not null."
    )

    def get_created_at(self, room: Room) -> int:
        return epoch_ms(room.created_at)

    @extend_schema_field(RoomLinksSerializer)
    def get_links(self, room: Room) -> dict:
        return room_links(
            code=room.code,
            base_url=public_base_url(self.context["request"]),
            bot_username=bot_username(),
        )

    def get_host_online(self, room: Room) -> bool:
        return room.host_online()

    def get_last_seen(self, room: Room) -> int:
        return epoch_ms(room.last_seen_at)


class RoomLookupOutputSerializer(RoomOutputSerializer):
    """The lookup: the room, and, for a player who sent Telegram's init data, a ticket."""

    ticket = serializers.CharField(
        required=False,
        help_text="Only with valid init data (Authorization: tma …): a JWT (HS256) signed with "
        "the room's token, naming the player (claims room, sub, name, username, avatar, iat, "
        "exp five minutes later), for the Mini App to hand the host.",
    )


class RoomHostOutputSerializer(RoomOutputSerializer):
    """The host's view of its room."""

    expires_at = serializers.SerializerMethodField(
        help_text="When the room expires without a sign of life, in ms since the epoch."
    )

    def get_expires_at(self, room: Room) -> int:
        return epoch_ms(room.expires_at)


class RoomCreatedOutputSerializer(RoomHostOutputSerializer):
    """The answer that creates a room: the host's view and the room's token, shown once."""

    host_token = serializers.SerializerMethodField(
        help_text="The room's token: send it as X-Room-Token to change or close the room. "
        "Shown only here."
    )

    def get_host_token(self, room: Room) -> str:
        return self.context["host_token"]
