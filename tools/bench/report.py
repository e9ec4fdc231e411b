"""The bench's arithmetic and words, apart from any server: reading wrk and Prometheus, ratios, targets, tables.

Standard library only, so its tests run in plain ``nox``; ``bench.py`` drives the servers and calls these.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govuk_layout.testing.weight import FIRST_VISIT_LIMITS, REPEAT_VISIT_LIMIT

# Every ratio is server CPU per request of hello divided by the target's, measured in the same run.
REFERENCE = "hello"
CPU_RATIO_TARGETS = {
    "floor": 0.6,
    "start page": 0.5,
    "question page": 0.4,
    "check your answers": 0.3,
    "main CSS": 0.8,
}
# Rows that show what a bare page costs; no target of their own.
REFERENCE_ROWS = frozenset({REFERENCE, "bare GOV.UK page"})
P99_LIMIT_MS = 50.0


@dataclass
class Result:
    name: str
    path: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    cpu_ms: float  # gunicorn's CPU time (master and workers, user + system) per request
    ratio: float | None = None
    cpu_ratio: float | None = None
    # hello measured just before this row (req/s, CPU ms a request): its ratios are against that, so a
    # machine that got busier or quieter during the run moves both sides of each ratio alike
    reference_rps: float | None = None
    reference_cpu_ms: float | None = None


@dataclass
class Weight:
    brand: str
    first_visit: int = 0
    first_visit_uncompressed: int = 0
    repeat_visit: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def milliseconds(text: str) -> float:
    """A wrk latency (``850.00us``, ``12.5ms``, ``1.02s``) in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(match[1]) * _UNITS_MS[match[2]]


def parse_wrk(output: str) -> tuple[float, float, float, int, int]:
    """req/s, p50 ms, p99 ms, requests and errors (non-2xx/3xx plus socket errors) from ``wrk --latency``."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if not (rate and p50 and p99 and total):
        raise ValueError(f"cannot read wrk's output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return float(rate[1]), milliseconds(p50[1]), milliseconds(p99[1]), int(total[1]), errors


_SAMPLE = re.compile(r"^(?P<name>\w+)\{(?P<labels>[^}]*)\}\s+(?P<value>\S+)$", re.MULTILINE)


def _counts(metrics: str, name: str, label: str) -> dict[str, int]:
    """Counter ``name`` from Prometheus's text format, summed per value of ``label``."""
    counts: dict[str, int] = {}
    for sample in _SAMPLE.finditer(metrics):
        if sample["name"] != name:
            continue
        value = dict(re.findall(r'(\w+)="([^"]*)"', sample["labels"])).get(label)
        if value:
            counts[value] = counts.get(value, 0) + int(float(sample["value"]))
    return counts


def status_counts(metrics: str) -> dict[str, int]:
    """Requests answered per HTTP status, summed over methods and endpoints, from Prometheus's text format."""
    return _counts(metrics, "http_requests_total", "status")


def fallback_counts(metrics: str) -> dict[str, int]:
    """Times each store (``session``, ``ratelimit``) fell back to memory because Redis did not answer."""
    return _counts(metrics, "govuk_store_fallbacks_total", "store")


def combined(runs: Sequence[Result]) -> Result:
    """One row from several runs of one target: requests and errors summed, the mean rate, CPU per request
    over all of them, and the median run's p50 and p99 (a run's percentiles cannot be merged exactly)."""
    first = runs[0]
    requests = sum(run.requests for run in runs)
    cpu_seconds = sum(run.cpu_ms * run.requests for run in runs) / 1000
    return Result(
        first.name,
        first.path,
        statistics.mean(run.requests_per_second for run in runs),
        statistics.median(run.p50_ms for run in runs),
        statistics.median(run.p99_ms for run in runs),
        requests,
        sum(run.errors for run in runs),
        cpu_seconds * 1000 / max(requests, 1),
    )


def add_ratios(results: Sequence[Result]) -> None:
    """Fill each result's ratios against hello: the one measured just before it, else the hello row.

    req/s over hello's, and hello's CPU per request over the row's.
    """
    hello = next(result for result in results if result.name == REFERENCE)
    for result in results:
        rate = result.reference_rps or hello.requests_per_second
        cpu = result.reference_cpu_ms or hello.cpu_ms
        result.ratio = result.requests_per_second / rate if rate else None
        result.cpu_ratio = cpu / result.cpu_ms if result.cpu_ms else None


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def ratio_table(results: Iterable[Result]) -> list[str]:
    rows = [
        "| target | path | req/s | p50 ms | p99 ms | errors | server CPU ms/req | hello's, just before "
        "| × hello by CPU | goal |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for result in results:
        goal = f"≥ {CPU_RATIO_TARGETS[result.name]}×" if result.name in CPU_RATIO_TARGETS else ""
        rows.append(
            f"| {result.name} | `{result.path}` | {result.requests_per_second:,.0f} | {result.p50_ms:.1f} | "
            f"{result.p99_ms:.1f} | {result.errors} | {result.cpu_ms:.2f} | {_number(result.reference_cpu_ms)} | "
            f"{_number(result.cpu_ratio)} | {goal} |"
        )
    return rows


def weight_table(weights: Iterable[Weight]) -> list[str]:
    rows = ["| start page, brand | first visit bytes | goal | repeat visit bytes | goal |", "|---|--:|--:|--:|--:|"]
    for weight in weights:
        rows.append(
            f"| {weight.brand} | {weight.first_visit:,} | ≤ {FIRST_VISIT_LIMITS[weight.brand]:,} | "
            f"{weight.repeat_visit:,} | ≤ {REPEAT_VISIT_LIMIT:,} |"
        )
    return rows


def hook_table(hooks: Mapping[str, Mapping[str, float]]) -> list[str]:
    """Microseconds per request in each hook (measured in process), one column per page, costliest first."""
    columns = list(dict.fromkeys(column for row in hooks.values() for column in row))
    rows = ["| hook, µs per request | " + " | ".join(columns) + " |", "|---|" + "--:|" * len(columns)]
    for name, row in sorted(hooks.items(), key=lambda item: -max(item[1].values(), default=0)):
        cells = " | ".join(_number(row.get(column), 0) for column in columns)
        rows.append(f"| `{name}` | {cells} |")
    return rows


def hit_rate(hits: int, misses: int) -> float | None:
    return hits / (hits + misses) if hits + misses else None


def cache_line(name: str, counts: tuple[int, int]) -> str:
    """One cache's (hits, misses) over the in-process journey, in words."""
    rate = hit_rate(*counts)
    shown = "no calls" if rate is None else f"{rate:.1%}"
    return f"{name} over the journey (in process): {shown} hits ({counts[0]:,} hits, {counts[1]:,} misses)."


def check_targets(
    results: Iterable[Result],
    weights: Iterable[Weight],
    statuses: Mapping[str, int] | None = None,
    fallbacks: Mapping[str, int] | None = None,
) -> list[str]:
    """Every missed target, every error or 429, and every fall back to memory (not production's pipeline), in words."""
    missed = []
    for result in results:
        goal = CPU_RATIO_TARGETS.get(result.name)
        if goal is not None and (result.cpu_ratio or 0) < goal:
            missed.append(f"{result.name}: {_number(result.cpu_ratio)}× hello by CPU, target ≥ {goal}×")
        if result.name not in REFERENCE_ROWS and result.p99_ms > P99_LIMIT_MS:
            missed.append(f"{result.name}: p99 {result.p99_ms:.1f} ms, target ≤ {P99_LIMIT_MS:.0f} ms")
        if result.errors:
            missed.append(f"{result.name}: {result.errors} error responses")
        if not result.requests:
            missed.append(f"{result.name}: no request completed during the run")
    for weight in weights:
        limit = FIRST_VISIT_LIMITS[weight.brand]
        if weight.first_visit > limit:
            missed.append(f"first visit ({weight.brand} brand) {weight.first_visit:,} bytes, target ≤ {limit:,}")
        if weight.repeat_visit > REPEAT_VISIT_LIMIT:
            missed.append(
                f"repeat visit ({weight.brand} brand) {weight.repeat_visit:,} bytes, target ≤ {REPEAT_VISIT_LIMIT:,}"
            )
    if statuses and statuses.get("429"):
        missed.append(f"{statuses['429']} responses were 429: the bench's rate limit tripped, so it measured refusals")
    for store, count in sorted((fallbacks or {}).items()):
        if count:
            missed.append(f"the {store} store fell back to memory {count} time(s): Redis did not answer in time")
    return missed


def report(
    results: Sequence[Result],
    weights: Sequence[Weight],
    setup: str,
    *,
    statuses: Mapping[str, int] | None = None,
    cache: tuple[int, int] | None = None,
    page_cache: tuple[int, int] | None = None,
    hooks: Mapping[str, Mapping[str, float]] | None = None,
) -> str:
    """The markdown the bench prints and docs/performance.md keeps."""
    lines = [setup, "", *ratio_table(results), "", *weight_table(weights)]
    if statuses is not None:
        counted = ", ".join(f"{status}: {count:,}" for status, count in sorted(statuses.items()))
        lines += ["", f"Service responses by status (its own metrics): {counted or 'none counted'}."]
    if cache is not None:
        lines += ["", cache_line("Component cache", cache)]
    if page_cache is not None:
        lines += ["", cache_line("Page cache", page_cache)]
    if hooks:
        lines += ["", *hook_table(hooks)]
    return "\n".join(lines)
