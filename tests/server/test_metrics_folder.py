"""The folder the server's workers keep their metrics in (server/serve.py, monitoring/metrics.py):
empty when the server starts, and a dead worker's live gauges dropped by its replacement."""

import os
import subprocess
import sys

from monitoring.metrics import metrics_forget_dead_workers
from server.serve import metrics_folder_prepare


def a_dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


class TestMetricsFolder:
    def test_a_given_folder_is_emptied_of_an_earlier_runs_files(self, tmp_path, monkeypatch):
        (tmp_path / "counter_4242.db").write_bytes(b"old counts")
        (tmp_path / "notes.txt").write_text("not ours")
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

        metrics_folder_prepare()

        assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]

    def test_without_one_a_fresh_folder_is_made(self, monkeypatch):
        monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)

        metrics_folder_prepare()

        folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
        assert os.path.isdir(folder)
        assert os.listdir(folder) == []

    def test_a_dead_workers_live_gauges_go_and_its_counters_stay(self, tmp_path, monkeypatch):
        dead, alive = a_dead_pid(), os.getpid()
        for name in (
            f"counter_{dead}.db",
            f"gauge_livesum_{dead}.db",
            f"gauge_livesum_{alive}.db",
        ):
            (tmp_path / name).write_bytes(b"")
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

        metrics_forget_dead_workers()

        assert sorted(path.name for path in tmp_path.iterdir()) == [
            f"counter_{dead}.db",
            f"gauge_livesum_{alive}.db",
        ]
