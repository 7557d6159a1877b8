"""What the hub counts, each in one function its one place calls, and what the dashboard keeps:
rooms sampled every SAMPLE_SECONDS, Telegram calls tallied per minute."""

import functools
import threading
from collections import Counter
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from monitoring.metrics import RATE_LIMIT_HITS, REQUESTS, ROOM_LOOKUP_SECONDS, TELEGRAM_CALLS
from monitoring.models import Sample, TelegramMinute
from rooms.selectors import rooms_now
from rooms.services import chore_claim

# At most one sample per this many seconds across every worker and instance (a claimed chore).
SAMPLE_SECONDS = 300
SAMPLE_CHORE = "monitoring_sample"
# Samples and tallies older than this are deleted when a sample is taken.
KEEP = timedelta(hours=48)

# Telegram calls not yet written: (minute, failed) -> how many. Written by
# telegram_tally_flush, every minute or so, so that no Bot API call waits on the database.
_unwritten: Counter[tuple[datetime, bool]] = Counter()
_unwritten_lock = threading.Lock()


def request_record(*, route: str, status: int, seconds: float, lookup: bool) -> None:
    """One answered request (monitoring/wsgi.py); `lookup`: a room lookup, timed."""
    _requests(route, status).inc()
    if lookup:
        ROOM_LOOKUP_SECONDS.observe(seconds)


@functools.lru_cache(maxsize=1024)
def _requests(route: str, status: int):
    """The counter of one route and status, as prometheus-client advises keeping a labelled
    child: labels() takes a lock and builds its key on every call. Routes are the URL
    patterns' (and UNMATCHED), so there are few."""
    return REQUESTS.labels(route=route, status=str(status))


def telegram_call_record(*, method: str, ok: bool) -> None:
    """One Bot API call, by the web side (core/telegram.py) or the bot (telegrambot/bot.py)."""
    TELEGRAM_CALLS.labels(method=method, outcome="ok" if ok else "error").inc()
    minute = timezone.now().replace(second=0, microsecond=0)
    with _unwritten_lock:
        _unwritten[(minute, not ok)] += 1


def rate_limit_hit_record(*, limit: str) -> None:
    """One request refused by a limit (core/ratelimit.py)."""
    RATE_LIMIT_HITS.labels(limit=limit).inc()


def telegram_tally_flush() -> None:
    """Add this process's unwritten Telegram calls to their minutes' rows. A database that
    fails keeps them for the next flush (and raises its error)."""
    global _unwritten
    with _unwritten_lock:
        taken, _unwritten = _unwritten, Counter()
    per_minute: dict[datetime, tuple[int, int]] = {}
    for (minute, failed), count in taken.items():
        calls, errors = per_minute.get(minute, (0, 0))
        per_minute[minute] = (calls + count, errors + (count if failed else 0))
    try:
        for minute, (calls, errors) in sorted(per_minute.items()):
            _tally_add(minute=minute, calls=calls, errors=errors)
            del per_minute[minute]
    finally:
        with _unwritten_lock:
            for minute, (calls, errors) in per_minute.items():
                _unwritten[(minute, True)] += errors
                _unwritten[(minute, False)] += calls - errors


def _tally_add(*, minute: datetime, calls: int, errors: int) -> None:
    added = {"calls": F("calls") + calls, "errors": F("errors") + errors}
    if TelegramMinute.objects.filter(minute=minute).update(**added):
        return
    try:
        with transaction.atomic():
            TelegramMinute.objects.create(minute=minute, calls=calls, errors=errors)
    except IntegrityError:
        # Another process wrote the minute's first row meanwhile.
        TelegramMinute.objects.filter(minute=minute).update(**added)


def sample_take() -> Sample:
    """Sample the rooms now, and delete what is older than KEEP."""
    now = timezone.now()
    rooms = rooms_now()
    sample = Sample.objects.create(
        taken_at=now,
        rooms_live=rooms.live,
        hosts_online=rooms.hosts_online,
        players=rooms.players,
    )
    Sample.objects.filter(taken_at__lt=now - KEEP).delete()
    TelegramMinute.objects.filter(minute__lt=now - KEEP).delete()
    return sample


def sample_take_if_due() -> Sample | None:
    """A sample, unless one was taken (by any process) within SAMPLE_SECONDS."""
    if not chore_claim(name=SAMPLE_CHORE, every=timedelta(seconds=SAMPLE_SECONDS)):
        return None
    return sample_take()
