"""The floor: a bare WSGI app that answers every request with a room's JSON, nothing else.

Served by the same server with the same workers and threads as the hub, it shows what the
server alone costs; the hub's figures are reported beside it as ratios. FLOOR_BODY is the JSON
the hub answered for one of the benchmark's rooms.
"""

import os

BODY = os.environ.get("FLOOR_BODY", '{"room_code":"ABCD"}').encode()
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
