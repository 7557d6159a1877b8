"""Run only by tests/core/test_secret_audit.py, as a pytest run of its own (the suite never collects
it): a test that passes while the hub it drives answers with the host secret. The secrets audit
must fail that run all the same."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import path


def leak(request):
    return HttpResponse(f"the host secret is {settings.HOST_SECRET}")


urlpatterns = [path("leak", leak)]


def test_a_test_that_passes_while_its_hub_leaks(client, settings):
    settings.ROOT_URLCONF = __name__

    assert client.get("/leak").status_code == 200
