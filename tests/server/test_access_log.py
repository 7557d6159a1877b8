"""The access log (server/accesslog.py): a request's thread notes its line, a thread makes it
with the request's context and moment, the handler writes lines in order, and whatever is
queued is written when the process exits."""

import logging
import subprocess
import sys
import threading
import time

from core.logs import ACCESS_LOGGER, request_context_begin
from server.accesslog import BackgroundStreamHandler, access_line, access_log_flush
from tests.support import BASE_DIR


def access_logger(handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"test.access.{id(handler)}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger


class TestBackgroundStreamHandler:
    def test_it_writes_every_line_of_every_thread_in_each_threads_order(self, capsys):
        handler = BackgroundStreamHandler()
        logger = access_logger(handler)

        def requests(thread: int) -> None:
            for n in range(200):
                logger.info("thread %d line %d", thread, n)

        threads = [threading.Thread(target=requests, args=(t,)) for t in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        handler.flush()

        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 800
        for thread in range(4):
            mine = [line for line in lines if line.startswith(f"thread {thread} ")]
            assert mine == [f"thread {thread} line {n}" for n in range(200)]

    def test_a_process_and_its_forked_worker_write_what_is_queued_when_they_exit(self):
        # As granian runs it: configured in the server process, used in forked workers.
        program = (
            "import logging, multiprocessing\n"
            "from server.accesslog import BackgroundStreamHandler\n"
            "logger = logging.getLogger('access')\n"
            "logger.addHandler(BackgroundStreamHandler())\n"
            "logger.setLevel(logging.INFO)\n"
            "def lines(who):\n"
            "    for n in range(1000):\n"
            "        logger.info('%s line %d', who, n)\n"
            "worker = multiprocessing.get_context('fork').Process(target=lines, args=('worker',))\n"
            "worker.start()\n"
            "worker.join()\n"
            "lines('server')\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", program], cwd=BASE_DIR, capture_output=True, text=True
        )

        lines = result.stdout.splitlines()
        for who in ("worker", "server"):
            mine = [line for line in lines if line.startswith(f"{who} ")]
            assert mine == [f"{who} line {n}" for n in range(1000)]


class TestAccessLine:
    def test_a_line_is_made_later_with_the_context_and_moment_of_its_request(self):
        made: list[logging.LogRecord] = []
        keep = logging.Handler()
        keep.emit = made.append
        access = logging.getLogger(ACCESS_LOGGER)
        access.addHandler(keep)
        try:
            request_context_begin(request_id="req-early", client="203.0.113.5")
            answered = time.time()
            access_line(
                {
                    "REMOTE_ADDR": "10.0.0.1",
                    "REQUEST_METHOD": "GET",
                    "PATH_INFO": "/api/rooms/ABCD",
                    "SERVER_PROTOCOL": "HTTP/1.1",
                },
                200,
                0.0025,
            )
            # The thread serves its next request before the line is made.
            request_context_begin(request_id="req-next", client="198.51.100.1")
            time.sleep(0.1)
            access_log_flush()
        finally:
            access.removeHandler(keep)
            request_context_begin(request_id="", client="")

        (record,) = made
        assert record.getMessage() == '10.0.0.1 - "GET /api/rooms/ABCD HTTP/1.1" 200 2.500'
        assert (record.request_id, record.client, record.status) == (
            "req-early",
            "203.0.113.5",
            200,
        )
        assert abs(record.created - answered) < 0.05
