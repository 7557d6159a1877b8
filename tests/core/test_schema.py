"""The OpenAPI description at /api/schema/ and Swagger UI at /api/docs/: complete, valid, and
true, which schemathesis checks by fuzzing the live hub from the schema."""

import hashlib
import json
import re
import subprocess
from pathlib import Path

import jsonschema
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
# What clients name their functions after: `registerRoom`, `getAvatarImage`; a verb and at most
# three more words. Each view says its own: extend_schema(operation_id="...").
OPERATION_ID = re.compile(r"[a-z]+(?:[A-Z][a-z0-9]*){0,3}")
OPERATION_ID_MAX_LENGTH = 24
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Fuzzing that finds nothing in this many cases per operation is stopped: CI stays fast.
EXAMPLES_PER_OPERATION = 30
SLOWEST_ANSWER_SECONDS = 3


def operations(schema: dict):
    """(method, path, operation) for every operation the schema describes."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method, path, operation


def json_schema(node, components: dict):
    """An OpenAPI 3.0 schema as JSON Schema 2020-12 understands it: `nullable` becomes null
    allowed, and the components come along so that each $ref resolves."""

    def convert(value):
        if isinstance(value, list):
            return [convert(item) for item in value]
        if not isinstance(value, dict):
            return value
        converted = {key: convert(item) for key, item in value.items() if key != "nullable"}
        if value.get("nullable"):
            converted = {"anyOf": [converted, {"type": "null"}]}
        return converted

    return {**convert(node), "components": {"schemas": convert(components)}}


def examples_with_their_schemas(schema: dict):
    """(where, the example's value, the schema it illustrates) for every example the schema
    gives: on parameters, request and response bodies, and the components' properties."""
    for method, path, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            where = f"{method} {path} parameter {parameter['name']}"
            for name, example in parameter.get("examples", {}).items():
                yield f"{where} {name}", example["value"], parameter["schema"]
        bodies = [("request", operation.get("requestBody", {}))] + [
            (f"response {status}", response) for status, response in operation["responses"].items()
        ]
        for what, body in bodies:
            for media_type, content in body.get("content", {}).items():
                for name, example in content.get("examples", {}).items():
                    where = f"{method} {path} {what} {media_type} {name}"
                    yield where, example["value"], content["schema"]
    for component, definition in schema["components"]["schemas"].items():
        for field, property_schema in definition.get("properties", {}).items():
            if "example" in property_schema:
                where = f"component {component}.{field}"
                yield where, property_schema["example"], property_schema


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

    def test_every_operation_has_a_short_camel_case_operation_id_of_its_own(self, client):
        schema = yaml.safe_load(client.get("/api/schema/").content)

        ids = [operation["operationId"] for _, _, operation in operations(schema)]
        for method, path, operation in operations(schema):
            operation_id = operation["operationId"]
            assert OPERATION_ID.fullmatch(operation_id), (
                f"{method} {path} is {operation_id!r}: give its view "
                'extend_schema(operation_id="verbNoun"), e.g. "getRoomQrCode"'
            )
            assert len(operation_id) <= OPERATION_ID_MAX_LENGTH, operation_id
        assert sorted(name for name in set(ids) if ids.count(name) > 1) == []

    def test_its_operations_are_named_as_the_docs_name_them(self, client):
        schema = yaml.safe_load(client.get("/api/schema/").content)

        named = {
            (method, path): operation["operationId"]
            for method, path, operation in operations(schema)
        }
        assert {
            named[("post", "/api/host/rooms/register")],
            named[("post", "/api/host/rooms/{code}/heartbeat")],
            named[("patch", "/api/host/rooms/{code}")],
            named[("delete", "/api/host/rooms/{code}")],
            named[("get", "/api/rooms/{code}")],
        } == {"registerRoom", "heartbeatRoom", "updateRoom", "closeRoom", "getRoom"}

    def test_an_operation_anybody_may_call_asks_for_no_credentials(self, client):
        schema = yaml.safe_load(client.get("/api/schema/").content)

        public = [
            f"{method} {path}"
            for method, path, operation in operations(schema)
            if "security" not in operation
        ]
        for method, path, operation in operations(schema):
            # `[{}]` alone means "no credentials" too, but client generators read it as some.
            assert operation.get("security") != [{}], f"{method} {path}: auth=PUBLIC"
        assert public == [
            "get /api/rooms/{code}/qr.svg",
            "get /api/users/{user_id}/avatar.jpg",
            "get /healthz",
        ]

    def test_every_example_is_valid_against_the_schema_it_illustrates(self, client):
        schema = yaml.safe_load(client.get("/api/schema/?format=json").content)
        components = schema["components"]["schemas"]

        found = list(examples_with_their_schemas(schema))
        for where, value, illustrated in found:
            validator = jsonschema.Draft202012Validator(json_schema(illustrated, components))
            errors = [error.message for error in validator.iter_errors(value)]
            assert errors == [], where
        # Examples of the room's requests, its answers, its code, its URLs and a user id.
        assert len(found) >= 12

    def test_every_answer_says_what_it_is(self, client):
        schema = yaml.safe_load(client.get("/api/schema/").content)

        for method, path, operation in operations(schema):
            for status, response in operation["responses"].items():
                assert response["description"].strip(), f"{method} {path} {status}"

    def test_the_avatar_image_is_described_as_the_bytes_of_an_image(self, client):
        schema = yaml.safe_load(client.get("/api/schema/").content)

        answer = schema["paths"]["/api/users/{user_id}/avatar.jpg"]["get"]["responses"]["200"]
        assert set(answer["content"]) == {"image/jpeg", "image/png", "image/gif"}
        for content in answer["content"].values():
            assert content["schema"] == {"type": "string", "format": "binary"}
        assert set(answer["headers"]) == {"ETag", "Cache-Control"}

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
