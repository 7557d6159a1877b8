"""Views of the project itself rather than of one app."""

from django.db import DatabaseError, connection
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from spirtuoz.api import error


@api_view(["GET"])
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return error("database unavailable", status.HTTP_503_SERVICE_UNAVAILABLE)
    return Response({"status": "ok"})
