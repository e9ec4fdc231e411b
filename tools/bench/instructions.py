"""Instructions a request costs in process, counted by valgrind: a measure this machine's speed does not move.

``nox -s bench`` reads server CPU under gunicorn, which swings by a tenth between runs, so a change worth a
few percent of a page does not show in it. This counts the instructions each target costs through the app's
WSGI callable (no gunicorn, no client), under valgrind's cachegrind: the same code gives the same count to
about 1%. Each target runs twice after the same warm-up, with ``FEW`` requests and with ``FEW + requests``, and
the difference over ``requests`` is its cost a request, so start-up and warm-up cancel out. The service runs
as the bench runs it (production config, limits and sessions in Redis); the workers' ``gc.freeze()`` is done
after the warm-up, as ``gunicorn_conf`` does.

    nox -s bench-instructions                     # hello, the floor, the start page, the question page
    nox -s bench-instructions -- --requests 1000  # steadier, slower

What it leaves out is what hello pays too (gunicorn, the kernel) and how cold a page's code runs between
requests: it compares versions of a page, while the bench's ratios stay the targets.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import subprocess  # nosec B404 - runs valgrind on this module, fixed argument lists
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from govuk_layout.testing.weight import ACCEPT_ENCODING
from tools.bench.bench import service_environment, start_button
from tools.bench.service import FLOOR_PATH

FEW = 20  # requests of the shorter run: the same in both runs, so they cancel out with start-up
WARM_UP = 50  # requests before either run counts, so caches are filled as in a running service
TARGETS = ("hello", "floor", "start page", "question page")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def summary(cachegrind_out: str) -> int:
    """The instructions a cachegrind output file counts (its ``summary:`` line)."""
    for line in cachegrind_out.splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise ValueError("no summary line: not a cachegrind output file")


def per_request(few: int, many: int, requests: int) -> int:
    """The cost of one request, from counts of a run with ``FEW`` requests and one with ``requests`` more."""
    if many < few:
        raise ValueError(f"the longer run counted fewer instructions ({many:,} < {few:,})")
    return round((many - few) / requests)


def _environ(path: str, accept_encoding: str) -> dict[str, Any]:
    """A browser's first GET of ``path`` over loopback, as gunicorn would pass it on."""
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if accept_encoding:
        environ["HTTP_ACCEPT_ENCODING"] = accept_encoding
    return environ


def get(app: WsgiApp, path: str, accept_encoding: str = ACCEPT_ENCODING) -> tuple[str, bytes]:
    """One request through the WSGI callable (by default a browser's, taking compressed pages): its status line
    and its body as sent."""
    sent: list[str] = []
    body = app(_environ(path, accept_encoding), lambda status, headers, exc_info=None: sent.append(status))
    try:
        return sent[0], b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close:
            close()


def app_and_path(target: str, service: str) -> tuple[WsgiApp, str]:
    """The app a target runs on and the path it asks for."""
    from tools.bench import hello
    from tools.bench import service as service_app

    if target == "hello":
        return hello.create_app(), "/"
    app = service_app.create_app(service)
    if target == "floor":
        return app, FLOOR_PATH
    if target == "start page":
        return app, "/"
    question = start_button(get(app, "/", accept_encoding="")[1].decode())
    if target != "question page" or not question:
        raise SystemExit(f"instructions: no {target!r} in {service}")
    return app, question


def run_target(target: str, service: str, count: int) -> str:
    """The child: warm up, freeze what start-up made, then ``count`` requests (the part valgrind's counts differ by).

    Returns the path it asked for.
    """
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # the request log, as to a pipe
        app, path = app_and_path(target, service)
        for _ in range(WARM_UP):
            status, _ = get(app, path)
            if not status.startswith("200"):
                raise SystemExit(f"instructions: {target} ({path}) answered {status}")
        gc.collect()
        gc.freeze()
        for _ in range(count):
            get(app, path)
    return path


def count(valgrind: str, target: str, service: str, requests: int, env: dict[str, str]) -> tuple[int, str]:
    """Instructions the child counts under cachegrind for ``requests`` requests (and everything before them), and
    the path it asked for."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "cachegrind.out"
        command = [
            valgrind,
            "--tool=cachegrind",
            "--cache-sim=no",
            f"--cachegrind-out-file={out}",
            sys.executable,
            "-m",
            "tools.bench.instructions",
            "--child",
            target,
            "--service",
            service,
            "--requests",
            str(requests),
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # nosec B603
        if done.returncode:
            raise SystemExit(f"instructions: {target} failed under valgrind:\n{done.stderr[-3000:]}")
        return summary(out.read_text()), done.stdout.strip()


def table(costs: dict[str, int], paths: dict[str, str]) -> str:
    """Markdown: each target's instructions a request, and hello's over it (as the bench's ratios read)."""
    hello = costs.get("hello")
    rows = [
        "| target | path | instructions a request | hello's ÷ target's |",
        "|---|---|--:|--:|",
    ]
    for target, cost in costs.items():
        ratio = f"{hello / cost:.3f}" if hello and cost else "–"
        rows.append(f"| {target} | `{paths[target]}` | {cost:,} | {ratio} |")
    return "\n".join(rows)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--service", default="example", help="the service (a package with create_app)")
    parser.add_argument("--requests", type=int, default=300, help="requests counted per target (default 300)")
    parser.add_argument("--valgrind", default="valgrind", help="the valgrind binary")
    parser.add_argument("--target", action="append", choices=TARGETS, help="only these targets (repeatable)")
    parser.add_argument("--child", choices=TARGETS, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.child:
        print(run_target(args.child, args.service, args.requests))
        return 0
    metrics = Path(tempfile.mkdtemp(prefix="instructions-"))
    # The service's production pipeline, as the bench serves it; one hash seed, so dicts are laid out alike.
    env = {**service_environment(metrics), "PYTHONHASHSEED": "0"}
    costs, paths = {}, {}
    for target in args.target or TARGETS:
        few, _ = count(args.valgrind, target, args.service, FEW, env)
        many, paths[target] = count(args.valgrind, target, args.service, FEW + args.requests, env)
        costs[target] = per_request(few, many, args.requests)
        print(f"  {target}: {costs[target]:,} instructions a request", flush=True)
    print("\n" + table(costs, paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
