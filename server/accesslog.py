"""The handler of granian's access log: one line per request on stdout, written by a thread.

A logging.StreamHandler writes and flushes each line under a lock, and a worker's request
threads took turns at it: under load, writing the access log cost a worker as much time as
answering room lookups (bench/RESULTS.md). With this handler a request thread only formats its
line and queues it; a thread of the worker's own writes whatever has queued, in one write.
Lines keep their order. A forked worker starts its writer on its first line and writes what
is still queued when it exits.
"""

import atexit
import contextlib
import logging
import os
import queue
import sys
import threading
from multiprocessing import util

# At most this many lines go into one write.
BATCH_LINES = 1000
# How long a flush, at exit for one, waits for the writer.
FLUSH_TIMEOUT_SECONDS = 5


class BackgroundStreamHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        # Lines, and the events flush() waits on, in the order they were queued.
        self._lines: queue.SimpleQueue[str | threading.Event] = queue.SimpleQueue()
        self._writer_pid: int | None = None
        self._writer_lock = threading.Lock()

    def handle(self, record: logging.LogRecord) -> bool:
        # No handler lock: formatting needs none, and the queue is thread-safe.
        if not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except (TypeError, ValueError, KeyError):
            self.handleError(record)
            return
        self._queue().put(line)

    def flush(self) -> None:
        """Wait until the writer has written every line queued so far (for up to
        FLUSH_TIMEOUT_SECONDS): lines keep their order, and none is lost at exit."""
        if self._writer_pid != os.getpid():
            return  # no line queued in this process
        written = threading.Event()
        self._lines.put(written)
        written.wait(FLUSH_TIMEOUT_SECONDS)

    def _queue(self) -> queue.SimpleQueue:
        if self._writer_pid != os.getpid():
            with self._writer_lock:
                if self._writer_pid != os.getpid():
                    # A new process: lines queued before the fork belong to the parent.
                    self._lines = queue.SimpleQueue()
                    threading.Thread(target=self._run, name="access-log", daemon=True).start()
                    # Exits: a normal one, and a multiprocessing child's (granian's workers).
                    atexit.register(self.flush)
                    util.Finalize(self, self.flush, exitpriority=0)
                    self._writer_pid = os.getpid()
        return self._lines

    def _run(self) -> None:
        lines = self._lines
        while True:
            batch = [lines.get()]
            with contextlib.suppress(queue.Empty):
                while len(batch) < BATCH_LINES:
                    batch.append(lines.get_nowait())
            self._write([line for line in batch if isinstance(line, str)])
            for flushed in batch:
                if isinstance(flushed, threading.Event):
                    flushed.set()

    def _write(self, batch: list[str]) -> None:
        if not batch:
            return
        try:
            sys.stdout.write("\n".join(batch) + "\n")
            sys.stdout.flush()
        except (OSError, ValueError):
            # As StreamHandler does: a log that cannot be written never stops the server.
            self.handleError(logging.makeLogRecord({"msg": "access log write failed"}))
