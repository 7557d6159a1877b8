"""gunicorn settings: `SERVER=gunicorn make run`, or `gunicorn --config gunicorn.conf.py`.

`make run` serves with granian by default (server/serve.py says why); both servers get the
same workers, threads, banner and bot from server/serve.py.

The address comes from Django's settings (HOST and PORT), so `.env` applies here too. With
BOT_TOKEN set and no TELEGRAM_WEBHOOK_SECRET, the master also runs the polling bot beside the
web workers and stops it on exit (telegrambot/beside_web.py).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirtuoz.settings")

from django.conf import settings

from server import serve
from telegrambot import beside_web

wsgi_app = serve.WSGI_APP
bind = f"{settings.HOST}:{settings.PORT}"
workers = serve.workers()
worker_class = "gthread"
threads = serve.THREADS
accesslog = "-"


def when_ready(server) -> None:
    serve.banner(server.log)
    beside_web.start(server.log)


def on_exit(server) -> None:
    beside_web.stop(server.log)
