"""The operator's view of rooms: what is live, what expired, and a way to close rooms."""

from datetime import datetime

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from rooms import services
from rooms.models import Room


class RoomStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Room.Status.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case Room.Status.LIVE:
                return queryset.live(now)
            case Room.Status.EXPIRED:
                return queryset.filter(closed_at__isnull=True, expires_at__lte=now)
            case Room.Status.CLOSED:
                return queryset.filter(closed_at__isnull=False)
        return queryset


class HostOnlineFilter(admin.SimpleListFilter):
    title = "host online"
    parameter_name = "host_online"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        match self.value():
            case "yes":
                return queryset.host_online()
            case "no":
                return queryset.exclude(pk__in=queryset.host_online())
        return queryset


# So that every column of the list fits on a 1,280 px screen: a URL (up to 1,000 characters)
# shows its start and a time its day and minute, each whole on hover.
URL_SHOWN_CHARACTERS = 24
TIME_SHOWN_FORMAT = "M j, H:i"


def _shortened(url: str) -> str:
    shown = Truncator(url).chars(URL_SHOWN_CHARACTERS)
    return format_html('<span title="{}">{}</span>', url, shown)


def _short_time(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return format_html(
        '<span title="{}">{}</span>',
        local.isoformat(),
        dateformat.format(local, TIME_SHOWN_FORMAT),
    )


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "status",
        "state",
        "players_of_max",
        "host_online",
        "last_seen",
        "short_ws_url",
        "short_app_url",
        "created",
        "expires",
    ]
    list_filter = [RoomStatusFilter, HostOnlineFilter, "state"]
    search_fields = ["code"]
    # What the host reports is the host's: an operator may only point a room elsewhere.
    fields = [
        "code",
        "ws_url",
        "app_url",
        "state",
        "players",
        "max_players",
        "locked",
        "created_at",
        "updated_at",
        "last_seen_at",
        "expires_at",
        "closed_at",
    ]
    readonly_fields = [field for field in fields if field not in ("ws_url", "app_url")]
    actions = ["close_rooms"]

    @admin.display(description="players")
    def players_of_max(self, room: Room) -> str:
        return f"{room.players}/{room.max_players}" if room.max_players else str(room.players)

    @admin.display(description="WebSocket URL", ordering="ws_url")
    def short_ws_url(self, room: Room) -> str:
        return _shortened(room.ws_url)

    @admin.display(description="Mini App URL", ordering="app_url")
    def short_app_url(self, room: Room) -> str:
        return _shortened(room.app_url)

    @admin.display(description="last seen", ordering="last_seen_at")
    def last_seen(self, room: Room) -> str:
        return _short_time(room.last_seen_at)

    @admin.display(description="created", ordering="created_at")
    def created(self, room: Room) -> str:
        return _short_time(room.created_at)

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, room: Room) -> str:
        return _short_time(room.expires_at)

    @admin.display(description="host online", boolean=True)
    def host_online(self, room: Room) -> bool:
        return room.host_online()

    def save_model(self, request, obj, form, change) -> None:
        services.room_edited(room=obj)

    def has_add_permission(self, request) -> bool:
        # Rooms come from Host Apps, with a validated registration.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Operators close rooms (the action below): a close is a change every lookup sees,
        # while a deleted row would leave nothing for the lookups' change feed to find. Ended
        # rooms are purged on their own.
        return False

    @admin.display(description="status")
    def status(self, room: Room) -> str:
        return room.status().label

    @admin.action(description="Close selected rooms")
    def close_rooms(self, request, queryset: QuerySet[Room]) -> None:
        closed = services.rooms_close(rooms=queryset)
        self.message_user(request, f"Closed {closed} room(s).", messages.SUCCESS)
