"""What the hub counts, each in one function its one place calls."""

from monitoring.metrics import RATE_LIMIT_HITS, REQUESTS, ROOM_LOOKUP_SECONDS, TELEGRAM_CALLS


def request_record(*, route: str, status: int, seconds: float, lookup: bool) -> None:
    """One answered request (monitoring/wsgi.py); `lookup`: a room lookup, timed."""
    REQUESTS.labels(route=route, status=str(status)).inc()
    if lookup:
        ROOM_LOOKUP_SECONDS.observe(seconds)


def telegram_call_record(*, method: str, ok: bool) -> None:
    """One Bot API call, by the web side (core/telegram.py) or the bot (telegrambot/bot.py)."""
    TELEGRAM_CALLS.labels(method=method, outcome="ok" if ok else "error").inc()


def rate_limit_hit_record(*, limit: str) -> None:
    """One request refused by a limit (core/ratelimit.py)."""
    RATE_LIMIT_HITS.labels(limit=limit).inc()
