"""A Python client generated from the schema by openapi-python-client, with the project's own
config (clients/python/config.yaml), works: the example Host App (clients/python/host.py)
registers, heartbeats, looks up, fetches a photo and closes a room through it on a live hub."""

import os
import subprocess
import sys

import pytest
import yaml

from tests.support import AVATAR_JPEG, BASE_DIR, HOST_SECRET
from tests.support.servers import BIN

CLIENTS = BASE_DIR / "clients"
CONFIG = CLIENTS / "python" / "config.yaml"
PACKAGE = "spirtuoz_hub_client"


def test_every_image_the_schema_serves_is_one_the_generator_is_told_to_read_as_bytes(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    overrides = yaml.safe_load(CONFIG.read_text())["content_type_overrides"]

    served = {
        media_type
        for item in schema["paths"].values()
        for operation in item.values()
        for response in operation.get("responses", {}).values()
        for media_type in response.get("content", {})
    }
    images = {media_type for media_type in served if media_type != "application/json"}
    assert images
    assert images <= set(overrides), f"add to {CONFIG.relative_to(CLIENTS.parent)}"
    assert set(overrides.values()) == {"application/octet-stream"}


@pytest.fixture(scope="module")
def generated(schema_file, tmp_path_factory):
    """The client, generated as the docs say; the generator's own output."""
    folder = tmp_path_factory.mktemp("python-client")
    run = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema_file),
            "--config",
            str(CONFIG),
            "--output-path",
            str(folder / "client"),
        ],
        # Its post-generation hooks run ruff, which is this virtualenv's.
        env=os.environ | {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return folder / "client", run.stdout + run.stderr


@pytest.mark.slow
class TestPythonClient:
    def test_it_is_generated_whole_without_a_warning(self, generated):
        folder, output = generated

        assert "Warning" not in output, output
        operations = sorted(path.stem for path in (folder / PACKAGE / "api").glob("*/*.py"))
        assert {"register_room", "heartbeat_room", "get_room", "close_room"} <= set(operations)
        assert "get_avatar_image" in operations

    def test_the_example_host_app_plays_a_room_through_it_on_a_live_hub(self, generated, hub):
        folder, _ = generated

        run = subprocess.run(
            [sys.executable, str(CLIENTS / "python" / "host.py"), str(hub.player_id)],
            env=os.environ
            | {"PYTHONPATH": str(folder), "HUB_URL": hub.url, "HOST_SECRET": HOST_SECRET},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

        assert run.returncode == 0, run.stdout + run.stderr
        lines = run.stdout.splitlines()
        code = lines[0].removeprefix("registered room ")
        assert lines == [
            f"registered room {code}",
            lines[1],
            f"looked up {code}: wss://abc.trycloudflare.com/ws, host online: True",
            f"player {hub.player_id}'s photo: {len(AVATAR_JPEG)} bytes",
            f"closed room {code}",
        ]
        assert lines[1].startswith("heartbeat: 3 of 8 players, expires ")
