"""GET /api/rooms/<code> for a live room, answered in front of Django's request stack.

Every player's phone looks up its room, often all at once when a party starts: it is the hub's
busiest request. `RoomLookup` wraps the WSGI application and answers that one case itself: one
indexed SELECT on the thread's persistent connection (rooms.selectors.room_get_live_public), the
JSON rendered as DRF renders it, and the headers the middleware would add (security headers,
CORS, HSTS over https, Allow). tests/rooms/test_room_lookup_fast.py checks both paths answer the
same bytes and headers.

Everything else goes to Django unchanged, which then decides as before: a room not found (404,
counted against the client's miss limit), a client past that limit (429), init data that is
missing when required or fails its check (401), plain http when the hub redirects to https
(301), a host outside ALLOWED_HOSTS (400), other methods, paths and code shapes. Nothing is
cached: the row is read on every request, so a re-registration or a close shows on the very
next one, on every worker and instance.
"""

import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http.request import split_domain_port, validate_host
from rest_framework.renderers import JSONRenderer

from core.initdata import InvalidInitData, init_data_verify
from rooms.limits import ROOM_LOOKUP_MISS
from rooms.selectors import room_get_live_public

PATH = re.compile(r"/api/rooms/([A-Za-z0-9]{4,12})")
# Host headers seen and whether ALLOWED_HOSTS allows them; a client can send any, so few kept.
KNOWN_HOSTS_SIZE = 64


@dataclass(frozen=True)
class _Config:
    """What the answer depends on in settings, read once (and again when a test changes them)."""

    headers: tuple[tuple[str, str], ...]
    hsts: str
    ssl_redirect: bool
    proxy_ssl_header: tuple[str, str] | None
    allowed_hosts: tuple[str, ...]
    cors_any_origin: bool
    cors_origins: frozenset[tuple[str, str]]
    require_init_data: bool
    bot_token: str
    init_data_max_age: int
    # False: a setting this path does not reproduce is in use, so Django answers everything.
    usable: bool

    @classmethod
    def from_settings(cls) -> "_Config":
        headers = [("Content-Type", "application/json"), ("Vary", "origin")]
        headers.append(("Allow", "GET, HEAD, OPTIONS"))
        if settings.X_FRAME_OPTIONS:
            headers.append(("X-Frame-Options", settings.X_FRAME_OPTIONS.upper()))
        if settings.SECURE_CONTENT_TYPE_NOSNIFF:
            headers.append(("X-Content-Type-Options", "nosniff"))
        referrer_policy = settings.SECURE_REFERRER_POLICY
        if referrer_policy:
            if not isinstance(referrer_policy, str):
                referrer_policy = ",".join(referrer_policy)
            headers.append(("Referrer-Policy", referrer_policy))
        if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
            headers.append(
                ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY)
            )
        hsts = ""
        if settings.SECURE_HSTS_SECONDS:
            hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
            hsts += "; includeSubDomains" if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS else ""
            hsts += "; preload" if settings.SECURE_HSTS_PRELOAD else ""
        from corsheaders.conf import conf as cors

        return cls(
            headers=tuple(headers),
            hsts=hsts,
            ssl_redirect=settings.SECURE_SSL_REDIRECT,
            proxy_ssl_header=settings.SECURE_PROXY_SSL_HEADER,
            allowed_hosts=tuple(settings.ALLOWED_HOSTS),
            cors_any_origin=cors.CORS_ALLOW_ALL_ORIGINS,
            cors_origins=frozenset(
                (parts.scheme, parts.netloc) for parts in map(urlsplit, cors.CORS_ALLOWED_ORIGINS)
            ),
            require_init_data=settings.REQUIRE_TELEGRAM_INIT_DATA,
            bot_token=settings.BOT_TOKEN,
            init_data_max_age=settings.TELEGRAM_INIT_DATA_MAX_AGE,
            usable=(
                not settings.USE_X_FORWARDED_HOST
                and not cors.CORS_ALLOW_CREDENTIALS
                and not cors.CORS_ALLOWED_ORIGIN_REGEXES
                and not cors.CORS_EXPOSE_HEADERS
                and not cors.CORS_ALLOW_PRIVATE_NETWORK
                and "null" not in cors.CORS_ALLOWED_ORIGINS
                and re.match(cors.CORS_URLS_REGEX, "/api/rooms/ABCD") is not None
            ),
        )


class RoomLookup:
    """WSGI middleware: answers a found room's lookup itself, hands every other request on."""

    def __init__(self, application):
        self.application = application
        self.known_hosts: dict[str, bool] = {}
        self.renderer = JSONRenderer()
        setting_changed.connect(self._settings_changed, weak=False)

    @cached_property
    def config(self) -> _Config:
        return _Config.from_settings()

    def _settings_changed(self, **kwargs) -> None:
        self.__dict__.pop("config", None)
        self.known_hosts.clear()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "GET":
            found = PATH.fullmatch(environ.get("PATH_INFO", ""))
            if found is not None:
                answer = self.answer(environ, found.group(1))
                if answer is not None:
                    start_response("200 OK", answer[0])
                    return [answer[1]]
        return self.application(environ, start_response)

    def answer(self, environ, code: str) -> tuple[list[tuple[str, str]], bytes] | None:
        """The headers and body of the room's JSON, or None to let Django answer."""
        config = self.config
        if not config.usable or not self.host_allowed(environ):
            return None
        secure = self.is_secure(environ)
        if config.ssl_redirect and not secure:
            return None
        if not self.init_data_acceptable(environ):
            return None
        room = self.live_room(environ, code)
        if room is None:
            return None
        body = self.renderer.render(room)
        headers = [*config.headers, ("Content-Length", str(len(body)))]
        if secure and config.hsts:
            headers.append(("Strict-Transport-Security", config.hsts))
        origin = environ.get("HTTP_ORIGIN")
        if origin:
            allowed = self.allowed_origin(origin)
            if allowed:
                headers.append(("access-control-allow-origin", allowed))
        return headers, body

    def live_room(self, environ, code: str) -> dict | None:
        """The room, or None when it is not found, the client must wait, or the database
        failed: Django then answers (404 and the count, 429, or 503) as it always does."""
        self.refresh_connection()
        try:
            # The limit's count may live in the database too (the default cache), whose
            # outage the limiter passes on: Django then answers the 503.
            if ROOM_LOOKUP_MISS.wait(environ):
                return None
            return room_get_live_public(code=code)
        except DatabaseError:
            return None

    @staticmethod
    def refresh_connection() -> None:
        """What Django does for every connection when a request starts and ends, for the one
        connection used here: close it past CONN_MAX_AGE or after an error, or when it was left
        outside autocommit. Without PostgreSQL's health-check query (SELECT 1) per request: a
        connection that died fails the lookup's own query, Django then answers in its place,
        and its request handling replaces the connection as usual."""
        connection = connections[DEFAULT_DB_ALIAS]
        connection.close_if_unusable_or_obsolete()
        connection.health_check_done = True

    def host_allowed(self, environ) -> bool:
        host = environ.get("HTTP_HOST")
        if not host:
            return False
        allowed = self.known_hosts.get(host)
        if allowed is None:
            domain, _port = split_domain_port(host)
            allowed = bool(domain) and validate_host(domain, self.config.allowed_hosts)
            if len(self.known_hosts) < KNOWN_HOSTS_SIZE:
                self.known_hosts[host] = allowed
        return allowed

    def is_secure(self, environ) -> bool:
        """As HttpRequest.is_secure: the proxy's header when configured and sent, else the
        server's own scheme."""
        if self.config.proxy_ssl_header:
            header, secure_value = self.config.proxy_ssl_header
            value = environ.get(header)
            if value is not None:
                return value.split(",", 1)[0].strip() == secure_value
        return environ.get("wsgi.url_scheme") == "https"

    def init_data_acceptable(self, environ) -> bool:
        """As TelegramInitData and MiniAppLaunch let the request in: no init data (unless it
        is required), or init data that passes its check."""
        config = self.config
        scheme, _, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "tma":
            return not config.require_init_data
        try:
            init_data_verify(
                value.strip(), bot_token=config.bot_token, max_age=config.init_data_max_age
            )
        except InvalidInitData:
            return False
        return True

    def allowed_origin(self, origin: str) -> str | None:
        """The access-control-allow-origin corsheaders would send for `origin`, or None."""
        if self.config.cors_any_origin:
            return "*"
        try:
            parts = urlsplit(origin)
        except ValueError:
            return None
        return origin if (parts.scheme, parts.netloc) in self.config.cors_origins else None
