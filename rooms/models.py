"""The room store: one row per room code a Host App has registered."""

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone

from rooms.validators import URL_MAX_LENGTH, validate_app_url, validate_ws_url


class RoomQuerySet(models.QuerySet):
    def live(self, now: datetime | None = None) -> "RoomQuerySet":
        return self.filter(closed_at__isnull=True, expires_at__gt=now or timezone.now())

    def ended(self, now: datetime | None = None) -> "RoomQuerySet":
        return self.filter(Q(closed_at__isnull=False) | Q(expires_at__lte=now or timezone.now()))


class Room(models.Model):
    class Status(models.TextChoices):
        LIVE = "live"
        EXPIRED = "expired"
        CLOSED = "closed"

    code = models.CharField(max_length=12, unique=True, help_text="Stored upper-case.")
    ws_url = models.CharField(
        "WebSocket URL", max_length=URL_MAX_LENGTH, validators=[validate_ws_url]
    )
    app_url = models.CharField(
        "Mini App URL", max_length=URL_MAX_LENGTH, validators=[validate_app_url]
    )
    created_at = models.DateTimeField("created")
    updated_at = models.DateTimeField("last registered")
    expires_at = models.DateTimeField("expires", db_index=True)
    closed_at = models.DateTimeField("closed", null=True, blank=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.code

    def status(self, now: datetime | None = None) -> Status:
        if self.closed_at is not None:
            return self.Status.CLOSED
        if self.expires_at <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.Status.LIVE
