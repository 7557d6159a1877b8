"""The admin login is limited per user and per client (django-axes): after 5 failures a lockout
with a clear message, before any password hash; and one password check at a time per process,
the others refused at once, so that guessers cannot take the cores the room lookups need."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher

from core import middleware

pytestmark = pytest.mark.django_db

LOGIN = middleware.ADMIN_LOGIN_PATH
PASSWORD = "the-admins-long-password-42"
LOCKED_OUT = {
    "error": "too many failed admin logins for this user or address; try again in 15 minutes"
}


class CountingHasher(MD5PasswordHasher):
    """Django's test-speed hasher, counting every hash it computes (checks included)."""

    algorithm = "counting_md5"
    hashes = 0

    def encode(self, password, salt):
        type(self).hashes += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def admin(settings, django_user_model):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    user = django_user_model.objects.create_superuser("operator", "ops@example.test", PASSWORD)
    CountingHasher.hashes = 0
    return user


def log_in(client, username="operator", password="wrong", address="198.51.100.7"):  # noqa: S107
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


class TestAdminLogin:
    def test_the_right_password_logs_in(self, client):
        response = log_in(client, password=PASSWORD)

        assert response.status_code == 302

    def test_after_5_wrong_passwords_even_the_right_one_is_locked_out(self, client):
        wrong = [log_in(client).status_code for _ in range(5)]

        right = log_in(client, password=PASSWORD)

        assert wrong == [200] * 4 + [429]
        assert right.status_code == 429
        assert right.json() == LOCKED_OUT
        assert right["Retry-After"] == "900"

    def test_locked_out_attempts_never_hash_a_password(self, client):
        for _ in range(5):
            log_in(client)
        hashed = CountingHasher.hashes

        answers = {log_in(client).status_code for _ in range(20)}

        assert answers == {429}
        assert CountingHasher.hashes == hashed

    def test_one_client_guessing_many_users_is_locked_out(self, client):
        answers = [log_in(client, username=f"user{n}").status_code for n in range(6)]

        assert answers == [200] * 4 + [429, 429]
        assert log_in(client, password=PASSWORD).status_code == 429

    def test_one_user_guessed_from_many_clients_is_locked_out(self, client):
        answers = [log_in(client, address=f"203.0.113.{n}").status_code for n in range(6)]

        assert answers == [200] * 4 + [429, 429]
        assert log_in(client, password=PASSWORD, address="192.0.2.1").status_code == 429

    def test_another_user_on_another_address_still_logs_in(self, client, django_user_model):
        django_user_model.objects.create_superuser("second", "two@example.test", PASSWORD)
        for _ in range(6):
            log_in(client)

        assert log_in(client, "second", PASSWORD, address="192.0.2.1").status_code == 302

    def test_while_a_login_is_checked_another_is_refused_at_once(self, client):
        assert middleware._admin_login.acquire(blocking=False)
        try:
            busy = log_in(client, password=PASSWORD)
        finally:
            middleware._admin_login.release()

        assert busy.status_code == 503
        assert busy.json() == {
            "error": "another admin login is being checked; try again in a second"
        }
        assert busy["Retry-After"] == "1"
        assert CountingHasher.hashes == 0
        # Refused unchecked, it is no failure: the admin still has all five tries.
        assert [log_in(client).status_code for _ in range(4)] == [200] * 4
        assert log_in(client, password=PASSWORD).status_code == 302

    def test_the_login_page_itself_is_never_held_back(self, client):
        assert middleware._admin_login.acquire(blocking=False)
        try:
            page = client.get(LOGIN)
        finally:
            middleware._admin_login.release()

        assert page.status_code == 200
