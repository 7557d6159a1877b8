"""The hub's log lines: a filter that keeps its secrets out of every one, the request each
belongs to, and their two formats (LOG_FORMAT: plain text, or one JSON object per line).

Libraries log URLs (httpx logs each Bot API request at INFO, and Bot API URLs carry the bot
token), a client can put a secret in the path of its request, and an exception's text can quote
a URL too. The filter sits on every handler (Django's console, and granian's lines and access
lines, server/serve.py), so whatever reaches the log is redacted, whoever wrote it. A secret an
app derives from a setting (the bot's webhook token, say) is registered with `redact_also` when
the app starts; a secret the hub hands out and never stores (a room token) by its shape, with
`redact_shape`.

The request a line belongs to is in a context variable, set by the outermost WSGI wrapper
(monitoring/wsgi.py) before anything else runs: its id (a sane X-Request-ID from the client,
or a new one), the client's address, and the route once known. `RequestFields`, a filter listed
before the redaction on every handler, puts them on each record; the JSON formatter writes them.
"""

import functools
import logging
import random
import re
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from pythonjsonlogger.json import JsonFormatter

REDACTED = "[redacted]"
# The one timestamped line of the plain format, for the hub's lines and the access log alike.
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# granian's access line without its own timestamp (the plain format puts one in front).
ACCESS_FORMAT = '%(addr)s - "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).3f'
ACCESS_LOGGER = "granian.access"
REQUEST_ID_HEADER = "X-Request-ID"
# An incoming request id is taken as it is only when it looks like one: no spaces, quotes or
# control characters a log reader would trip on, and not too long.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# SECRET_KEY_AS_SET: the key as the environment spelled it, when Django's is its hex.
SECRET_SETTINGS = (
    "BOT_TOKEN",
    "HOST_SECRET",
    "METRICS_TOKEN",
    "SECRET_KEY",
    "SECRET_KEY_AS_SET",
    "TELEGRAM_WEBHOOK_SECRET",
)
_derived: list[Callable[[], str]] = []
_shapes: list[re.Pattern] = []


def redact_also(derive: Callable[[], str]) -> None:
    """Redact from every log line what `derive()` returns: a secret derived from settings,
    derived again whenever a setting changes."""
    if derive not in _derived:
        _derived.append(derive)
        _secrets_pattern.cache_clear()


def redact_shape(pattern: re.Pattern) -> None:
    """Redact from every log line whatever `pattern` matches: a secret known only by its shape."""
    if pattern not in _shapes:
        _shapes.append(pattern)
        _secrets_pattern.cache_clear()


@functools.cache
def _secrets_pattern() -> re.Pattern | None:
    """One pattern for every secret the hub knows of, longest first (a secret that contains
    another is redacted whole); None when there is none. Every access line passes through it:
    built once, again whenever a setting changes."""
    values = [getattr(settings, name, "") for name in SECRET_SETTINGS]
    secrets = sorted({s for s in (*values, *(derive() for derive in _derived)) if s}, key=len)
    parts = [*(re.escape(secret) for secret in reversed(secrets)), *(p.pattern for p in _shapes)]
    return re.compile("|".join(parts)) if parts else None


setting_changed.connect(lambda **kwargs: _secrets_pattern.cache_clear(), weak=False)


def redact(text: str) -> str:
    """`text` with every secret the hub knows of replaced by REDACTED."""
    pattern = _secrets_pattern()
    return pattern.sub(REDACTED, text) if pattern is not None else text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg, record.args = redact(record.getMessage()), ()
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if isinstance(value, str):
                setattr(record, field, redact(value))
        return True


@dataclass
class RequestContext:
    request_id: str
    client: str
    # The URL pattern that matched ("api/rooms/<str:code>"), once one has.
    route: str | None = None


_request: ContextVar[RequestContext | None] = ContextVar("spirtuoz_request", default=None)
# What RequestFields puts on each record.
REQUEST_FIELDS = ("request_id", "route", "client")


def request_id_from(given: str | None) -> str:
    """The request's id: the client's (or its proxy's) when it is sane, else a new one."""
    if given and REQUEST_ID_RE.fullmatch(given):
        return given
    # 128 random bits, as a uuid4 has, without its system call per request: an id to find a
    # request's lines by, not a secret (the random module reseeds in a forked worker).
    return f"{random.getrandbits(128):032x}"


def request_context_begin(*, request_id: str, client: str) -> RequestContext:
    """The context of the request this thread now serves, for every line it logs. It is left
    set when the request ends: the server writes the request's access line after that."""
    context = RequestContext(request_id=request_id, client=client)
    _request.set(context)
    return context


def request_context() -> RequestContext | None:
    return _request.get()


def request_route_set(route: str | None) -> None:
    context = _request.get()
    if context is not None:
        context.route = route


class RequestFields(logging.Filter):
    """Puts the request a line belongs to on its record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _request.get()
        for field in REQUEST_FIELDS:
            if not hasattr(record, field):
                setattr(record, field, getattr(context, field, None))
        return True


class _TimeOncePerSecond:
    """logging.Formatter's timestamp, its date and time made once per second of the lines it
    stamps: every access line has one, and strftime cost as much as the rest of the line."""

    _stamped: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt:
            return super().formatTime(record, datefmt)
        second, text = self._stamped
        if int(record.created) != second:
            text = time.strftime(self.default_time_format, self.converter(record.created))
            self._stamped = (int(record.created), text)
        return self.default_msec_format % (text, record.msecs)


class PlainLines(_TimeOncePerSecond, logging.Formatter):
    """LOG_FORMAT=plain: PLAIN_FORMAT's lines."""

    def __init__(self, fmt: str = PLAIN_FORMAT, **kwargs):
        super().__init__(fmt, **kwargs)


class JsonLines(_TimeOncePerSecond, JsonFormatter):
    """LOG_FORMAT=json: time, level, logger, message, request id, route, status, duration (ms)
    and client of each line; an access line's status and duration are fields of its record
    (server/accesslog.py)."""

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        log_data.update(
            {
                "time": self.formatTime(record),
                "level": record.levelname,
                "logger": record.name,
                "message": record.message,
                "request_id": getattr(record, "request_id", None),
                "route": getattr(record, "route", None),
                "status": getattr(record, "status", None),
                "duration": getattr(record, "duration", None),
                "client": getattr(record, "client", None),
            }
        )
        if record.exc_text:
            log_data["exc_info"] = record.exc_text
