"""Rooms owned by their host (a token salt), with liveness, status and a version.

Rooms that exist already get their last sign of life from their last registration, and a salt
of their own: their hosts never received a token, so they cannot change them, and register
anew once they expire.
"""

import secrets

from django.db import migrations, models
from django.db.models import F


def give_existing_rooms_a_salt_and_a_last_sign_of_life(apps, schema_editor):
    Room = apps.get_model("rooms", "Room")
    Room.objects.update(last_seen_at=F("updated_at"))
    for room in Room.objects.only("pk"):
        Room.objects.filter(pk=room.pk).update(token_salt=secrets.token_hex(16))


class Migration(migrations.Migration):
    dependencies = [("rooms", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="room",
            name="last_seen_at",
            field=models.DateTimeField(
                null=True, help_text="The host's last sign of life.", verbose_name="last seen"
            ),
        ),
        migrations.AddField(
            model_name="room",
            name="token_salt",
            field=models.CharField(default="", editable=False, max_length=32),
            preserve_default=False,
        ),
        migrations.RunPython(
            give_existing_rooms_a_salt_and_a_last_sign_of_life, migrations.RunPython.noop
        ),
        migrations.AlterField(
            model_name="room",
            name="last_seen_at",
            field=models.DateTimeField(
                help_text="The host's last sign of life.", verbose_name="last seen"
            ),
        ),
        migrations.AddField(
            model_name="room",
            name="state",
            field=models.CharField(
                choices=[("lobby", "Lobby"), ("playing", "Playing")], default="lobby", max_length=8
            ),
        ),
        migrations.AddField(
            model_name="room",
            name="players",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="room",
            name="max_players",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="room",
            name="locked",
            field=models.BooleanField(
                default=False, help_text="The host accepts no new players."
            ),
        ),
        migrations.AddField(
            model_name="room",
            name="version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
    ]
