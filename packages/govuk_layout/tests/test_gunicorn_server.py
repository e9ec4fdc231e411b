"""The real gunicorn under govuk_layout.gunicorn_conf, as every image runs it: what a pentest found at the socket.

Slow clients must not stop probes or pages, a chunked body over the limit is the 413 page, and gunicorn's
own error responses (which never reach the app) do not echo the request.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from govuk_layout import GovukLayout
from govuk_layout.testing import csrf_token
from govuk_layout.testing.processes import HOST, gunicorn

MARKER = "<script>marker</script>"
LIMIT = 1024 * 1024  # GOVUK_MAX_CONTENT_LENGTH's default
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
HEAD_TIMEOUT = 6  # shorter than the image's 10 s, so the test that waits for it is quick


def served_app() -> Flask:
    """What each worker loads: the layout alone, configured from the environment."""
    app = Flask("under_gunicorn")
    GovukLayout(app)
    return app


@pytest.fixture(scope="module")
def server(gunicorn_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The package's gunicorn config with its image defaults (workers, threads...), production settings."""
    env = {
        **gunicorn_env,
        "GOVUK_SECURE_COOKIES": "false",  # plain http here: a Secure cookie would never come back
        "GUNICORN_HEAD_TIMEOUT": str(HEAD_TIMEOUT),
        "GOVUK_GOOGLE_ANALYTICS_ID": "G-TEST1234",  # so the cookies page has the form the chunked post answers
    }
    args = ["--config", "python:govuk_layout.gunicorn_conf", "--chdir", str(Path(__file__).parent)]
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with gunicorn("test_gunicorn_server:served_app()", log, env=env, args=args, ready="/healthz") as process:
        yield process.url


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


class SlowClients:
    """``count`` connections that each send a request's head one header line every ``interval`` seconds."""

    def __init__(self, url: str, count: int, interval: float) -> None:
        self.port, self.count, self.interval = _port(url), count, interval
        self.sockets: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._drip, daemon=True)

    def __enter__(self) -> SlowClients:
        for number in range(self.count):
            connection = socket.create_connection((HOST, self.port), timeout=5)
            connection.sendall(f"GET /healthz?slow={number} HTTP/1.1\r\nHost: localhost\r\n".encode())
            self.sockets.append(connection)
        self.thread.start()
        return self

    def _drip(self) -> None:
        line = 0
        while not self.stop.wait(self.interval):
            line += 1
            for connection in self.sockets:
                with contextlib.suppress(OSError):  # the server closed it: that is allowed
                    connection.sendall(f"X-Slow-{line}: still typing\r\n".encode())

    def still_open(self) -> int:
        """How many of the connections the server has not closed."""
        open_ = 0
        for connection in self.sockets:
            connection.setblocking(False)
            try:
                open_ += connection.recv(1, socket.MSG_PEEK) != b""
            except BlockingIOError:
                open_ += 1  # nothing to read and not closed
            except OSError:
                pass
        return open_

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join()
        for connection in self.sockets:
            connection.close()


def test_probes_and_pages_answer_within_a_second_while_50_slow_clients_are_connected(server: str) -> None:
    # Each worker renders its first page (templates, the chrome) before the clock runs: a new connection goes to
    # either worker by its hash, so 16 leave one without any 1 time in 32,768.
    for _ in range(16):
        with requests.get(server + "/cookies", timeout=30) as response:
            assert response.status_code == 200
    with SlowClients(server, count=50, interval=2) as slow:
        time.sleep(1)  # the workers have picked the slow connections up
        for path in ("/healthz", "/cookies", "/healthz"):
            with requests.get(server + path, timeout=1) as response:  # a second for connect and for the answer
                assert response.status_code == 200, path
        assert slow.still_open() == 50, "the probes should have been answered while the slow clients were connected"


def test_a_head_not_complete_in_time_closes_the_connection(server: str) -> None:
    with socket.create_connection((HOST, _port(server)), timeout=HEAD_TIMEOUT + 10) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")  # and nothing more
        assert connection.recv(1) == b"", "the server should have closed the connection"


def test_a_head_sent_in_pieces_and_pipelined_requests_are_each_answered(server: str) -> None:
    """The worker collects heads itself: one split over several packets, then two sent in one go behind it."""
    with socket.create_connection((HOST, _port(server)), timeout=10) as connection:
        for piece in (b"GET /healthz HT", b"TP/1.1\r\nHost: local", b"host\r\n", b"\r\n"):
            connection.sendall(piece)
            time.sleep(0.2)
        twice = b"GET /healthz?n=2 HTTP/1.1\r\nHost: localhost\r\n\r\n"
        connection.sendall(twice + twice.replace(b"HTTP/1.1\r\n", b"HTTP/1.1\r\nConnection: close\r\n"))
        answers = b""
        while chunk := connection.recv(65536):
            answers += chunk
    assert answers.count(b"HTTP/1.1 200 OK\r\n") == 3, answers[:500]


LISTEN, ESTABLISHED = "0A", "01"  # the kernel's TCP states, as /proc/net/tcp writes them


def _sockets(port: int, state: str) -> set[str]:
    """The inodes of the loopback IPv4 sockets whose local port is ``port``, in ``state``."""
    rows = (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
    return {row[9] for row in rows if int(row[1].rsplit(":", 1)[1], 16) == port and row[3] == state}


def _holders(inodes: set[str]) -> Counter[int]:
    """How many of ``inodes`` each process holds open."""
    held: Counter[int] = Counter()
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        with contextlib.suppress(OSError):  # a process or descriptor that has gone
            target = os.readlink(fd)
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held[int(fd.parts[2])] += 1
    return held


def test_each_worker_listens_on_its_own_socket_and_takes_its_share_of_a_burst_of_connections(server: str) -> None:
    """One shared socket let whichever worker woke first accept a burst (3 of 32 to one, 29 to the other)."""
    port, workers = _port(server), 2  # the image's default
    assert len(_sockets(port, LISTEN)) == workers
    burst = [socket.create_connection((HOST, port), timeout=5) for _ in range(32)]
    try:
        for connection in burst:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        for connection in burst:
            assert connection.recv(12, socket.MSG_WAITALL) == b"HTTP/1.1 200"
        held = _holders(_sockets(port, ESTABLISHED) - {"0"})
    finally:
        for connection in burst:
            connection.close()
    assert sum(held.values()) == 32 and len(held) == workers, held
    assert min(held.values()) >= 4, held  # hashed evenly, fewer than 4 of 32 would be one run in about 400,000


def _chunks(body: bytes, size: int = 65536) -> Iterator[bytes]:
    """A body requests sends chunked (a generator has no length)."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_a_chunked_body_over_the_limit_is_the_413_page(server: str) -> None:
    body = b"analytics=yes&source=page&x=" + b"A" * LIMIT
    with requests.post(server + "/cookies", data=_chunks(body), headers=FORM, timeout=30) as response:
        assert response.request.headers["Transfer-Encoding"] == "chunked"
        assert response.status_code == 413  # it was cut at the limit, then failed CSRF (400)
        assert "The information you sent is too large" in response.text


def test_a_chunked_form_within_the_limit_is_read_whole(server: str) -> None:
    with requests.Session() as browser:
        with browser.get(server + "/cookies", timeout=30) as page:
            token = csrf_token(page.text)
        body = f"csrf_token={token}&analytics=yes&source=page&x=".encode() + b"A" * (LIMIT // 2)
        with browser.post(server + "/cookies", data=_chunks(body), headers=FORM, timeout=30) as response:
            assert response.history[0].request.headers["Transfer-Encoding"] == "chunked"
            assert [step.status_code for step in response.history] == [302], response.text[:500]  # choice saved
            assert "govuk-notification-banner--success" in response.text


def _raw(url: str, request: bytes) -> bytes:
    """Send ``request`` as bytes and read the whole answer (gunicorn closes the connection after an error)."""
    with socket.create_connection((HOST, _port(url)), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


HEAD_END = b"Host: localhost\r\n\r\n"


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        pytest.param(b"GET /" + b"a" * 5000 + MARKER.encode() + b" HTTP/1.1\r\n" + HEAD_END, 414, id="long-line"),
        pytest.param(b"GET / HTTP/1.1 " + MARKER.encode() + b"\r\n" + HEAD_END, 400, id="bad-line"),
        pytest.param(MARKER.encode() + b" / HTTP/1.1\r\n" + HEAD_END, 400, id="bad-method"),
        pytest.param(b"GET / HTTP/1.1\r\n" + MARKER.encode() + b": x\r\n" + HEAD_END, 400, id="bad-header-name"),
        pytest.param(
            b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: %s\r\n" % (n, MARKER.encode()) for n in range(101)) + HEAD_END,
            431,
            id="too-many-headers",
        ),
        pytest.param(b"GET / HTTP/1.1\r\nX-Big: " + MARKER.encode() * 500 + b"\r\n" + HEAD_END, 431, id="big-header"),
    ],
)
def test_gunicorns_own_errors_say_the_status_and_echo_nothing(server: str, request_: bytes, status: int) -> None:
    answer = _raw(server, request_)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].startswith(b"HTTP/1.1 %d " % status), answer[:200]
    assert b"marker" not in answer.lower(), "the response repeats what the client sent"
    headers = {name.lower(): value for name, _, value in (line.partition(b": ") for line in head.split(b"\r\n")[1:])}
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert headers[b"content-security-policy"].startswith(b"default-src 'none'")
    assert body.startswith(b"%d " % status)
