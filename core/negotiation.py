"""Content negotiation for endpoints that answer with an image."""

from rest_framework.negotiation import BaseContentNegotiation


class IgnoreAcceptHeader(BaseContentNegotiation):
    """An image is an image whatever the client accepts; errors are still JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
