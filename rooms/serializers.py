"""The room's shapes on the wire: what a Host App sends and what clients get back."""

from rest_framework import serializers

from rooms.models import Room
from rooms.validators import validate_app_url, validate_room_code, validate_ws_url


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    default_error_messages = {"invalid": "must be a string"}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class RoomRegisterInputSerializer(serializers.Serializer):
    room_code = StrictCharField(
        required=False, allow_null=True, allow_blank=True, validators=[validate_room_code]
    )
    ws_url = StrictCharField(validators=[validate_ws_url])
    app_url = StrictCharField(validators=[validate_app_url])

    def validate_room_code(self, value: str | None) -> str | None:
        # Omitted, null or "" all ask the hub to allocate a code.
        return value.upper() if value else None


def epoch_ms(value) -> int:
    return int(value.timestamp() * 1000)


class RoomOutputSerializer(serializers.Serializer):
    """The Mini App contract of the original design: these names and types exactly."""

    room_code = serializers.CharField(source="code")
    ws_url = serializers.CharField()
    app_url = serializers.CharField()
    created_at = serializers.SerializerMethodField()

    def get_created_at(self, room: Room) -> int:
        return epoch_ms(room.created_at)


class RoomRegisteredOutputSerializer(RoomOutputSerializer):
    expires_at = serializers.SerializerMethodField()

    def get_expires_at(self, room: Room) -> int:
        return epoch_ms(room.expires_at)
