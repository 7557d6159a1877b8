"""The avatar endpoints the Mini App uses: where a user's photo is, and the photo itself.

The photo is served from the hub's own URL: Telegram's file links carry the bot token.
"""

import re

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from avatars import services
from avatars.links import avatar_image_url, avatar_link_valid
from core.authentication import MiniAppLaunch, TelegramInitData
from core.negotiation import IgnoreAcceptHeader
from core.schema import CACHE_DOWN, DATABASE_DOWN, MINI_APP_AUTH, PUBLIC, errors
from core.site import public_base_url

# Telegram user ids have at most 52 significant bits.
MAX_USER_ID = 2**52 - 1
USER_ID = re.compile(r"[0-9]{1,16}")


class NoAvatar(exceptions.NotFound):
    default_detail = "this user has no profile photo"


class AvatarLinkInvalid(exceptions.PermissionDenied):
    default_detail = "this avatar link is not the hub's or has expired; ask for the avatar again"


AVATAR_URL_EXAMPLE = (
    "https://spirtuoz-hub.onrender.com/api/users/42/avatar.jpg"
    "?v=3f1c9a0b5e7d2c41&exp=1764633600&sig=kX2mN8qLw0pR4sT6vY9zA1bC3dE5fG7hI9jK1lM3nO5"
)
USER_ID_PARAMETER = OpenApiParameter(
    "user_id",
    {"type": "integer", "minimum": 1, "maximum": 2**52 - 1},
    OpenApiParameter.PATH,
    description="The player's Telegram user id.",
    examples=[OpenApiExample("A Telegram user id", value=42)],
)
# The image's bytes, in the type Telegram has it in. Generators that know no image types read
# it as bytes when told to (clients/python/config.yaml).
AVATAR_IMAGE = OpenApiResponse(
    OpenApiTypes.BINARY,
    description="The player's photo: its bytes, as JPEG, PNG or GIF (Content-Type says which).",
)
TELEGRAM_ERRORS = errors(
    400,
    429,
    502,
    503,
    504,
    s429="Too many lookups of users the hub has no copy of, from this client (AVATAR_FETCH_RATE) "
    "or from all (AVATAR_FETCH_TOTAL_RATE); Retry-After says when. Cached photos still load.",
    s503="BOT_TOKEN is unset on the hub, or Telegram rate-limited the bot (see Retry-After). "
    + f"{DATABASE_DOWN} {CACHE_DOWN}",
)


class AvatarApi(APIView):
    authentication_classes = [TelegramInitData]
    permission_classes = [MiniAppLaunch]

    @extend_schema(
        operation_id="getAvatar",
        summary="Where a player's avatar is",
        tags=["Mini App"],
        parameters=[USER_ID_PARAMETER],
        auth=MINI_APP_AUTH,
        responses={
            200: OpenApiResponse(
                inline_serializer(
                    "AvatarLocation",
                    {
                        "avatar": serializers.URLField(
                            allow_null=True,
                            help_text="The hub's own URL of the photo; null when the user "
                            "has none.",
                        )
                    },
                ),
                description="Where the photo is, or null.",
                examples=[
                    OpenApiExample(
                        "A player with a photo",
                        value={"avatar": AVATAR_URL_EXAMPLE},
                    ),
                    OpenApiExample("A player without one", value={"avatar": None}),
                ],
            ),
            **errors(401),
            **TELEGRAM_ERRORS,
        },
    )
    def get(self, request, user_id: str):
        user_id = _parse_user_id(user_id)
        avatar = services.avatar_get(user_id=user_id, client=request.META)
        if avatar is None:
            return Response({"avatar": None})
        # The version changes with the photo, so browsers never show an old one.
        version = avatar.etag.strip('"')[:16]
        url = avatar_image_url(user_id=user_id, base_url=public_base_url(request), version=version)
        return Response({"avatar": url})


class AvatarImageApi(APIView):
    content_negotiation_class = IgnoreAcceptHeader

    @extend_schema(
        operation_id="getAvatarImage",
        summary="A player's avatar image",
        # An <img> sends no credentials, and the hub asks for none.
        auth=PUBLIC,
        tags=["Mini App"],
        parameters=[
            USER_ID_PARAMETER,
            *(
                OpenApiParameter(name, str, OpenApiParameter.QUERY, description=description)
                for name, description in (
                    ("v", "The photo's version, as the avatar JSON gives it."),
                    ("exp", "When the link expires (Unix seconds), as the hub gave it."),
                    (
                        "sig",
                        "The hub's signature of the link. Required, with `exp`, when the hub "
                        "sets REQUIRE_TELEGRAM_INIT_DATA: use the link as given.",
                    ),
                )
            ),
            OpenApiParameter(
                "If-None-Match",
                str,
                OpenApiParameter.HEADER,
                description="The ETag of the copy the client holds.",
            ),
            OpenApiParameter(
                "ETag",
                str,
                OpenApiParameter.HEADER,
                response=[200, 304],
                description="The photo's version; send it back as If-None-Match.",
            ),
            OpenApiParameter(
                "Cache-Control",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description="`public, max-age=<seconds left in the hub's cache>`; 0 for a "
                "stale copy served while Telegram fails.",
            ),
        ],
        responses={
            **{(200, kind): AVATAR_IMAGE for _, kind in services.IMAGE_TYPES},
            304: OpenApiResponse(description="The client's copy (If-None-Match) is current."),
            **errors(
                403,
                404,
                s403="REQUIRE_TELEGRAM_INIT_DATA is on and the link is not one the hub gave "
                "out, or has expired.",
                s404="The user has no profile photo.",
            ),
            **TELEGRAM_ERRORS,
        },
    )
    def get(self, request, user_id: str):
        user = _parse_user_id(user_id)
        # An <img> sends no init data: where the hub demands it, the link's signature (given
        # out only with init data, by the avatar JSON or a ticket) stands in for it.
        if settings.REQUIRE_TELEGRAM_INIT_DATA and not avatar_link_valid(
            user_id=user,
            expires=request.query_params.get("exp", ""),
            signature=request.query_params.get("sig", ""),
        ):
            raise AvatarLinkInvalid
        avatar = services.avatar_get(user_id=user, client=request.META)
        if avatar is None:
            raise NoAvatar
        response = HttpResponse(avatar.content, content_type=avatar.content_type)
        response["ETag"] = avatar.etag
        patch_cache_control(response, public=True, max_age=avatar.max_age)
        return get_conditional_response(request, etag=avatar.etag, response=response)


def _parse_user_id(raw: str) -> int:
    if USER_ID.fullmatch(raw) and 1 <= int(raw) <= MAX_USER_ID:
        return int(raw)
    raise exceptions.ValidationError(
        f"user id must be a Telegram user id, a whole number from 1 to {MAX_USER_ID}"
    )
