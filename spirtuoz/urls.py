from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.views import healthz

urlpatterns = [
    path("", include("rooms.urls")),
    path("", include("avatars.urls")),
    path("", include("telegrambot.urls")),
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
]

# Django's own error pages, as JSON in the API's one error shape.
handler400 = "core.api.bad_request"
handler403 = "core.api.permission_denied"
handler404 = "core.api.not_found"
handler500 = "core.api.server_error"
