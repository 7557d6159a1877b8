"""gunicorn settings for the hub, under `make run` and in deployment alike.

The address comes from Django's settings (HOST and PORT), so `.env` applies here too. With
BOT_TOKEN set and no TELEGRAM_WEBHOOK_SECRET, the master also runs the polling bot beside the
web workers and stops it on exit (telegrambot/beside_web.py).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirtuoz.settings")

from django.conf import settings

from telegrambot import beside_web

wsgi_app = "spirtuoz.wsgi:application"
bind = f"{settings.HOST}:{settings.PORT}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = 4
accesslog = "-"


def when_ready(server) -> None:
    all_interfaces = settings.HOST in ("0.0.0.0", "::")  # noqa: S104
    shown_host = "127.0.0.1" if all_interfaces else settings.HOST
    server.log.info(
        "Spirtuoz hub listening on http://%s:%s (admin at /admin/). "
        "Create an admin user with: .venv/bin/python manage.py createsuperuser",
        shown_host,
        settings.PORT,
    )
    beside_web.start(server.log)


def on_exit(server) -> None:
    beside_web.stop(server.log)
