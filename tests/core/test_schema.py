"""The OpenAPI description at /api/schema/ and Swagger UI at /api/docs/: complete, valid, and
true, which schemathesis checks by fuzzing the live hub from the schema."""

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from tests.support import AVATAR_JPEG, HOST_SECRET
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import (
    BIN,
    Granian,
    free_port,
    http,
    hub_environment,
    prepare_like_make_run,
)

WEBHOOK_SECRET = "fuzz-webhook-secret"
# Fuzzing that finds nothing in this many cases per operation is stopped: CI stays fast.
EXAMPLES_PER_OPERATION = 30
SLOWEST_ANSWER_SECONDS = 3


def api_paths() -> set[str]:
    """Every routed path of the API, the webhook and /healthz, as OpenAPI writes them.
    /join/<code> is left out: it is a page for people (a redirect, or HTML), not API."""
    paths = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and (
                route.startswith(("api/", "telegram/")) or route == "healthz"
            ):
                paths.add("/" + route.replace("<str:", "{").replace(">", "}"))

    walk(get_resolver().url_patterns)
    return paths - {"/api/schema/", "/api/docs/"}


class TestSchema:
    def test_it_is_valid_openapi_without_warnings(self, tmp_path):
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yaml")

        assert yaml.safe_load((tmp_path / "s.yaml").read_text())["openapi"].startswith("3.")

    def test_it_describes_every_endpoint(self, client):
        schema = yaml.safe_load(client.get("/api/schema/").content)

        assert set(schema["paths"]) == api_paths()

    def test_every_error_answer_has_the_one_error_shape(self, client):
        schema = yaml.safe_load(client.get("/api/schema/").content)

        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                for status, response in operation["responses"].items():
                    if int(status) >= 400:
                        assert response["content"]["application/json"]["schema"] == {
                            "$ref": "#/components/schemas/Error"
                        }, f"{method} {path} {status}"

    def test_every_endpoint_documents_its_503_for_a_database_that_is_down(self, client):
        schema = yaml.safe_load(client.get("/api/schema/").content)

        # The webhook acknowledges an update without the database: the bot's handlers log an
        # outage, and the update gets its 200 (anything else, Telegram would redeliver).
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                if path == "/telegram/webhook":
                    continue
                assert "database is unavailable" in operation["responses"]["503"]["description"], (
                    f"{method} {path}"
                )

    def test_it_is_served_as_json_on_request(self, client):
        response = client.get("/api/schema/?format=json")

        assert response.status_code == 200
        assert json.loads(response.content)["info"]["title"] == "Spirtuoz hub API"

    def test_swagger_ui_loads_its_files_from_the_hub(self, client):
        response = client.get("/api/docs/")

        assert response.status_code == 200
        page = response.content.decode()
        assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
        assert "cdn." not in page
        assert "/api/schema/" in page


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """The hub as `make run` serves it, with the loopback Telegram holding one photo."""
    telegram = FakeTelegram().start()
    telegram.add_photo(42, AVATAR_JPEG)
    folder = tmp_path_factory.mktemp("fuzz")
    environment = hub_environment(f"sqlite:///{folder / 'db.sqlite3'}", free_port())
    environment |= {
        "FILE_API_URL": telegram.url,
        "BOT_TOKEN": telegram.token,
        # One fuzzer makes hundreds of mistakes a minute; the limits (and their documented
        # 429s) are tested in test_rate_limits.py.
        "PUBLIC_URL": "http://127.0.0.1",
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "ROOM_LOOKUP_MISS_RATE": "off",
        "HOST_AUTH_FAIL_RATE": "off",
    }
    prepare_like_make_run(environment)
    server = Granian(environment, folder / "server.log")
    # The rooms the schema's examples name, so fuzzing reaches the found-room answers too, and
    # the token of ABCD, so that it reaches its host's endpoints (and REGISTER's refusals).
    tokens = []
    for code in ("ABCD", "REGISTER"):
        _, _, answer = http(
            "POST",
            f"{server.url}/api/host/rooms/register",
            {"room_code": code, "ws_url": "wss://a.example/ws", "app_url": "https://a.example"},
            **{"X-Host-Secret": HOST_SECRET},
        )
        tokens.append(json.loads(answer)["host_token"])
    yield server, folder, tokens[0]
    server.stop()
    telegram.stop()


@pytest.mark.slow
class TestSchemaFuzzing:
    def test_the_live_hub_answers_as_its_schema_says(self, hub):
        server, folder, room_token = hub
        status, _, _ = http("GET", f"{server.url}/api/schema/")
        assert status == 200

        run = subprocess.run(
            [
                str(BIN / "schemathesis"),
                "--config-file",
                str(Path(__file__).parent / "schemathesis.toml"),
                "run",
                f"{server.url}/api/schema/?format=json",
                # No 5xx, statuses, content types, headers and bodies as documented,
                # bad input refused, the host secret enforced, and the rest.
                "--checks",
                "all",
                "--max-response-time",
                str(SLOWEST_ANSWER_SECONDS),
                "--max-examples",
                str(EXAMPLES_PER_OPERATION),
                "--seed",
                "20261124",
                "--header",
                f"X-Host-Secret: {HOST_SECRET}",
                "--header",
                f"X-Room-Token: {room_token}",
                "--header",
                "X-Telegram-Bot-Api-Secret-Token: "
                + hashlib.sha256(WEBHOOK_SECRET.encode()).hexdigest(),
                # One worker: with threads, CPython 3.11.7's ast.parse (used by hypothesis)
                # can fail with "AST constructor recursion depth mismatch" (gh-106905).
                "--workers",
                "1",
            ],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
