"""What the end-to-end tests run on: Debian's Chromium driven by Playwright, the example Mini App
served from an origin of its own, and the example Host App as a process.

Without Chromium the tests are skipped with the reason, unless REQUIRE_CHROMIUM=true (as .ci/run
sets it), where that is a failure. A failed test leaves a screenshot in tests/e2e/screenshots/.
"""

import functools
import os
import re
import shutil
import signal
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

from tests.support.host_process import BASE_DIR, HostApp

MINIAPP_DIR = BASE_DIR / "examples" / "miniapp"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# Chromium as root needs --no-sandbox. The rest keep it from reaching out on its own (this
# machine's network refuses it). Playwright gives each launch a fresh profile directory.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPORTS = pytest.StashKey[dict]()


def chromium_executable() -> str:
    """CHROMIUM_PATH, else Debian's `chromium` on the PATH; skips (or fails) without one."""
    found = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if found and Path(found).is_file():
        return found
    reason = (
        "no Chromium installed (`apt-get install chromium`, or set CHROMIUM_PATH); "
        ".ci/run installs it and sets REQUIRE_CHROMIUM=true"
    )
    if os.environ.get("REQUIRE_CHROMIUM") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item, so a fixture can tell that its test failed."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module's tests, each of which gets a fresh context.

    While Playwright runs, its event loop counts as running in this thread, and Django then
    refuses database work here (the tests' own, and the flush after each transactional test),
    although none of it runs inside that loop. Django's documented switch for this case (as in
    a Jupyter notebook) allows it, for this module only.
    """
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_log() -> list[str]:
    """What the page logged to its console, its uncaught errors and its failed requests."""
    return []


@pytest.fixture
def page(request, browser, page_log):
    """A page in a fresh browser context; on failure, a screenshot and what the page logged."""
    context = browser.new_context()
    # Everything here is on loopback: 5 s is plenty, and a failure shows up quickly.
    context.set_default_timeout(5000)
    page = context.new_page()
    # Outside Telegram, telegram.org's script may not load; the Mini App must not need it.
    page.route(re.compile(r"^https://telegram\.org/"), lambda route: route.abort())
    page.on("console", lambda message: page_log.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: page_log.append(f"uncaught: {error}"))
    page.on(
        "requestfailed",
        lambda failed: page_log.append(f"request failed: {failed.url} ({failed.failure})"),
    )
    yield page
    call = request.node.stash.get(REPORTS, {}).get("call")
    if call is not None and call.failed:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / (re.sub(r"[^\w.-]+", "_", request.node.name) + ".png")
        page.screenshot(path=path, full_page=True)
        print(f"screenshot: {path}\npage at {page.url}")
        print("page log:", *page_log, sep="\n  ")
    context.close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass  # the tests read the page, not access logs


@pytest.fixture(scope="module")
def miniapp_url():
    """examples/miniapp/ as a static site on its own origin (the hub is on localhost)."""
    handler = functools.partial(QuietHandler, directory=str(MINIAPP_DIR))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def start_host(tmp_path):
    """Starts examples/host.py (HostApp's arguments); kills whatever is still running after."""
    hosts = []

    def start(*args: str) -> HostApp:
        host = HostApp(tmp_path / f"host-{len(hosts)}.log", *args)
        hosts.append(host)
        return host

    yield start
    for host in hosts:
        host.stop(signal.SIGKILL)
