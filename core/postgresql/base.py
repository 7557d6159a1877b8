"""Django's PostgreSQL backend, except that no query waits on the server for ever.

A server that accepts a connection and then never answers (hung, or behind a proxy or a
network that stopped passing packets) held a request for good: libpq waits on the socket with
no timeout, and a statement timeout is the server's own to enforce. So each connection is a
psycopg connection whose every wait gives up after DATABASE_QUERY_SECONDS (the server is also
asked, with `statement_timeout`, to give up on a query by then, in settings). The connection is
then closed, as its state is unknown, and the OperationalError that follows is answered 503 by
core.middleware.OutageMiddleware; the next request connects anew.
"""

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base


class AnsweringConnection(psycopg.Connection):
    """A psycopg connection whose waits for the server end after DATABASE_QUERY_SECONDS."""

    def wait(self, gen, interval=psycopg.connection._WAIT_INTERVAL, timeout=None):
        try:
            return super().wait(
                gen, interval, timeout if timeout is not None else settings.DATABASE_QUERY_SECONDS
            )
        except psycopg.errors._WaitTimeout:
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {settings.DATABASE_QUERY_SECONDS} s"
            ) from None


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        # Connected as Django connects; from here on every wait is bounded.
        connection.__class__ = AnsweringConnection
        return connection
