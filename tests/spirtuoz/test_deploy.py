"""Production-ness follows an https PUBLIC_URL: `check --deploy` is clean, plain http is
redirected (except the health check), HSTS and secure cookies. Without one, as under
`make run`, the hub serves plain http as before."""

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.support import BASE_DIR, PRODUCTION_HOST_SECRET, PRODUCTION_SECRET_KEY, secret_audit
from tests.support.servers import Granian, free_port, hub_environment, prepare_like_make_run

# Starts processes or servers of its own: left out of `make test-fast`.
pytestmark = pytest.mark.slow

PUBLIC_HOST = "hub.example.test"
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": PRODUCTION_SECRET_KEY,
    "HOST_SECRET": PRODUCTION_HOST_SECRET,
    "PUBLIC_URL": f"https://{PUBLIC_HOST}",
}
CHECK_DEPLOY = ("manage.py", "check", "--deploy", "--fail-level", "WARNING")
HSTS = "max-age=31536000; includeSubDomains; preload"
SHOW_SECURITY_SETTINGS = """
import json
from django.conf import settings

print(json.dumps({name: getattr(settings, name) for name in (
    "SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT", "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "CSRF_TRUSTED_ORIGINS",
)}))
"""


def run_python(*args: str, **variables: str) -> subprocess.CompletedProcess:
    """A fresh Python process in the project, with only `variables` for settings."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "HOME", "LANG", "SYSTEMROOT")
    }
    environment |= {"DJANGO_SETTINGS_MODULE": "spirtuoz.settings", "ENV_FILE": "", **variables}
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True
    )


def security_settings(**variables: str) -> dict:
    result = run_python("-c", SHOW_SECURITY_SETTINGS, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Real HTTP with a cookie jar that, like a browser, sends Secure cookies only over
    https, and that shows redirects instead of following them."""

    def __init__(self, url: str):
        self.url = url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects
        )

    def request(self, path: str, form: dict | None = None, **headers: str):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=10) as response:
                answer = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            answer = error.code, error.headers, error.read()
        secret_audit.check_response(f"the answer {answer[0]} to {path}", answer[1], answer[2])
        return answer

    def cookie(self, name: str) -> http.cookiejar.Cookie:
        return next(cookie for cookie in self.cookies if cookie.name == name)


@pytest.fixture(scope="module")
def hub_database(tmp_path_factory):
    """A migrated SQLite file with an admin user (bin/prepare makes it from DJANGO_SUPERUSER_*)
    and collected static files."""
    folder = tmp_path_factory.mktemp("deploy")
    database_url = f"sqlite:///{folder / 'db.sqlite3'}"
    environment = hub_environment(database_url, free_port()) | {
        "DJANGO_SUPERUSER_USERNAME": "operator",
        "DJANGO_SUPERUSER_PASSWORD": "operator-password-0123",
        "DJANGO_SUPERUSER_EMAIL": "operator@example.test",
    }
    prepare_like_make_run(environment)
    return folder, database_url


@pytest.fixture(scope="module")
def deployed(hub_database):
    """The hub as on Render: an https PUBLIC_URL, behind a proxy that terminates TLS."""
    folder, database_url = hub_database
    environment = hub_environment(database_url, free_port()) | PRODUCTION
    server = Granian(environment, folder / "deployed.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def local(hub_database):
    """The hub as `make run` serves it: no PUBLIC_URL, plain http on 127.0.0.1."""
    folder, database_url = hub_database
    server = Granian(hub_environment(database_url, free_port()), folder / "local.log")
    yield server
    server.stop()


class TestDeploy:
    def test_check_deploy_finds_nothing_to_warn_about_with_production_settings(self):
        result = run_python(*CHECK_DEPLOY, **PRODUCTION)

        assert (result.returncode, result.stdout, result.stderr) == (
            0,
            "System check identified no issues (0 silenced).\n",
            "",
        )

    def test_check_deploy_still_warns_when_public_url_is_not_https(self):
        result = run_python(
            *CHECK_DEPLOY, **PRODUCTION | {"PUBLIC_URL": "http://hub.example.test"}
        )

        assert result.returncode == 1
        assert set(re.findall(r"\((security\.\w+)\)", result.stderr)) == {
            "security.W004",  # no HSTS
            "security.W008",  # no redirect to https
            "security.W012",  # session cookie not secure
            "security.W016",  # CSRF cookie not secure
        }

    def test_an_https_public_url_turns_on_the_production_protections(self):
        assert security_settings(**PRODUCTION) == {
            "SECURE_SSL_REDIRECT": True,
            "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
            "SECURE_HSTS_SECONDS": 31536000,
            "SESSION_COOKIE_SECURE": True,
            "CSRF_COOKIE_SECURE": True,
            "CSRF_TRUSTED_ORIGINS": [f"https://{PUBLIC_HOST}"],
        }

    @pytest.mark.parametrize("public_url", ["", "http://hub.example.test"])
    def test_without_an_https_public_url_they_stay_off(self, public_url):
        loaded = security_settings(SECRET_KEY="k", PUBLIC_URL=public_url)

        assert loaded == {
            "SECURE_SSL_REDIRECT": False,
            "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
            "SECURE_HSTS_SECONDS": 0,
            "SESSION_COOKIE_SECURE": False,
            "CSRF_COOKIE_SECURE": False,
            "CSRF_TRUSTED_ORIGINS": [],
        }

    def test_hsts_seconds_can_be_lowered(self):
        loaded = security_settings(**PRODUCTION, SECURE_HSTS_SECONDS="600")

        assert loaded["SECURE_HSTS_SECONDS"] == 600

    def test_hsts_seconds_must_not_be_negative(self):
        result = run_python("-c", SHOW_SECURITY_SETTINGS, **PRODUCTION, SECURE_HSTS_SECONDS="-1")

        assert result.returncode != 0
        assert "SECURE_HSTS_SECONDS must be zero or greater" in result.stderr


class TestDeployedServer:
    def test_it_redirects_plain_http_to_https(self, deployed):
        status, headers, _ = Browser(deployed.url).request("/api/rooms/ABCD", Host=PUBLIC_HOST)

        assert status == 301
        assert headers["Location"] == f"https://{PUBLIC_HOST}/api/rooms/ABCD"

    def test_it_answers_the_health_check_over_plain_http(self, deployed):
        # As Render's health check asks: the public host name, no X-Forwarded-Proto.
        status, headers, body = Browser(deployed.url).request("/healthz", Host=PUBLIC_HOST)

        assert (status, json.loads(body)) == (200, {"status": "ok"})
        assert "Strict-Transport-Security" not in headers

    def test_it_serves_https_from_the_proxy_with_hsts_and_secure_cookies(self, deployed):
        browser = Browser(deployed.url)

        status, headers, _ = browser.request(
            "/admin/login/", Host=PUBLIC_HOST, **{"X-Forwarded-Proto": "https"}
        )

        assert status == 200
        assert headers["Strict-Transport-Security"] == HSTS
        assert browser.cookie("csrftoken").secure


class TestLocalServer:
    def test_it_serves_plain_http_without_redirect_or_hsts(self, local):
        status, headers, body = Browser(local.url).request("/api/rooms/ABCD")

        assert (status, json.loads(body)) == (404, {"error": "room not found"})
        assert "Strict-Transport-Security" not in headers

    def test_an_operator_logs_in_to_the_admin_over_plain_http(self, local):
        browser = Browser(local.url)
        status, _, _ = browser.request("/admin/login/")
        assert status == 200
        assert not browser.cookie("csrftoken").secure

        status, headers, _ = browser.request(
            "/admin/login/?next=/admin/",
            {
                "csrfmiddlewaretoken": browser.cookie("csrftoken").value,
                "username": "operator",
                "password": "operator-password-0123",
                "next": "/admin/",
            },
        )
        assert (status, headers["Location"]) == (302, "/admin/")

        status, _, page = browser.request("/admin/")
        assert status == 200
        assert b"<title>Tonight | Spirtuoz hub</title>" in page
