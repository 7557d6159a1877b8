"""The WSGI application: Django. The server serves it with the room lookup in front
(server/app.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirtuoz.settings")

application = get_wsgi_application()
