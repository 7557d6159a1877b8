"""The room endpoints: the Host App registers and closes rooms, the Mini App looks them up,
and players' join buttons land on /join/<code>."""

import hashlib

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authentication import MiniAppLaunch, TelegramInitData
from core.negotiation import IgnoreAcceptHeader
from core.schema import (
    DATABASE_DOWN,
    HOST_AUTH,
    MINI_APP_AUTH,
    PUBLIC,
    ROOM_AUTH,
    ROOM_TOKEN_PARAMETER,
    errors,
)
from core.site import public_base_url
from core.telegram import bot_username
from rooms import examples, selectors, services
from rooms.limits import HOST_AUTH_FAIL, ROOM_LOOKUP_MISS
from rooms.links import room_links, room_qr_link
from rooms.permissions import ROOM_TOKEN_HEADER, HostSecret, RoomToken
from rooms.qr import qr_svg
from rooms.serializers import (
    RoomCreatedOutputSerializer,
    RoomHeartbeatInputSerializer,
    RoomHostOutputSerializer,
    RoomLookupOutputSerializer,
    RoomOutputSerializer,
    RoomRegisterInputSerializer,
    RoomUpdateInputSerializer,
)
from rooms.tickets import room_ticket
from rooms.validators import ROOM_CODE_RE

NOT_CONFIGURED = "HOST_SECRET is unset on the hub."
CODE_PARAMETER = OpenApiParameter(
    "code",
    str,
    OpenApiParameter.PATH,
    description="The room code, in any case.",
    examples=[OpenApiExample("A room code", value=examples.ROOM_CODE)],
)
# The path that registers rooms also names the room coded REGISTER, and has no {code} in it.
NO_CODE_PARAMETER = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, exclude=True)
HOST_OFFLINE_RETRY_SECONDS = 60
# A room's QR code changes only with its links (the bot's username, PUBLIC_URL).
QR_MAX_AGE_SECONDS = 300
OWNER_ERRORS = errors(
    403,
    404,
    429,
    503,
    s403="X-Room-Token is missing or is not this room's token.",
    s404="No live room has this code.",
    s429="Too many wrong host secrets or room tokens from this address; see Retry-After.",
    s503=DATABASE_DOWN,
)
REGISTER_DESCRIPTION = (
    "No code, or a code with no live room: 201, a new room and its token, shown once. A live "
    "code with its token (X-Room-Token or `host_token`): 200, its URLs replaced and "
    "`created_at` kept. A live code without its token, or with a wrong one: 409, nothing "
    "changed. A registration is a sign of life."
)
REGISTERED_AGAIN = "Your live room, registered again: its URLs replaced, its token unchanged."
YOUR_ROOM = "Your room with what you sent applied: the host's view."
REPORT_DESCRIPTION = (
    "A sign of life: the room expires ROOM_TTL_SECONDS from now, and its host shows online. "
    "Fields left out stay as they are; an unknown field is refused."
)


class RoomOwnerApi(APIView):
    """The host's own room: change it (PATCH) or close it (DELETE), with its token."""

    permission_classes = [RoomToken]

    def get_permissions(self):
        # A method the view does not have is answered 405, whoever asks.
        if not hasattr(self, self.request.method.lower()):
            return []
        return super().get_permissions()

    @extend_schema(
        operation_id="updateRoom",
        summary="Change your room: its status or its URLs",
        tags=["Host App"],
        description=REPORT_DESCRIPTION,
        parameters=[CODE_PARAMETER],
        auth=ROOM_AUTH,
        request=RoomUpdateInputSerializer,
        examples=[examples.UPDATE_REQUEST, examples.HOST_VIEW_RESPONSE],
        responses={
            200: OpenApiResponse(RoomHostOutputSerializer, description=YOUR_ROOM),
            **errors(400),
            **OWNER_ERRORS,
        },
    )
    def patch(self, request, code: str):
        room = services.room_report(
            room=request.room, changes=_valid(RoomUpdateInputSerializer, request)
        )
        return Response(RoomHostOutputSerializer(room, context={"request": request}).data)

    @extend_schema(
        operation_id="closeRoom",
        summary="Close your room",
        tags=["Host App"],
        parameters=[CODE_PARAMETER],
        auth=ROOM_AUTH,
        responses={204: OpenApiResponse(description="The room is closed."), **OWNER_ERRORS},
    )
    def delete(self, request, code: str):
        services.room_close(room=request.room)
        return Response(status=status.HTTP_204_NO_CONTENT)


# registerRoom and createRoom: one operation at two paths, described alike.
REGISTER_SCHEMA = {
    "tags": ["Host App"],
    "description": REGISTER_DESCRIPTION,
    "auth": HOST_AUTH,
    "parameters": [ROOM_TOKEN_PARAMETER],
    "request": RoomRegisterInputSerializer,
    "examples": [*examples.REGISTER_REQUESTS, *examples.REGISTER_RESPONSES],
    "responses": {
        201: OpenApiResponse(
            RoomCreatedOutputSerializer,
            description="A new room, and its token: keep it, it is shown only here.",
        ),
        200: OpenApiResponse(RoomHostOutputSerializer, description=REGISTERED_AGAIN),
        **errors(
            400,
            403,
            409,
            413,
            415,
            429,
            503,
            s409="The code names a live room whose token was not sent.",
            s503=f"{NOT_CONFIGURED} Or no free room code was found. {DATABASE_DOWN}",
        ),
    },
}


class RoomCreateApi(APIView):
    """POST /api/host/rooms: register a room (HOST_SECRET)."""

    permission_classes = [HostSecret]

    @extend_schema(
        operation_id="createRoom",
        summary="Register a room (the same as registerRoom)",
        **REGISTER_SCHEMA,
    )
    def post(self, request, **kwargs):
        return _register(request)


@extend_schema_view(
    patch=extend_schema(
        operation_id="updateRoomRegister",
        summary="Change the room coded REGISTER (updateRoom for that code)",
        parameters=[NO_CODE_PARAMETER],
    ),
    delete=extend_schema(
        operation_id="closeRoomRegister",
        summary="Close the room coded REGISTER (closeRoom for that code)",
        parameters=[NO_CODE_PARAMETER],
    ),
)
class RoomRegisterApi(RoomOwnerApi):
    """POST /api/host/rooms/register registers a room, as RoomCreateApi does. The path also
    names the room coded REGISTER, which its host changes and closes here as any other room
    (urls.py gives the code)."""

    def get_permissions(self):
        return [HostSecret()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(
        operation_id="registerRoom",
        summary="Register a room, or register your live room again",
        **REGISTER_SCHEMA,
    )
    def post(self, request, **kwargs):
        return _register(request)


def _register(request) -> Response:
    if not isinstance(request.data, dict):
        raise exceptions.ParseError("request body must be a JSON object")
    serializer = RoomRegisterInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    token = request.headers.get(ROOM_TOKEN_HEADER, "") or data.get("host_token", "")
    try:
        registration = services.room_register(
            code=data.get("room_code"),
            ws_url=data["ws_url"],
            app_url=data["app_url"],
            token=token,
            status={field: data[field] for field in services.STATUS_FIELDS if field in data},
        )
    except services.RoomHeldByAnotherHost as held:
        if held.wrong_token:
            HOST_AUTH_FAIL.hit(request.META)
        raise
    if registration.created:
        answer = RoomCreatedOutputSerializer(
            registration.room, context={"host_token": registration.token, "request": request}
        )
        return Response(answer.data, status=status.HTTP_201_CREATED)
    return Response(RoomHostOutputSerializer(registration.room, context={"request": request}).data)


class RoomHeartbeatApi(APIView):
    permission_classes = [RoomToken]

    @extend_schema(
        operation_id="heartbeatRoom",
        summary="Say your room is alive, with its status",
        tags=["Host App"],
        description=REPORT_DESCRIPTION + " The body may be empty.",
        parameters=[CODE_PARAMETER],
        auth=ROOM_AUTH,
        request=RoomHeartbeatInputSerializer,
        examples=[examples.HEARTBEAT_REQUEST, examples.HOST_VIEW_RESPONSE],
        responses={
            200: OpenApiResponse(RoomHostOutputSerializer, description=YOUR_ROOM),
            **errors(400, 413, 415),
            **OWNER_ERRORS,
        },
    )
    def post(self, request, code: str):
        changes = _valid(RoomHeartbeatInputSerializer, request)
        room = services.room_report(room=request.room, changes=changes)
        return Response(RoomHostOutputSerializer(room, context={"request": request}).data)


def _valid(serializer_class, request) -> dict:
    """The request's validated fields; an empty body is no change."""
    data = request.data if request.body else {}
    if not isinstance(data, dict):
        raise exceptions.ParseError("request body must be a JSON object")
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class RoomDetailApi(APIView):
    authentication_classes = [TelegramInitData]
    permission_classes = [MiniAppLaunch]

    @extend_schema(
        operation_id="getRoom",
        summary="Look up a live room",
        tags=["Mini App"],
        parameters=[CODE_PARAMETER],
        auth=MINI_APP_AUTH,
        examples=[examples.ROOM_RESPONSE],
        responses={
            200: OpenApiResponse(
                RoomLookupOutputSerializer, description="The room: where its host's WebSocket is."
            ),
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
            raise services.RoomNotFound
        answer = RoomOutputSerializer(room, context={"request": request}).data
        player = request.auth.user if request.auth is not None else None
        if player is not None:
            services.player_visit_record(user_id=player.id, room=room)
            answer["ticket"] = room_ticket(
                room=room, user=player, base_url=public_base_url(request)
            )
        return Response(answer)


class RoomQrApi(APIView):
    """The QR code for the TV: an <img> shows it, so it asks for no init data."""

    content_negotiation_class = IgnoreAcceptHeader

    @extend_schema(
        operation_id="getRoomQrCode",
        summary="The room's QR code, for the TV",
        tags=["Host App"],
        description="An SVG QR code of the room's `links.telegram` (its `links.web` on a hub "
        "without a bot): scanned with a phone's camera, it opens the Mini App in Telegram.",
        parameters=[CODE_PARAMETER],
        auth=PUBLIC,
        responses={
            (200, "image/svg+xml"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The QR code, an SVG image."
            ),
            304: OpenApiResponse(description="The client's copy (If-None-Match) is current."),
            **errors(404, 429, 503, s404="No live room has this code.", s503=DATABASE_DOWN),
        },
    )
    def get(self, request, code: str):
        ROOM_LOOKUP_MISS.check(request.META)
        room = selectors.room_get_live(code=code)
        if room is None:
            ROOM_LOOKUP_MISS.hit(request.META)
            raise services.RoomNotFound
        links = room_links(
            code=room.code, base_url=public_base_url(request), bot_username=bot_username()
        )
        svg = qr_svg(room_qr_link(links))
        etag = f'"{hashlib.sha256(svg).hexdigest()[:32]}"'
        response = HttpResponse(svg, content_type="image/svg+xml")
        response["ETag"] = etag
        patch_cache_control(response, public=True, max_age=QR_MAX_AGE_SECONDS)
        return get_conditional_response(request, etag=etag, response=response)


# Safe methods only, which need no CSRF check: a POST gets require_safe's 405 (as JSON, from
# core.middleware.JsonMethodNotAllowed), not Django's HTML CSRF page.
@csrf_exempt
@require_safe
@never_cache
@xframe_options_exempt
def room_join_entry(request):
    """Where the bot's Mini App (its menu button, a startapp link) opens: Telegram passes the
    room code as `tgWebAppStartParam`; the hub's own form passes it as `code`. With a code, as
    /join/<code>; without one, a page asking for it."""
    code = request.GET.get("tgWebAppStartParam") or request.GET.get("code") or ""
    if code.strip():
        return room_join(request, code.strip())
    return _join_page(request, "rooms/join_enter.html", {}, status.HTTP_200_OK)


# Safe methods only, as room_join_entry.
@csrf_exempt
@require_safe
@never_cache
@xframe_options_exempt
def room_join(request, code: str):
    """Where the bot's join button leads: a 302 to the live room's current app, or a short page
    in the player's language (Accept-Language) saying the room is gone or its host offline.

    The button sends players through here rather than straight to app_url, so a button sent
    before the Host App re-registered with a new app_url still opens the right app. Never
    cached, as app_url may change; frameable, as Telegram Web shows Mini Apps in an iframe.
    """
    wait = ROOM_LOOKUP_MISS.wait(request.META)
    if wait is not None:
        ROOM_LOOKUP_MISS.refused()
        response = _join_page(
            request, "rooms/join_too_many.html", {"wait": wait}, status.HTTP_429_TOO_MANY_REQUESTS
        )
        response.headers["Retry-After"] = str(wait)
        return response
    room = selectors.room_get_live(code=code)
    if room is not None and not room.host_online():
        # Its host's socket is likely dead: a page that says so, rather than a game that hangs.
        response = _join_page(
            request,
            "rooms/join_host_offline.html",
            {"code": room.code},
            status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response.headers["Retry-After"] = str(HOST_OFFLINE_RETRY_SECONDS)
        return response
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
