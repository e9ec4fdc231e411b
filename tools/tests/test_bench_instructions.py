"""The instruction counter's arithmetic and its child run (valgrind itself runs in `nox -s bench-instructions`)."""

from __future__ import annotations

import pytest

from tools.bench import instructions

CACHEGRIND_OUT = """\
desc: I1 cache: ...
cmd: python -m tools.bench.instructions --child hello
events: Ir
fl=???
fn=0x0000000000001100
0 3
summary: 123456789
"""


def test_the_count_is_the_summary_line() -> None:
    assert instructions.summary(CACHEGRIND_OUT) == 123_456_789


def test_a_file_without_a_summary_is_refused() -> None:
    with pytest.raises(ValueError, match="no summary line"):
        instructions.summary("events: Ir\n")


def test_a_request_costs_the_difference_over_the_extra_requests() -> None:
    assert instructions.per_request(few=5_000_000, many=35_000_000, requests=300) == 100_000


def test_a_longer_run_that_counted_less_is_refused() -> None:
    with pytest.raises(ValueError, match="fewer instructions"):
        instructions.per_request(few=2_000, many=1_000, requests=10)


def test_the_child_serves_its_target_and_says_which_path() -> None:
    assert instructions.run_target("hello", "example", 3) == "/"
    app, path = instructions.app_and_path("hello", "example")
    assert instructions.get(app, path) == ("200 OK", b"Hello, World!")


def test_the_table_reads_each_target_against_hello() -> None:
    table = instructions.table({"hello": 300_000, "start page": 900_000}, {"hello": "/", "start page": "/"})
    assert "| hello | `/` | 300,000 | 1.000 |" in table
    assert "| start page | `/` | 900,000 | 0.333 |" in table
