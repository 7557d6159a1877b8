"""The room store: one row per room code a Host App has registered, owned by the Host App that
created it (its room token), with its liveness and the status its host reports."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from rooms.validators import URL_MAX_LENGTH, validate_app_url, validate_ws_url


def online_since(now: datetime) -> datetime:
    """A host whose last sign of life is no earlier than this is online: one silent for longer
    than HOST_HEARTBEAT_TIMEOUT is not."""
    return now - timedelta(seconds=settings.HOST_HEARTBEAT_TIMEOUT)


def online_until(last_seen_at: datetime) -> datetime:
    """The last moment a host seen last at `last_seen_at` shows online."""
    return last_seen_at + timedelta(seconds=settings.HOST_HEARTBEAT_TIMEOUT)


class RoomQuerySet(models.QuerySet):
    def live(self, now: datetime | None = None) -> "RoomQuerySet":
        return self.filter(closed_at__isnull=True, expires_at__gt=now or timezone.now())

    def ended(self, now: datetime | None = None) -> "RoomQuerySet":
        return self.filter(Q(closed_at__isnull=False) | Q(expires_at__lte=now or timezone.now()))

    def host_online(self, now: datetime | None = None) -> "RoomQuerySet":
        return self.filter(last_seen_at__gte=online_since(now or timezone.now()))


class Room(models.Model):
    class Status(models.TextChoices):
        LIVE = "live"
        EXPIRED = "expired"
        CLOSED = "closed"

    class State(models.TextChoices):
        LOBBY = "lobby"
        PLAYING = "playing"

    code = models.CharField(max_length=12, unique=True, help_text="Stored upper-case.")
    ws_url = models.CharField(
        "WebSocket URL", max_length=URL_MAX_LENGTH, validators=[validate_ws_url]
    )
    app_url = models.CharField(
        "Mini App URL", max_length=URL_MAX_LENGTH, validators=[validate_app_url]
    )
    created_at = models.DateTimeField("created")
    updated_at = models.DateTimeField("last registered")
    last_seen_at = models.DateTimeField("last seen", help_text="The host's last sign of life.")
    expires_at = models.DateTimeField("expires", db_index=True)
    closed_at = models.DateTimeField("closed", null=True, blank=True)
    # The room token is derived from SECRET_KEY and this (rooms/tokens.py), never stored.
    token_salt = models.CharField(max_length=32, editable=False)
    state = models.CharField(max_length=8, choices=State.choices, default=State.LOBBY)
    players = models.PositiveIntegerField(default=0)
    max_players = models.PositiveIntegerField(null=True, blank=True)
    locked = models.BooleanField(default=False, help_text="The host accepts no new players.")
    # One more on every change to the room: what the lookup and the group cards compare.
    version = models.PositiveBigIntegerField(default=0, editable=False)
    # When the version last moved on: what the lookups' change feed reads (rooms/lookup.py).
    changed_at = models.DateTimeField(
        "changed", default=timezone.now, db_index=True, editable=False
    )

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

    def host_online(self, now: datetime | None = None) -> bool:
        return self.last_seen_at >= online_since(now or timezone.now())

    @property
    def full(self) -> bool:
        return self.max_players is not None and self.players >= self.max_players


class PlayerVisit(models.Model):
    """The room a Telegram user last asked the bot for, or opened in the Mini App with init
    data: where the bot offers to take them back after a drop."""

    user_id = models.BigIntegerField("Telegram user id", unique=True)
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="visits")
    seen_at = models.DateTimeField("seen")

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room}"


class Chore(models.Model):
    """A job the hub's web processes take turns at, one row each: whoever moves `claimed_at` on
    does the job, and nobody else until its period has passed (rooms.services.chore_claim)."""

    name = models.CharField(max_length=40, primary_key=True)
    claimed_at = models.DateTimeField("last claimed")

    def __str__(self) -> str:
        return self.name
