"""The WSGI application: Django, with the Mini App's room lookup answered in front of it
(rooms/lookup.py)."""

import os
import sys

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirtuoz.settings")

if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # DRF imports django.contrib.postgres.fields whenever psycopg is installed (it is, for
    # PostgreSQL on Render), and with it psycopg and its libpq: about 10 MB in every web process
    # that a hub on SQLite never uses. Marked absent, DRF goes without it, as it does wherever
    # psycopg is not installed.
    sys.modules.setdefault("django.contrib.postgres.fields", None)

# A worker's threads hand the GIL to each other several times per request (sqlite3 lets go of
# it around every statement). At Python's default switch interval of 5 ms, a thread waiting
# for it may wait that long each time: 1 ms cut the room lookups' p99 latency several-fold
# under load (bench/RESULTS.md), for a little more switching.
sys.setswitchinterval(0.001)

django_application = get_wsgi_application()

# After get_wsgi_application(), which sets Django up: rooms.lookup needs the models.
from rooms.lookup import RoomLookup  # noqa: E402

application = RoomLookup(django_application)
