"""Run examples/host.py as a real process, the way Host App authors run it."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support import BASE_DIR, HOST_SECRET, secret_audit

HOST_SCRIPT = BASE_DIR / "examples" / "host.py"
OPEN_LINE = re.compile(r"room (\w+) is open: players join at (\S+)")


class HostApp:
    """`python examples/host.py ARGS` with HOST_SECRET in its environment and its log in `log`."""

    def __init__(self, log: Path, *args: str, secret: str = HOST_SECRET):
        self.log = log
        # Whatever the host prints goes through the run's secrets audit too.
        secret_audit.watch(log)
        self.process = subprocess.Popen(
            [sys.executable, str(HOST_SCRIPT), *args],
            cwd=BASE_DIR,
            env={**os.environ, "HOST_SECRET": secret},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text()

    def wait_for(self, pattern: str, timeout: float = 10, *, times: int = 1) -> re.Match:
        """The `times`th match of `pattern` in the log, waiting for it while the process runs."""
        deadline = time.monotonic() + timeout
        while len(found := list(re.finditer(pattern, self.output()))) < times:
            assert self.process.poll() is None, f"host.py exited:\n{self.output()}"
            assert time.monotonic() < deadline, (
                f"{len(found)} of {times} {pattern!r} within {timeout} s:\n{self.output()}"
            )
            time.sleep(0.05)
        return found[times - 1]

    def wait_until_open(self, times: int = 1) -> tuple[str, str]:
        """(room code, join URL) once the hub has the room (opened `times` times)."""
        return self.wait_for(OPEN_LINE.pattern, times=times).groups()

    def stop(self, signal_number: int = signal.SIGINT, timeout: float = 15) -> int:
        """Stops it as Ctrl-C does (by default); returns its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal_number)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
