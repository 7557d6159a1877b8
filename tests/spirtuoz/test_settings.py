"""Settings are read once at start-up, so each case starts a fresh Python process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.envfile import host_secret_in_force, render, write_env_file
from rooms.apps import check_host_secret, check_init_data
from telegrambot.apps import check_public_url
from tests.support import BASE_DIR

# Starts a Python process per case: left out of `make test-fast`.
pytestmark = pytest.mark.slow

SHOW_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in (
    "DEBUG", "HOST_SECRET", "BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "PUBLIC_URL", "FILE_API_URL", "HOST", "PORT",
    "ROOM_TTL_SECONDS", "ALLOWED_HOSTS", "SECRET_KEY", "AVATAR_CACHE_SECONDS",
    "AVATAR_MISS_CACHE_SECONDS", "AVATAR_STALE_SECONDS", "CORS_ALLOWED_ORIGINS",
    "CORS_ALLOW_ALL_ORIGINS",
)} | {"CACHE": settings.CACHES["default"]["BACKEND"],
      "CACHE_LOCATION": settings.CACHES["default"]["LOCATION"],
      "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
      "CACHE_OPTIONS": settings.CACHES["default"].get("OPTIONS", {}),
      "RATELIMIT_CACHE": {key: settings.CACHES[settings.RATELIMIT_CACHE].get(key)
                          for key in ("BACKEND", "LOCATION", "KEY_PREFIX")},
      "DATABASE": settings.DATABASES["default"]["NAME"],
      "CONN_MAX_AGE": settings.DATABASES["default"]["CONN_MAX_AGE"],
      "CONN_HEALTH_CHECKS": settings.DATABASES["default"]["CONN_HEALTH_CHECKS"],
      "CONNECT_TIMEOUT": settings.DATABASES["default"]["OPTIONS"].get("connect_timeout")}))
"""


def load_settings(env_file: Path | str = "", **variables: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "HOME", "LANG", "SYSTEMROOT")
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "spirtuoz.settings",
        "ENV_FILE": str(env_file),
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def settings_with(env_file: Path | str = "", **variables: str) -> dict:
    result = load_settings(env_file, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class TestSettings:
    def test_it_has_the_documented_defaults(self):
        loaded = settings_with(SECRET_KEY="k")

        assert {key: loaded[key] for key in loaded if key != "SECRET_KEY"} == {
            "DEBUG": False,
            "HOST_SECRET": "",
            "BOT_TOKEN": "",
            "TELEGRAM_WEBHOOK_SECRET": "",
            "PUBLIC_URL": "",
            "FILE_API_URL": "https://api.telegram.org",
            "HOST": "127.0.0.1",
            "PORT": 3000,
            "ROOM_TTL_SECONDS": 43200,
            "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "[::1]"],
            "DATABASE": str(BASE_DIR / "db.sqlite3"),
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "CONNECT_TIMEOUT": None,
            "CACHE": "django.core.cache.backends.db.DatabaseCache",
            "CACHE_LOCATION": "spirtuoz_cache",
            "CACHE_KEY_PREFIX": "",
            "CACHE_OPTIONS": {"MAX_ENTRIES": 5000},
            "RATELIMIT_CACHE": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "spirtuoz_ratelimit_cache",
                "KEY_PREFIX": None,
            },
            "AVATAR_CACHE_SECONDS": 3600,
            "AVATAR_MISS_CACHE_SECONDS": 600,
            "AVATAR_STALE_SECONDS": 86400,
            "CORS_ALLOWED_ORIGINS": [],
            "CORS_ALLOW_ALL_ORIGINS": True,
        }

    def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(self):
        result = load_settings()

        assert result.returncode != 0
        assert "SECRET_KEY is not set" in result.stderr

    def test_it_uses_a_development_secret_key_only_with_debug_on(self):
        loaded = settings_with(DEBUG="true")

        assert loaded["DEBUG"] is True
        assert loaded["SECRET_KEY"].startswith("django-insecure-")

    def test_it_rejects_a_rate_it_cannot_read(self):
        result = load_settings(SECRET_KEY="k", ROOM_LOOKUP_MISS_RATE="lots")

        assert result.returncode != 0
        assert (
            "ROOM_LOOKUP_MISS_RATE: 'lots' is not a rate such as 30/minute, or off"
            in result.stderr
        )

    def test_it_takes_1_and_0_for_true_and_false(self):
        assert settings_with(SECRET_KEY="k", DEBUG="1")["DEBUG"] is True
        assert settings_with(SECRET_KEY="k", DEBUG="0")["DEBUG"] is False

    def test_it_rejects_a_debug_value_other_than_true_or_false(self):
        result = load_settings(SECRET_KEY="k", DEBUG="yes")

        assert result.returncode != 0
        assert "DEBUG must be true or false" in result.stderr

    def test_it_rejects_a_port_that_is_not_a_number(self):
        result = load_settings(SECRET_KEY="k", PORT="eighty")

        assert result.returncode != 0
        assert "PORT must be a whole number" in result.stderr

    def test_it_allows_the_host_of_public_url(self):
        loaded = settings_with(SECRET_KEY="k", PUBLIC_URL="https://hub.onrender.com/")

        assert loaded["PUBLIC_URL"] == "https://hub.onrender.com"
        assert loaded["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]", "hub.onrender.com"]

    def test_allowed_hosts_can_be_set_outright(self):
        loaded = settings_with(SECRET_KEY="k", ALLOWED_HOSTS="a.example, b.example")

        assert loaded["ALLOWED_HOSTS"] == ["a.example", "b.example"]

    def test_it_reads_database_url(self):
        loaded = settings_with(SECRET_KEY="k", DATABASE_URL="postgres://u@db.internal:5432/hub")

        assert loaded["DATABASE"] == "hub"

    def test_postgresql_gives_up_connecting_after_three_seconds(self):
        loaded = settings_with(SECRET_KEY="k", DATABASE_URL="postgres://u@db.internal:5432/hub")

        assert loaded["CONNECT_TIMEOUT"] == 3

    def test_the_database_url_may_set_its_own_connect_timeout(self):
        loaded = settings_with(
            SECRET_KEY="k", DATABASE_URL="postgres://u@db.internal:5432/hub?connect_timeout=10"
        )

        assert loaded["CONNECT_TIMEOUT"] == 10

    def test_cors_allowed_origins_narrow_who_may_read_the_mini_app_endpoints(self):
        loaded = settings_with(
            SECRET_KEY="k", CORS_ALLOWED_ORIGINS="https://a.vercel.app, https://b.example"
        )

        assert loaded["CORS_ALLOWED_ORIGINS"] == ["https://a.vercel.app", "https://b.example"]
        assert loaded["CORS_ALLOW_ALL_ORIGINS"] is False

    def test_redis_url_puts_the_shared_cache_on_redis(self):
        loaded = settings_with(SECRET_KEY="k", REDIS_URL="redis://cache.internal:6379/0")

        assert loaded["CACHE"] == "django.core.cache.backends.redis.RedisCache"
        assert loaded["CACHE_LOCATION"] == "redis://cache.internal:6379/0"
        assert loaded["CACHE_KEY_PREFIX"] == "spirtuoz"
        assert loaded["RATELIMIT_CACHE"] == {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://cache.internal:6379/0",
            "KEY_PREFIX": "spirtuoz:ratelimit",
        }

    def test_a_redis_that_is_down_or_hangs_costs_a_request_three_seconds_at_most(self):
        loaded = settings_with(SECRET_KEY="k", REDIS_URL="redis://cache.internal:6379/0")

        assert loaded["CACHE_OPTIONS"] == {"socket_connect_timeout": 3, "socket_timeout": 3}

    def test_redis_key_prefix_separates_hubs_sharing_one_redis(self):
        loaded = settings_with(
            SECRET_KEY="k", REDIS_URL="redis://cache.internal:6379/0", REDIS_KEY_PREFIX="staging"
        )

        assert loaded["CACHE_KEY_PREFIX"] == "staging"

    def test_it_reads_the_env_file_and_the_environment_wins(self, tmp_path):
        env_file = tmp_path / ".env"
        env_file.write_text("SECRET_KEY=from-file\nHOST_SECRET=file-secret\nPORT=4000\n")

        loaded = settings_with(env_file, PORT="5000")

        assert loaded["SECRET_KEY"] == "from-file"
        assert loaded["HOST_SECRET"] == "file-secret"
        assert loaded["PORT"] == 5000

    def test_a_copy_of_env_example_gives_the_defaults(self, tmp_path):
        env_file = tmp_path / ".env"
        example = (BASE_DIR / ".env.example").read_text()
        env_file.write_text(example.replace("SECRET_KEY=\n", "SECRET_KEY=k\n"))

        loaded = settings_with(env_file)

        assert loaded == settings_with(SECRET_KEY="k")

    def test_env_example_lists_every_setting(self):
        example = (BASE_DIR / ".env.example").read_text()

        for name in (
            "SECRET_KEY", "HOST_SECRET", "BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "PUBLIC_URL", "FILE_API_URL",
            "DATABASE_URL", "DEBUG", "ALLOWED_HOSTS", "HOST", "PORT", "ROOM_TTL_SECONDS",
            "REDIS_URL", "REDIS_KEY_PREFIX", "AVATAR_CACHE_SECONDS", "AVATAR_MISS_CACHE_SECONDS",
            "AVATAR_STALE_SECONDS", "SECURE_HSTS_SECONDS", "CORS_ALLOWED_ORIGINS",
            "REQUIRE_TELEGRAM_INIT_DATA", "TELEGRAM_INIT_DATA_MAX_AGE", "ROOM_LOOKUP_MISS_RATE",
            "HOST_AUTH_FAIL_RATE", "TRUSTED_PROXY_COUNT", "ENV_FILE",
        ):  # fmt: skip
            assert name in example


class TestEnvFile:
    def test_it_writes_fresh_secrets_and_comments_out_the_rest(self, tmp_path):
        env_file = tmp_path / ".env"

        host_secret = write_env_file(env_file, BASE_DIR / ".env.example")

        written = env_file.read_text()
        assigned = [line for line in written.splitlines() if line and not line.startswith("#")]
        assert [line.split("=")[0] for line in assigned] == ["SECRET_KEY", "HOST_SECRET"]
        assert f"HOST_SECRET={host_secret}" in assigned
        assert len(host_secret) >= 32
        assert len(assigned[0]) > len("SECRET_KEY=") + 40
        assert "# PUBLIC_URL=" in written
        assert env_file.stat().st_mode & 0o077 == 0

    def test_it_makes_new_secrets_every_time(self, tmp_path):
        example = BASE_DIR / ".env.example"

        assert write_env_file(tmp_path / "a", example) != write_env_file(tmp_path / "b", example)

    def test_the_host_secret_in_force_is_the_environments_over_the_files(self, tmp_path):
        env_file = tmp_path / ".env"
        written = write_env_file(env_file, BASE_DIR / ".env.example")

        assert host_secret_in_force(env_file, {"HOST_SECRET": "from-env"}) == (
            "from-env",
            "the environment",
        )
        assert host_secret_in_force(env_file, {"HOST_SECRET": "  "}) == (written, ".env")
        assert host_secret_in_force(tmp_path / "none", {}) == ("", "none")

    def test_make_run_prints_the_host_secret_in_force(self, tmp_path):
        # `python -m core.envfile`, as make run starts it, with a .env of its own.
        (tmp_path / "core").mkdir()
        (tmp_path / "core" / "envfile.py").write_text(
            (BASE_DIR / "core" / "envfile.py").read_text()
        )
        (tmp_path / ".env.example").write_text((BASE_DIR / ".env.example").read_text())
        (tmp_path / ".env").write_text("HOST_SECRET=from-the-file\n")

        def run(**environment):
            return subprocess.run(
                [sys.executable, "-m", "core.envfile"],
                cwd=tmp_path,
                env={"PATH": os.environ["PATH"], **environment},
                capture_output=True,
                text=True,
                check=True,
                timeout=30,
            ).stdout

        assert run(HOST_SECRET="from-the-environment") == (
            "Host App secret (HOST_SECRET, from the environment): from-the-environment\n"
        )
        assert run() == "Host App secret (HOST_SECRET, from .env): from-the-file\n"

    def test_it_leaves_an_existing_env_file_alone(self, tmp_path):
        env_file = tmp_path / ".env"
        env_file.write_text("SECRET_KEY=mine\n")

        assert write_env_file(env_file, BASE_DIR / ".env.example") is None
        assert env_file.read_text() == "SECRET_KEY=mine\n"

    def test_the_written_file_starts_the_hub(self, tmp_path):
        env_file = tmp_path / ".env"
        host_secret = write_env_file(env_file, BASE_DIR / ".env.example")

        loaded = settings_with(env_file)

        assert loaded["HOST_SECRET"] == host_secret
        assert loaded["DEBUG"] is False

    @pytest.mark.parametrize(
        ("example", "expected"),
        [
            ("# comment\nSECRET_KEY=\nPORT=3000\n", "# comment\nSECRET_KEY=s\n# PORT=3000\n"),
            ("HOST_SECRET=old\n", "HOST_SECRET=h\n"),
        ],
    )
    def test_render_fills_in_values(self, example, expected):
        assert render(example, {"SECRET_KEY": "s", "HOST_SECRET": "h"}) == expected


class TestSystemChecks:
    def test_it_warns_when_host_secret_is_unset(self, settings):
        settings.HOST_SECRET = ""

        assert [message.id for message in check_host_secret(None)] == ["rooms.W001"]

    def test_it_warns_when_host_secret_is_short(self, settings):
        settings.HOST_SECRET = "short"

        assert [message.id for message in check_host_secret(None)] == ["rooms.W002"]

    def test_it_is_quiet_with_a_long_host_secret(self, settings):
        settings.HOST_SECRET = "x" * 32

        assert check_host_secret(None) == []

    def test_it_warns_when_init_data_is_required_but_cannot_be_checked(self, settings):
        settings.REQUIRE_TELEGRAM_INIT_DATA = True
        settings.BOT_TOKEN = ""

        assert [message.id for message in check_init_data(None)] == ["rooms.W003"]

    def test_it_is_quiet_when_init_data_can_be_checked(self, settings):
        settings.REQUIRE_TELEGRAM_INIT_DATA = True
        settings.BOT_TOKEN = "42:TOKEN"

        assert check_init_data(None) == []

    def test_it_warns_when_the_bot_has_no_https_public_url(self, settings):
        settings.BOT_TOKEN = "42:token"
        settings.PUBLIC_URL = "http://127.0.0.1:3000"

        assert [message.id for message in check_public_url(None)] == ["telegrambot.W001"]

    def test_it_is_quiet_about_public_url_without_a_bot(self, settings):
        settings.BOT_TOKEN = ""
        settings.PUBLIC_URL = ""

        assert check_public_url(None) == []

    def test_it_is_quiet_with_an_https_public_url(self, settings):
        settings.BOT_TOKEN = "42:token"
        settings.PUBLIC_URL = "https://hub.onrender.com"

        assert check_public_url(None) == []
