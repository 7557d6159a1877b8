"""TypeScript types generated from the schema by openapi-typescript describe the hub: the example
Host App (clients/typescript/host.ts, on openapi-fetch) type-checks against them with
`tsc --noEmit`, what the types must refuse they refuse (typing.ts), and compiled, it registers,
heartbeats, looks up, fetches a photo and closes a room on a live hub.

The tools come from clients/typescript/package-lock.json (`npm ci`). Without npm the tests are
skipped with the reason, unless REQUIRE_NODE=true (as .ci/run sets it), where that fails them.
"""

import os
import shutil
import subprocess

import pytest

from tests.support import AVATAR_JPEG, BASE_DIR, HOST_SECRET

# Starts npm, tsc, node and a hub: left out of `make test-fast`.
pytestmark = pytest.mark.slow

FOLDER = BASE_DIR / "clients" / "typescript"
# What a Host App author keeps beside the generated schema.d.ts.
SOURCES = ("package.json", "tsconfig.json", "host.ts", "typing.ts")


def npm() -> str:
    found = shutil.which("npm")
    if found:
        return found
    reason = "no npm (apt-get install nodejs npm); .ci/run installs it and sets REQUIRE_NODE=true"
    if os.environ.get("REQUIRE_NODE") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def run(*command: str, cwd, **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=cwd,
        env=os.environ | variables,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def tools():
    """clients/typescript/node_modules as its lock file pins it (`npm ci` when it is older)."""
    installed = FOLDER / "node_modules" / ".package-lock.json"
    lock = FOLDER / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        result = run(npm(), "ci", "--no-audit", "--no-fund", cwd=FOLDER)
        assert result.returncode == 0, result.stdout + result.stderr
    return FOLDER / "node_modules"


@pytest.fixture(scope="module")
def project(tools, schema_file, tmp_path_factory):
    """A Host App's folder: the sources, the tools, and schema.d.ts generated from the schema."""
    folder = tmp_path_factory.mktemp("typescript-client")
    for name in SOURCES:
        shutil.copy(FOLDER / name, folder / name)
    (folder / "node_modules").symlink_to(tools, target_is_directory=True)
    result = run(
        str(tools / ".bin" / "openapi-typescript"),
        str(schema_file),
        "--output",
        "schema.d.ts",
        cwd=folder,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


class TestTypeScriptClient:
    def test_the_types_name_every_operation_the_example_uses(self, project):
        types = (project / "schema.d.ts").read_text()

        for operation in ("registerRoom", "heartbeatRoom", "getRoom", "closeRoom"):
            assert f"    {operation}: {{" in types, operation
        assert '"image/jpeg": string' in types

    def test_the_example_host_app_type_checks_against_them(self, project, tools):
        # typing.ts too: each of its lines marked @ts-expect-error must still be an error.
        result = run(str(tools / ".bin" / "tsc"), "--noEmit", cwd=project)

        assert result.returncode == 0, result.stdout + result.stderr

    def test_compiled_it_plays_a_room_on_a_live_hub(self, project, tools, hub):
        built = run(str(tools / ".bin" / "tsc"), cwd=project)
        assert built.returncode == 0, built.stdout + built.stderr

        result = run(
            "node",
            "dist/host.js",
            str(hub.player_id),
            cwd=project,
            HUB_URL=hub.url,
            HOST_SECRET=HOST_SECRET,
        )

        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.splitlines()
        code = lines[0].removeprefix("registered room ")
        assert lines == [
            f"registered room {code}",
            "heartbeat: 3 of 8 players",
            f"looked up {code}: wss://abc.trycloudflare.com/ws, host online: true",
            f"player {hub.player_id}'s photo: {len(AVATAR_JPEG)} bytes of image/jpeg",
            f"closed room {code}",
        ]
