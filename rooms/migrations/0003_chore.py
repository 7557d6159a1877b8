"""The row the web processes claim to purge ended rooms in turn (rooms/purger.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rooms", "0002_room_owner_and_status"),
    ]

    operations = [
        migrations.CreateModel(
            name="Chore",
            fields=[
                ("name", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("claimed_at", models.DateTimeField(verbose_name="last claimed")),
            ],
        ),
    ]
