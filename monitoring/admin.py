"""The hub's admin site: titled for the hub, "View site" leading to the API docs, and its index
showing how the night is going (staff only, as every admin page)."""

from django.contrib import admin
from django.urls import reverse_lazy

from monitoring.models import Sample, TelegramMinute
from monitoring.selectors import dashboard_get


class HubAdminSite(admin.AdminSite):
    site_header = site_title = "Spirtuoz hub"
    index_title = "Tonight"
    # The hub has no home page of its own; its API docs are what a visitor can use.
    site_url = reverse_lazy("docs")
    index_template = "monitoring/admin_index.html"
    # Its width is the room list's: with it, that list no longer fits 1,280 px.
    enable_nav_sidebar = False

    def index(self, request, extra_context=None):
        return super().index(request, {"dashboard": dashboard_get(), **(extra_context or {})})


@admin.register(Sample)
class SampleAdmin(admin.ModelAdmin):
    list_display = ["taken_at", "rooms_live", "hosts_online", "players"]
    date_hierarchy = "taken_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TelegramMinute)
class TelegramMinuteAdmin(admin.ModelAdmin):
    list_display = ["minute", "calls", "errors"]
    date_hierarchy = "minute"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
