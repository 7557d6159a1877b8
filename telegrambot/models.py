"""What the bot keeps: the lobby cards it posted in groups, to edit as their rooms change."""

from django.db import models

from rooms.models import Room


class LobbyCard(models.Model):
    """The bot's reply to `/join CODE` in a group: it shows the room's status, and is edited
    whenever that changes, until the room ends (or Telegram refuses the edit)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="lobby_cards")
    chat_id = models.BigIntegerField()
    message_id = models.BigIntegerField()
    language = models.CharField(max_length=8)
    # A digest of what the message shows now; an edit is claimed by changing it.
    shown = models.CharField(max_length=64)
    edited_at = models.DateTimeField("posted or last edited")
    # Not before this: Telegram asked the bot to slow down, or an edit failed.
    retry_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    # It shows the end of the game, or Telegram refused to edit it: never edited again.
    done = models.BooleanField(default=False, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chat_id", "message_id"], name="one_card_a_message")
        ]

    def __str__(self) -> str:
        return f"{self.room} in chat {self.chat_id}"
