from django.urls import path

from rooms import views

urlpatterns = [
    path("api/host/rooms/register", views.RoomRegisterApi.as_view(), name="room-register"),
    path("api/host/rooms/<str:code>", views.RoomCloseApi.as_view(), name="room-close"),
    path("api/rooms/<str:code>", views.RoomDetailApi.as_view(), name="room-detail"),
    path("join/<str:code>", views.room_join, name="room-join"),
]
