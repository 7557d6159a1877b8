"""The WSGI application: Django, with the Mini App's room lookup answered in front of it
(rooms/lookup.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirtuoz.settings")

django_application = get_wsgi_application()

# After get_wsgi_application(), which sets Django up: rooms.lookup needs the models.
from rooms.lookup import RoomLookup  # noqa: E402

application = RoomLookup(django_application)
