"""The admin as an operator sees it in Chromium at 1,280 px, served as in production (granian,
collected static files): the dashboard's charts are drawn, and the room list fits the screen."""

import io

import pytest
from PIL import Image

from tests.support import HOST_SECRET
from tests.support.servers import (
    Granian,
    free_port,
    http,
    hub_environment,
    manage,
    prepare_like_make_run,
)

pytestmark = pytest.mark.slow

ADMIN, PASSWORD = "operator", "operator-password-0123456789"
WIDTH = 1280
# A night's samples, one every five minutes for the last 24 hours.
SAMPLES = """
from datetime import timedelta
from django.utils import timezone
from monitoring.models import Sample
now = timezone.now()
Sample.objects.bulk_create(
    Sample(
        taken_at=now - timedelta(minutes=5 * n),
        rooms_live=(n * 7) % 13,
        hosts_online=(n * 7) % 13,
        players=(n * 11) % 40,
    )
    for n in range(288)
)
"""


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("admin-hub")
    environment = hub_environment(f"sqlite:///{folder / 'db.sqlite3'}", free_port())
    environment |= {
        "DJANGO_SUPERUSER_USERNAME": ADMIN,
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        "DJANGO_SUPERUSER_EMAIL": "operator@example.com",
    }
    prepare_like_make_run(environment)
    manage(environment, "shell", "--command", SAMPLES)
    server = Granian(environment, folder / "server.log")
    long_path = "/".join(["a-rather-long-path-segment"] * 30)
    status, _, _ = http(
        "POST",
        f"{server.url}/api/host/rooms/register",
        {
            "room_code": "WIDEROOM",
            "ws_url": f"wss://some-quick-tunnel-words.trycloudflare.com/{long_path}",
            "app_url": f"https://my-spirtuoz-miniapp.vercel.app/{long_path}?lang=en",
        },
        Authorization=f"Bearer {HOST_SECRET}",
    )
    assert status == 201
    yield server
    server.stop()


@pytest.fixture
def operator(page, hub):
    """The page, logged in to the admin as staff, 1,280 px wide."""
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(f"{hub.url}/admin/login/")
    page.fill("#id_username", ADMIN)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{hub.url}/admin/")
    return page


def share_of(png: bytes, colour: tuple[int, int, int]) -> float:
    """How much of an image is (nearly) `colour`: 0 for a blank one, or axes alone."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = [image.getpixel((x, y)) for x in range(image.width) for y in range(image.height)]
    near = sum(
        1 for pixel in pixels if max(abs(a - b) for a, b in zip(pixel, colour, strict=True)) < 40
    )
    return near / len(pixels)


class TestAdminDashboard:
    def test_the_dashboards_charts_are_drawn(self, operator, page_log, tmp_path):
        # Each chart's line in its colour (monitoring/static/monitoring/dashboard.js).
        for chart, colour in (
            ("#chart-rooms", (0x41, 0x76, 0x90)),
            ("#chart-players", (0xC4, 0x7A, 0x21)),
        ):
            canvas = operator.locator(f"{chart} canvas")
            canvas.wait_for()
            png = canvas.screenshot()
            (tmp_path / f"{chart[1:]}.png").write_bytes(png)

            assert share_of(png, colour) > 0.02, f"{chart} draws no line"
        operator.screenshot(path=tmp_path / "dashboard.png", full_page=True)
        assert operator.locator("#rooms-live").inner_text() == "1"
        assert not [line for line in page_log if "error" in line.lower()], page_log

    def test_the_room_list_shows_every_column_at_1280_px(self, operator, hub, tmp_path):
        operator.goto(f"{hub.url}/admin/rooms/room/")
        operator.screenshot(path=tmp_path / "rooms.png", full_page=True)

        headers = operator.locator("#result_list thead th")
        assert headers.count() == 11  # the checkbox, and the ten columns
        right_edges = [
            box["x"] + box["width"] for box in map(lambda h: h.bounding_box(), headers.all())
        ]
        assert max(right_edges) <= WIDTH
        assert operator.evaluate("document.documentElement.scrollWidth") <= WIDTH
        assert operator.locator("#result_list tbody tr").count() == 1
