"""A fake Telegram Bot API server on 127.0.0.1 for the tests.

It speaks the Bot API over real HTTP (`/bot<token>/<method>` and `/file/bot<token>/<path>`),
so the hub's own client and python-telegram-bot talk to it exactly as they talk to Telegram
once FILE_API_URL points here. It counts every call and can be told to fail, to answer
slowly, or to hang. Methods live in `FakeTelegram.methods`; add one by adding a function.

For the bot it keeps a queue of updates that getUpdates long-polls (`add_message` queues what a
player types), records what the bot sends, and lets a test wait for a call instead of sleeping
(`wait_for_call`, `wait_for_reply`).
"""

import email.parser
import email.policy
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

# Not shaped like a real token (whose secret part is 35 characters), so no scanner mistakes it.
TOKEN = "123456789:fake-token-for-tests"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Spirtuoz",
    "username": "spirtuoz_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

# What downloads are called in counts and faults: they are not Bot API methods.
FILE = "file"

# Parameters that clients send JSON-encoded inside a form; they are recorded decoded.
JSON_PARAMS = {
    "allowed_updates", "commands", "entities", "link_preview_options", "menu_button",
    "reply_markup", "reply_parameters", "results", "scope",
}  # fmt: skip
# getUpdates holds a long poll at most this long, so that tests and shutdowns stay quick.
LONG_POLL_CAP_SECONDS = 1.0
# Telegram's rule for setWebhook's secret_token.
SECRET_TOKEN_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
)


class ApiError(Exception):
    """Answered as Telegram answers errors: `{"ok": false, "error_code": ..., ...}`."""

    def __init__(self, status: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict:
        body = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class Call:
    method: str
    params: dict
    # When it arrived, by time.monotonic().
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    error: ApiError | None = None
    hang_seconds: float = 0.0
    times: int | None = None  # None: every call until cleared


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    path: str
    content: bytes


@dataclass
class FakeTelegram:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    # user id -> profile photos, newest first; each photo is a list of PhotoSize dicts.
    photos: dict[int, list[list[dict]]] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)
    # Updates waiting for getUpdates, oldest first.
    updates: list[dict] = field(default_factory=list)
    # What setWebhook last set, as getWebhookInfo reports it; empty when none.
    webhook: dict = field(default_factory=dict)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._call_recorded = threading.Condition(self._lock)
        self._updates_changed = threading.Condition()
        self._ids = itertools.count(1)
        # Set on stop, so that hanging handlers return at once.
        self.released = threading.Event()
        self.methods: dict[str, Callable[[dict], object]] = {
            "getMe": lambda params: BOT_USER,
            "getUserProfilePhotos": self._get_user_profile_photos,
            "getFile": self._get_file,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "setMyCommands": lambda params: True,
            "setChatMenuButton": lambda params: True,
            "answerInlineQuery": lambda params: True,
            "editMessageText": self._edit_message_text,
            "deleteMyCommands": lambda params: True,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        # A short poll interval, so that stop() (server.shutdown) returns in a blink.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeTelegram":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        with self._updates_changed:
            self._updates_changed.notify_all()
        self.server.shutdown()
        self.server.server_close()

    # What the tests arrange.

    def add_photo(
        self, user_id: int, content: bytes, widths: tuple[int, ...] = (160, 320, 640)
    ) -> list[dict]:
        """Give the user a profile photo in several sizes, each served with `content`."""
        sizes = []
        for width in widths:
            stored = self.add_file(content, folder="profile_photos", suffix=".jpg")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": width,
                    "file_size": len(content),
                }
            )
        self.photos.setdefault(user_id, []).insert(0, sizes)
        return sizes

    def add_file(self, content: bytes, folder: str = "documents", suffix: str = "") -> StoredFile:
        number = next(self._ids)
        stored = StoredFile(
            file_id=f"FILE-{number}-AgACAgIAAxUAAW",
            file_unique_id=f"U{number}",
            path=f"{folder}/file_{number}{suffix}",
            content=content,
        )
        self.files[stored.file_id] = stored
        return stored

    def fail(
        self,
        method: str,
        status: int = 500,
        description: str = "Internal Server Error",
        *,
        retry_after: int | None = None,
        times: int | None = None,
    ) -> None:
        self.faults[method] = Fault(ApiError(status, description, retry_after), times=times)

    def hang(self, method: str, seconds: float = 30.0, *, times: int | None = None) -> None:
        """Hold the method's answers for `seconds` (or until the server stops)."""
        self.faults[method] = Fault(hang_seconds=seconds, times=times)

    def delay(self, method: str, seconds: float) -> None:
        """Answer the method normally, but only after `seconds`."""
        self.hang(method, seconds)

    def add_update(self, update: dict) -> dict:
        """Queue an update for the next getUpdates, waking a long poll that is waiting."""
        with self._updates_changed:
            self.updates.append(update)
            self._updates_changed.notify_all()
        return update

    def new_message(self, text: str, **sender) -> dict:
        """An update with a fresh id carrying what a player types (see `message_update`)."""
        return message_update(text, update_id=next(self._ids), **sender)

    def add_message(self, text: str, **sender) -> dict:
        """Queue what a player types for getUpdates; returns the update."""
        return self.add_update(self.new_message(text, **sender))

    def new_inline_query(self, query: str, language_code: str | None = None) -> dict:
        """An update with a fresh id carrying what a player types after `@bot ` in any chat."""
        update_id = next(self._ids)
        user = {"id": 2_000_000 + update_id, "is_bot": False, "first_name": "Player"}
        if language_code is not None:
            user["language_code"] = language_code
        inline_query = {"id": str(update_id), "from": user, "query": query, "offset": ""}
        return {"update_id": update_id, "inline_query": inline_query}

    def answers_to(self, update: dict) -> list[dict]:
        """What answerInlineQuery said to the inline query of `update`."""
        query_id = update["inline_query"]["id"]
        return [
            call.params
            for call in self.calls_to("answerInlineQuery")
            if str(call.params.get("inline_query_id")) == query_id
        ]

    def heal(self, method: str | None = None) -> None:
        if method is None:
            self.faults.clear()
        else:
            self.faults.pop(method, None)

    def count(self, method: str) -> int:
        with self._lock:
            return sum(1 for call in self.calls if call.method == method)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for_call(
        self, method: str, match: Callable[[Call], bool] = lambda call: True, timeout: float = 10
    ) -> Call:
        """The first call to `method` that `match`es, waiting up to `timeout` seconds for it."""

        def found() -> Call | None:
            return next((c for c in self.calls if c.method == method and match(c)), None)

        with self._call_recorded:
            call = self._call_recorded.wait_for(found, timeout)
            if call is None:
                seen = [(c.method, c.params) for c in self.calls if c.method != "getUpdates"]
                raise AssertionError(f"no matching {method} within {timeout} s; saw {seen}")
            return call

    def wait_for_reply(self, update: dict, timeout: float = 10) -> dict:
        """The parameters of the sendMessage that answers `update`'s chat."""
        chat_id = str(update["message"]["chat"]["id"])
        call = self.wait_for_call(
            "sendMessage", lambda call: str(call.params.get("chat_id")) == chat_id, timeout
        )
        return call.params

    # What the server does.

    def record(self, method: str, params: dict) -> None:
        with self._lock:
            self.calls.append(Call(method, params))
            self._call_recorded.notify_all()

    def apply_fault(self, method: str) -> None:
        with self._lock:
            fault = self.faults.get(method)
            if fault is None:
                return
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del self.faults[method]
        if fault.hang_seconds:
            self.released.wait(fault.hang_seconds)
        if fault.error is not None:
            raise fault.error

    def _get_user_profile_photos(self, params: dict) -> dict:
        user_id = _int_param(params, "user_id")
        offset = _int_param(params, "offset", 0)
        limit = _int_param(params, "limit", 100)
        photos = self.photos.get(user_id, [])
        return {"total_count": len(photos), "photos": photos[offset : offset + limit]}

    def _get_file(self, params: dict) -> dict:
        stored = self.files.get(str(params.get("file_id", "")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    def _get_updates(self, params: dict) -> list[dict]:
        """Updates with update_id >= offset, long-polling up to `timeout` (capped) for one.

        As on Telegram, asking with an offset confirms, and forgets, every earlier update.
        """
        offset = _int_param(params, "offset", 0)
        limit = _int_param(params, "limit", 100)
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP_SECONDS)
        with self._updates_changed:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            self._updates_changed.wait_for(lambda: self.updates or self.released.is_set(), wait)
            return self.updates[:limit]

    def _send_message(self, params: dict) -> dict:
        chat_id = _int_param(params, "chat_id")
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }

    def _edit_message_text(self, params: dict) -> dict:
        chat_id = _int_param(params, "chat_id")
        return {
            "message_id": _int_param(params, "message_id"),
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }

    def _set_webhook(self, params: dict) -> bool:
        url = str(params.get("url", ""))
        secret = params.get("secret_token")
        if not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if secret is not None and not (
            1 <= len(secret) <= 256 and set(secret) <= SECRET_TOKEN_CHARACTERS
        ):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "allowed_updates": params.get("allowed_updates")}
        return True

    def _delete_webhook(self, params: dict) -> bool:
        self.webhook = {}
        return True

    def _get_webhook_info(self, params: dict) -> dict:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0} | (
            {"url": self.webhook["url"]} if self.webhook else {}
        )


def message_update(
    text: str,
    *,
    update_id: int,
    chat_type: str = "private",
    language_code: str | None = "en",
    user_id: int | None = None,
) -> dict:
    """An update carrying a text message from a player, as Telegram sends it.

    Each update has its own player and chat (ids derived from update_id) unless user_id is
    given, so a test can tell its reply from any other. A leading /command is marked as one.
    """
    user_id = user_id or 1_000_000 + update_id
    user = {"id": user_id, "is_bot": False, "first_name": "Player"}
    if language_code is not None:
        user["language_code"] = language_code
    if chat_type == "private":
        chat = {"id": user_id, "type": "private", "first_name": "Player"}
    else:
        chat = {"id": -1_000_000_000_000 - update_id, "type": chat_type, "title": "Party"}
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": chat,
        "from": user,
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id, "message": message}


def _int_param(params: dict, name: str, default: int | None = None) -> int:
    value = params.get(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: invalid {name}") from None


def parse_params(content_type: str, body: bytes, query: str) -> dict:
    """Parameters as Telegram reads them: query string, JSON, url-encoded or multipart form."""
    params: dict = dict(parse_qsl(query))
    if not body:
        return params
    if content_type.startswith("application/json"):
        params.update(json.loads(body))
    elif content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode()))
    elif content_type.startswith("multipart/form-data"):
        header = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            params[name] = payload if part.get_filename() else payload.decode()
    return params


def _handler_for(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self._handle()

        def do_POST(self):
            self._handle()

        def log_message(self, format, *args):
            pass  # the tests read counts, not access logs

        def _handle(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            bot_prefix, file_prefix = f"/bot{fake.token}/", f"/file/bot{fake.token}/"
            try:
                if url.path.startswith(file_prefix):
                    self._send_file(unquote(url.path[len(file_prefix) :]))
                elif url.path.startswith(bot_prefix):
                    method = url.path[len(bot_prefix) :]
                    params = parse_params(self.headers.get("Content-Type", ""), body, url.query)
                    self._send_json(200, {"ok": True, "result": self._call(method, params)})
                else:
                    raise ApiError(401, "Unauthorized")
            except ApiError as error:
                self._send_json(error.status, error.body())

        def _call(self, method: str, params: dict):
            for name in JSON_PARAMS & params.keys():
                if isinstance(params[name], str):
                    params[name] = json.loads(params[name])
            fake.record(method, params)
            fake.apply_fault(method)
            if method not in fake.methods:
                raise ApiError(404, "Not Found")
            return fake.methods[method](params)

        def _send_file(self, path: str):
            fake.record(FILE, {"path": path})
            fake.apply_fault(FILE)
            stored = next((f for f in fake.files.values() if f.path == path), None)
            if stored is None:
                raise ApiError(404, "Not Found")
            self._send(200, "application/octet-stream", stored.content)

        def _send_json(self, status: int, body: dict):
            self._send(status, "application/json", json.dumps(body).encode())

        def _send(self, status: int, content_type: str, content: bytes):
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting, as a client with a timeout should

    return Handler
