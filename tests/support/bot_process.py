"""Run `manage.py runbot` as a real process against the fake Bot API and the test database."""

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

from tests.support import BASE_DIR, HOST_SECRET
from tests.support.fake_telegram import FakeTelegram

PUBLIC_URL = "https://hub.example"


def live_database_url() -> str:
    """The database this test session runs on, as a DATABASE_URL for another process."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))


def bot_environment(fake: FakeTelegram, **overrides: str) -> dict[str, str]:
    return {
        **os.environ,
        "ENV_FILE": "",
        "SECRET_KEY": "runbot-test-secret-key",
        "DEBUG": "false",
        "HOST_SECRET": HOST_SECRET,
        "BOT_TOKEN": fake.token,
        "FILE_API_URL": fake.url,
        "PUBLIC_URL": PUBLIC_URL,
        "TELEGRAM_WEBHOOK_SECRET": "",
        "DATABASE_URL": live_database_url(),
        **overrides,
    }


class RunBot:
    """`manage.py runbot` with its output in `log`."""

    def __init__(self, environment: dict[str, str], log: Path):
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runbot"],
            cwd=BASE_DIR,
            env=environment,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text()

    def stop(self, signal_number: int = signal.SIGTERM, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal_number)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
