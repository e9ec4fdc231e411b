"""Benchmark a service (default: the example) against a bare Flask "hello" under identical gunicorn settings.

Run through ``nox -s bench``, which provides a local DynamoDB and the environment. Both apps
run under gunicorn with the production config every image runs (``govuk_layout.gunicorn_conf``), on
loopback, one at a time; wrk drives each target after a warm-up. It prints a markdown table
(req/s, p50, p99 and the ratio against hello) and the start page's weight as a browser would
transfer it, checks the targets and writes everything to a JSON file.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import re
import secrets
import shutil
import subprocess  # nosec B404 - runs wrk, fixed argument lists
import sys
import tempfile
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

from govuk_layout.testing import weight as weights
from govuk_layout.testing.processes import free_port, gunicorn
from govuk_layout.testing.weight import ACCEPT_ENCODING, REPEAT_VISIT_LIMIT, Transfer
from govuk_layout.testing.weight import PageWeight as Weight

HERE = Path(__file__).resolve().parent
CONFIG = "python:govuk_layout.gunicorn_conf"
# Targets from the issue: minimum ratio of hello's req/s, and limits on latency and page weight.
RATIO_TARGETS = {"start page": 0.5, "question page": 0.4, "main CSS": 0.8}
P99_LIMIT_MS = 50.0
FIRST_VISIT_LIMIT = weights.FIRST_VISIT_LIMITS["govuk"]
ANSWERS = {
    "full_name": "Alex Example",
    "email": "alex.example@justice.gov.uk",
    "reason": "To run the benchmark against a local service.",
}


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


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU time of the gunicorn master and its workers so far."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a process that has gone
            if stat.parent.name == str(self.pid) or fields[1] == str(self.pid):
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def serving(app: str, env: dict[str, str], log: Path, pythonpath: Path | None = None) -> Iterator[Server]:
    """Serve ``app`` with the production gunicorn config on a free loopback port (the shared harness)."""
    args = ["--config", CONFIG, *(["--pythonpath", str(pythonpath)] if pythonpath else [])]
    with gunicorn(app, log, env=env, args=args) as server:
        assert server.process is not None
        yield Server(server.url, server.process.pid)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _milliseconds(text: str) -> float:
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
        raise SystemExit(f"bench: cannot read wrk's output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return float(rate[1]), _milliseconds(p50[1]), _milliseconds(p99[1]), int(total[1]), errors


def measure(name: str, server: Server, path: str, args: argparse.Namespace, **headers: str) -> Result:
    """Warm up, then measure with wrk, counting the server's CPU time over the measured run."""
    sent = {"Accept-Encoding": ACCEPT_ENCODING, **headers}
    header_args = [arg for header, value in sent.items() for arg in ("-H", f"{header}: {value}")]
    base = [args.wrk, f"-t{args.threads}", f"-c{args.connections}", "--timeout", "5s", *header_args]
    url = server.url + path
    if args.warmup:
        subprocess.run([*base, f"-d{args.warmup}s", url], check=True, capture_output=True)  # nosec B603
    before = server.cpu_seconds()
    done = subprocess.run(  # nosec B603
        [*base, f"-d{args.duration}s", "--latency", url], check=True, capture_output=True, text=True
    )
    cpu = server.cpu_seconds() - before
    rate, p50, p99, total, errors = parse_wrk(done.stdout)
    cpu_ms = cpu * 1000 / max(total, 1)
    print(f"  {name}: {rate:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, {cpu_ms:.2f} CPU ms/req, {errors} errors")
    return Result(name, path, rate, p50, p99, total, errors, cpu_ms)


# Page weight: counted by govuk_layout.testing.weight, the accounting the tests assert too.


def fetch(url: str, headers: Mapping[str, str]) -> Transfer:
    """One GET over real HTTP, with its header lines and its body as sent (still compressed)."""
    with requests.get(url, headers=dict(headers), stream=True, timeout=10) as response:
        body = response.raw.read(decode_content=False)
        return Transfer(response.status_code, response.reason or "", list(response.raw.headers.items()), body)


def page_weight(url: str) -> Weight:
    """The start page's first visit (everything it needs) and repeat visit (what the cache cannot answer)."""
    return weights.page_weight(fetch, url + "/")


# The journey, walked with requests so check your answers has a session behind it.


def _form_fields(html: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    form = html[html.index("<main") :]
    for tag in re.findall(r"<(?:input|textarea)\b[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields.setdefault(name[1], []).append(value[1] if value else "")
    return fields


def start_button(html: str) -> str | None:
    """Where the start page's Start now button leads: the journey's first question, if the service has one."""
    found = re.search(r'<a href="([^"]+)"[^>]*class="[^"]*govuk-button--start', html)
    return found[1] if found else None


def session_cookie(url: str, first_question: str) -> str:
    """Answer every question and stop on check your answers; return the Cookie header that gets there."""
    tomorrow = datetime.date.today() + datetime.timedelta(days=30)
    with requests.Session() as client:
        response = client.get(url + first_question, timeout=10)
        for _ in range(10):
            if response.url.endswith("/check-answers"):
                break
            fields = _form_fields(response.text)
            data: dict[str, Any] = {"csrf_token": fields["csrf_token"][0]}
            for name, values in fields.items():
                if name in ANSWERS:
                    data[name] = ANSWERS[name]
                elif name == "start_date":
                    data[name] = [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)]
                elif name not in data and name != "csrf_token":
                    data[name] = values[0]  # a radio question: its first option
            response = client.post(response.url, data=data, timeout=10)
            if response.status_code != 200:
                raise SystemExit(f"bench: {response.url} answered {response.status_code} while walking the journey")
        else:
            raise SystemExit("bench: the journey never reached check your answers")
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def _ratio_rows(results: list[Result]) -> list[str]:
    rows = [
        "| target | path | req/s | × hello | p50 ms | p99 ms | errors | server CPU ms/req | × hello by CPU | goal |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for result in results:
        goal = f"≥{RATIO_TARGETS[result.name]}× hello" if result.name in RATIO_TARGETS else ""
        ratio = "1.00" if result.name == "hello" else f"{result.ratio:.2f}"
        cpu_ratio = f"{result.cpu_ratio:.2f}" if result.cpu_ratio else "–"
        rows.append(
            f"| {result.name} | `{result.path}` | {result.requests_per_second:,.0f} | {ratio} | {result.p50_ms:.1f} | "
            f"{result.p99_ms:.1f} | {result.errors} | {result.cpu_ms:.2f} | {cpu_ratio} | {goal} |"
        )
    return rows


def check_targets(results: list[Result], weight: Weight) -> list[str]:
    """Every missed target, in words."""
    missed = []
    for result in results:
        if result.name in RATIO_TARGETS and (result.ratio or 0) < RATIO_TARGETS[result.name]:
            missed.append(f"{result.name}: {result.ratio:.2f}× hello, target ≥{RATIO_TARGETS[result.name]}×")
        if result.name != "hello" and result.p99_ms > P99_LIMIT_MS:
            missed.append(f"{result.name}: p99 {result.p99_ms:.1f} ms, target ≤{P99_LIMIT_MS:.0f} ms")
        if result.errors:
            missed.append(f"{result.name}: {result.errors} error responses")
    if weight.first_visit > FIRST_VISIT_LIMIT:
        missed.append(f"first visit {weight.first_visit:,} bytes, target ≤{FIRST_VISIT_LIMIT:,}")
    if weight.repeat_visit > REPEAT_VISIT_LIMIT:
        missed.append(f"repeat visit {weight.repeat_visit:,} bytes, target ≤{REPEAT_VISIT_LIMIT:,}")
    return missed


def report(results: list[Result], weight: Weight, args: argparse.Namespace) -> str:
    lines = [
        f"wrk -t{args.threads} -c{args.connections}, {args.warmup}s warm-up then {args.duration}s per target; "
        f"gunicorn {args.workers} × {args.worker_class} worker(s), {args.gunicorn_threads} thread(s) each; "
        f"Accept-Encoding: {ACCEPT_ENCODING}",
        "",
        *_ratio_rows(results),
        "",
        "| start page | bytes transferred | goal |",
        "|---|--:|---|",
        f"| first visit (HTML, CSS, JS, fonts, images, favicon) | {weight.first_visit:,} "
        f"(uncompressed {weight.first_visit_uncompressed:,}) | ≤{FIRST_VISIT_LIMIT:,} |",
        f"| repeat visit (assets cached immutably) | {weight.repeat_visit:,} | ≤{REPEAT_VISIT_LIMIT:,} |",
    ]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of measurement per target (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per target (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--out", type=Path, default=Path("build/bench.json"), help="JSON results file")
    parser.add_argument("--wrk", default=shutil.which("wrk"), help="the wrk binary (default: wrk on PATH)")
    parser.add_argument("--service", default="example", help="the service (a package with create_app) to measure")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.wrk:
        raise SystemExit("bench: wrk not found: `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk`")
    from govuk_layout import gunicorn_conf  # the settings both servers run with, as this environment makes them

    args.workers, args.worker_class, args.gunicorn_threads = (
        gunicorn_conf.workers,
        gunicorn_conf.worker_class,
        gunicorn_conf.threads,
    )
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    results: list[Result] = []
    hello_env = {key: value for key, value in os.environ.items() if not key.startswith(("GOVUK_", "RATELIMIT_"))}
    print("hello (bare Flask)", flush=True)
    with serving("hello:app", hello_env, logs / "hello.log", pythonpath=HERE) as server:
        results.append(measure("hello", server, "/", args))
    metrics_dir = logs / "prometheus"
    metrics_dir.mkdir()
    service_env = {
        **os.environ,
        "GOVUK_ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_hex(32),
        # The bench is one client hammering one address: the per-address limit would answer 429s.
        "RATELIMIT_ENABLED": "false",
        # Loopback is plain http; a Secure session cookie would never come back.
        "GOVUK_SECURE_COOKIES": "false",
        # Sessions in Redis when one is given, else on this machine's disk (shared by both workers).
        "GOVUK_SESSION_STORE": "redis" if os.environ.get("REDIS_URL") else "filesystem",
        # Metrics as the image collects them.
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "METRICS_PORT": str(free_port()),
    }
    print(f"{args.service} service (production config)", flush=True)
    with serving(f"{args.service}:create_app()", service_env, logs / f"{args.service}.log") as server:
        with urllib.request.urlopen(server.url + "/", timeout=5) as response:  # nosec B310 - loopback http
            start_html = response.read().decode()
        css = re.search(r'<link rel="stylesheet" href="([^"]+)"', start_html)
        if not css:
            raise SystemExit("bench: the start page links no stylesheet")
        results.append(measure("start page", server, "/", args))
        # A service with a journey: its first question, and check your answers with every answer given.
        first_question = start_button(start_html)
        if first_question:
            cookie = session_cookie(server.url, first_question)
            results.append(measure("question page", server, first_question, args))
            check_answers = first_question.rsplit("/", 1)[0] + "/check-answers"
            results.append(measure("check your answers", server, check_answers, args, Cookie=cookie))
        results.append(measure("main CSS", server, css[1], args))
        weight = page_weight(server.url)
    hello = results[0]
    for result in results:
        result.ratio = result.requests_per_second / hello.requests_per_second
        result.cpu_ratio = hello.cpu_ms / result.cpu_ms if result.cpu_ms else None
    table = report(results, weight, args)
    missed = check_targets(results, weight)
    print("\n" + table + "\n")
    print("targets missed:\n- " + "\n- ".join(missed) if missed else "every target met")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "cpus": os.cpu_count(),
                "wrk": {
                    "threads": args.threads,
                    "connections": args.connections,
                    "duration_s": args.duration,
                    "warmup_s": args.warmup,
                },
                "gunicorn": {
                    "workers": args.workers,
                    "worker_class": args.worker_class,
                    "threads": args.gunicorn_threads,
                },
                "results": [asdict(result) for result in results],
                "page_weight": asdict(weight),
                "targets_missed": missed,
                "table": table,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {args.out}")
    shutil.rmtree(logs, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
