"""What the benchmark measured, read from wrk's output and written out as bench/RESULTS.md.

Kept apart from bench/run.py, which drives servers and wrk, so that the parsing and the verdicts
can be tested without starting anything (tests/bench/test_bench_report.py).
"""

import re
import statistics
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
