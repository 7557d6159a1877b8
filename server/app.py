"""The WSGI application granian's workers serve: Django, with the room lookup in front of it.

Imported only in the server's worker processes (server/serve.py), so what it sets applies to
them alone (and in webhook mode each starts its bot, on a thread of its own):
- request bodies read whole, bounded in size and time, before Django (server/bodies.py), and
  WEB_THREADS requests at a time running Django (server/serving.py); replayed room lookups
  (rooms/lookup.py), a few microseconds of Python that never wait, run beside them: gated too,
  they cost a worker a third of its lookups in handing places to each other (bench/RESULTS.md);
- each worker dies with the server's main process: killed, that process would otherwise leave
  its workers serving the port beside whatever starts next;
- a thread that purges ended rooms every ROOM_PURGE_SECONDS, taking turns with the other
  workers and instances (rooms/purger.py);
- a 1 ms GIL switch interval: a worker's threads hand the GIL to each other several times per
  request (sqlite3 lets go of it around every statement), and at Python's default of 5 ms a
  thread waiting for it may wait that long each time (bench/RESULTS.md).
"""

import multiprocessing
import os
import sys

from server.parent import die_with_parent

# The server's main process, which granian forked this worker from (None when imported
# elsewhere, by a test say, which must not be made to die with its parent).
_server = multiprocessing.parent_process()
if _server is not None:
    die_with_parent(_server.pid)
sys.setswitchinterval(0.001)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirtuoz.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

django_application = get_wsgi_application()


# After get_wsgi_application(), which sets Django up: these need the models.
from monitoring.metrics import metrics_forget_dead_workers  # noqa: E402
from monitoring.sampler import sampler_start  # noqa: E402
from monitoring.wsgi import Observed  # noqa: E402
from rooms.lookup import RoomLookup  # noqa: E402
from rooms.purger import purger_start  # noqa: E402
from server.bodies import BoundedBody  # noqa: E402
from server.serving import Serving  # noqa: E402
from telegrambot.modes import webhook_configured  # noqa: E402


def environment_secrets_forget() -> None:
    """Take what Django read its secrets from out of this process's environment: granian hands
    each request a copy of it (as CGI did), so the bot token, the host secret, the secret key
    and the database's password were in every request's META, and so in any error report or
    debug page that shows it. Settings were read already; nothing reads them again."""
    os.environ.pop("SECRET_KEY", None)
    os.environ.pop("HOST_SECRET", None)
    os.environ.pop("BOT_TOKEN", None)
    os.environ.pop("METRICS_TOKEN", None)
    os.environ.pop("TELEGRAM_WEBHOOK_SECRET", None)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)


# Outermost: every request's context, count and access line, the replayed room lookups' and
# the refused bodies' too.
application = Observed(BoundedBody(RoomLookup(Serving(django_application))))
if _server is not None:
    # Before granian copies the environment for its requests, once this module is loaded.
    environment_secrets_forget()
    # Ended rooms purged by a thread of each worker, beside the requests (rooms/purger.py).
    purger_start()
    # A worker that died left its metrics files behind (monitoring/metrics.py).
    metrics_forget_dead_workers()
    # The dashboard's samples and Telegram tallies (monitoring/sampler.py).
    sampler_start()

if webhook_configured() and _server is not None:
    # The bot of this worker, in webhook mode: it also keeps groups' lobby cards up to date.
    from telegrambot.webhook import webhook_bot_start_soon

    webhook_bot_start_soon()
