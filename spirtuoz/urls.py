from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("rooms.urls")),
    path("", include("avatars.urls")),
    path("", include("telegrambot.urls")),
    path("", include("core.urls")),
    path("", include("monitoring.urls")),
    path("admin/", admin.site.urls),
]

# Django's own error pages, as JSON in the API's one error shape.
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.not_found"
handler500 = "core.errors.server_error"
