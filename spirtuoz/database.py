"""What the hub counts as its database being unavailable.

Django raises these when the database cannot be reached or stops answering: a stopped or
unreachable server, a connect timeout, a connection cut mid-request (and, on SQLite, a file
that cannot be opened). That is no bug in the hub and it ends once the database is back, so
requests get 503 and may retry (spirtuoz/api.py). Its own module, free of DRF, because the
settings import the rate limiter, which needs it too.
"""

from django.db import InterfaceError, OperationalError

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
