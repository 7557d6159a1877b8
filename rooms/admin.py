"""The operator's view of rooms: what is live, what expired, and a way to close rooms."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils import timezone

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


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "ws_url",
        "app_url",
        "created_at",
        "updated_at",
        "expires_at",
        "status",
    ]
    list_filter = [RoomStatusFilter]
    search_fields = ["code"]
    readonly_fields = ["code", "created_at", "updated_at", "expires_at", "closed_at"]
    actions = ["close_rooms"]

    def has_add_permission(self, request) -> bool:
        # Rooms come from Host Apps, with a validated registration.
        return False

    @admin.display(description="status")
    def status(self, room: Room) -> str:
        return room.status().label

    @admin.action(description="Close selected rooms")
    def close_rooms(self, request, queryset: QuerySet[Room]) -> None:
        closed = services.rooms_close(rooms=queryset)
        self.message_user(request, f"Closed {closed} room(s).", messages.SUCCESS)
