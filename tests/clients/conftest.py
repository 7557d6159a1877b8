"""What the client tests share: the schema as `manage.py spectacular` writes it, and a live hub
(as `make run` serves it, with a loopback Telegram holding one player's photo) to run the
example Host Apps of clients/ against."""

import json
from dataclasses import dataclass

import pytest

from tests.support import AVATAR_JPEG
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import (
    Granian,
    free_port,
    hub_environment,
    manage,
    prepare_like_make_run,
)


@dataclass(frozen=True)
class Hub:
    url: str
    environment: dict[str, str]
    # The player whose photo the loopback Telegram holds.
    player_id: int


@pytest.fixture(scope="package")
def hub(tmp_path_factory):
    telegram = FakeTelegram().start()
    telegram.add_photo(42, AVATAR_JPEG)
    folder = tmp_path_factory.mktemp("clients-hub")
    environment = hub_environment(f"sqlite:///{folder / 'db.sqlite3'}", free_port())
    environment |= {"FILE_API_URL": telegram.url, "BOT_TOKEN": telegram.token}
    prepare_like_make_run(environment)
    server = Granian(environment, folder / "server.log")
    yield Hub(server.url, environment, player_id=42)
    server.stop()
    telegram.stop()


@pytest.fixture(scope="package")
def schema_file(hub, tmp_path_factory):
    """The schema in JSON, dumped by the hub's own `manage.py spectacular`."""
    path = tmp_path_factory.mktemp("schema") / "schema.json"
    manage(hub.environment, "spectacular", "--format", "openapi-json", "--file", str(path))
    assert json.loads(path.read_text())["info"]["title"] == "Spirtuoz hub API"
    return path
