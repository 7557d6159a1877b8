"""What the benchmark measured, read from wrk's output and written out as bench/RESULTS.md.

Kept apart from bench/run.py, which drives servers and wrk, so that the parsing and the verdicts
can be tested without starting anything (tests/bench/test_bench_report.py).
"""

import re
import statistics
import sys
from dataclasses import dataclass, field

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    # Answers outside 2xx/3xx, and connect/read/write/timeout errors: a figure with either
    # measured something other than what it claims to.
    non_2xx: int
    socket_errors: int

    @property
    def clean(self) -> bool:
        return self.requests > 0 and self.non_2xx == 0 and self.socket_errors == 0


def parse_wrk(output: str) -> WrkResult:
    """The figures of one `wrk --latency` run; ValueError when the output has none."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    if rate is None or total is None:
        raise ValueError(f"not wrk output: {output[:200]!r}")
    non_2xx = re.search(r"^\s*Non-2xx or 3xx responses:\s+(\d+)", output, re.MULTILINE)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests_per_second=float(rate.group(1)),
        p50_ms=_percentile_ms(output, "50"),
        p99_ms=_percentile_ms(output, "99"),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(count) for count in errors.groups()) if errors else 0,
    )


def median_of(results: list[WrkResult]) -> WrkResult:
    """Each figure's median over rounds of the same measurement; counts of requests and of
    errors are the rounds' sums."""
    return WrkResult(
        requests_per_second=statistics.median(r.requests_per_second for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        requests=sum(r.requests for r in results),
        non_2xx=sum(r.non_2xx for r in results),
        socket_errors=sum(r.socket_errors for r in results),
    )


def _percentile_ms(output: str, percent: str) -> float:
    found = re.search(rf"^\s*{percent}(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    if found is None:
        raise ValueError(f"wrk output has no {percent}% latency; run wrk with --latency")
    return float(found.group(1)) * UNITS_MS[found.group(2)]


@dataclass
class Figure:
    """One line of the results: the hub's value, the floor's, and the target if there is one."""

    name: str
    unit: str
    hub: float | None
    floor: float | None = None
    reference: float | None = None  # the Node/Express design, for room lookups
    target: str = ""
    met: bool | None = None  # None: no target
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.hub is None or not self.floor:
            return None
        return self.hub / self.floor


@dataclass
class Profile:
    """Where a server's time went, from sampled stacks: the share of the samples by place (the
    code each sample was in), and the functions most often on top."""

    samples: int = 0
    places: list[tuple[str, float]] = field(default_factory=list)
    functions: list[tuple[str, float]] = field(default_factory=list)


# Where a sample's innermost frame was, by its file: the first that matches. py-spy names a
# file by its path under sys.path (`django/db/models/query.py`, `rooms/lookup.py`,
# `threading.py`), or in full.
PLACES = [
    ("the database driver (psycopg, sqlite3), waiting on the database or reading its answer",
     ("psycopg/", "sqlite3/", "sqlite3.py")),
    ("Django's ORM building queries and rows", ("django/db/",)),
    ("DRF", ("rest_framework/",)),
    ("Django's request handling, middleware and responses", ("django/",)),
    ("granian's Python side (its WSGI call)", ("granian/",)),
    ("logging: the access lines made, redacted and written (a thread of the worker)",
     ("server/accesslog.py", "core/logs.py", "logging/", "pythonjsonlogger/")),
    ("the room lookup's replay (rooms/lookup.py)", ("rooms/lookup.py",)),
    ("metrics and the request context (monitoring/, prometheus_client)",
     ("monitoring/", "prometheus_client/")),
    ("the server's bounds on bodies and threads (server/bodies.py, server/serving.py, "
     "core/bulkheads.py)", ("server/bodies.py", "server/serving.py", "core/bulkheads.py")),
]  # fmt: skip
HUB_PACKAGES = {"avatars", "core", "monitoring", "rooms", "server", "spirtuoz", "telegrambot"}


def _place(file: str) -> str:
    if not file:
        return "native code holding the GIL (granian's Rust side, C extensions)"
    file = file.rpartition("site-packages/")[2]
    for name, parts in PLACES:
        if any(part in file for part in parts):
            return name
    if "/lib/python3" in file:
        return "Python's standard library"
    top = file.split("/")[0].removesuffix(".py")
    if top in HUB_PACKAGES:
        return "the hub's own code"
    if top in sys.stdlib_module_names:
        return "Python's standard library"
    return "other libraries"


def where_the_time_went(stacks: str, top: int = 8) -> Profile:
    """A Profile of py-spy's raw output: one `frame;frame;...;innermost count` per line, each
    frame `function (file:line)`."""
    places: dict[str, int] = {}
    functions: dict[str, int] = {}
    total = 0
    for line in stacks.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        innermost = stack.rpartition(";")[2]
        function, _, where = innermost.partition(" (")
        file = where.rsplit(":", 1)[0]
        place = _place(file)
        places[place] = places.get(place, 0) + samples
        short = "/".join(file.split("/")[-2:])
        key = f"{function} ({short})"
        functions[key] = functions.get(key, 0) + samples
        total += samples
    if not total:
        return Profile()

    def shares(counts: dict[str, int]) -> list[tuple[str, float]]:
        ranked = sorted(counts.items(), key=lambda item: -item[1])
        return [(name, count / total) for name, count in ranked]

    return Profile(total, shares(places), shares(functions)[:top])


@dataclass
class Machine:
    cores: int
    cpu: str
    memory_gib: float
    python: str
    server: str
    versions: dict[str, str] = field(default_factory=dict)


@dataclass
class Results:
    machine: Machine
    figures: list[Figure]
    commands: list[str]
    # (moment, the 1-, 5- and 15-minute load averages), in the order they were taken.
    loads: list[tuple[str, tuple[float, float, float]]]
    when: str
    design: str = ""
    # The room lookups, round by round: (name, WrkResult), e.g. ("hub, round 1", ...).
    rounds: list[tuple[str, WrkResult]] = field(default_factory=list)
    # Where a worker's time went, by database: (database, Profile).
    profiles: list[tuple[str, "Profile"]] = field(default_factory=list)


def verdicts(results: Results) -> tuple[list[str], list[str]]:
    """The names of the targets met, and of those missed with the reason."""
    met, missed = [], []
    for figure in results.figures:
        if figure.met is True:
            met.append(figure.name)
        elif figure.met is False:
            missed.append(f"{figure.name}: {_value(figure.hub, figure.unit)}, {figure.note}")
    return met, missed


def render(results: Results) -> str:
    machine = results.machine
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{results.commands[0]}` ({results.when}). Do not edit by hand: run it again.",
        "",
        "## Machine",
        "",
        f"- {machine.cores} cores: {machine.cpu}; {machine.memory_gib:.0f} GiB of memory",
        f"- Python {machine.python}; the hub served by **{machine.server}**, as "
        "`make run` "
        "serves it",
        *(f"- {name} {version}" for name, version in machine.versions.items()),
        "- Load average (1, 5, 15 min) when each figure was taken. The machine is shared: "
        "compare the hub with the floor and the reference of the same run, not across runs.",
        "",
        "| moment | 1 min | 5 min | 15 min |",
        "|--------|------:|------:|-------:|",
        *(f"| {moment} | {a:.2f} | {b:.2f} | {c:.2f} |" for moment, (a, b, c) in results.loads),
        "",
        "## Figures",
        "",
        "The floor is a bare WSGI app returning the room's JSON, served as the hub is "
        "(`python -m server bench.floor:application`: the same server, workers, threads "
        "and access log); the hub's figure divided by the floor's is the ratio. The reference "
        "is the in-memory Node/Express design (`bench/reference/`), one process. wrk runs on "
        "the same machine and takes its share of the cores.",
        "",
        "| figure | hub | floor | hub/floor | Node/Express | target | met |",
        "|--------|----:|------:|----------:|-------------:|--------|-----|",
    ]
    for figure in results.figures:
        ratio = f"{figure.ratio:.2f}" if figure.ratio is not None else ""
        verdict = {True: "yes", False: "**no**", None: ""}[figure.met]
        lines.append(
            f"| {figure.name} | {_value(figure.hub, figure.unit)} "
            f"| {_value(figure.floor, figure.unit)} | {ratio} "
            f"| {_value(figure.reference, figure.unit)} | {figure.target} | {verdict} |"
        )
    if results.rounds:
        lines += [
            "",
            "The room lookups were measured in rounds, the hub, the reference and the floor in "
            "turn, so that each saw the machine alike; each lookup figure above is the median "
            "of its rounds:",
            "",
            "| round | req/s | p50 | p99 |",
            "|-------|------:|----:|----:|",
            *(
                f"| {name} | {_value(r.requests_per_second, 'req/s')} "
                f"| {_value(r.p50_ms, 'ms')} | {_value(r.p99_ms, 'ms')} |"
                for name, r in results.rounds
            ),
        ]
    for database, profile in results.profiles:
        if not profile.samples:
            continue
        lines += [
            "",
            f"## Where the time went: {database}",
            "",
            f"py-spy sampled the hub's workers while they answered room lookups on {database}, "
            f"in whichever thread held the GIL ({profile.samples:,} samples); each sample is put "
            "down to the code it was in:",
            "",
            "| where | share |",
            "|-------|------:|",
            *(f"| {place} | {share:.0%} |" for place, share in profile.places),
            "",
            "The functions most often found running:",
            "",
            "| function | share |",
            "|----------|------:|",
            *(f"| `{function}` | {share:.0%} |" for function, share in profile.functions),
        ]
    met, missed = verdicts(results)
    lines += ["", "## Targets", ""]
    lines += [f"- Met: {', '.join(met)}." if met else "- Met: none."]
    lines += [f"- **Not met**: {reason}." for reason in missed] or ["- Every target is met."]
    notes = [f"- {figure.name}: {figure.note}" for figure in results.figures if figure.note]
    if notes:
        lines += ["", "## Notes", "", *notes]
    if results.design:
        lines += ["", "## Design", "", results.design.strip()]
    lines += ["", "## Commands", "", "```sh", *results.commands, "```", ""]
    return "\n".join(lines)


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:g} {unit}".strip()
