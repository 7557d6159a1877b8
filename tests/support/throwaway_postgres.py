"""A PostgreSQL server of the tests' own, to stop and start for real: its own data directory in
a temporary folder and its own port, run with the machine's PostgreSQL binaries. Never the
machine's main server, which other suites use.

PostgreSQL refuses to run as root, so under root (as in CI) it runs as the `postgres` user.
Without PostgreSQL's binaries the tests that need it are skipped, unless REQUIRE_POSTGRES=true
(as in CI), where that fails them instead.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

SEARCHED = sorted(
    Path("/usr/lib/postgresql").glob("*/bin"),
    key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0,
    reverse=True,
)


def postgres_binaries() -> Path | None:
    """The folder of PostgreSQL's initdb and pg_ctl, or None without them."""
    on_path = shutil.which("initdb")
    for folder in [*SEARCHED, *([Path(on_path).parent] if on_path else [])]:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


class ThrowawayPostgres:
    def __init__(self, binaries: Path, port: int):
        self.binaries = binaries
        self.port = port
        self.folder = Path(tempfile.mkdtemp(prefix="spirtuoz-postgres-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.as_user: list[str] = []
        if os.getuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self, *, durable: bool = False) -> None:
        # fsync off unless asked: the server's own crash safety is not what the tests are about
        # (make bench asks, to measure writes as a hosted server makes them).
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        if not durable:
            options += " -c fsync=off"
        else:
            # make bench's hub and its floor each keep a connection per thread of a worker.
            options += " -c max_connections=300"
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "start")

    def stop(self) -> None:
        """Stopped as an operator stops it: sessions ended, no new connection accepted."""
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *args) -> None:
        command = [*self.as_user, str(self.binaries / program), *map(str, args)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{program} failed: {result.stdout}{result.stderr}"


def throwaway_postgres_or_skip(port: int) -> ThrowawayPostgres:
    import pytest  # here: make bench uses this module without pytest installed

    binaries = postgres_binaries()
    if binaries is None:
        if os.environ.get("REQUIRE_POSTGRES") == "true":
            pytest.fail("no PostgreSQL binaries (initdb, pg_ctl) and REQUIRE_POSTGRES=true")
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl) to run a throwaway server")
    return ThrowawayPostgres(binaries, port)
