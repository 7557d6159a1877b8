"""Reads for the dashboard: the night so far, from the rooms, the samples and the tallies."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from monitoring.models import Sample, TelegramMinute
from rooms.selectors import RoomsNow, rooms_now

CHART_HOURS = 24


@dataclass(frozen=True)
class Dashboard:
    rooms: RoomsNow
    telegram_calls: int
    telegram_errors: int
    # The last CHART_HOURS of samples: {"times": [unix seconds], "rooms": [..], "players": [..]}
    chart: dict


def dashboard_get() -> Dashboard:
    now = timezone.now()
    hour = TelegramMinute.objects.filter(minute__gte=now - timedelta(hours=1)).aggregate(
        calls=Sum("calls"), errors=Sum("errors")
    )
    samples = Sample.objects.filter(taken_at__gte=now - timedelta(hours=CHART_HOURS))
    rows = list(samples.values_list("taken_at", "rooms_live", "players"))
    return Dashboard(
        rooms=rooms_now(),
        telegram_calls=hour["calls"] or 0,
        telegram_errors=hour["errors"] or 0,
        chart={
            "times": [int(taken_at.timestamp()) for taken_at, _, _ in rows],
            "rooms": [rooms for _, rooms, _ in rows],
            "players": [players for _, _, players in rows],
        },
    )
