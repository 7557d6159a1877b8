"""The room endpoints: the Host App registers and closes rooms, the Mini App looks them up."""

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from rooms import selectors, services
from rooms.permissions import HostSecret
from rooms.serializers import (
    RoomOutputSerializer,
    RoomRegisteredOutputSerializer,
    RoomRegisterInputSerializer,
)


class RoomNotFound(exceptions.NotFound):
    default_detail = "room not found"


class NoFreeRoomCode(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "no free room code right now; try again"


class RoomCloseApi(APIView):
    permission_classes = [HostSecret]

    def delete(self, request, code: str):
        if not services.room_close(code=code):
            raise RoomNotFound
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomRegisterApi(RoomCloseApi):
    def delete(self, request):
        # REGISTER is a valid room code too, and its close URL is this one.
        return super().delete(request, code="register")

    def post(self, request):
        if not isinstance(request.data, dict):
            raise exceptions.ParseError("request body must be a JSON object")
        serializer = RoomRegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            registration = services.room_register(
                code=serializer.validated_data.get("room_code"),
                ws_url=serializer.validated_data["ws_url"],
                app_url=serializer.validated_data["app_url"],
            )
        except services.NoFreeRoomCode:
            raise NoFreeRoomCode from None
        return Response(
            RoomRegisteredOutputSerializer(registration.room).data,
            status=status.HTTP_201_CREATED if registration.created else status.HTTP_200_OK,
        )


class RoomDetailApi(APIView):
    def get(self, request, code: str):
        room = selectors.room_get_live(code=code)
        if room is None:
            raise RoomNotFound
        return Response(RoomOutputSerializer(room).data)
