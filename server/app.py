"""The WSGI application granian's workers serve: Django, with the room lookup in front of it.

Imported only in the server's worker processes (server/serve.py), so what it sets applies to
them alone:
- each worker dies with the server's main process: killed, that process would otherwise leave
  its workers serving the port beside whatever starts next;
- a 1 ms GIL switch interval: a worker's threads hand the GIL to each other several times per
  request (sqlite3 lets go of it around every statement), and at Python's default of 5 ms a
  thread waiting for it may wait that long each time (bench/RESULTS.md).
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the kernel was asked
        os._exit(1)


_die_with_parent()
sys.setswitchinterval(0.001)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirtuoz.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

django_application = get_wsgi_application()

# After get_wsgi_application(), which sets Django up: the lookup needs the models.
from rooms.lookup import RoomLookup  # noqa: E402

application = RoomLookup(django_application)
