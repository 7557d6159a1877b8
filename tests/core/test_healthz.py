import pytest

pytestmark = pytest.mark.django_db


class TestHealthz:
    def test_it_answers_ok_when_the_database_answers(self, api):
        response = api.get("/healthz")

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
