"""make bench's report (bench/report.py): wrk's output read right, and verdicts written plainly.
The benchmark itself is not a test; this checks only what it computes and writes."""

import pytest

from bench.report import (
    Figure,
    Machine,
    Results,
    median_of,
    parse_wrk,
    render,
    verdicts,
    where_the_time_went,
)

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:40123
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.12ms    4.01ms  81.23ms   90.12%
    Req/Sec     4.80k   512.33     6.01k    71.00%
  Latency Distribution
     50%    5.44ms
     75%    7.02ms
     90%    9.87ms
     99%   33.17ms
  95780 requests in 10.06s, 34.12MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:   9520.05
Transfer/sec:      3.39MB
"""


class TestParseWrk:
    def test_it_reads_throughput_percentiles_and_errors(self):
        result = parse_wrk(WRK_OUTPUT)

        assert result.requests_per_second == 9520.05
        assert (result.p50_ms, result.p99_ms) == (5.44, 33.17)
        assert (result.requests, result.non_2xx, result.socket_errors) == (95780, 3, 3)
        assert not result.clean

    def test_it_reads_microseconds_and_seconds(self):
        output = WRK_OUTPUT.replace("5.44ms", "812.00us").replace("33.17ms", "1.20s")

        result = parse_wrk(output)

        assert (result.p50_ms, result.p99_ms) == (pytest.approx(0.812), 1200.0)

    def test_a_run_without_errors_is_clean(self):
        output = WRK_OUTPUT.replace("  Non-2xx or 3xx responses: 3\n", "").replace(
            "  Socket errors: connect 0, read 1, write 0, timeout 2\n", ""
        )

        assert parse_wrk(output).clean

    def test_it_refuses_what_is_not_wrk_output(self):
        with pytest.raises(ValueError, match="not wrk output"):
            parse_wrk("Connection refused")

    def test_it_needs_the_latency_distribution(self):
        with pytest.raises(ValueError, match="--latency"):
            parse_wrk(WRK_OUTPUT.replace("     99%   33.17ms\n", ""))


def results(*figures: Figure) -> Results:
    return Results(
        machine=Machine(2, "Test CPU", 24.0, "3.11.7", "granian", {"wrk": "4.1.0"}),
        figures=list(figures),
        commands=["make bench"],
        loads=[("start", (1.5, 2.0, 2.5))],
        when="2026-11-24 20:00 UTC",
    )


class TestRender:
    def test_it_shows_each_figure_beside_the_floor_as_a_ratio(self):
        page = render(
            results(
                Figure("room lookups", "req/s", 9520.05, 22909.97, 6542.79, "≥ Node/Express", True)
            )
        )

        assert (
            "| room lookups | 9,520 req/s | 22,910 req/s | 0.42 | 6,543 req/s "
            "| ≥ Node/Express | yes |"
        ) in page
        assert "- 2 cores: Test CPU; 24 GiB of memory" in page
        assert "| start | 1.50 | 2.00 | 2.50 |" in page
        assert "- Every target is met." in page

    def test_it_says_which_targets_are_missed_and_why(self):
        missed = Figure(
            "room lookups p99", "ms", 33.17, 13.81, None, "≤ 25 ms", False, "over 25 ms"
        )
        page = render(results(missed))

        assert "| room lookups p99 | 33.2 ms | 13.8 ms | 2.40 |  | ≤ 25 ms | **no** |" in page
        assert "- **Not met**: room lookups p99: 33.2 ms, over 25 ms." in page
        assert verdicts(results(missed)) == ([], ["room lookups p99: 33.2 ms, over 25 ms"])


class TestRounds:
    def test_each_figure_is_its_median_over_the_rounds_and_errors_add_up(self):
        clean = parse_wrk(
            WRK_OUTPUT.replace("  Non-2xx or 3xx responses: 3\n", "").replace(
                "  Socket errors: connect 0, read 1, write 0, timeout 2\n", ""
            )
        )
        rounds = [
            clean,
            parse_wrk(WRK_OUTPUT.replace("9520.05", "12000.00").replace("33.17ms", "19.00ms")),
            parse_wrk(WRK_OUTPUT.replace("9520.05", "8000.00").replace("33.17ms", "60.00ms")),
        ]

        median = median_of(rounds)

        assert (median.requests_per_second, median.p99_ms) == (9520.05, 33.17)
        assert (median.requests, median.non_2xx, median.socket_errors) == (3 * 95780, 6, 6)

    def test_the_rounds_are_shown(self):
        shown = results()
        shown.rounds = [("hub, round 1", parse_wrk(WRK_OUTPUT))]

        page = render(shown)

        assert "| hub, round 1 | 9,520 req/s | 5.4 ms | 33.2 ms |" in page


# py-spy's raw output: the frames of each sampled stack, outermost first, then a count.
SAMPLED = """\
run (threading.py:975);_runner (granian/wsgi.py:40);__call__ (rooms/lookup.py:98);_stands (rooms/lookup.py:140);execute (psycopg/cursor.py:97);wait (psycopg/connection.py:950) 60
run (threading.py:975);_runner (granian/wsgi.py:40);__call__ (django/core/handlers/wsgi.py:124);compile (/srv/.venv/lib/python3.11/site-packages/django/db/models/sql/compiler.py:560) 25
run (threading.py:975);_runner (granian/wsgi.py:40);__call__ (rooms/lookup.py:98) 10
run (threading.py:975);get (/usr/lib/python3.11/queue.py:171) 5
not a stack line
"""


class TestWhereTheTimeWent:
    def test_each_sample_goes_to_the_code_its_innermost_frame_was_in(self):
        profile = where_the_time_went(SAMPLED)

        assert profile.samples == 100
        assert [
            (place.split(" (")[0].split(",")[0], share) for place, share in profile.places
        ] == [
            ("the database driver", 0.60),
            ("Django's ORM building queries and rows", 0.25),
            ("the room lookup's replay", 0.10),
            ("Python's standard library", 0.05),
        ]
        assert profile.functions[0] == ("wait (psycopg/connection.py)", 0.60)

    def test_no_samples_make_an_empty_profile(self):
        assert where_the_time_went("").samples == 0

    def test_the_report_shows_each_databases_profile(self):
        shown = results()
        shown.profiles = [("PostgreSQL", where_the_time_went(SAMPLED))]

        page = render(shown)

        assert "## Where the time went: PostgreSQL" in page
        assert "(100 samples)" in page
        assert "| the room lookup's replay (rooms/lookup.py) | 10% |" in page
        assert "| `wait (psycopg/connection.py)` | 60% |" in page
