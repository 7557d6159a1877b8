"""The health check: the hub answers and its database does."""

from django.db import DatabaseError, connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from core.errors import error
from core.schema import DATABASE_DOWN, PUBLIC, errors


@extend_schema(
    operation_id="checkHealth",
    summary="Health check (the database answers)",
    auth=PUBLIC,
    tags=["Operations"],
    responses={
        200: OpenApiResponse(
            inline_serializer("Health", {"status": serializers.ChoiceField(["ok"])}),
            description="The hub and its database answer.",
        ),
        **errors(503, s503=DATABASE_DOWN),
    },
)
@api_view(["GET"])
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return error("database unavailable", status.HTTP_503_SERVICE_UNAVAILABLE)
    return Response({"status": "ok"})
