"""What the dashboard charts is kept by the server itself: a sample of the rooms at most every
five minutes across all processes (a claimed chore), and Telegram calls tallied per minute."""

import logging
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from monitoring import sampler, services
from monitoring.models import Sample, TelegramMinute

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_earlier_calls():
    """Bot API calls the tests before this one made are still in this process's tally."""
    services.telegram_tally_flush()
    TelegramMinute.objects.all().delete()


class TestSamples:
    def test_it_samples_at_most_once_per_five_minutes_whoever_asks(self, register, time_machine):
        time_machine.move_to("2026-11-24 20:00:00Z", tick=False)
        register({"room_code": "ABCD"})

        taken = [services.sample_take_if_due() for _ in range(3)]
        time_machine.shift(299)
        taken.append(services.sample_take_if_due())
        time_machine.shift(2)
        taken.append(services.sample_take_if_due())

        assert [sample is not None for sample in taken] == [True, False, False, False, True]
        assert list(Sample.objects.values_list("rooms_live", "hosts_online", "players")) == [
            (1, 1, 0),
            # Silent for five minutes, its host is offline.
            (1, 0, 0),
        ]

    def test_it_deletes_samples_and_tallies_older_than_two_days(self, time_machine):
        time_machine.move_to("2026-11-24 20:00:00Z", tick=False)
        services.sample_take()
        TelegramMinute.objects.create(minute=timezone.now(), calls=1)
        time_machine.shift(timedelta(hours=48, seconds=1))

        services.sample_take()

        assert Sample.objects.count() == 1
        assert TelegramMinute.objects.count() == 0

    def test_telegram_calls_are_tallied_per_minute_and_added_to(self, time_machine):
        time_machine.move_to("2026-11-24 20:00:10Z", tick=False)
        for ok in (True, True, False):
            services.telegram_call_record(method="getMe", ok=ok)
        services.telegram_tally_flush()
        services.telegram_call_record(method="sendMessage", ok=False)
        time_machine.shift(60)
        services.telegram_call_record(method="getMe", ok=True)
        services.telegram_tally_flush()

        assert [
            (row.minute.isoformat(), row.calls, row.errors) for row in TelegramMinute.objects.all()
        ] == [("2026-11-24T20:00:00+00:00", 4, 2), ("2026-11-24T20:01:00+00:00", 1, 0)]

    def test_a_failing_database_keeps_the_tally_for_the_next_turn(
        self, monkeypatch, caplog, time_machine
    ):
        time_machine.move_to("2026-11-24 20:00:10Z", tick=False)
        services.telegram_call_record(method="getMe", ok=False)

        def refused(**kwargs):
            raise OperationalError("connection refused\ndetails")

        with monkeypatch.context() as patch:
            patch.setattr(services, "_tally_add", refused)
            sampler.sample_round()
        sampler.sample_round()

        assert ("monitoring.sampler", logging.WARNING) in [
            (name, level) for name, level, _ in caplog.record_tuples
        ]
        assert "dashboard sample skipped, the database failed: connection refused" in caplog.text
        assert list(TelegramMinute.objects.values_list("calls", "errors")) == [(1, 1)]
