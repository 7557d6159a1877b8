"""Ended rooms purged by the web processes in turn: a claim on one row of the database that one
caller per period wins, whichever process, thread or instance it is in, and a purge that follows
the claim. The thread that runs it in each server worker is tested as a process, with two
instances on one database, in test_room_purge_periodic.py."""

import logging
import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError, connections
from django.db.models import F

from rooms import purger, services
from rooms.models import Chore, Room

HOUR = timedelta(hours=1)


@pytest.fixture
def _frozen_clock(time_machine):
    time_machine.move_to("2026-11-24 18:00:00Z", tick=False)


@pytest.mark.django_db
@pytest.mark.usefixtures("_frozen_clock")
class TestChoreClaim:
    def test_the_first_claim_wins_and_makes_the_row(self):
        assert services.chore_claim(name="purge_rooms", every=HOUR) is True

        assert Chore.objects.get(name="purge_rooms").claimed_at.isoformat() == (
            "2026-11-24T18:00:00+00:00"
        )

    def test_no_second_claim_wins_within_the_period(self, time_machine):
        services.chore_claim(name="purge_rooms", every=HOUR)

        time_machine.shift(HOUR - timedelta(seconds=1))

        assert services.chore_claim(name="purge_rooms", every=HOUR) is False

    def test_the_next_claim_wins_once_the_period_has_passed(self, time_machine):
        services.chore_claim(name="purge_rooms", every=HOUR)
        time_machine.shift(HOUR)

        assert services.chore_claim(name="purge_rooms", every=HOUR) is True
        assert services.chore_claim(name="purge_rooms", every=HOUR) is False

    def test_each_chore_is_claimed_on_its_own(self):
        services.chore_claim(name="purge_rooms", every=HOUR)

        assert services.chore_claim(name="another_chore", every=HOUR) is True


def claims_at_once(threads: int) -> list[bool]:
    """What each of `threads` threads, let go together, got from one claim."""
    start = threading.Barrier(threads)
    won = []

    def claim():
        start.wait()
        try:
            won.append(services.chore_claim(name="purge_rooms", every=HOUR))
        finally:
            connections.close_all()

    running = [threading.Thread(target=claim) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=30)
    return sorted(won)


@pytest.mark.django_db(transaction=True)
def test_of_many_threads_claiming_at_once_exactly_one_wins():
    # Committed rows and a connection per thread, as the server's workers have. First the row
    # is missing (all race to create it), then it is due (all race to move it on).
    assert claims_at_once(8) == [False] * 7 + [True]

    Chore.objects.filter(name="purge_rooms").update(claimed_at=F("claimed_at") - HOUR)

    assert claims_at_once(8) == [False] * 7 + [True]


@pytest.mark.django_db
@pytest.mark.usefixtures("_frozen_clock")
class TestPurgeRound:
    def test_it_purges_ended_rooms_when_its_claim_wins(self, api, register, settings):
        settings.ROOM_PURGE_SECONDS = 3600
        token = register({"room_code": "ABCD"}).json()["host_token"]
        register({"room_code": "EFGH"})
        api.delete("/api/host/rooms/ABCD", HTTP_X_ROOM_TOKEN=token)

        assert purger.purge_round() == 1

        assert list(Room.objects.values_list("code", flat=True)) == ["EFGH"]

    def test_it_leaves_them_when_another_process_purged_within_the_period(
        self, api, register, settings, time_machine
    ):
        settings.ROOM_PURGE_SECONDS = 3600
        purger.purge_round()
        token = register({"room_code": "ABCD"}).json()["host_token"]
        api.delete("/api/host/rooms/ABCD", HTTP_X_ROOM_TOKEN=token)
        time_machine.shift(3599)

        assert purger.purge_round() is None
        assert Room.objects.filter(code="ABCD").exists()

        time_machine.shift(1)
        assert purger.purge_round() == 1

    def test_a_database_that_fails_is_logged_and_tried_next_turn(
        self, settings, monkeypatch, caplog
    ):
        def fail():
            raise DatabaseError("connection refused\nDETAIL: more")

        monkeypatch.setattr(services, "rooms_purge_if_due", fail)

        with caplog.at_level(logging.WARNING, logger="rooms.purger"):
            assert purger.purge_round() is None

        assert caplog.messages == ["room purge skipped, the database failed: connection refused"]


def test_no_thread_is_started_when_purging_is_off(settings):
    settings.ROOM_PURGE_SECONDS = 0

    assert purger.purger_start() is None
