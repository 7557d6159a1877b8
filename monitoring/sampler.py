"""The dashboard's data, kept by the web processes themselves: each server worker runs one
daemon thread (started by server/app.py) that every CHECK_SECONDS or so writes the Telegram
calls it tallied and asks to sample the rooms; the one whose claim wins samples, at most once
per SAMPLE_SECONDS across every worker and instance (rooms.services.chore_claim, as the purger
claims its turns)."""

import logging
import random
import threading
import time

from django.db import DatabaseError, connections

from monitoring import services

logger = logging.getLogger(__name__)

CHECK_SECONDS = 60
THREAD_NAME = "dashboard-sampler"


def sampler_start() -> threading.Thread:
    thread = threading.Thread(target=_sample_forever, name=THREAD_NAME, daemon=True)
    thread.start()
    return thread


def _sample_forever() -> None:
    while True:
        # Spread out, so that workers started together do not all ask at once.
        time.sleep(CHECK_SECONDS * random.uniform(0.5, 1.5))  # noqa: S311 -- timing only
        sample_round()
        # This thread's connection: it would sit idle until the next turn.
        connections.close_all()


def sample_round() -> None:
    """One turn: this process's Telegram tally written, and a sample if due. A database that
    fails is logged and tried again next turn."""
    try:
        services.telegram_tally_flush()
        services.sample_take_if_due()
    except DatabaseError as error:
        what = next(iter(str(error).strip().splitlines()), "") or type(error).__name__
        logger.warning("dashboard sample skipped, the database failed: %s", what)
