"""Real HTTP and real servers for the tests: one request helper, free ports, and the hub
started as a process exactly as `make run` starts it."""

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support import BASE_DIR, HOST_SECRET, SERVER_SECRET_KEY, secret_audit

BIN = Path(sys.executable).parent


def http(method: str, url: str, body: dict | None = None, **headers: str):
    """(status, headers, body bytes) of one real HTTP request."""
    data = json.dumps(body).encode() if body is not None else None
    if data is not None:
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, answer_headers, content = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, content = error.code, error.headers, error.read()
    secret_audit.check_response(f"the answer {status} to {method} {url}", answer_headers, content)
    return status, answer_headers, content


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hub_environment(database_url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "ENV_FILE": "",
        "SECRET_KEY": SERVER_SECRET_KEY,
        "HOST_SECRET": HOST_SECRET,
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        # A developer's own bot must not start polling from the tests.
        "BOT_TOKEN": "",
        "TELEGRAM_WEBHOOK_SECRET": "",
        # No purging thread unless a test asks for one (tests/rooms/test_room_purge_periodic.py).
        "ROOM_PURGE_SECONDS": "0",
    }


def manage(environment: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=environment, check=True)


def prepare_like_make_run(environment: dict[str, str]) -> None:
    """What `make run` (and Render's build) does before it starts the server: bin/prepare."""
    subprocess.run(
        [str(BASE_DIR / "bin" / "prepare")],
        env={**environment, "PATH": f"{BIN}{os.pathsep}{environment['PATH']}"},
        stdout=subprocess.DEVNULL,
        check=True,
    )


class Server:
    """A hub server process, started once it says where it listens; stop() returns its log."""

    command: list[str]
    # The log line each worker process starts with, and the pid in it.
    worker_line = "Spawning worker-"
    worker_pid = r"Spawning worker-\d+ with PID: (\d+)"

    def __init__(self, environment: dict[str, str], log: Path):
        self.url = f"http://127.0.0.1:{environment['PORT']}"
        self.log = log
        secret_audit.watch(log)
        self.process = subprocess.Popen(
            self.command,
            cwd=BASE_DIR,
            env=environment,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while "listening on" not in log.read_text():
            assert self.process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)

    def stop(self) -> str:
        self.process.terminate()
        self.process.wait(timeout=30)
        return self.log.read_text()

    def workers_started(self) -> int:
        return sum(1 for line in self.log.read_text().splitlines() if self.worker_line in line)

    def workers(self) -> list[int]:
        """The pids of every worker the server has spawned so far."""
        return [int(pid) for pid in re.findall(self.worker_pid, self.log.read_text())]

    def kill(self) -> None:
        """SIGKILL the server and its workers, as an out-of-memory killer or a lost machine
        would: no request gets to finish, nothing gets to clean up."""
        workers = self.workers()
        self.process.kill()
        self.process.wait(timeout=30)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while any(_running(pid) for pid in workers):
            assert time.monotonic() < deadline, "a killed worker is still running"
            time.sleep(0.02)


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphaned worker is reaped by whoever adopts it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


class Granian(Server):
    """The web server as Render runs it, and as `make run` runs it beside the bot:
    `python -m server` (server/serve.py)."""

    command = [sys.executable, "-m", "server"]


class MakeRun(Server):
    """What `make run` runs once the hub is prepared: the web server and, when the bot polls,
    `manage.py runbot` beside it (server/supervisor.py)."""

    command = [sys.executable, "-m", "server.supervisor"]
