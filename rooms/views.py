"""The room endpoints: the Host App registers and closes rooms, the Mini App looks them up,
and players' join buttons land on /join/<code>."""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authentication import MiniAppLaunch, TelegramInitData
from core.schema import DATABASE_DOWN, HOST_AUTH, MINI_APP_AUTH, errors
from rooms import selectors, services
from rooms.limits import ROOM_LOOKUP_MISS
from rooms.permissions import HostSecret
from rooms.serializers import (
    RoomOutputSerializer,
    RoomRegisteredOutputSerializer,
    RoomRegisterInputSerializer,
)
from rooms.validators import ROOM_CODE_RE

NOT_CONFIGURED = "HOST_SECRET is unset on the hub."
CODE_PARAMETER = OpenApiParameter(
    "code",
    str,
    OpenApiParameter.PATH,
    description="The room code, in any case.",
    examples=[OpenApiExample("A room code", value="ABCD")],
)
CLOSE_RESPONSES = {
    204: OpenApiResponse(description="The room is closed."),
    **errors(
        403,
        404,
        429,
        503,
        s404="No live room has this code.",
        s503=f"{NOT_CONFIGURED} {DATABASE_DOWN}",
    ),
}


class RoomNotFound(exceptions.NotFound):
    default_detail = "room not found"


class RoomCloseApi(APIView):
    permission_classes = [HostSecret]

    @extend_schema(
        summary="Close a room",
        tags=["Host App"],
        parameters=[CODE_PARAMETER],
        auth=HOST_AUTH,
        responses=CLOSE_RESPONSES,
    )
    def delete(self, request, code: str):
        if not services.room_close(code=code):
            raise RoomNotFound
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomRegisterApi(RoomCloseApi):
    @extend_schema(
        summary="Close the room coded REGISTER",
        tags=["Host App"],
        auth=HOST_AUTH,
        responses=CLOSE_RESPONSES,
    )
    def delete(self, request):
        # REGISTER is a valid room code too, and its close URL is this one.
        return super().delete(request, code="register")

    @extend_schema(
        summary="Register or refresh a room",
        tags=["Host App"],
        description="A new code, or a code with no live room, answers 201; re-registering "
        "a live room updates its URLs, extends its expiry and answers 200.",
        auth=HOST_AUTH,
        request=RoomRegisterInputSerializer,
        responses={
            201: RoomRegisteredOutputSerializer,
            200: RoomRegisteredOutputSerializer,
            **errors(
                400,
                403,
                413,
                415,
                429,
                503,
                s503=f"{NOT_CONFIGURED} Or no free room code was found. {DATABASE_DOWN}",
            ),
        },
    )
    def post(self, request):
        if not isinstance(request.data, dict):
            raise exceptions.ParseError("request body must be a JSON object")
        serializer = RoomRegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = services.room_register(
            code=serializer.validated_data.get("room_code"),
            ws_url=serializer.validated_data["ws_url"],
            app_url=serializer.validated_data["app_url"],
        )
        return Response(
            RoomRegisteredOutputSerializer(registration.room).data,
            status=status.HTTP_201_CREATED if registration.created else status.HTTP_200_OK,
        )


class RoomDetailApi(APIView):
    authentication_classes = [TelegramInitData]
    permission_classes = [MiniAppLaunch]

    @extend_schema(
        summary="Look up a live room",
        tags=["Mini App"],
        parameters=[CODE_PARAMETER],
        auth=MINI_APP_AUTH,
        responses={
            200: RoomOutputSerializer,
            **errors(
                401,
                404,
                429,
                503,
                s404="No live room has this code (unknown, expired or closed).",
                s503=DATABASE_DOWN,
            ),
        },
    )
    def get(self, request, code: str):
        ROOM_LOOKUP_MISS.check(request.META)
        room = selectors.room_get_live(code=code)
        if room is None:
            ROOM_LOOKUP_MISS.hit(request.META)
            raise RoomNotFound
        return Response(RoomOutputSerializer(room).data)


@require_safe
@never_cache
@xframe_options_exempt
def room_join(request, code: str):
    """Where the bot's join button leads: a 302 to the live room's current app, or a short page
    in the player's language (Accept-Language) saying the room is gone.

    The button sends players through here rather than straight to app_url, so a button sent
    before the Host App re-registered with a new app_url still opens the right app. Never
    cached, as app_url may change; frameable, as Telegram Web shows Mini Apps in an iframe.
    """
    wait = ROOM_LOOKUP_MISS.wait(request.META)
    if wait is not None:
        response = _join_page(
            request, "rooms/join_too_many.html", {"wait": wait}, status.HTTP_429_TOO_MANY_REQUESTS
        )
        response.headers["Retry-After"] = str(wait)
        return response
    room = selectors.room_get_live(code=code)
    if room is not None:
        return HttpResponseRedirect(selectors.room_join_url(room=room))
    ROOM_LOOKUP_MISS.hit(request.META)
    return _join_page(
        request,
        "rooms/join_not_found.html",
        {"code": code.upper() if ROOM_CODE_RE.fullmatch(code) else None},
        status.HTTP_404_NOT_FOUND,
    )


def _join_page(request, template: str, context: dict, status_code: int):
    """A page of /join/<code> in the player's language (Accept-Language)."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        response = render(request, template, context, status=status_code)
    response.headers["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
    return response
