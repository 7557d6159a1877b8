"""The secrets audit (tests/support/secret_audit.py) catches a secret planted in each place where a hub
says something, and a leak fails a whole pytest run even when every test passes."""

import logging
import os
import subprocess
import sys

import pytest
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path

from tests.support import BASE_DIR
from tests.support.fake_telegram import FakeTelegram
from tests.support.secret_audit import SecretAudit, recording_into
from tests.support.servers import http

# Shaped like a bot token: its colon is percent-encoded in a URL.
CANARY = "4242:canary-7f3a9c2e"


def body_leak(request):
    return HttpResponse(f"here it is: {CANARY}")


def header_leak(request):
    return HttpResponseRedirect(f"https://elsewhere.example/?token={CANARY.replace(':', '%3A')}")


urlpatterns = [path("body", body_leak), path("header", header_leak)]


@pytest.fixture
def planted():
    """A throwaway audit that looks for the canary, in place of the run's own for a while."""
    with recording_into(SecretAudit({"CANARY": CANARY})) as audit:
        yield audit


def found(audit: SecretAudit) -> list[tuple[str, str]]:
    return [(leak.where, leak.secret) for leak in audit.finish()]


class TestSecretAudit:
    def test_it_catches_a_secret_in_an_answers_body(self, client, settings, planted):
        settings.ROOT_URLCONF = __name__

        client.get("/body")

        assert found(planted) == [("the answer 200 to GET /body", "CANARY")]
        # The report says where, and never repeats the secret itself.
        assert planted.leaks[0].excerpt.endswith("\\n\\nhere it is: <CANARY>")

    def test_it_catches_a_percent_encoded_secret_in_a_header(self, client, settings, planted):
        settings.ROOT_URLCONF = __name__

        client.get("/header")

        assert found(planted) == [("the answer 302 to GET /header", "CANARY")]

    @pytest.mark.django_db
    def test_it_learns_a_room_token_from_its_201_and_catches_it_anywhere_after(
        self, register, planted
    ):
        token = register({"room_code": "TOKN"}).json()["host_token"]
        assert found(planted) == []

        # Glued to more such characters, a token escapes the log's redaction by its shape.
        logging.getLogger("rooms.services").warning("oops: %sx", token)

        assert [leak.where for leak in planted.finish()] == ["the log line of rooms.services"]

    def test_it_catches_a_secret_in_a_log_line(self, planted):
        logging.getLogger("rooms.services").warning("room ABCD has the token %s", CANARY)

        assert found(planted) == [("the log line of rooms.services", "CANARY")]

    def test_it_sees_log_lines_as_written_after_the_hubs_redaction(self, settings):
        audit = SecretAudit({"HOST_SECRET": settings.HOST_SECRET})
        with recording_into(audit):
            logging.getLogger("rooms.services").warning("oops: %s", settings.HOST_SECRET)

        assert audit.checked == 1
        assert audit.finish() == []

    def test_it_catches_a_secret_in_an_answer_over_http(self, planted):
        telegram = FakeTelegram().start()
        try:
            stored = telegram.add_file(CANARY.encode())
            http("GET", f"{telegram.url}/file/bot{telegram.token}/{stored.path}")
        finally:
            telegram.stop()

        assert found(planted) == [
            (
                f"the answer 200 to GET {telegram.url}/file/bot{telegram.token}/{stored.path}",
                "CANARY",
            )
        ]

    def test_it_catches_a_secret_in_a_server_log_file(self, tmp_path, planted):
        log = tmp_path / "server.log"
        planted.watch(log)
        log.write_text(f"[INFO] Booting worker\nGET /api/rooms/ABCD?t={CANARY}\n")

        assert found(planted) == [(f"the log file {log}", "CANARY")]

    @pytest.mark.slow
    def test_a_leak_fails_the_whole_run_even_when_every_test_passes(self):
        # Only the plugins the suite needs, which takes a second rather than three.
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                *(
                    "-p",
                    "no:cacheprovider",
                    "-p",
                    "pytest_django.plugin",
                    "-p",
                    "pytest_env.plugin",
                ),
                "tests/data/leak_on_purpose.py",
            ],
            cwd=BASE_DIR,
            env=os.environ | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
            capture_output=True,
            text=True,
            check=False,
        )

        assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout + run.stderr
        assert "1 passed" in run.stdout
        assert (
            "HOST_SECRET in the answer 200 to GET /leak: "
            "...Cross-Origin-Opener-Policy: same-origin\\n\\nthe host secret is <HOST_SECRET>..."
        ) in run.stdout
        assert "test-host-secret" not in run.stdout
