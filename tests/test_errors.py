import pytest
from django.urls import path
from rest_framework.test import APIClient

# The project's own error handlers, for the URLconf below.
from spirtuoz.urls import handler500  # noqa: F401

pytestmark = pytest.mark.django_db


def explode(request):
    raise RuntimeError("boom")


urlpatterns = [path("explode", explode)]


class TestErrorsAreJson:
    def test_an_unknown_url_gets_a_json_404(self, client):
        response = client.get("/no/such/page")

        assert response.status_code == 404
        assert response.json() == {"error": "not found"}

    def test_a_bad_host_header_gets_a_json_400(self, client):
        response = client.get("/api/rooms/ABCD", HTTP_HOST="evil.example")

        assert response.status_code == 400
        assert response.json() == {"error": "bad request"}

    def test_an_unexpected_failure_gets_a_json_500_without_details(self, settings):
        settings.ROOT_URLCONF = __name__
        client = APIClient(raise_request_exception=False)

        response = client.get("/explode")

        assert response.status_code == 500
        assert response.json() == {"error": "internal server error"}
