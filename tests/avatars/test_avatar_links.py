"""The hub's avatar links are signed and expire: with REQUIRE_TELEGRAM_INIT_DATA only links the
hub handed out (to a verified Mini App, or in a ticket) load the image."""

import pytest

from avatars.links import avatar_image_url
from tests.support import AVATAR_JPEG
from tests.support.initdata import signed

INVALID = {"error": "this avatar link is not the hub's or has expired; ask for the avatar again"}


@pytest.fixture
def clock(time_machine):
    time_machine.move_to("2026-11-24 20:00:00Z", tick=False)
    return time_machine


@pytest.fixture
def required(settings, fake_telegram):
    settings.REQUIRE_TELEGRAM_INIT_DATA = True
    settings.AVATAR_URL_SECONDS = 3600
    fake_telegram.add_photo(777, AVATAR_JPEG)
    return fake_telegram


def handed_out(api) -> str:
    """The link the avatar JSON gives a verified Mini App, as a path."""
    authorization = f"tma {signed()}"
    response = api.get("/api/users/777/avatar", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 200
    return response.json()["avatar"].removeprefix("http://testserver")


@pytest.mark.django_db
class TestAvatarLinks:
    def test_a_link_the_hub_handed_out_loads(self, api, required, clock):
        response = api.get(handed_out(api))

        assert response.status_code == 200
        assert response.content == AVATAR_JPEG

    @pytest.mark.parametrize(
        "query",
        ["", "?v=1", "?exp=9999999999", "?exp=9999999999&sig=forged", "?exp=abc&sig="],
    )
    def test_a_link_the_hub_never_gave_gets_403(self, api, required, clock, query):
        response = api.get(f"/api/users/777/avatar.jpg{query}")

        assert response.status_code == 403
        assert response.json() == INVALID
        assert required.count("getUserProfilePhotos") == 0

    def test_another_users_signature_does_not_open_this_user(self, api, required, clock):
        other = avatar_image_url(user_id=778, base_url="")
        query = other.partition("?")[2]

        response = api.get(f"/api/users/777/avatar.jpg?{query}")

        assert response.status_code == 403

    def test_a_link_expires_after_one_to_two_periods(self, api, required, clock):
        link = handed_out(api)
        clock.shift(3599)
        assert api.get(link).status_code == 200

        clock.shift(3601)

        assert api.get(link).status_code == 403

    def test_a_users_link_stays_the_same_within_a_period_for_browser_caches(self, settings, clock):
        settings.AVATAR_URL_SECONDS = 3600
        first = avatar_image_url(user_id=777, base_url="", version="abc")
        clock.shift(1800)

        assert avatar_image_url(user_id=777, base_url="", version="abc") == first

    def test_without_the_requirement_any_link_loads(self, api, fake_telegram):
        fake_telegram.add_photo(777, AVATAR_JPEG)

        assert api.get("/api/users/777/avatar.jpg").status_code == 200
