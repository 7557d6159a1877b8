"""Ended rooms purged by the web processes themselves, where no cron runs `purge_rooms` (Render's
free plan has no Cron Jobs).

Each server worker runs one daemon thread (started by server/app.py), never a request's: every
ROOM_PURGE_SECONDS / CHECKS_PER_PERIOD seconds or so it asks to purge, and the one whose claim
wins (rooms.services.chore_claim) purges, at most once per ROOM_PURGE_SECONDS across every
worker and instance on the database. A service that sleeps purges nothing meanwhile; it does so
within minutes of waking.
"""

import logging
import random
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connections

from rooms import services

logger = logging.getLogger(__name__)

# How many times per period each worker asks: a claim that loses costs one UPDATE of one row.
CHECKS_PER_PERIOD = 12
THREAD_NAME = "room-purger"


def purger_start() -> threading.Thread | None:
    """The purging thread of this process, started; None when ROOM_PURGE_SECONDS is 0."""
    if settings.ROOM_PURGE_SECONDS == 0:
        return None
    thread = threading.Thread(target=_purge_forever, name=THREAD_NAME, daemon=True)
    thread.start()
    return thread


def _purge_forever() -> None:
    every = settings.ROOM_PURGE_SECONDS / CHECKS_PER_PERIOD
    while True:
        # Spread out, so that workers started together do not all ask at once.
        time.sleep(every * random.uniform(0.5, 1.5))  # noqa: S311 -- timing, not a secret
        purge_round()
        # This thread's connection: it would sit idle until the next turn.
        connections.close_all()


def purge_round() -> int | None:
    """One turn: purge if it is due and this process's claim wins. A database that fails is
    logged and tried again next turn."""
    try:
        return services.rooms_purge_if_due()
    except DatabaseError as error:
        what = next(iter(str(error).strip().splitlines()), "") or type(error).__name__
        logger.warning("room purge skipped, the database failed: %s", what)
        return None
