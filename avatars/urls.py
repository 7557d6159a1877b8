from django.urls import path

from avatars import views

urlpatterns = [
    path("api/users/<str:user_id>/avatar", views.AvatarApi.as_view(), name="avatar"),
    path(
        "api/users/<str:user_id>/avatar.jpg",
        views.AvatarImageApi.as_view(),
        name="avatar-image",
    ),
]
