"""What the dashboard charts: the rooms sampled every few minutes, and Telegram calls tallied
per minute."""

from django.db import models


class Sample(models.Model):
    """Rooms live, hosts online and players at one moment (monitoring.services.sample_take)."""

    taken_at = models.DateTimeField("taken", unique=True)
    rooms_live = models.PositiveIntegerField()
    hosts_online = models.PositiveIntegerField()
    players = models.PositiveIntegerField()

    class Meta:
        ordering = ["taken_at"]

    def __str__(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M}: {self.rooms_live} room(s)"


class TelegramMinute(models.Model):
    """Bot API calls made in one minute by every process that wrote its tally, and how many of
    them failed."""

    minute = models.DateTimeField(unique=True, help_text="The minute's start.")
    calls = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["minute"]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M}: {self.calls} call(s), {self.errors} error(s)"
