from django.core.management.base import BaseCommand

from rooms import services


class Command(BaseCommand):
    help = "Delete expired and closed rooms. Safe to run from cron at any time."

    def handle(self, *args, **options) -> None:
        deleted = services.rooms_purge()
        self.stdout.write(f"Deleted {deleted} expired or closed room(s).")
