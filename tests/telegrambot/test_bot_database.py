"""The bot's room lookups in a process that outlives its database connections."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections

from rooms import services
from rooms.models import Room
from telegrambot.selectors import room_aget_live


def in_the_bots_thread(function):
    """Run `function` where the bot's lookups run: asgiref's one thread for sync code."""
    return asyncio.run(sync_to_async(function)())


@pytest.fixture
def bot_connection():
    yield
    in_the_bots_thread(connections.close_all)


@pytest.mark.django_db(transaction=True)
class TestBotDatabase:
    def test_it_finds_live_rooms_in_any_case_and_not_ended_ones(self, bot_connection):
        services.room_register(
            code="ABCD", ws_url="wss://a.example/ws", app_url="https://a.example"
        )
        services.room_register(
            code="SHUT", ws_url="wss://a.example/ws", app_url="https://a.example"
        )
        services.room_close(room=Room.objects.get(code="SHUT"))

        assert asyncio.run(room_aget_live(code="abcd")).code == "ABCD"
        assert asyncio.run(room_aget_live(code="SHUT")) is None
        assert asyncio.run(room_aget_live(code="NONE")) is None

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no server to lose")
    def test_a_lookup_survives_the_server_dropping_the_connection(self, bot_connection):
        services.room_register(
            code="ABCD", ws_url="wss://a.example/ws", app_url="https://a.example"
        )
        assert asyncio.run(room_aget_live(code="ABCD")) is not None

        def backend_pid():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                return cursor.fetchone()[0]

        # What a database restart or an idle timeout does to a long-running bot's connection.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [in_the_bots_thread(backend_pid)])

        assert asyncio.run(room_aget_live(code="ABCD")).code == "ABCD"
