"""`make bench`: the hub under load, measured with wrk, and bench/RESULTS.md written from it.

Not a test: it takes a few minutes and its figures depend on the machine. For each database in
turn, SQLite on a fresh file and then PostgreSQL (DATABASE_URL if it names a PostgreSQL, or else
a throwaway cluster of the bench's own, fsync on), it starts the hub the way `make run` does
(`python -m server.supervisor`: the server and the bot), with the polling bot beside it talking
to the loopback fake Telegram of the test suite. It registers 1,000 rooms, then takes each
figure with wrk (64 connections, 10 s):

- room lookups (random codes from the 1,000): throughput, p50 and p99 latency, in rounds beside
  the floor (bench/floor.py: a bare WSGI app doing one indexed SELECT per request on the same
  database, under the same server, workers and threads) and the in-memory Node/Express design
  (bench/reference/), when Node is installed;
- where a worker's time went during the lookups, sampled by py-spy;
- registrations (each room's host taking its room back, with its room token) and heartbeats;
- the avatar JSON and the avatar image, both answered from the cache;
- Telegram lookups made by 100 concurrent first requests for one user's avatar;
- room lookups again while 200 clients trickle registration bodies a byte a second, and while
  Telegram hangs under a flood of 50 avatar requests at a time (tests/support/attacks.py);
- the peak RSS of all the hub's processes (server, workers and bot) over the whole run;
- seconds from starting the server process to the first 200 on /healthz.
"""

import argparse
import contextlib
import datetime
import http.client
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from bench.report import (
    Figure,
    Machine,
    Profile,
    Results,
    WrkResult,
    median_of,
    parse_wrk,
    render,
    where_the_time_went,
)
from tests.support.attacks import avatar_flood, trickling
from tests.support.fake_telegram import FakeTelegram
from tests.support.throwaway_postgres import ThrowawayPostgres, postgres_binaries

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "bench"
REFERENCE_DIR = BENCH_DIR / "reference"
AVATAR_JPEG = (BASE_DIR / "tests" / "data" / "avatar.jpg").read_bytes()
PUBLIC_URL = "https://hub.bench.invalid"
# As Render's TLS proxy says: with an https PUBLIC_URL the hub redirects plain http.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
ROOM_URLS = {"ws_url": "wss://bench.trycloudflare.com/ws", "app_url": "https://mini.app"}
WRK_INSTALL = "wrk is not installed: `sudo apt-get install -y wrk` (Debian/Ubuntu), then again."
TARGET_LOOKUP_P99_MS = 25.0
# Room lookups per second, as a multiple of the Node/Express design's in the same run.
TARGET_LOOKUP_TIMES = {"SQLite": 1.5, "PostgreSQL": 1.0}
TARGET_HEARTBEATS = 1000
TARGET_RSS_MB = 250.0
TARGET_STARTUP_SECONDS = 2.0
STORM_REQUESTS = 100
SLOW_CLIENTS = 200
AVATAR_FLOOD = 50
TARGET_UNDER_ATTACK_P99_MS = 1000.0
WARM_UP_SECONDS = 5


# Seeds each wrk thread's random numbers apart.
SEEDED = """local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  math.randomseed(os.time() * 1000 + seed)
end"""


@dataclass
class Rooms:
    codes: list[str]
    tokens: list[str]


@dataclass
class Measured:
    """One database's figures, its lookup rounds, and where a worker's time went."""

    name: str
    figures: list[Figure]
    rounds: list[tuple[str, WrkResult]]
    profile: Profile


@dataclass
class Settings:
    rooms: int
    connections: int
    threads: int
    seconds: int
    rounds: int
    workers: int
    database_url: str | None
    output: Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--seconds", type=int, default=10, help="per figure")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of room lookups (hub, reference, floor)"
    )
    parser.add_argument("--output", type=Path, help="default: bench/RESULTS.md")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print(WRK_INSTALL, file=sys.stderr)
        return 2
    settings = Settings(
        rooms=args.rooms,
        connections=args.connections,
        threads=args.threads,
        seconds=args.seconds,
        rounds=args.rounds,
        workers=int(os.environ.get("WEB_CONCURRENCY", "2")),
        database_url=os.environ.get("DATABASE_URL") or None,
        output=args.output or BENCH_DIR / "RESULTS.md",
    )
    with tempfile.TemporaryDirectory(prefix="spirtuoz-bench-") as folder:
        results = Bench(settings, Path(folder)).run()
    settings.output.write_text(render(results))
    print(f"wrote {settings.output}")
    return 0


@dataclass
class Process:
    """A server under test, its log, and the peak RSS of its process tree."""

    name: str
    popen: subprocess.Popen
    port: int
    started_at: float
    peak_rss_bytes: int = 0
    # Each process's RSS when the sum peaked: (its command line, bytes).
    peak_breakdown: list[tuple[str, int]] = field(default_factory=list)
    # Sums over the processes then, from smaps_rollup: PSS (shared pages split among the
    # processes sharing them), and Anonymous (their own memory, not mapped from files).
    peak_pss_bytes: int = 0
    peak_anonymous_bytes: int = 0
    _sampling: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sample_rss(self) -> None:
        while not self._sampling.wait(0.1):
            processes = tree_rss(self.popen.pid)
            total = sum(rss for _, rss in processes)
            if total > self.peak_rss_bytes:
                self.peak_rss_bytes, self.peak_breakdown = total, processes
                rollup = tree_rollup_bytes(self.popen.pid)
                self.peak_pss_bytes, self.peak_anonymous_bytes = rollup["Pss"], rollup["Anonymous"]

    def stop(self) -> None:
        self._sampling.set()
        self.popen.terminate()
        try:
            self.popen.wait(30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


class Bench:
    def __init__(self, settings: Settings, folder: Path):
        self.settings = settings
        self.folder = folder
        self.commands = ["make bench"]
        self.loads: list[tuple[str, tuple[float, float, float]]] = []
        self.stack = contextlib.ExitStack()
        self.note_load("start")

    def note_load(self, moment: str) -> None:
        self.loads.append((moment, os.getloadavg()))

    def run(self) -> Results:
        telegram = FakeTelegram().start()
        try:
            measured = [self.measure(name, url, telegram) for name, url in self.databases()]
        finally:
            telegram.stop()
            self.stack.close()
        self.note_load("end")
        return Results(
            machine=machine(),
            figures=[figure for database in measured for figure in database.figures],
            commands=self.commands,
            loads=self.loads,
            when=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            design=DESIGN,
            rounds=[round for database in measured for round in database.rounds],
            profiles=[(database.name, database.profile) for database in measured],
        )

    def databases(self) -> list[tuple[str, str]]:
        """SQLite on a fresh file, and PostgreSQL: DATABASE_URL if it names one, or else a
        throwaway cluster of the bench's own (as the fault tests make one)."""
        found = [("SQLite", f"sqlite:///{self.folder / 'db.sqlite3'}")]
        url = self.settings.database_url
        if url and url.startswith(("postgres://", "postgresql://")):
            return [*found, ("PostgreSQL", url)]
        binaries = postgres_binaries()
        if binaries is None:
            print("PostgreSQL left out: no initdb/pg_ctl (apt-get install -y postgresql)")
            return found
        postgres = ThrowawayPostgres(binaries, free_port())
        self.stack.callback(postgres.remove)
        # Durable, as a hosted PostgreSQL is: fsync on, unlike the fault tests' cluster.
        postgres.start(durable=True)
        return [*found, ("PostgreSQL", postgres.url)]

    def measure(self, database: str, url: str, telegram: FakeTelegram) -> "Measured":
        environment = self.hub_environment(telegram, url)
        self.prepare_like_make_run(environment, url)
        with contextlib.ExitStack() as servers:
            hub = self.start(f"hub-{database}", [sys.executable, "-m", "server.supervisor"],
                             environment)  # fmt: skip
            servers.callback(hub.stop)
            hub_startup = self.wait_healthy(hub)
            rooms = self.register_rooms(hub, environment["HOST_SECRET"])
            floor_environment = environment | {"PORT": str(free_port()), "BOT_TOKEN": ""}
            floor = self.start(f"floor-{database}", self.floor_command(), floor_environment)
            servers.callback(floor.stop)
            floor_startup = self.wait_healthy(floor)
            reference = self.start_reference(hub, rooms.codes, database)
            if reference is not None:
                servers.callback(reference.stop)
                self.wait_healthy(reference)

            lookup = self.write_lookup_script(rooms.codes)
            # In turn, round after round, so that each sees the shared machine alike.
            contenders = [("hub", hub), ("Node/Express", reference), ("floor", floor)]
            contenders = [(who, server) for who, server in contenders if server is not None]
            # Not a figure: each contender's first answers (Django's, before the hub replays
            # them; V8's before it compiles), as a party's first minute would be.
            for who, server in contenders:
                self.wrk(f"warm-up, {database}: {who}", server, lookup, WARM_UP_SECONDS)
            rounds: list[tuple[str, WrkResult]] = []
            for n in range(1, self.settings.rounds + 1):
                for who, server in contenders:
                    name = f"{database}: {who}, round {n}"
                    rounds.append((name, self.wrk(f"room lookups, {name}", server, lookup)))
            medians = {
                who: median_of(
                    [result for name, result in rounds if name.startswith(f"{database}: {who},")]
                )
                for who, _ in contenders
            }
            profile = self.profile(hub, lookup, database)
            registrations = self.wrk(
                f"registrations, {database}", hub, self.write_register_script(rooms, environment)
            )
            heartbeats = self.wrk(
                f"heartbeats, {database}", hub, self.write_heartbeat_script(rooms)
            )
            user = 4242
            telegram.add_photo(user, AVATAR_JPEG)
            expect(get(hub, f"/api/users/{user}/avatar.jpg"), 200, "a first avatar")
            avatar_json = self.wrk(
                f"avatar JSON, {database}", hub, self.write_path_script(user, "")
            )
            avatar_image = self.wrk(
                f"avatar image, {database}", hub, self.write_path_script(user, ".jpg")
            )
            storm = self.avatar_storm(
                hub, telegram, user=4343 + len(self.loads), database=database
            )
            slow_clients = trickling(hub.port, SLOW_CLIENTS, renew=True)
            under_slow_clients = self.lookups_under(
                f"{SLOW_CLIENTS} clients trickling bodies, {database}", hub, lookup, slow_clients
            )
            flood = avatar_flood(hub.url, telegram, AVATAR_FLOOD, PROXY_HEADERS)
            under_hanging_telegram = self.lookups_under(
                f"a hanging Telegram and {AVATAR_FLOOD} avatar requests, {database}",
                hub,
                lookup,
                flood,
            )

        figures = self.figures(
            database=database,
            hub=hub,
            floor=floor,
            reference=reference,
            hub_lookups=medians["hub"],
            floor_lookups=medians["floor"],
            reference_lookups=medians.get("Node/Express"),
            registrations=registrations,
            heartbeats=heartbeats,
            avatar_json=avatar_json,
            avatar_image=avatar_image,
            storm=storm,
            under_attack=(under_slow_clients, under_hanging_telegram),
            startup=(hub_startup, floor_startup),
        )
        return Measured(database, figures, rounds, profile)

    # The servers.

    def hub_environment(self, telegram: FakeTelegram, database_url: str) -> dict[str, str]:
        return {
            **os.environ,
            "ENV_FILE": "",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "HOST_SECRET": secrets.token_urlsafe(32),
            "DEBUG": "false",
            "DATABASE_URL": database_url,
            "HOST": "127.0.0.1",
            "PORT": str(free_port()),
            "WEB_CONCURRENCY": str(self.settings.workers),
            "BOT_TOKEN": telegram.token,
            "FILE_API_URL": telegram.url,
            "PUBLIC_URL": PUBLIC_URL,
            "TELEGRAM_WEBHOOK_SECRET": "",
            "REDIS_URL": os.environ.get("REDIS_URL", ""),
            "PYTHONUNBUFFERED": "1",
        }

    def prepare_like_make_run(self, environment: dict[str, str], database_url: str) -> None:
        for command in (
            ["migrate", "--noinput", "--verbosity", "0"],
            ["createcachetable"],
            ["collectstatic", "--noinput", "--verbosity", "0"],
        ):
            subprocess.run(  # noqa: S603 -- this interpreter and this project's manage.py
                [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=environment, check=True
            )
        if database_url == self.settings.database_url:
            # A database of the developer's: start from no rooms, as on a fresh SQLite file.
            forget_rooms = "from rooms.models import Room; Room.objects.all().delete()"
            subprocess.run(  # noqa: S603 -- this interpreter and this project's manage.py
                [sys.executable, "manage.py", "shell", "-c", forget_rooms],
                cwd=BASE_DIR,
                env=environment,
                check=True,
            )

    def floor_command(self) -> list[str]:
        """The floor app served as `make run` serves the hub: same server, workers, threads and
        access log."""
        return [sys.executable, "-m", "server", "bench.floor:application"]

    def start(
        self, name: str, command: list[str], environment: dict[str, str], port: int | None = None
    ) -> Process:
        port = port or int(environment["PORT"])
        log = (self.folder / f"{name}.log").open("wb")
        started_at = time.monotonic()
        popen = subprocess.Popen(  # noqa: S603 -- fixed commands
            command, cwd=BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        process = Process(name, popen, port, started_at)
        threading.Thread(target=process.sample_rss, daemon=True).start()
        return process

    def start_reference(self, hub: Process, codes: list[str], database: str) -> Process | None:
        node = shutil.which("node")
        if node is None or not (REFERENCE_DIR / "node_modules" / "express").is_dir():
            print("Node/Express reference skipped: no node, or no npm ci in bench/reference")
            return None
        rooms = [json.loads(get(hub, f"/api/rooms/{code}")[1]) for code in codes]
        rooms_file = self.folder / f"rooms-{database}.json"
        rooms_file.write_text(json.dumps(rooms))
        environment = {**os.environ, "ROOMS_FILE": str(rooms_file), "PORT": str(free_port())}
        command = [node, str(REFERENCE_DIR / "server.js")]
        return self.start(f"reference-{database}", command, environment)

    def wait_healthy(self, process: Process) -> float:
        """Seconds from starting the process to its first 200 on /healthz."""
        deadline = process.started_at + 60
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited; see {self.folder}/{process.name}.log")
            with contextlib.suppress(OSError):
                if get(process, "/healthz")[0] == 200:
                    return time.monotonic() - process.started_at
            time.sleep(0.01)
        raise RuntimeError(f"{process.name} did not answer /healthz within 60 s")

    # The load.

    def register_rooms(self, hub: Process, secret: str) -> "Rooms":
        """Register the rooms (the hub picks their codes): their codes and room tokens."""

        def register(_: int) -> tuple[str, str]:
            # As a Host App does: a 503 (every body reader busy) is tried again a second later.
            for _attempt in range(5):
                status, body = request(
                    hub, "POST", "/api/host/rooms/register", json.dumps(ROOM_URLS), secret=secret
                )
                if status != 503:
                    break
                time.sleep(1)
            expect((status, body), 201, "a registration")
            created = json.loads(body)
            return created["room_code"], created["host_token"]

        with ThreadPoolExecutor(8) as pool:
            registered = list(pool.map(register, range(self.settings.rooms)))
        return Rooms(codes=[code for code, _ in registered], tokens=[t for _, t in registered])

    def wrk(
        self, name: str, server: Process, script: Path, seconds: int | None = None
    ) -> WrkResult:
        command = [
            "wrk", f"-t{self.settings.threads}", f"-c{self.settings.connections}",
            f"-d{seconds or self.settings.seconds}s", "--latency", "-s", str(script), server.url,
        ]  # fmt: skip
        self.note_load(name)
        shown = " ".join([*command[:-2], f"bench/<{script.name}>", "http://127.0.0.1:<port>"])
        self.commands.append(f"{shown}    # {name}")
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
        result = parse_wrk(output)
        print(f"{name}: {result}")
        return result

    def profile(self, hub: Process, script: Path, database: str) -> Profile:
        """Where the workers' time went while they answered room lookups: py-spy samples every
        worker during one more wrk run (not a figure), and each sample is put down to the code
        it was in. An empty Profile without py-spy."""
        py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent))
        py_spy = py_spy or shutil.which("py-spy")
        if py_spy is None:
            print("where the time went left out: no py-spy (pip install py-spy)")
            return Profile()
        server = next(pid for pid in children(hub.popen.pid) if "runbot" not in cmdline(pid))
        seconds = self.settings.seconds
        spies = [
            subprocess.Popen(  # noqa: S603 -- py-spy on our own workers
                [py_spy, "record", "--gil", "--nonblocking", "--rate", "250",
                 "--duration", str(seconds),
                 "--format", "raw", "--output", str(self.folder / f"spy-{pid}.txt"),
                 "--pid", str(pid)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            for pid in children(server)
        ]  # fmt: skip
        time.sleep(0.5)
        self.wrk(f"room lookups under py-spy, {database}", hub, script)
        for spy in spies:
            spy.wait(timeout=seconds + 30)
        stacks = "\n".join(path.read_text() for path in self.folder.glob("spy-*.txt"))
        for path in self.folder.glob("spy-*.txt"):
            path.unlink()
        return where_the_time_went(stacks)

    def write_lookup_script(self, codes: list[str]) -> Path:
        paths = ", ".join(f'"/api/rooms/{code}"' for code in codes)
        return self.write_script("lookup.lua", f"local paths = {{{paths}}}", "GET", "nil")

    def write_register_script(self, rooms: "Rooms", environment: dict[str, str]) -> Path:
        """Each room's host taking its room back (a re-registration with its room token)."""
        headers = {"X-Host-Secret": environment["HOST_SECRET"]}
        return self.write_room_script(
            "register.lua", rooms, '"/api/host/rooms/register"',
            "'{\"room_code\": \"' .. codes[i] .. '\", " + json.dumps(ROOM_URLS)[1:] + "'",
            headers,
        )  # fmt: skip

    def write_heartbeat_script(self, rooms: "Rooms") -> Path:
        """Each room's host saying it is alive, with a player count, as every 15 s."""
        return self.write_room_script(
            "heartbeat.lua", rooms, '"/api/host/rooms/" .. codes[i] .. "/heartbeat"',
            "'{\"players\": 3}'",
        )  # fmt: skip

    def write_room_script(
        self, name: str, rooms: "Rooms", path: str, body: str, headers=None
    ) -> Path:
        """A wrk script POSTing `body` to `path` as the host of a random room (its token)."""
        codes = ", ".join(f'"{code}"' for code in rooms.codes)
        tokens = ", ".join(f'"{token}"' for token in rooms.tokens)
        fixed = {**PROXY_HEADERS, "Content-Type": "application/json", **(headers or {})}
        header_lines = "".join(f'["{key}"] = "{value}", ' for key, value in fixed.items())
        script = self.folder / name
        script.write_text(
            f"""local codes = {{{codes}}}
local tokens = {{{tokens}}}
{SEEDED}
function request()
  local i = math.random(#codes)
  local headers = {{{header_lines}["X-Room-Token"] = tokens[i]}}
  return wrk.format("POST", {path}, headers, {body})
end
"""
        )
        return script

    def write_path_script(self, user: int, suffix: str) -> Path:
        name = f"avatar{suffix.replace('.', '-')}.lua"
        return self.write_script(name, f'local paths = {{"/api/users/{user}/avatar{suffix}"}}')

    def write_script(
        self, name: str, data: str, method: str = "GET", body: str = "nil", headers=None
    ) -> Path:
        """A wrk script sending `method` to a random one of `paths`, seeded per thread."""
        header_lines = "\n".join(
            f'wrk.headers["{key}"] = "{value}"'
            for key, value in {**PROXY_HEADERS, **(headers or {})}.items()
        )
        script = self.folder / name
        script.write_text(
            f"""{data}
{header_lines}
{SEEDED}
function request()
  return wrk.format("{method}", paths[math.random(#paths)], nil, {body})
end
"""
        )
        return script

    def avatar_storm(self, hub: Process, telegram: FakeTelegram, user: int, database: str) -> dict:
        """100 concurrent first requests for one user's avatar: how many Telegram lookups, and
        how many were answered, and told to retry (503) past the waiting slots' bound."""
        telegram.add_photo(user, AVATAR_JPEG)
        # Slow enough that every request arrives while the first lookup is still out.
        telegram.delay("getUserProfilePhotos", 0.3)
        start = threading.Barrier(STORM_REQUESTS)

        def first_request(_: int) -> int:
            start.wait()
            return get(hub, f"/api/users/{user}/avatar.jpg", timeout=30)[0]

        self.note_load(f"avatar storm, {database}")
        with ThreadPoolExecutor(STORM_REQUESTS) as pool:
            statuses = list(pool.map(first_request, range(STORM_REQUESTS)))
        telegram.heal()
        lookups = sum(
            1 for call in telegram.calls_to("getUserProfilePhotos")
            if int(call.params["user_id"]) == user
        )  # fmt: skip
        return {"lookups": lookups, "ok": statuses.count(200), "retry": statuses.count(503)}

    def lookups_under(self, attack: str, hub: Process, script: Path, during) -> WrkResult:
        """Room lookups while `during` (a context manager of tests/support/attacks.py) runs."""
        with during:
            # Time for the attack to take hold before the lookups are timed.
            time.sleep(1)
            return self.wrk(f"room lookups under {attack}", hub, script)

    # The report.

    def figures(self, *, database, hub, floor, reference, hub_lookups, floor_lookups,
                reference_lookups, registrations, heartbeats, avatar_json, avatar_image, storm,
                under_attack, startup) -> list[Figure]:  # fmt: skip
        """The figures of one database, each named with it: "room lookups, PostgreSQL"."""
        floor_rate = floor_lookups.requests_per_second
        reference_rate = reference_lookups.requests_per_second if reference_lookups else None
        times = TARGET_LOOKUP_TIMES[database]
        lookups_met = (
            hub_lookups.clean and reference_rate is not None
            and hub_lookups.requests_per_second >= times * reference_rate
        )  # fmt: skip
        rate = hub_lookups.requests_per_second
        versus = f"{rate / reference_rate:.2f} times" if reference_rate else ""
        p99_met = hub_lookups.p99_ms <= TARGET_LOOKUP_P99_MS
        heartbeats_met = (
            heartbeats.clean and heartbeats.requests_per_second >= TARGET_HEARTBEATS
            if database == "PostgreSQL" else None
        )  # fmt: skip
        figures = [
            Figure(
                "room lookups", "req/s", hub_lookups.requests_per_second, floor_rate,
                reference_rate, f"≥ {times:g} times Node/Express", lookups_met,
                _unclean(hub_lookups)
                or (f"{versus} the Node/Express design" if reference_rate else ""),
            ),
            Figure("room lookups p50", "ms", hub_lookups.p50_ms, floor_lookups.p50_ms,
                   reference_lookups.p50_ms if reference_lookups else None),
            Figure(
                "room lookups p99", "ms", hub_lookups.p99_ms, floor_lookups.p99_ms,
                reference_lookups.p99_ms if reference_lookups else None,
                f"≤ {TARGET_LOOKUP_P99_MS:g} ms", p99_met, "" if p99_met else "over 25 ms",
            ),
            Figure("registrations (a host taking its room back)", "req/s",
                   registrations.requests_per_second, floor_rate, note=_unclean(registrations)),
            Figure(
                "heartbeats", "req/s", heartbeats.requests_per_second, floor_rate,
                target=f"≥ {TARGET_HEARTBEATS:,}/s" if database == "PostgreSQL" else "",
                met=heartbeats_met, note=_unclean(heartbeats)
                or ("" if heartbeats_met is not False else f"under {TARGET_HEARTBEATS:,}/s"),
            ),
            Figure("avatar JSON (cached)", "req/s", avatar_json.requests_per_second, floor_rate,
                   note=_unclean(avatar_json)),
            Figure("avatar image (cached)", "req/s", avatar_image.requests_per_second,
                   floor_rate, note=_unclean(avatar_image)),
            Figure(
                f"Telegram lookups for {STORM_REQUESTS} concurrent first requests", "",
                storm["lookups"], target="1, every other request answered or told to retry",
                met=storm["lookups"] == 1 and storm["ok"] >= 1
                and storm["ok"] + storm["retry"] == STORM_REQUESTS,
                note=f"{storm['ok']} answered 200, {storm['retry']} told to retry (503 with "
                "Retry-After, past the slots of TELEGRAM_CONCURRENCY and TELEGRAM_WAITERS)"
                if storm["retry"] else "",
            ),
        ]  # fmt: skip
        attacks = (
            f"{SLOW_CLIENTS} clients trickle bodies",
            f"Telegram hangs under {AVATAR_FLOOD} avatar requests",
        )
        for attack, result in zip(attacks, under_attack, strict=True):
            met = result.p99_ms <= TARGET_UNDER_ATTACK_P99_MS and not _unclean(result)
            figures.append(
                Figure(
                    f"room lookups p99 while {attack}", "ms", result.p99_ms,
                    floor_lookups.p99_ms, target=f"≤ {TARGET_UNDER_ATTACK_P99_MS:g} ms",
                    met=met, note=_unclean(result)
                    or f"{result.requests_per_second:.0f} lookups/s meanwhile",
                )
            )  # fmt: skip
        hub_mb, floor_mb = hub.peak_rss_bytes / 1e6, floor.peak_rss_bytes / 1e6
        roles = _roles([command for command, _ in hub.peak_breakdown])
        breakdown = ", ".join(
            f"{role} {rss / 1e6:.0f} MB"
            for role, (_, rss) in zip(roles, hub.peak_breakdown, strict=True)
        )
        figures.append(
            Figure(
                "peak RSS, all hub processes (supervisor, server, workers, bot)", "MB", hub_mb,
                floor_mb,
                reference.peak_rss_bytes / 1e6 if reference else None,
                f"≤ {TARGET_RSS_MB:g} MB", hub_mb <= TARGET_RSS_MB,
                ("" if hub_mb <= TARGET_RSS_MB else "over 250 MB; ")
                + f"at the peak: {breakdown}. Of the sum, {hub.peak_anonymous_bytes / 1e6:.0f} MB "
                "is the processes' own (anonymous) memory, the rest pages of the interpreter and "
                "libraries mapped from files and counted once per process; with shared pages "
                f"split among the processes (PSS) the hub used {hub.peak_pss_bytes / 1e6:.0f} MB",
            )
        )  # fmt: skip
        hub_startup, floor_startup = startup
        figures.append(
            Figure(
                "start to first 200 on /healthz", "s", hub_startup, floor_startup, None,
                f"≤ {TARGET_STARTUP_SECONDS:g} s", hub_startup <= TARGET_STARTUP_SECONDS,
                "" if hub_startup <= TARGET_STARTUP_SECONDS else "over 2 s",
            )
        )  # fmt: skip
        for figure in figures:
            figure.name = f"{figure.name}, {database}"
        return figures


def _roles(commands: list[str]) -> list[str]:
    """What each process of the hub's tree is, in the tree's order: make run's supervisor, then
    its children (the server process and the bot), then the server's workers."""
    roles, servers = [], 0
    for index, command in enumerate(commands):
        if index == 0:
            roles.append("supervisor (make run)")
        elif "runbot" in command:
            roles.append("bot")
        else:
            roles.append("server process" if servers == 0 else "worker")
            servers += 1
    return roles


def _unclean(result: WrkResult) -> str:
    if result.clean:
        return ""
    return f"{result.non_2xx} answers outside 2xx/3xx and {result.socket_errors} socket errors"


DESIGN = """
What the figures above rest on (docs/benchmark.md says more):

- **The server.** The hub is served by granian (`server/serve.py`), whose HTTP handling is
  Rust, as under `make run` and on Render: 2 forked workers of 14 threads (4 that run Django
  at once, and 2 body readers, 2 waiting for one, 2 Telegram askers and 4 waiters beside
  them), replaced if one dies.
  Every thread takes its turn at the GIL under load: with 28 threads a worker the lookups' p99
  was 35-40 ms, with 12-14 about 15-20 ms.
- **The room lookup** is Django's answer, replayed (`rooms/lookup.py`): Django answers a room's
  first lookups through its whole request stack, and once it has given the same bytes twice
  for the same kind of request, they are replayed while the room is unchanged and while the
  client is within its miss limit. What changed is read from the change feed, one indexed query
  for all rooms at most every FRESH_SECONDS (0.5 s) per process, so a registration, a status
  change or a close made through any worker of any instance shows within half a second, an
  expiry at once (tests/server/test_instances.py). Replays do not wait for one of the 4 places
  Django's requests take turns at. No header, CORS, host or init-data rule is written twice
  (tests/rooms/test_room_lookup_fast.py changes the middleware and the settings and compares
  every answer with Django's own).
- **The miss limit** is read from the shared cache, but each process remembers for 1 s that a
  client was within it (documented slack: at most that second, and one miss per process,
  after another process blocked the client).
- **The access log.** A request's thread notes its line (a tuple with the request's id, route
  and client); a thread of each worker makes the lines every 50 ms through the logging
  configuration (the hub's formatter and redaction) and writes them in one write. granian's
  own access log, which did all that on the request's thread, cost half a worker's CPU.
  Workers switch the GIL every 1 ms instead of 5 ms: sqlite3 lets go of it around each
  statement, and the default interval made those hand-overs the lookups' p99.
- **Memory.** `make run` is three processes beside the server's workers: a supervisor that
  loads no Django, the server's main process (granian and the settings), and the polling bot
  (`manage.py runbot`), which skips the admin's, the templates' and the URLs' start-up checks.
  Web processes load python-telegram-bot only in webhook mode and redis only with the Redis
  cache; they carry psycopg, which DRF imports for its PostgreSQL fields, on SQLite too.
- **Not changed:** registrations (a write each, serialized by SQLite, through DRF) and the
  avatar endpoints (DRF, one shared-cache read each) keep Django's full request handling.
"""


# Helpers.


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(server: Process, method: str, path: str, body: str | None = None, *,
            secret: str | None = None, timeout: float = 10) -> tuple[int, bytes]:  # fmt: skip
    headers = dict(PROXY_HEADERS)
    if body is not None:
        headers["Content-Type"] = "application/json"
    if secret is not None:
        headers["X-Host-Secret"] = secret
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def expect(answer: tuple[int, bytes], status: int, what: str) -> None:
    if answer[0] != status:
        raise RuntimeError(f"{what} answered {answer[0]}, not {status}: {answer[1][:200]!r}")


def get(server: Process, path: str, timeout: float = 10) -> tuple[int, bytes]:
    return request(server, "GET", path, timeout=timeout)


def tree_rollup_bytes(root: int) -> dict[str, int]:
    """The PSS and the anonymous memory of `root` and its descendants, summed."""
    totals = {"Pss": 0, "Anonymous": 0}
    for pid in [root, *descendants(root)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                name, _, value = line.partition(":")
                if name in totals:
                    totals[name] += int(value.split()[0]) * 1024
    return totals


def children(parent: int) -> list[int]:
    return [
        pid for pid in descendants(parent)
        if int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1]) == parent
    ]  # fmt: skip


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            parent = int(stat.rpartition(")")[2].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], list(children.get(root, []))
    while pending:
        pid = pending.pop(0)
        found.append(pid)
        pending += children.get(pid, [])
    return found


def tree_rss(root: int) -> list[tuple[str, int]]:
    """The command line and RSS of `root` and of each of its descendants, from /proc."""
    processes = []
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in [root, *descendants(root)]:
        with contextlib.suppress(OSError):
            rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            processes.append((command.strip(), rss))
    return processes


def machine() -> Machine:
    server = "granian"
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown",
    )  # fmt: skip
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    versions = {name: version(name) for name in ("Django", "djangorestframework", server)}
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout  # noqa: S607
    versions["wrk"] = wrk_version.split()[1] if wrk_version else "?"
    node = shutil.which("node")
    if node:
        answer = subprocess.run([node, "--version"], capture_output=True, text=True)  # noqa: S603
        versions["Node"] = answer.stdout.strip()
    return Machine(
        cores=os.cpu_count() or 0,
        cpu=cpu,
        memory_gib=memory_kib / 1024 / 1024,
        python=platform.python_version(),
        server=server,
        versions=versions,
    )


if __name__ == "__main__":
    sys.exit(main())
