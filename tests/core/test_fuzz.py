"""Fuzzing beyond the schema: hypothesis throws arbitrary JSON values, strings in every script,
lone surrogates, control characters, huge numbers, nested objects and wrong types at every field,
path parameter and header of every endpoint, through the real request stack (middleware, URL
routing, DRF, the database, the cache, the loopback Telegram).

Whatever it sends, the hub never answers 5xx, every error is the one JSON shape, and every room
it stored afterwards keeps the model's rules. Seeds are fixed (derandomize) and examples bounded,
so a run takes a few seconds and finds the same things every time.
"""

import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rooms.models import Room
from rooms.validators import ROOM_CODE_RE
from tests.support import HOST_SECRET
from tests.support.initdata import signed

FUZZ = hypothesis_settings(
    max_examples=80,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text as a client can send it inside JSON: any code point, lone surrogates included, and
# often one of the characters that break things: NUL, surrogates, a BOM, bidi overrides,
# URL delimiters, whitespace that is not a space, a character that upper-cases to two.
NASTY = "\x00\ud800\udfff\ufeff\u202e\u200b/%?#\\ \t\u00a0\u2028ß\u0130"
_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
ANY_TEXT = st.one_of(
    _TEXT, st.builds("{}{}{}".format, _TEXT, st.sampled_from(NASTY), st.text(max_size=4))
)
# Header values as a WSGI server hands them over: bytes read as Latin-1, on one line.
HEADER_TEXT = (
    st.binary(max_size=60)
    .map(lambda raw: raw.decode("latin-1"))
    .filter(lambda text: not any(c in text for c in "\r\n\x00"))
)
HUGE_NUMBERS = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),
    # Python refuses to read an int of more than 4300 digits (a ValueError, not a number).
    st.one_of(st.sampled_from([4300, 4301]), st.integers(1, 6000)).map(lambda n: "9" * n),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
# Values close to what the hub accepts, so that fuzzing reaches validation and storage too.
HOSTS = st.sampled_from(
    ["a.example", "localhost", "127.0.0.1", "[::1]", "xn--80ak6aa92e.com", "пример.рф", ""]
)
URLS = st.builds(
    "{}://{}{}{}".format,
    st.sampled_from(["ws", "wss", "WSS", "http", "https", "HTTPS", "ftp", "javascript"]),
    st.one_of(HOSTS, ANY_TEXT),
    st.sampled_from(["", ":443", ":0", ":99999", ":-1"]),
    st.one_of(st.just("/ws"), ANY_TEXT.map("/{}".format), st.just("/" + "x" * 2050)),
)
CODES = st.from_regex(r"[A-Za-z0-9]{1,14}", fullmatch=True) | ANY_TEXT
FIELD_VALUES = st.one_of(URLS, CODES, JSON_VALUES, HUGE_NUMBERS)
SECRETS = st.one_of(st.just(HOST_SECRET), HEADER_TEXT, st.just(HOST_SECRET + "\t"))
# `Authorization: tma <init data>`: garbage, or init data signed with the bot's token (as only
# Telegram can) whose fields are anything, so that checking goes past the signature.
INIT_DATA = st.one_of(
    HEADER_TEXT,
    HEADER_TEXT.map("tma {}".format),
    st.builds(
        signed,
        auth_date=st.one_of(HUGE_NUMBERS.map(str), ANY_TEXT.filter(str.isprintable)),
        user=JSON_VALUES.map(json.dumps),
    ).map("tma {}".format),
)


# What the hub accepts, with unicode where the rules allow it: URL paths take any character
# but spaces, and so reach storage.
GOOD_VALUES = {
    "room_code": st.one_of(
        st.from_regex(r"[A-Za-z0-9]{4,12}", fullmatch=True), st.none(), st.just("")
    ),
    "ws_url": st.builds(
        "{}://{}.example{}/{}".format,
        st.sampled_from(["ws", "wss", "WSS"]),
        st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True),
        st.sampled_from(["", ":8443"]),
        ANY_TEXT,
    ),
    "app_url": st.builds(
        "{}/{}".format,
        st.sampled_from(
            ["https://mini.app", "http://localhost:5173", "https://xn--80ak6aa92e.com"]
        ),
        ANY_TEXT,
    ),
    "state": st.sampled_from(["lobby", "playing"]),
    "players": st.integers(0, 100_000),
    "max_players": st.one_of(st.none(), st.integers(1, 100_000)),
    "locked": st.booleans(),
}
STATUS_FIELDS = ("state", "players", "max_players", "locked")


@st.composite
def register_fields(draw) -> dict:
    """A JSON object whose every field is either acceptable or anything at all."""
    body = {
        field: draw(st.one_of(good, FIELD_VALUES) if draw(st.booleans()) else good)
        for field, good in GOOD_VALUES.items()
        if field not in STATUS_FIELDS
    }
    # The status is optional: each field is left out, good, or now and then anything at all.
    for field in STATUS_FIELDS:
        choice = draw(st.sampled_from(["out", "out", "good", "good", "good", "any"]))
        if choice != "out":
            body[field] = draw(GOOD_VALUES[field] if choice == "good" else FIELD_VALUES)
    if draw(st.booleans()):
        body |= draw(st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=2))
    return body


@st.composite
def register_bodies(draw) -> tuple[bytes, str]:
    """(body, content type): a JSON object of odd fields, or any JSON, number or bytes at all."""
    fields = ("room_code", "ws_url", "app_url", "host_secret")
    body = {field: draw(FIELD_VALUES) for field in fields if draw(st.booleans())}
    raw = draw(
        st.one_of(
            st.just(json.dumps(body).encode()),
            JSON_VALUES.map(lambda value: json.dumps(value).encode()),
            HUGE_NUMBERS.map(lambda number: str(number).encode()),
            st.binary(max_size=80),
        )
    )
    content_type = draw(
        st.sampled_from(
            ["application/json", "application/json; charset=latin-1", "text/plain", ""]
        )
    )
    return raw, content_type


def path_segment(text: str) -> str:
    return quote(text, safe="", errors="surrogatepass")


def assert_well_answered(response) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code == 204 or response.status_code == 304:
        assert response.content == b""
        return
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert list(body) == ["error"]
        assert isinstance(body["error"], str)
        assert body["error"]


def assert_every_room_is_valid(settings) -> None:
    rooms = list(Room.objects.all())
    for room in rooms:
        room.full_clean()
        assert ROOM_CODE_RE.fullmatch(room.code), room.code
        assert room.code == room.code.upper()
        assert room.created_at <= room.updated_at <= room.last_seen_at < room.expires_at
        assert room.expires_at - room.last_seen_at == timedelta(seconds=settings.ROOM_TTL_SECONDS)
        assert room.state in Room.State.values
        assert 0 <= room.players <= 100_000
        assert room.max_players is None or 1 <= room.max_players <= 100_000
        assert room.closed_at is None or room.closed_at >= room.created_at


@pytest.fixture
def hub(settings, fake_telegram, api):
    """The API client, with the limits off: fuzzing makes hundreds of mistakes a minute, and
    the limits' 429s (tested in test_rate_limits.py) would hide what lies behind them."""
    settings.ROOM_LOOKUP_MISS_RATE = "off"
    settings.HOST_AUTH_FAIL_RATE = "off"
    fake_telegram.add_photo(42, b"\xff\xd8\xff\xe0fuzz")
    return api


@pytest.mark.django_db
class TestFuzzing:
    def test_registrations_with_any_field_values_store_only_valid_rooms(self, hub, settings):
        # More examples than the other fuzz tests: how many of them reach storage varies with
        # the engine's exploration, which shifts with unrelated changes to the hub's code.
        @hypothesis_settings(FUZZ, max_examples=160)
        @given(body=register_fields())
        def register(body):
            response = hub.generic(
                "POST",
                "/api/host/rooms/register",
                json.dumps(body),
                "application/json",
                HTTP_X_HOST_SECRET=HOST_SECRET,
            )
            assert_well_answered(response)
            if response.status_code in (200, 201):
                stored = Room.objects.get(code=response.json()["room_code"])
                answer = response.json()
                assert {
                    field: answer[field] for field in ("ws_url", "app_url", *STATUS_FIELDS)
                } == {
                    field: getattr(stored, field)
                    for field in ("ws_url", "app_url", *STATUS_FIELDS)
                }
                assert (answer["ws_url"], answer["app_url"]) == (body["ws_url"], body["app_url"])
                assert answer["created_at"] == int(stored.created_at.timestamp() * 1000)
                assert answer["expires_at"] == int(stored.expires_at.timestamp() * 1000)

        register()

        assert Room.objects.count() >= 10, "few registrations got through: fuzzing stayed shallow"
        assert_every_room_is_valid(settings)

    def test_registrations_of_any_body_and_headers_never_fail_the_hub(self, hub, settings):
        @FUZZ
        @given(
            body=register_bodies(),
            secret=st.one_of(st.none(), SECRETS),
            authorization=st.one_of(st.none(), HEADER_TEXT, SECRETS.map("Bearer {}".format)),
        )
        def register(body, secret, authorization):
            raw, content_type = body
            headers = {"HTTP_X_HOST_SECRET": secret, "HTTP_AUTHORIZATION": authorization}
            response = hub.generic(
                "POST",
                "/api/host/rooms/register",
                raw,
                content_type,
                **{name: value for name, value in headers.items() if value is not None},
            )
            assert_well_answered(response)

        register()

        assert_every_room_is_valid(settings)

    def test_closes_and_lookups_of_any_code_never_fail_the_hub_or_its_rooms(
        self, hub, settings, register
    ):
        for code in ("ABCD", "Z9Z9Z9Z9Z9Z9"):
            register({"room_code": code})

        @FUZZ
        @given(
            code=st.one_of(CODES, st.sampled_from(["abcd", "ABCD", "z9z9z9z9z9z9"])),
            secret=SECRETS,
            init_data=st.one_of(st.none(), INIT_DATA),
            close=st.booleans(),
        )
        def close_or_look_up(code, secret, init_data, close):
            if close:
                response = hub.delete(
                    f"/api/host/rooms/{path_segment(code)}", HTTP_X_ROOM_TOKEN=secret
                )
            else:
                authorization = {} if init_data is None else {"HTTP_AUTHORIZATION": init_data}
                response = hub.get(f"/api/rooms/{path_segment(code)}", **authorization)
            assert_well_answered(response)

        close_or_look_up()

        assert_every_room_is_valid(settings)

    def test_heartbeats_and_changes_of_any_body_never_fail_the_hub_or_its_rooms(
        self, hub, settings, register
    ):
        token = register({"room_code": "BEAT"}).json()["host_token"]

        @FUZZ
        @given(
            body=st.one_of(
                st.fixed_dictionaries(
                    {}, optional={**{f: GOOD_VALUES[f] | FIELD_VALUES for f in STATUS_FIELDS}}
                ).map(json.dumps),
                st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=3).map(json.dumps),
                JSON_VALUES.map(json.dumps),
                st.binary(max_size=40),
            ),
            patch=st.booleans(),
            wrong_token=st.booleans(),
        )
        def report(body, patch, wrong_token):
            response = hub.generic(
                "PATCH" if patch else "POST",
                "/api/host/rooms/BEAT" if patch else "/api/host/rooms/BEAT/heartbeat",
                body,
                "application/json",
                HTTP_X_ROOM_TOKEN=token + "x" if wrong_token else token,
            )
            assert_well_answered(response)

        report()

        assert_every_room_is_valid(settings)

    def test_avatars_of_any_user_id_never_fail_the_hub(self, hub):
        @FUZZ
        @given(
            user_id=st.one_of(
                st.integers().map(str),
                HUGE_NUMBERS.map(str),
                ANY_TEXT,
                st.sampled_from(
                    ["42", "042", "\uff14\uff12", " 42", "42 ", "+42", "0x2a", "4.2e1"]
                ),
            ),
            image=st.booleans(),
            init_data=st.one_of(st.none(), INIT_DATA),
            etag=st.one_of(st.none(), HEADER_TEXT),
        )
        def ask_for_avatar(user_id, image, init_data, etag):
            headers = {"HTTP_AUTHORIZATION": init_data, "HTTP_IF_NONE_MATCH": etag}
            response = hub.get(
                f"/api/users/{path_segment(user_id)}/avatar{'.jpg' if image else ''}",
                **{name: value for name, value in headers.items() if value is not None},
            )
            assert_well_answered(response)

        ask_for_avatar()

    def test_health_checks_with_any_headers_never_fail_the_hub(self, hub):
        @FUZZ
        @given(name=st.from_regex(r"[A-Z][A-Z_]{0,20}", fullmatch=True), value=HEADER_TEXT)
        def ask_health(name, value):
            response = hub.get("/healthz", **{f"HTTP_{name}": value})
            assert_well_answered(response)
            assert response.json() == {"status": "ok"} or response.status_code == 400

        ask_health()
