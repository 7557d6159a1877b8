"""The dashboard on the admin's index: the night at a glance, for staff only."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.models import Sample, TelegramMinute
from rooms.models import Room

pytestmark = pytest.mark.django_db


def chart_data(page: str) -> dict:
    found = re.search(
        r'<script id="dashboard-chart-data" type="application/json">(.*?)</script>', page
    )
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


class TestDashboard:
    def test_it_shows_rooms_hosts_players_and_the_last_hours_telegram_calls(
        self, admin_client, register, api
    ):
        for code, players in (("FIRST", 2), ("SECND", 5)):
            token = register({"room_code": code}).json()["host_token"]
            api.patch(f"/api/host/rooms/{code}", {"players": players}, HTTP_X_ROOM_TOKEN=token)
        Room.objects.filter(code="SECND").update(last_seen_at="2000-01-01T00:00Z")
        minute = timezone.now().replace(second=0, microsecond=0)
        TelegramMinute.objects.create(minute=minute, calls=7, errors=2)
        TelegramMinute.objects.create(minute=minute - timedelta(minutes=30), calls=3, errors=0)
        TelegramMinute.objects.create(minute=minute - timedelta(hours=2), calls=50, errors=50)

        page = admin_client.get("/admin/").content.decode()

        figures = dict(re.findall(r'<dd id="([a-z-]+)"[^>]*>(\d+)</dd>', page))
        assert figures == {
            "rooms-live": "2",
            "hosts-online": "1",
            "players-now": "7",
            "telegram-calls": "10",
            "telegram-errors": "2",
        }

    def test_its_charts_carry_the_last_24_hours_of_samples(self, admin_client):
        now = timezone.now()
        for hours_ago, rooms, players in ((30, 9, 90), (20, 1, 4), (1, 3, 12)):
            Sample.objects.create(
                taken_at=now - timedelta(hours=hours_ago),
                rooms_live=rooms,
                hosts_online=rooms,
                players=players,
            )

        page = admin_client.get("/admin/").content.decode()

        data = chart_data(page)
        assert data["rooms"] == [1, 3]
        assert data["players"] == [4, 12]
        assert data["times"][1] - data["times"][0] == 19 * 3600
        assert "monitoring/uplot/uPlot.iife.min.js" in page
        assert "https://" not in "".join(re.findall(r'<script src="([^"]+)"', page))

    def test_it_is_titled_for_the_hub_and_view_site_leads_to_the_api_docs(self, admin_client):
        page = admin_client.get("/admin/").content.decode()

        assert "<title>Tonight | Spirtuoz hub</title>" in page
        assert '<a href="/admin/">Spirtuoz hub</a>' in page
        assert '<a href="/api/docs/">View site</a>' in page

    def test_it_is_for_staff_only(self, client, django_user_model):
        user = django_user_model.objects.create_user("player", password="pw-0123456789")
        client.force_login(user)

        response = client.get("/admin/")

        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
