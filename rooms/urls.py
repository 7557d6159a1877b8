from django.urls import path

from rooms import views

urlpatterns = [
    # REGISTER is a valid room code too: this path registers rooms (POST), and its host changes
    # and closes the room coded REGISTER here (PATCH, DELETE).
    path(
        "api/host/rooms/register",
        views.RoomRegisterApi.as_view(),
        {"code": "REGISTER"},
        name="room-register",
    ),
    path("api/host/rooms", views.RoomCreateApi.as_view(), name="room-create"),
    path("api/host/rooms/<str:code>", views.RoomOwnerApi.as_view(), name="room-owner"),
    path(
        "api/host/rooms/<str:code>/heartbeat",
        views.RoomHeartbeatApi.as_view(),
        name="room-heartbeat",
    ),
    path("api/rooms/<str:code>", views.RoomDetailApi.as_view(), name="room-detail"),
    path("api/rooms/<str:code>/qr.svg", views.RoomQrApi.as_view(), name="room-qr"),
    path("join/", views.room_join_entry, name="room-join-entry"),
    path("join/<str:code>", views.room_join, name="room-join"),
]
