"""The Render Blueprint: render.yaml, its build and start scripts run for real, and health checks
that reach /healthz whatever Host header the platform sends."""

import base64
import hashlib
import os
import secrets
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.support import BASE_DIR
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import BIN, free_port, http, hub_environment

# Starts processes or servers of its own: left out of `make test-fast`.
pytestmark = pytest.mark.slow

BLUEPRINT = yaml.safe_load((BASE_DIR / "render.yaml").read_text())
SERVICE = BLUEPRINT["services"][0]
ENV = {variable["key"]: variable for variable in SERVICE["envVars"]}
# Read by Django's createsuperuser and by the server (server/serve.py) rather than by the settings.
NOT_HUB_SETTINGS = {
    "DJANGO_SUPERUSER_USERNAME",
    "DJANGO_SUPERUSER_PASSWORD",
    "DJANGO_SUPERUSER_EMAIL",
    "WEB_CONCURRENCY",
}


def render_generated() -> str:
    """A value as `generateValue: true` makes it: 256 random bits, base64-encoded."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def blueprint_environment() -> dict[str, str]:
    """What the web service's process gets on Render from a fresh Blueprint deploy: the
    Blueprint's values, generated secrets, the database's internal URL, the variables the user
    may leave empty left empty, and what Render sets itself."""
    environment = {}
    for key, variable in ENV.items():
        if "value" in variable:
            environment[key] = str(variable["value"])
        elif variable.get("generateValue"):
            environment[key] = render_generated()
        elif "fromDatabase" in variable:
            database = BLUEPRINT["databases"][0]
            environment[key] = (
                f"postgresql://{database['user']}:{secrets.token_urlsafe(24)}"
                f"@dpg-d4k2m3n5o6p7q8r9s0tu-a/{database['databaseName']}"
            )
        else:
            assert variable["sync"] is False, key
            environment[key] = ""
    return environment | {
        "RENDER": "true",
        "RENDER_EXTERNAL_URL": f"https://{SERVICE['name']}.onrender.com",
        "RENDER_EXTERNAL_HOSTNAME": f"{SERVICE['name']}.onrender.com",
        "PORT": "10000",
    }


def script_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """What Render gives the scripts: the variables, and this venv's python first on PATH."""
    environment = hub_environment(f"sqlite:///{tmp_path / 'db.sqlite3'}", free_port())
    environment["PATH"] = f"{BIN}{os.pathsep}{environment['PATH']}"
    return environment | extra


def run_script(name: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BASE_DIR / "bin" / name)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class TestBlueprint:
    def test_it_is_a_python_web_service_with_a_postgres_database(self):
        assert SERVICE["type"] == "web"
        assert SERVICE["runtime"] == "python"
        assert SERVICE["healthCheckPath"] == "/healthz"
        assert ENV["DATABASE_URL"]["fromDatabase"] == {
            "name": BLUEPRINT["databases"][0]["name"],
            "property": "connectionString",
        }

    def test_its_secrets_are_generated_and_the_rest_asked_of_the_user(self):
        assert all(ENV[key]["generateValue"] for key in ("SECRET_KEY", "HOST_SECRET"))
        assert ENV["TELEGRAM_WEBHOOK_SECRET"]["generateValue"] is True
        assert ENV["BOT_TOKEN"]["sync"] is False
        assert ENV["PUBLIC_URL"]["sync"] is False

    def test_it_serves_on_all_interfaces_behind_one_proxy(self):
        assert ENV["HOST"]["value"] == "0.0.0.0"
        assert ENV["TRUSTED_PROXY_COUNT"]["value"] == "1"

    def test_its_commands_are_the_projects_scripts(self):
        for command in (SERVICE["buildCommand"], SERVICE["startCommand"]):
            script = BASE_DIR / command
            assert script.is_file(), command
            assert os.access(script, os.X_OK), command

    def test_every_variable_it_sets_is_one_the_hub_reads(self):
        example = (BASE_DIR / ".env.example").read_text()

        for key in set(ENV) - NOT_HUB_SETTINGS:
            assert f"\n{key}=" in example, key


class TestBlueprintDeployCheck:
    def test_check_deploy_is_clean_with_the_values_render_generates(self):
        environment = blueprint_environment()
        assert len(environment["SECRET_KEY"]) == 44  # shorter than Django's 50

        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=BASE_DIR,
            env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/")}
            | environment
            | {"DJANGO_SETTINGS_MODULE": "spirtuoz.settings", "ENV_FILE": ""},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

        assert (result.returncode, result.stdout, result.stderr) == (
            0,
            "System check identified no issues (0 silenced).\n",
            "",
        )


class TestRenderBuild:
    def test_it_installs_the_requirements_and_prepares_the_hub(self, tmp_path):
        result = run_script("render-build", script_environment(tmp_path))

        assert result.returncode == 0, result.stdout + result.stderr
        with sqlite3.connect(tmp_path / "db.sqlite3") as database:
            tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master")}
        assert {"rooms_room", "spirtuoz_cache", "spirtuoz_ratelimit_cache"} <= tables


class TestPrepare:
    def test_it_migrates_makes_the_cache_table_and_the_admin_once(self, tmp_path):
        environment = script_environment(
            tmp_path,
            DJANGO_SUPERUSER_USERNAME="operator",
            DJANGO_SUPERUSER_PASSWORD="a-long-admin-password-42",
            DJANGO_SUPERUSER_EMAIL="ops@example.test",
        )

        first = run_script("prepare", environment)
        again = run_script("prepare", environment)

        assert first.returncode == 0, first.stdout + first.stderr
        assert again.returncode == 0, again.stdout + again.stderr
        assert "Admin user operator exists; left as it is." in again.stdout
        with sqlite3.connect(tmp_path / "db.sqlite3") as database:
            admins = database.execute(
                "SELECT username, is_superuser FROM auth_user WHERE username = 'operator'"
            ).fetchall()
            tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master")}
        assert admins == [("operator", 1)]
        assert {"rooms_room", "spirtuoz_cache", "spirtuoz_ratelimit_cache"} <= tables

    def test_without_admin_variables_it_makes_no_admin(self, tmp_path):
        result = run_script("prepare", script_environment(tmp_path))

        assert result.returncode == 0, result.stdout + result.stderr
        with sqlite3.connect(tmp_path / "db.sqlite3") as database:
            assert database.execute("SELECT COUNT(*) FROM auth_user").fetchone() == (0,)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    environment = script_environment(tmp_path_factory.mktemp("render"), HOST="0.0.0.0")
    result = run_script("prepare", environment)
    assert result.returncode == 0, result.stdout + result.stderr
    return environment


@pytest.fixture
def built(prepared):
    return prepared | {"PORT": str(free_port())}


def health_after_start(environment: dict[str, str], log: Path) -> tuple[int, str]:
    """Runs bin/render-start until /healthz answers (through Render's TLS proxy, as it were);
    the status and the log."""
    process = subprocess.Popen(
        [str(BASE_DIR / "bin" / "render-start")],
        env=environment,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while "listening on" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        status, _, _ = http(
            "GET",
            f"http://127.0.0.1:{environment['PORT']}/healthz",
            **{"X-Forwarded-Proto": "https"},
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    return status, log.read_text()


WEBHOOK_MODE = {
    "TELEGRAM_WEBHOOK_SECRET": "generated+by/render==",
    "PUBLIC_URL": "https://spirtuoz-hub.onrender.com",
}


class TestRenderStart:
    def test_it_registers_the_webhook_then_serves(self, built, tmp_path):
        telegram = FakeTelegram().start()
        environment = built | WEBHOOK_MODE
        environment |= {"BOT_TOKEN": telegram.token, "FILE_API_URL": telegram.url}
        try:
            status, log = health_after_start(environment, tmp_path / "start.log")
        finally:
            telegram.stop()

        assert status == 200
        assert telegram.calls_to("setWebhook")[0].params["url"] == (
            "https://spirtuoz-hub.onrender.com/telegram/webhook"
        )
        assert telegram.calls_to("setWebhook")[0].params["secret_token"] == (
            hashlib.sha256(b"generated+by/render==").hexdigest()
        )
        assert telegram.token not in log

    def test_it_serves_even_when_telegram_cannot_be_reached(self, built, tmp_path):
        environment = built | WEBHOOK_MODE
        environment |= {
            "BOT_TOKEN": "42:UNREACHABLE",
            "FILE_API_URL": f"http://127.0.0.1:{free_port()}",
        }

        status, log = health_after_start(environment, tmp_path / "start.log")

        assert status == 200
        assert "setwebhook failed" in log

    def test_without_a_bot_it_just_serves(self, built, tmp_path):
        status, log = health_after_start(built, tmp_path / "start.log")

        assert status == 200
        assert "setWebhook" not in log


@pytest.mark.django_db
class TestHealthCheckHost:
    def test_a_health_check_with_an_internal_host_is_answered(self, client):
        response = client.get("/healthz", HTTP_HOST="10.214.3.7:10000")

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_other_paths_still_refuse_a_host_that_is_not_allowed(self, client):
        response = client.get("/api/rooms/ABCD", HTTP_HOST="10.214.3.7:10000")

        assert response.status_code == 400
        assert response.json() == {"error": "bad request"}


def test_render_sets_public_url_when_the_user_does_not(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.PUBLIC_URL, settings.ALLOWED_HOSTS)",
        ],
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "spirtuoz.settings",
            "ENV_FILE": "",
            "SECRET_KEY": "k",
            "RENDER_EXTERNAL_URL": "https://spirtuoz-hub.onrender.com",
        },
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == (
        "https://spirtuoz-hub.onrender.com "
        "['localhost', '127.0.0.1', '[::1]', 'spirtuoz-hub.onrender.com']"
    )
