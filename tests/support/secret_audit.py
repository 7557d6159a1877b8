"""The secrets audit: whatever the hub says during the whole test run is checked for the suite's
known secrets (bot token, host secret, Django secret keys), and one found fails the run. Room
tokens join them as the hub hands them out: each one the answer that created its room shows
(`host_token`) is then looked for in everything said after it.

What the hub says, and where it is caught:
- every response of the in-process hub (test clients and the live server): `RecordResponses`,
  a middleware that tests/conftest.py puts outermost for the whole run;
- every answer a test reads over real HTTP (the server, the live server): `tests.support.servers.http`
  and the deploy tests' browser hand it to `check`;
- every log line the hub writes, as written, after its redacting filter: `RecordLogLines`, a
  filter appended to the hub's own log handlers;
- every log of a server subprocess: each `Server` hands its file to `watch`, read at the end.

Each secret is looked for as it is and percent-encoded (a token in a URL). tests/conftest.py
starts the run's audit and fails the run in `pytest_sessionfinish`; test_secret_audit.py shows
each channel catching a planted secret, and a leaking test failing a whole pytest run.
"""

import contextlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

EXCERPT = 60


@dataclass(frozen=True)
class Leak:
    where: str
    secret: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.secret} in {self.where}: ...{self.excerpt}..."


@dataclass
class SecretAudit:
    # The name of each secret (what a report says) and its value (what is looked for).
    secrets: dict[str, str]
    leaks: list[Leak] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    checked: int = 0

    def check(self, where: str, text: str | bytes) -> None:
        """Look for every secret in `text`, which `where` names in the report."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        self.checked += 1
        # A copy: another thread of the test may learn a handed-out secret meanwhile.
        for name, value in list(self.secrets.items()):
            for form in {value, quote(value, safe="")}:
                at = text.find(form)
                if at >= 0:
                    excerpt = text[max(0, at - EXCERPT) : at + len(form) + EXCERPT]
                    # The report shows where, not the secret: it ends up in CI's log too.
                    excerpt = excerpt.replace(form, f"<{name}>").replace("\n", "\\n")
                    self.leaks.append(Leak(where, name, excerpt))

    def learn(self, name: str, value: str) -> None:
        """A secret the hub handed out: looked for from now on (and in every log file)."""
        self.secrets.setdefault(name, value)

    def watch(self, path: Path) -> None:
        """A log file to read once the run is over (a subprocess writes it meanwhile)."""
        self.files.append(path)

    def finish(self) -> list[Leak]:
        for path in self.files:
            if path.exists():
                self.check(f"the log file {path}", path.read_bytes())
        self.files.clear()
        return self.leaks


_current: SecretAudit | None = None


def current() -> SecretAudit | None:
    return _current


def start(audit: SecretAudit) -> None:
    global _current
    _current = audit


@contextlib.contextmanager
def recording_into(audit: SecretAudit):
    """Send everything to `audit` for a while (the audit's own tests plant secrets there)."""
    before = current()
    start(audit)
    try:
        yield audit
    finally:
        start(before)


def check(where: str, text: str | bytes) -> None:
    audit = current()
    if audit is not None:
        audit.check(where, text)


def watch(path: Path) -> None:
    audit = current()
    if audit is not None:
        audit.watch(path)


def check_response(where: str, headers, body: bytes) -> None:
    """An HTTP answer: its headers (name: value lines), a blank line, its body. The room token
    an answer hands out in its `host_token` field becomes a secret, and only that field (of
    this answer, however often it is seen) may show it."""
    token = _handed_out_token(body)
    audit = current()
    if token and audit is not None:
        audit.learn(f"the room token {token[:4]}…", token)
        body = body.replace(f'"host_token":"{token}"'.encode(), b'"host_token":"(handed out)"')
    head = "".join(f"{name}: {value}\n" for name, value in headers.items())
    check(where, head.encode() + b"\n" + body)


def _handed_out_token(body: bytes) -> str | None:
    if b'"host_token"' not in body:
        return None
    with contextlib.suppress(ValueError, AttributeError, TypeError, KeyError):
        token = json.loads(body)["host_token"]
        if isinstance(token, str) and token:
            return token
    return None


class RecordResponses:
    """Middleware: every response's headers and body go to the audit, streamed ones as they
    stream."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        where = f"the answer {response.status_code} to {request.method} {request.path}"
        headers = dict(response.items())
        headers |= {f"Set-Cookie {n}": c.OutputString() for n, c in response.cookies.items()}
        if response.streaming:
            check_response(where, headers, b"")
            response.streaming_content = _checked(where, response.streaming_content)
        else:
            check_response(where, headers, response.content)
        return response


def _checked(where: str, chunks):
    for chunk in chunks:
        check(f"a streamed part of {where}", chunk)
        yield chunk


class RecordLogLines(logging.Filter):
    """A filter on one of the hub's log handlers, after its own filters: it sees each line as
    the handler writes it, secrets already redacted, and hands it to the audit."""

    def __init__(self, handler: logging.Handler):
        super().__init__()
        self.handler = handler

    def filter(self, record: logging.LogRecord) -> bool:
        check(f"the log line of {record.name}", self.handler.format(record))
        return True


def record_log_lines(handlers: list[logging.Handler]) -> None:
    for handler in handlers:
        if not any(isinstance(f, RecordLogLines) for f in handler.filters):
            handler.addFilter(RecordLogLines(handler))
