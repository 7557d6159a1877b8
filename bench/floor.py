"""The floor: a bare WSGI app that answers a room lookup with one indexed SELECT, nothing else.

Served by the same server with the same workers and threads as the hub, on the same database
(DATABASE_URL), it shows what the server and the database alone cost; the hub's figures are
reported beside it as ratios. Each thread keeps one connection; the row is read by the unique
index over `code`, as the hub reads it, and written out as JSON with no headers beyond the
length. Any other path (/healthz) is a 200 with no query.
"""

import json
import os
import re
import threading

import dj_database_url

from server.accesslog import AccessLogged

DATABASE = dj_database_url.parse(os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3"))
PATH = re.compile(r"/api/rooms/([A-Za-z0-9]{1,12})")
QUERY = (
    "SELECT code, ws_url, app_url, created_at FROM rooms_room "
    "WHERE code = {mark} AND closed_at IS NULL AND expires_at > {now}"
)
JSON = [("Content-Type", "application/json")]
_local = threading.local()


def _connect():
    if DATABASE["ENGINE"].endswith("sqlite3"):
        import sqlite3

        connection = sqlite3.connect(DATABASE["NAME"], check_same_thread=False)
        return connection, QUERY.format(mark="?", now="strftime('%Y-%m-%d %H:%M:%f', 'now')")
    import psycopg

    connection = psycopg.connect(
        dbname=DATABASE["NAME"],
        user=DATABASE["USER"],
        password=DATABASE["PASSWORD"] or None,
        host=DATABASE["HOST"],
        port=DATABASE["PORT"] or None,
        autocommit=True,
    )
    return connection, QUERY.format(mark="%s", now="now()")


def _room(code: str) -> tuple | None:
    if not hasattr(_local, "connection"):
        _local.connection, _local.query = _connect()
    cursor = _local.connection.cursor()
    try:
        cursor.execute(_local.query, (code.upper(),))
        return cursor.fetchone()
    finally:
        cursor.close()


def _lookup(environ, start_response):
    found = PATH.fullmatch(environ.get("PATH_INFO", ""))
    if found is None:
        start_response("200 OK", [("Content-Length", "2"), *JSON])
        return [b"{}"]
    row = _room(found[1])
    if row is None:
        body = b'{"error":"room not found"}'
        start_response("404 Not Found", [("Content-Length", str(len(body))), *JSON])
        return [body]
    code, ws_url, app_url, created_at = row
    body = json.dumps(
        {"room_code": code, "ws_url": ws_url, "app_url": app_url, "created_at": str(created_at)}
    ).encode()
    start_response("200 OK", [("Content-Length", str(len(body))), *JSON])
    return [body]


# With the hub's access line, as the hub's requests have it.
application = AccessLogged(_lookup)
