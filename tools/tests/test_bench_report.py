"""The bench's arithmetic and words: reading wrk and Prometheus, ratios, targets and tables."""

from __future__ import annotations

import pytest

from tools.bench import report
from tools.bench.report import Result, Weight

WRK = """Running 10s test @ http://127.0.0.1:8000/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    10.01ms    2.00ms  40.00ms   90.00%
  Latency Distribution
     50%  850.00us
     75%   12.00ms
     90%   20.00ms
     99%    1.02s
  31234 requests in 10.00s, 4.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:   3123.40
Transfer/sec:    409.00KB
"""


def _result(name: str, cpu_ms: float, p99_ms: float = 10.0, errors: int = 0, rate: float = 100.0) -> Result:
    return Result(name, "/", rate, 1.0, p99_ms, 1000, errors, cpu_ms)


LATENCIES = [("850.00us", 0.85), ("12.5ms", 12.5), ("1.02s", 1020.0), ("2m", 120_000.0)]


@pytest.mark.parametrize(("text", "expected"), LATENCIES)
def test_wrk_latencies_in_milliseconds(text: str, expected: float) -> None:
    assert report.milliseconds(text) == pytest.approx(expected)


def test_an_unknown_latency_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="12h"):
        report.milliseconds("12h")


def test_wrk_output_gives_rate_percentiles_total_and_every_kind_of_error() -> None:
    assert report.parse_wrk(WRK) == (3123.40, 0.85, 1020.0, 31234, 10)


def test_wrk_output_without_errors_counts_none() -> None:
    clean = WRK.replace("  Socket errors: connect 0, read 2, write 0, timeout 1\n", "").replace(
        "  Non-2xx or 3xx responses: 7\n", ""
    )
    assert report.parse_wrk(clean)[4] == 0


def test_unreadable_wrk_output_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot read"):
        report.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_status_counts_sum_every_method_and_endpoint() -> None:
    metrics = "\n".join(
        [
            "# HELP http_requests_total HTTP requests answered.",
            "# TYPE http_requests_total counter",
            'http_requests_total{endpoint="start.index",method="GET",status="200"} 1500.0',
            'http_requests_total{endpoint="bench_floor",method="GET",status="200"} 25.0',
            'http_requests_total{endpoint="start.index",method="GET",status="429"} 3.0',
            'http_request_duration_seconds_count{endpoint="start.index",method="GET"} 1528.0',
        ]
    )
    assert report.status_counts(metrics) == {"200": 1525, "429": 3}


def test_fallbacks_are_counted_per_store() -> None:
    metrics = "\n".join(
        [
            'http_requests_total{endpoint="start.index",method="GET",status="200"} 1500.0',
            'govuk_store_fallbacks_total{store="ratelimit"} 2.0',
            'govuk_store_fallbacks_total{store="session"} 0.0',
        ]
    )
    assert report.fallback_counts(metrics) == {"ratelimit": 2, "session": 0}
    assert report.status_counts(metrics) == {"200": 1500}


def test_a_fall_back_to_memory_is_a_miss_as_it_did_not_measure_production() -> None:
    results = [_result("hello", 0.5), _result("floor", 0.6)]
    report.add_ratios(results)
    assert report.check_targets(results, [], {"200": 5}, {"ratelimit": 1, "session": 0}) == [
        "the ratelimit store fell back to memory 1 time(s): Redis did not answer in time"
    ]


def test_ratios_are_against_hello_in_the_same_run() -> None:
    results = [_result("start page", 2.0, rate=50.0), _result("hello", 0.5, rate=200.0)]
    report.add_ratios(results)
    assert [(r.name, r.cpu_ratio, r.ratio) for r in results] == [("start page", 0.25, 0.25), ("hello", 1.0, 1.0)]


def test_a_row_with_hello_measured_just_before_it_is_taken_against_that() -> None:
    floor = _result("floor", 1.0, rate=100.0)
    floor.reference_cpu_ms, floor.reference_rps = 0.6, 400.0  # the machine was busier than for the hello row
    results = [_result("hello", 0.5, rate=500.0), floor]
    report.add_ratios(results)
    assert (floor.cpu_ratio, floor.ratio) == (0.6, 0.25)
    assert "| floor | `/` | 100 | " in "\n".join(report.ratio_table(results))
    assert "| 1.00 | 0.60 | 0.60 | ≥ 0.6× |" in "\n".join(report.ratio_table(results))


def test_rounds_combine_into_one_row_weighting_cpu_by_requests_and_taking_the_median_percentiles() -> None:
    runs = [
        Result("start page", "/", 300.0, 20.0, 60.0, 900, 1, 2.0),
        Result("start page", "/", 400.0, 10.0, 40.0, 1200, 0, 1.0),
        Result("start page", "/", 500.0, 30.0, 90.0, 1500, 2, 1.2),
    ]
    row = report.combined(runs)
    assert (row.name, row.path, row.requests, row.errors) == ("start page", "/", 3600, 3)
    assert row.requests_per_second == 400.0
    assert (row.p50_ms, row.p99_ms) == (20.0, 60.0)
    assert row.cpu_ms == pytest.approx((1.8 + 1.2 + 1.8) * 1000 / 3600)  # 4.8 s of CPU over 3,600 requests


def test_a_row_without_cpu_has_no_cpu_ratio() -> None:
    results = [_result("hello", 0.5), _result("floor", 0.0)]
    report.add_ratios(results)
    assert results[1].cpu_ratio is None


def test_targets_name_each_miss_in_words() -> None:
    results = [
        _result("hello", 0.5, p99_ms=80.0),  # a reference row: no latency target
        _result("floor", 1.0, errors=2),
        _result("start page", 0.9, p99_ms=51.0),
        _result("question page", 1.0),
        Result("check your answers", "/", 0.0, 0.0, 0.0, 0, 0, 0.0),
    ]
    report.add_ratios(results)
    weights = [Weight("govuk", first_visit=100_001, repeat_visit=10_000), Weight("organisation", first_visit=40_000)]
    assert report.check_targets(results, weights, {"200": 10, "429": 4}) == [
        "floor: 0.50× hello by CPU, target ≥ 0.6×",
        "floor: 2 error responses",
        "start page: p99 51.0 ms, target ≤ 50 ms",
        "check your answers: –× hello by CPU, target ≥ 0.3×",
        "check your answers: no request completed during the run",
        "first visit (govuk brand) 100,001 bytes, target ≤ 100,000",
        "4 responses were 429: the bench's rate limit tripped, so it measured refusals",
    ]


def test_every_target_met_is_an_empty_list() -> None:
    results = [_result("hello", 0.5), _result("start page", 1.0), _result("check your answers", 1.6)]
    report.add_ratios(results)
    assert report.check_targets(results, [Weight("organisation", 39_000, repeat_visit=5_000)], {"200": 5}) == []


def test_hit_rate() -> None:
    assert report.hit_rate(3, 1) == 0.75
    assert report.hit_rate(0, 0) is None


def test_hook_table_puts_the_costliest_hook_first_and_marks_missing_cells() -> None:
    rows = report.hook_table({"log": {"floor": 40.0, "check": 60.0}, "limit": {"floor": 300.0}})
    assert rows == [
        "| hook, µs per request | floor | check |",
        "|---|--:|--:|",
        "| `limit` | 300 | – |",
        "| `log` | 40 | 60 |",
    ]


def test_report_holds_both_tables_the_statuses_and_the_cache() -> None:
    results = [_result("hello", 0.5), _result("floor", 1.0)]
    report.add_ratios(results)
    text = report.report(
        results,
        [Weight("govuk", 90_000, repeat_visit=6_000)],
        "setup line",
        statuses={"200": 2000},
        cache=(90, 10),
        page_cache=(199, 1),
    )
    lines = text.splitlines()
    assert lines[0] == "setup line"
    assert "| floor | `/` | 100 | 1.0 | 10.0 | 0 | 1.00 | – | 0.50 | ≥ 0.6× |" in lines
    assert "| govuk | 90,000 | ≤ 100,000 | 6,000 | ≤ 10,000 |" in lines
    assert "Service responses by status (its own metrics): 200: 2,000." in lines
    assert "Component cache over the journey (in process): 90.0% hits (90 hits, 10 misses)." in lines
    assert "Page cache over the journey (in process): 99.5% hits (199 hits, 1 misses)." in lines
