"""Benchmark a service (default: the example) against a bare Flask hello and a bare GOV.UK page.

Run through ``nox -s bench``, which provides a local DynamoDB and a Redis. Every app runs under gunicorn
with the production config every image runs (``govuk_layout.gunicorn_conf``, so ``GUNICORN_*`` apply),
on loopback, one at a time; wrk drives each target after a warm-up. The service runs as production
does: rate limits on and counted in Redis (with a limit no bench can reach, and a check that nothing
was refused), sessions in Redis, metrics and request logs on. Then, in this process: the component
and page caches' hit rates over the journey, each hook's cost, and a cProfile of each page type in
``build/profiles/``. It prints a markdown table (``tools/bench/report.py``) and writes it all to JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime
import functools
import io
import json
import os
import pstats
import re
import secrets
import shutil
import subprocess  # nosec B404 - runs wrk, fixed argument lists
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import redis
import requests
from flask import Flask

from govuk_layout import hooks
from govuk_layout.testing import weight as weights
from govuk_layout.testing.processes import free_port, gunicorn
from govuk_layout.testing.weight import ACCEPT_ENCODING, Transfer
from tools.bench import report
from tools.bench.report import Result, Weight
from tools.bench.service import FLOOR_PATH

HERE = Path(__file__).resolve().parent
MANY_ADDRESSES = HERE / "many_addresses.lua"
CONFIG = "python:govuk_layout.gunicorn_conf"
# Production's limit shape (per address, per minute) at a rate one wrk client cannot reach.
BENCH_RATE_LIMIT = "100000000 per minute"
ANSWERS = {
    "full_name": "Alex Example",
    "email": "alex.example@justice.gov.uk",
    "reason": "To run the benchmark against a local service.",
}


class Client(Protocol):
    def get(self, path: str) -> Any: ...

    def post(self, path: str, data: dict[str, Any]) -> Any: ...


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
def serving(app: str, env: dict[str, str], log: Path) -> Iterator[Server]:
    """Serve ``app`` with the production gunicorn config on a free loopback port (the shared harness)."""
    with gunicorn(app, log, env=env, args=["--config", CONFIG]) as server:
        assert server.process is not None
        yield Server(server.url, server.process.pid)


def measure(
    name: str,
    server: Server,
    path: str,
    args: argparse.Namespace,
    script: Path | None = None,
    warmup: int | None = None,
    duration: int | None = None,
    **headers: str,
) -> Result:
    """Warm up, then measure with wrk (and its Lua ``script``), counting the server's CPU time over the measured run."""
    sent = {"Accept-Encoding": ACCEPT_ENCODING, **headers}
    header_args = [arg for header, value in sent.items() for arg in ("-H", f"{header}: {value}")]
    script_args = ["-s", str(script)] if script else []
    base = [args.wrk, f"-t{args.threads}", f"-c{args.connections}", "--timeout", "5s", *header_args, *script_args]
    url = server.url + path
    warmup = args.warmup if warmup is None else warmup
    if warmup:
        subprocess.run([*base, f"-d{warmup}s", url], check=True, capture_output=True)  # nosec B603
    before = server.cpu_seconds()
    done = subprocess.run(  # nosec B603
        [*base, f"-d{duration or args.duration}s", "--latency", url], check=True, capture_output=True, text=True
    )
    cpu = server.cpu_seconds() - before
    try:
        rate, p50, p99, total, errors = report.parse_wrk(done.stdout)
    except ValueError as error:
        raise SystemExit(f"bench: {error}") from None
    cpu_ms = cpu * 1000 / max(total, 1)
    print(f"  {name}: {rate:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, {cpu_ms:.2f} CPU ms/req, {errors} errors")
    return Result(name, path, rate, p50, p99, total, errors, cpu_ms)


# Page weight: counted by govuk_layout.testing.weight, the accounting the tests assert too.


# As the ingress passes on a browser's request: the service answers as in production (HSTS included).
BEHIND_INGRESS = {"X-Forwarded-Proto": "https"}


def fetch(url: str, headers: Mapping[str, str]) -> Transfer:
    """One GET over real HTTP as from the ingress, with its header lines and its body as sent (still compressed)."""
    with requests.get(url, headers={**BEHIND_INGRESS, **headers}, stream=True, timeout=10) as response:
        body = response.raw.read(decode_content=False)
        return Transfer(response.status_code, response.reason or "", list(response.raw.headers.items()), body)


def page_weight(url: str, brand: str) -> Weight:
    """The start page's first visit (everything it needs) and repeat visit (what the cache cannot answer)."""
    return Weight(brand, **asdict(weights.page_weight(fetch, url + "/")))


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


def walk_journey(client: Client, first_question: str) -> None:
    """Answer every question and stop on check your answers (a requests.Session or a Flask test client)."""
    tomorrow = datetime.date.today() + datetime.timedelta(days=30)
    path = first_question
    response = client.get(path)
    for _ in range(10):
        if path.endswith("/check-answers"):
            return
        fields = _form_fields(response.text)
        data: dict[str, Any] = {"csrf_token": fields["csrf_token"][0]}
        for name, values in fields.items():
            if name in ANSWERS:
                data[name] = ANSWERS[name]
            elif name == "start_date":
                data[name] = [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)]
            elif name not in data and name != "csrf_token":
                data[name] = values[0]  # a radio question: its first option
        response = client.post(path, data=data)
        if response.status_code not in (302, 303):
            raise SystemExit(f"bench: {path} answered {response.status_code} while walking the journey")
        path = urlsplit(response.headers["Location"]).path
        response = client.get(path)
    raise SystemExit("bench: the journey never reached check your answers")


class _Wire:
    """requests.Session against a base URL, shaped like Flask's test client (paths in, no redirects followed)."""

    def __init__(self, base: str) -> None:
        self.base, self.session = base, requests.Session()

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base + path, timeout=10, allow_redirects=False)

    def post(self, path: str, data: dict[str, Any]) -> requests.Response:
        return self.session.post(self.base + path, data=data, timeout=10, allow_redirects=False)


def session_cookie(url: str, first_question: str) -> str:
    """The Cookie header of a session that has answered every question."""
    wire = _Wire(url)
    walk_journey(wire, first_question)
    return "; ".join(f"{name}={value}" for name, value in wire.session.cookies.items())


# In this process: the component and page caches over the journey, each hook's cost, and a profile of each page type.

WARM_UP_REQUESTS = 20


def cache_counts(app: Flask) -> dict[str, tuple[int, int]]:
    """(hits, misses) so far of the app's component cache and of its page cache."""
    from govuk_layout import component_cache, page_cache  # here: prometheus_client must see the bench's env first

    return {
        "cache": (component_cache(app).stats().hits, component_cache(app).stats().misses),
        "page_cache": (page_cache(app).stats().hits, page_cache(app).stats().misses),
    }


def _hook_name(function: Callable[..., Any]) -> str:
    inner = function.func if isinstance(function, functools.partial) else function
    return f"{inner.__module__}.{inner.__qualname__}".replace("<locals>.", "")


def time_hooks(app: Flask, columns: dict[str, Callable[[], Any]], requests_each: int) -> dict[str, dict[str, float]]:
    """CPU microseconds (this thread's) per request in each hook, session open and save, and the view, per column.

    Wraps the app's hooks in place, so give it an app that is measured no other way afterwards.
    """
    spent: dict[str, float] = defaultdict(float)

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.thread_time() - started

        return wrapper

    def time_each(functions: list[Callable[..., Any]]) -> None:
        for index, function in enumerate(functions):
            if isinstance(function, hooks.Combined):  # govuk-layout's hooks, run as one: time each inside
                time_each(function.hooks)
            else:
                functions[index] = timed(_hook_name(function), function)

    for registry in (app.before_request_funcs, app.after_request_funcs):
        for functions in registry.values():
            time_each(functions)
    for endpoint, view in app.view_functions.items():
        app.view_functions[endpoint] = timed("(the view)", view)
    interface = app.session_interface
    interface.open_session = timed("session: open", interface.open_session)  # type: ignore[method-assign]
    interface.save_session = timed("session: save", interface.save_session)  # type: ignore[method-assign]
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for column, send in columns.items():
        for _ in range(WARM_UP_REQUESTS):
            send()
        spent.clear()
        started = time.thread_time()
        for _ in range(requests_each):
            send()
        spent["(whole request, test client)"] = time.thread_time() - started
        for name, seconds in spent.items():
            table[name][column] = seconds * 1e6 / requests_each
    return dict(table)


def profile(name: str, send: Callable[[], Any], out: Path, requests_each: int) -> None:
    """cProfile ``requests_each`` requests after a warm-up: ``out/<name>.prof`` and the top 30 in ``<name>.txt``."""
    for _ in range(WARM_UP_REQUESTS):
        send()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests_each):
        send()
    profiler.disable()
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    profiler.dump_stats(out / f"{slug}.prof")
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
    (out / f"{slug}.txt").write_text(f"{name}: {requests_each} requests through Flask's test client\n{text.getvalue()}")


def _sender(client: Any, path: str) -> Callable[[], Any]:
    def send() -> Any:
        response = client.get(path, headers={"Accept-Encoding": ACCEPT_ENCODING})
        if response.status_code != 200:
            raise SystemExit(f"bench: {path} answered {response.status_code} in process")
        return response

    return send


def in_process(service: str, pages: dict[str, str], out: Path, requests_each: int) -> dict[str, Any]:
    """The service (production config, as in os.environ) through Flask's test client: cache, hooks, profiles."""
    from tools.bench import bare, hello
    from tools.bench import service as service_app

    out.mkdir(parents=True, exist_ok=True)
    apps = {"hello": hello.create_app(), "bare GOV.UK page": bare.create_app()}
    for name, app in apps.items():
        profile(name, _sender(app.test_client(), "/"), out, requests_each)
    app = service_app.create_app(service)
    before = cache_counts(app)
    journey = app.test_client()
    if "check your answers" in pages:
        walk_journey(journey, pages["question page"])
    for name, path in pages.items():
        client = journey if name == "check your answers" else app.test_client()
        profile(name, _sender(client, path), out, requests_each)
    after = cache_counts(app)
    found: dict[str, Any] = {
        name: (after[name][0] - before[name][0], after[name][1] - before[name][1]) for name in after
    }
    columns = {"floor": _sender(app.test_client(), pages["floor"])}
    if "check your answers" in pages:
        columns["check your answers"] = _sender(journey, pages["check your answers"])
    found["hooks"] = time_hooks(app, columns, requests_each)
    return found


# Checks that the service ran as production does.


def metrics(metrics_port: str) -> str:
    """The service's own metrics (the gunicorn master's port), in Prometheus's text format."""
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as response:  # nosec B310
        return str(response.read().decode())


def redis_keys(url: str, pattern: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return sum(1 for _ in client.scan_iter(match=pattern, count=1000))
    finally:
        client.close()


def _each(args: argparse.Namespace) -> int:
    """Seconds of each round's run: a service row's measurement shared between its rounds."""
    return max(1, args.duration // args.rounds)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of measurement per target (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per target (default 3)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of each service row, each after one of hello (default 3)"
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--out", type=Path, default=Path("build/bench.json"), help="JSON results file")
    parser.add_argument("--profiles", type=Path, default=Path("build/profiles"), help="where profiles go")
    parser.add_argument("--profile-requests", type=int, default=200, help="requests per profile and hook timing")
    parser.add_argument("--wrk", default=shutil.which("wrk"), help="the wrk binary (default: wrk on PATH)")
    parser.add_argument("--service", default="example", help="the service (a package with create_app) to measure")
    return parser


def service_environment(metrics_dir: Path) -> dict[str, str]:
    """Production's pipeline on loopback: limits on and sessions in Redis, metrics and request logs on."""
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("bench: REDIS_URL is not set: run it through `nox -s bench`, which starts a Redis")
    return {
        **os.environ,
        "GOVUK_ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_DEFAULT": BENCH_RATE_LIMIT,
        "RATELIMIT_KEY_PREFIX": f"bench-{secrets.token_hex(4)}",  # this run's counters only
        "GOVUK_SESSION_STORE": "redis",
        # Loopback is plain http; a Secure session cookie would never come back.
        "GOVUK_SECURE_COOKIES": "false",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "METRICS_PORT": str(free_port()),
    }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.wrk:
        raise SystemExit("bench: wrk not found: `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk`")
    from govuk_layout import gunicorn_conf  # the settings every server runs with, as this environment makes them

    setup = (
        f"wrk -t{args.threads} -c{args.connections}, {args.warmup}s warm-up then {args.duration}s per target; "
        f"gunicorn {gunicorn_conf.workers} × {gunicorn_conf.worker_class} worker(s), {gunicorn_conf.threads} "
        f"thread(s) each; Accept-Encoding: {ACCEPT_ENCODING}; the service with rate limits on in Redis "
        f"({BENCH_RATE_LIMIT}) and sessions in Redis; each service row is measured in {args.rounds} rounds of "
        f"{_each(args)}s, each just after a {_each(args)}s run of hello, and its ratios are against those hello "
        "runs (rates and CPU over every round; p50 and p99 the median round's)"
    )
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    results: list[Result] = []
    plain_env = {key: value for key, value in os.environ.items() if not key.startswith(("GOVUK_", "RATELIMIT_"))}
    (logs / "prometheus").mkdir()
    env = service_environment(logs / "prometheus")
    app_spec = f"tools.bench.service:create_app({args.service!r})"
    pages = {"floor": FLOOR_PATH, "start page": "/"}
    with contextlib.ExitStack() as servers:
        print("hello", flush=True)
        hello = servers.enter_context(serving("tools.bench.hello:create_app()", plain_env, logs / "hello.log"))
        results.append(measure("hello", hello, "/", args))
        print("bare GOV.UK page", flush=True)
        with serving("tools.bench.bare:create_app()", plain_env, logs / "bare.log") as bare:
            results.append(measure("bare GOV.UK page", bare, "/", args))
        print(f"{args.service} service (production pipeline), each target after hello again", flush=True)
        server = servers.enter_context(serving(app_spec, env, logs / f"{args.service}.log"))

        def paired(name: str, path: str, script: Path | None = None, **headers: str) -> None:
            # hello and the row in turn, round after round: this machine's speed drifts within seconds, so
            # each ratio comes from runs taken side by side, and several rounds average out what one run hits.
            hellos, runs = [], []
            for round_ in range(args.rounds):
                warm = round_ == 0  # hello is warm already; the row's first run is warmed up as usual
                hellos.append(measure("hello", hello, "/", args, warmup=1 if warm else 0, duration=_each(args)))
                warmup = None if warm else 0
                runs.append(measure(name, server, path, args, script, warmup=warmup, duration=_each(args), **headers))
            reference, result = report.combined(hellos), report.combined(runs)
            result.reference_rps, result.reference_cpu_ms = reference.requests_per_second, reference.cpu_ms
            results.append(result)

        with urllib.request.urlopen(server.url + "/", timeout=5) as response:  # nosec B310 - loopback http
            start_html = response.read().decode()
        css = re.search(r'<link rel="stylesheet" href="([^"]+)"', start_html)
        if not css:
            raise SystemExit("bench: the start page links no stylesheet")
        paired("floor", FLOOR_PATH)
        # Counted now, while the floor's window is open: a window's counter is gone a minute after it began.
        limit_keys = redis_keys(env["REDIS_URL"], f"*{env['RATELIMIT_KEY_PREFIX']}*")
        if not limit_keys:
            raise SystemExit("bench: no rate-limit counter reached Redis: the limits were not on")
        # wrk's one address makes its rate-limit counts come in batches (limits.py); visitors' come one by one.
        paired("floor, a new address each request", FLOOR_PATH, MANY_ADDRESSES)
        paired("start page", "/")
        # A service with a journey: its first question, and check your answers with every answer given.
        first_question = start_button(start_html)
        if first_question:
            cookie = session_cookie(server.url, first_question)
            pages["question page"] = first_question
            pages["check your answers"] = first_question.rsplit("/", 1)[0] + "/check-answers"
            paired("question page", first_question)
            paired("check your answers", pages["check your answers"], Cookie=cookie)
        paired("main CSS", css[1])
        service_metrics = metrics(env["METRICS_PORT"])
        counted = report.status_counts(service_metrics)
        fallbacks = report.fallback_counts(service_metrics)
    weights = []
    for brand in report.FIRST_VISIT_LIMITS:
        with serving(app_spec, {**env, "GOVUK_BRAND": brand, "METRICS_PORT": ""}, logs / f"{brand}.log") as server:
            weights.append(page_weight(server.url, brand))
    print("in process: component and page caches, hooks, profiles", flush=True)
    in_process_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(logs / "prometheus-in-process"), "METRICS_PORT": ""}
    Path(in_process_env["PROMETHEUS_MULTIPROC_DIR"]).mkdir()
    os.environ.update(in_process_env)  # before the service (and prometheus_client) is imported
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # the request log, as to a pipe
        found = in_process(args.service, pages, args.profiles, args.profile_requests)
    report.add_ratios(results)
    table = report.report(
        results,
        weights,
        setup,
        statuses=counted,
        cache=found["cache"],
        page_cache=found["page_cache"],
        hooks=found["hooks"],
    )
    missed = report.check_targets(results, weights, counted, fallbacks)
    print("\n" + table + "\n")
    print(f"rate-limit counters in Redis after the floor: {limit_keys}; profiles in {args.profiles}/")
    print("targets missed:\n- " + "\n- ".join(missed) if missed else "every target met")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "setup": setup,
        "results": [asdict(result) for result in results],
        "page_weight": [asdict(weight) for weight in weights],
        "statuses": counted,
        "component_cache": found["cache"],
        "page_cache": found["page_cache"],
        "hooks_us": found["hooks"],
        "targets_missed": missed,
        "table": table,
    }
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {args.out}")
    shutil.rmtree(logs, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
