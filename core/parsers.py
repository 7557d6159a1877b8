"""The API's one parser: JSON, bounded in size before it is read and in depth once it is.

A client's malformed JSON is a 400 like any other, never a 500: a body nested deeper than the
interpreter's recursion limit makes `json` raise RecursionError rather than ValueError, and a
document nested deeper than any of the hub's own (MAX_JSON_DEPTH) is refused before a
serializer, an error message or a Telegram update handler walks it recursively.
"""

import io

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

# The deepest the hub's requests nest: a Telegram update (update > message > chat, entities,
# reply markup's rows and buttons) stays well within it.
MAX_JSON_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "request body is too large"


class LimitedJSONParser(JSONParser):
    """JSON parser that refuses bodies over `API_MAX_BODY_BYTES` before decoding them, and
    documents nested deeper than MAX_JSON_DEPTH after."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        too_large = RequestTooLarge(f"request body is larger than {limit // 1024} KiB")
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise too_large
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise too_large
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise too_deep() from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise too_deep()
        return data


def too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels")


def json_depth(data) -> int:
    """How deep `data` (as `json` returns it) nests: 0 for a scalar, 1 for a flat list or
    object. Walked with a stack of its own, not recursively, so that no depth can overflow it."""
    deepest = 0
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest
